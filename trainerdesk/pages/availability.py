"""Availability page: the weekly pattern (grid) and specific dates (overrides)."""

import reflex as rx

from .. import routes
from ..components.availability_grid import week_grid
from ..components.layout import calendar_switcher, dashboard_frame
from ..domain.slots import DAY_NAMES
from ..state.availability import AvailabilityState as A


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.vstack(
                rx.el.label("Day", html_for="add-day", class_name="td-label"),
                rx.el.select(
                    *[rx.el.option(n, value=str(i)) for i, n in enumerate(DAY_NAMES)],
                    id="add-day",
                    name="day",
                    class_name="td-select",
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label("From", html_for="add-start", class_name="td-label"),
                rx.input(id="add-start", name="start", type="time", step=300, default_value="09:00"),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label("Until", html_for="add-end", class_name="td-label"),
                rx.input(
                    id="add-end",
                    name="end",
                    type="text",
                    default_value="17:00",
                    pattern="[0-2][0-9]:[0-5][0-9]",
                    aria_describedby="add-end-hint",
                    width="6rem",
                ),
                spacing="1",
            ),
            rx.button("Add hours", type="submit"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        rx.text("Times as HH:MM; 24:00 ends a block at midnight.", size="1", color_scheme="gray", id="add-end-hint"),
        on_submit=A.add_from_form,
        reset_on_submit=False,
        aria_label="Add weekly hours",
    )


def _week_button(label: str, offset: int) -> rx.Component:
    return rx.button(
        label,
        size="1",
        variant=rx.cond(A.outside_offset == offset, "solid", "soft"),
        aria_pressed=rx.cond(A.outside_offset == offset, "true", "false"),
        on_click=A.show_week(offset),
    )


def _outside_week() -> rx.Component:
    """Which concrete week's outside busy times are greyed over the grid, and what the grey means."""
    return rx.hstack(
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left", size=16),
                size="1",
                variant="soft",
                on_click=A.show_week(A.outside_offset - 1),
                disabled=A.outside_offset <= 0,
                aria_label="Show the week before",
            ),
            _week_button("This week", 0),
            _week_button("Next week", 1),
            rx.icon_button(
                rx.icon("chevron-right", size=16),
                size="1",
                variant="soft",
                on_click=A.show_week(A.outside_offset + 1),
                disabled=A.outside_offset >= A.outside_last,
                aria_label="Show the week after",
            ),
            rx.text(A.outside_week, size="2", weight="medium", id="outside-week", aria_live="polite"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.spacer(),
        rx.cond(
            A.calendars_connected,
            rx.text(rx.el.span(class_name="td-busy-swatch"), "Greyed: busy in your connected calendars", size="1"),
            rx.text(
                "Busy times from your other calendars can show here: ",
                rx.link("connect a calendar", href=routes.DASHBOARD_INTEGRATIONS),
                ".",
                size="1",
                color_scheme="gray",
            ),
        ),
        width="100%",
        align="center",
        wrap="wrap",
        spacing="3",
    )


def _weekly() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Drag across the grid to add hours (with the mouse or a finger); press × on a block to remove it.", size="2"
        ),
        _outside_week(),
        week_grid(A),
        rx.heading("Or type them in", size="3", as_="h2"),
        _add_form(),
        spacing="3",
        width="100%",
    )


def _date_row(d) -> rx.Component:
    return rx.box(
        rx.text(d.label, weight="medium"),
        rx.hstack(
            rx.text(d.hours),
            rx.cond(d.kind == "override", rx.badge("Special hours", color_scheme="blue")),
            rx.cond(d.kind == "closed", rx.badge("Blocked", color_scheme="red")),
            spacing="2",
            align="center",
        ),
        rx.hstack(
            rx.cond(
                d.kind != "closed",
                rx.button(
                    "Block this date",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=A.block_date(d.iso),
                    aria_label="Block " + d.long,
                ),
            ),
            rx.button(
                "Override hours",
                size="1",
                variant="soft",
                on_click=A.open_override(d.iso),
                aria_label="Override hours for " + d.long,
            ),
            rx.cond(
                d.kind != "weekly",
                rx.button(
                    "Use weekly hours",
                    size="1",
                    variant="outline",
                    on_click=A.use_weekly(d.iso),
                    aria_label="Use weekly hours on " + d.long,
                ),
            ),
            spacing="2",
            wrap="wrap",
        ),
        class_name="td-date-row",
        role="listitem",
    )


def _override_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Override hours for ", A.dialog_date),
            rx.dialog.description("These hours replace the weekly ones on this date only.", size="2"),
            rx.vstack(
                rx.foreach(
                    A.dialog_ranges,
                    lambda r, i: rx.hstack(
                        rx.input(
                            value=r[0],
                            on_change=lambda v: A.set_range(i, 0, v),
                            aria_label="From",
                            width="6rem",
                            placeholder="09:00",
                        ),
                        rx.text("to"),
                        rx.input(
                            value=r[1],
                            on_change=lambda v: A.set_range(i, 1, v),
                            aria_label="Until",
                            width="6rem",
                            placeholder="17:00",
                        ),
                        rx.button("Remove", size="1", variant="ghost", on_click=A.remove_range(i)),
                        align="center",
                        spacing="2",
                    ),
                ),
                rx.button("Add another time range", size="1", variant="soft", on_click=A.add_range),
                rx.cond(A.dialog_error != "", rx.text(A.dialog_error, color_scheme="red", size="2", role="alert")),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Save hours", on_click=A.save_dialog),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=A.dialog_open,
        on_open_change=A.set_dialog_open,
    )


def _dates() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.vstack(
                    rx.el.label("Another date", html_for="other-date", class_name="td-label"),
                    rx.input(id="other-date", name="date", type="date"),
                    spacing="1",
                ),
                rx.el.select(
                    rx.el.option("Override hours", value="hours"),
                    rx.el.option("Block this date", value="block"),
                    name="kind",
                    aria_label="What to do on that date",
                    class_name="td-select",
                    style={"width": "12rem"},
                ),
                rx.button("Go", type="submit"),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            on_submit=A.override_other_date,
            aria_label="Change another date",
        ),
        rx.box(rx.foreach(A.dates, _date_row), role="list", aria_label="The next four weeks", width="100%"),
        _override_dialog(),
        spacing="3",
        width="100%",
    )


def availability_page() -> rx.Component:
    return dashboard_frame(
        A,
        rx.vstack(
            rx.hstack(
                rx.heading("Availability", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(A, allow_all=False),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text("Times are in the trainer's zone: ", A.shown_zone, size="2", color_scheme="gray"),
            rx.cond(
                A.error != "",
                rx.callout(A.error, icon="triangle-alert", color_scheme="red", role="alert", id="availability-error"),
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Weekly pattern", value="weekly"), rx.tabs.trigger("Specific dates", value="dates")
                ),
                rx.tabs.content(_weekly(), value="weekly", padding_top="1rem"),
                rx.tabs.content(_dates(), value="dates", padding_top="1rem"),
                value=A.tab,
                on_change=A.set_tab,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
    )
