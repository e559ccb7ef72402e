"""The trainer's bookings table, its filters, bulk bar, and the detail and action dialogs.

Each piece takes the state it shows (``state/bookings``): ``F`` the filters, ``S`` the table, ``D`` the
dialogs; rows are typed view models (``state/presenters.py``)."""

from __future__ import annotations

import reflex as rx

from .status import STATUS_LABELS, status_badge

VIEWS = (("upcoming", "Upcoming"), ("past", "Past"), ("cancelled", "Cancelled"), ("all", "All"))


def filters(F) -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=value) for value, label in VIEWS],
            value=F.view,
            on_change=F.set_view,
            aria_label="Which bookings",
        ),
        rx.input(
            placeholder="Search client name or email",
            value=F.q,
            on_change=F.set_q.debounce(300),
            aria_label="Search client name or email",
            width="16rem",
        ),
        rx.hstack(
            rx.el.label("From", html_for="filter-from", class_name="td-label"),
            rx.input(id="filter-from", type="date", value=F.date_from, on_change=F.set_date_from),
            rx.el.label("to", html_for="filter-to", class_name="td-label"),
            rx.input(id="filter-to", type="date", value=F.date_to, on_change=F.set_date_to),
            align="center",
            spacing="2",
        ),
        rx.button("Clear filters", variant="ghost", on_click=F.clear_filters),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _actions(S, D, row) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Details",
            size="1",
            variant="soft",
            on_click=D.show_details(row.id),
            aria_label="Details of " + row.client + " " + row.date + " " + row.time,
        ),
        rx.cond(
            row.can_confirm,
            rx.button(
                "Confirm",
                size="1",
                on_click=S.confirm(row.id),
                aria_label="Confirm " + row.client + " " + row.date,
            ),
        ),
        rx.cond(
            row.can_complete,
            rx.button(
                "Complete",
                size="1",
                color_scheme="green",
                on_click=D.open_action("complete", row.id),
                aria_label="Mark complete " + row.client + " " + row.date,
            ),
        ),
        rx.cond(
            row.can_no_show,
            rx.button(
                "No-show",
                size="1",
                color_scheme="orange",
                variant="soft",
                on_click=S.mark_no_show(row.id),
                aria_label="Mark no-show " + row.client + " " + row.date,
            ),
        ),
        rx.cond(
            row.can_reschedule,
            rx.button(
                "Reschedule",
                size="1",
                variant="soft",
                on_click=D.open_action("reschedule", row.id),
                aria_label="Reschedule " + row.client + " " + row.date,
            ),
        ),
        rx.cond(
            row.can_cancel,
            rx.button(
                "Cancel",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=D.open_action("cancel", row.id),
                aria_label="Cancel " + row.client + " " + row.date,
            ),
        ),
        spacing="1",
        wrap="wrap",
    )


def table(S, D) -> rx.Component:
    return rx.table.root(
        rx.el.caption("Bookings", class_name="td-sr-only"),
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(
                    rx.checkbox(checked=S.all_selected, on_change=S.toggle_all, aria_label="Select all on this page")
                ),
                rx.table.column_header_cell(
                    rx.button(
                        "Date",
                        rx.cond(S.sort == "startTime", rx.icon("arrow-up", size=14), rx.icon("arrow-down", size=14)),
                        variant="ghost",
                        on_click=S.toggle_sort,
                        aria_label="Sort by date",
                    ),
                    aria_sort=rx.cond(S.sort == "startTime", "ascending", "descending"),
                ),
                rx.table.column_header_cell("Time"),
                rx.cond(S.viewing == "all", rx.table.column_header_cell("Trainer")),
                *[rx.table.column_header_cell(h) for h in ("Client", "Length", "Status", "Actions")],
            )
        ),
        rx.table.body(
            rx.foreach(
                S.rows,
                lambda row: rx.table.row(
                    rx.table.cell(
                        rx.checkbox(
                            checked=S.selected.contains(row.id),
                            on_change=lambda checked: S.toggle_row(row.id, checked),
                            aria_label="Select " + row.client + " " + row.date + " " + row.time,
                        )
                    ),
                    rx.table.cell(row.date),
                    rx.table.cell(row.time),
                    rx.cond(S.viewing == "all", rx.table.cell(row.trainer)),
                    rx.table.cell(
                        rx.vstack(
                            rx.text(row.client, weight="medium"),
                            rx.link(row.email, href="mailto:" + row.email, size="1"),
                            spacing="0",
                        )
                    ),
                    rx.table.cell(row.duration),
                    rx.table.cell(status_badge(row.status)),
                    rx.table.cell(_actions(S, D, row)),
                ),
            )
        ),
        width="100%",
        variant="surface",
    )


def pager(S) -> rx.Component:
    return rx.hstack(
        rx.text(S.total, " bookings", size="2"),
        rx.spacer(),
        rx.button("Previous page", variant="soft", on_click=S.previous_page, disabled=S.page <= 1),
        rx.text("Page ", S.page, " of ", S.pages, size="2", aria_live="polite"),
        rx.button("Next page", variant="soft", on_click=S.next_page, disabled=S.page >= S.pages),
        align="center",
        spacing="3",
        width="100%",
    )


def bulk_bar(S) -> rx.Component:
    return rx.hstack(
        rx.text(S.selected.length(), " selected", size="2"),
        rx.el.select(
            *[rx.el.option(label, value=value) for value, label in STATUS_LABELS.items() if value != "PENDING"],
            value=S.bulk_status,
            on_change=S.set_bulk_status,
            aria_label="New status for the selected",
            class_name="td-select",
            style={"width": "10rem"},
        ),
        rx.button("Apply to selected", on_click=S.apply_bulk, disabled=S.selected.length() == 0),
        rx.button(
            "Export selected (CSV)", variant="soft", on_click=S.export_selected, disabled=S.selected.length() == 0
        ),
        rx.button("Export all filtered (CSV)", variant="soft", on_click=S.export_filtered),
        spacing="3",
        wrap="wrap",
        align="center",
    )


def _detail_actions(D, d, after) -> rx.Component:
    """The booking's actions from its details: each closes the details first (the action dialog opens)."""
    close = D.set_detail_open(False)
    return rx.hstack(
        rx.cond(d.can_confirm, rx.button("Confirm", size="2", on_click=[close, D.confirm(d.id), *after])),
        rx.cond(
            d.can_reschedule,
            rx.button("Reschedule", size="2", variant="soft", on_click=[close, D.open_action("reschedule", d.id)]),
        ),
        rx.cond(
            d.can_complete,
            rx.button(
                "Mark complete",
                size="2",
                color_scheme="green",
                variant="soft",
                on_click=[close, D.open_action("complete", d.id)],
            ),
        ),
        rx.cond(
            d.can_no_show,
            rx.button(
                "Mark no-show",
                size="2",
                color_scheme="orange",
                variant="soft",
                on_click=[close, D.mark_no_show(d.id), *after],
            ),
        ),
        rx.cond(
            d.can_cancel,
            rx.button(
                "Cancel booking",
                size="2",
                color_scheme="red",
                variant="soft",
                on_click=[close, D.open_action("cancel", d.id)],
            ),
        ),
        spacing="2",
        wrap="wrap",
        margin_top="1rem",
    )


def details_dialog(D, *, after: tuple = ()) -> rx.Component:
    """``after``: events a page runs once an action from the dialog is done (the calendar redraws)."""
    d = D.detail
    item = lambda label, value: rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))  # noqa: E731
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Booking of ", d.client),
            rx.dialog.description(d.when, size="2"),
            rx.data_list.root(
                item("Client", d.client),
                item("Email", rx.link(d.email, href="mailto:" + d.email)),
                item("Phone", rx.cond(d.phone != "", rx.link(d.phone, href="tel:" + d.phone), "—")),
                item("Client's time", d.client_when),
                item("Length", d.duration),
                item("Status", status_badge(d.status)),
                item("Client notes", d.notes),
                item("Your notes", d.trainer_notes),
                item("Reschedules", d.reschedules),
                item("Late cancellation", d.late),
                item("Cancellation reason", d.reason),
                margin_y="1rem",
            ),
            rx.heading("History", size="3", as_="h3"),
            rx.el.ol(
                rx.foreach(
                    D.history,
                    lambda h: rx.el.li(
                        rx.text(rx.text.strong(h.what), " by ", h.who, ", ", h.at, " ", h.more, size="2")
                    ),
                )
            ),
            _detail_actions(D, d, after),
            rx.dialog.close(rx.button("Close", variant="soft", margin_top="1rem")),
        ),
        open=D.detail_open,
        on_open_change=D.set_detail_open,
    )


def action_dialog(D, *, after: tuple = ()) -> rx.Component:
    """``after``: events a page runs once the action is done (the calendar redraws)."""
    title = rx.match(
        D.action,
        ("complete", "Mark session complete"),
        ("cancel", "Cancel booking"),
        ("reschedule", "Reschedule booking"),
        "",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.vstack(
                rx.cond(D.action_warning != "", rx.callout(D.action_warning, icon="clock-alert", color_scheme="amber")),
                rx.cond(
                    D.action == "reschedule",
                    rx.vstack(
                        rx.el.label("New date", html_for="action-date", class_name="td-label"),
                        rx.input(id="action-date", type="date", value=D.action_date, on_change=D.set_action_date),
                        rx.cond(
                            D.action_slots.length() > 0,
                            rx.box(
                                rx.foreach(
                                    D.action_slots,
                                    lambda s: rx.button(
                                        s.label,
                                        size="1",
                                        variant=rx.cond(D.action_start == s.start, "solid", "outline"),
                                        on_click=D.pick_action_start(s.start),
                                        aria_label="Move to " + s.label,
                                    ),
                                ),
                                class_name="td-slots",
                                role="list",
                                aria_label="Free times",
                            ),
                            rx.text("No free times of this length on that date.", size="2"),
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    rx.vstack(
                        rx.el.label(
                            rx.cond(D.action == "cancel", "Reason (the client sees it)", "Session notes"),
                            html_for="action-text",
                            class_name="td-label",
                        ),
                        rx.text_area(id="action-text", value=D.action_text, on_change=D.set_action_text, width="100%"),
                        spacing="1",
                        width="100%",
                    ),
                ),
                rx.cond(D.action_error != "", rx.text(D.action_error, color_scheme="red", size="2", role="alert")),
                rx.hstack(
                    rx.dialog.close(rx.button("Back", variant="soft", color_scheme="gray")),
                    rx.button(
                        rx.match(
                            D.action,
                            ("complete", "Mark complete"),
                            ("cancel", "Cancel booking"),
                            ("reschedule", "Move booking"),
                            "OK",
                        ),
                        on_click=[D.submit_action, *after],
                        color_scheme=rx.cond(D.action == "cancel", "red", "iris"),
                    ),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=D.action != "",
        on_open_change=D.close_action,
    )
