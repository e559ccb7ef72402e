"""Team page: members, adding a sub-trainer, and the side-by-side week."""

import reflex as rx

from ..components.layout import dashboard_frame
from ..state.common import ZONES
from ..state.team import TeamState as T


def _error(name: str) -> rx.Component:
    return rx.cond(
        T.form_errors.contains(name),
        rx.text(T.form_errors[name], color_scheme="red", size="2", role="alert", id=f"sub-error-{name}"),
    )


def _field(label: str, name: str, type_: str = "text") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"sub-{name}", class_name="td-label"),
        rx.input(
            id=f"sub-{name}",
            name=name,
            type=type_,
            required=True,
            aria_invalid=rx.cond(T.form_errors.contains(name), "true", "false"),
            aria_describedby=rx.cond(T.form_errors.contains(name), f"sub-error-{name}", ""),
        ),
        _error(name),
        spacing="1",
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Add a sub-trainer", size="4", as_="h2"),
            rx.hstack(
                _field("Name", "name"),
                _field("Email", "email", "email"),
                _field("Password (at least 8 characters)", "password", "password"),
                rx.vstack(
                    rx.el.label("Time zone", html_for="sub-timezone", class_name="td-label"),
                    rx.el.select(
                        *[rx.el.option(z, value=z) for z in ZONES],
                        id="sub-timezone",
                        name="timezone",
                        default_value=T.trainer_zone,
                        key=T.trainer_zone,
                        class_name="td-select",
                        style={"width": "14rem"},
                    ),
                    _error("timezone"),
                    spacing="1",
                ),
                spacing="3",
                wrap="wrap",
                align="end",
            ),
            _error("form"),
            rx.button("Add sub-trainer", type="submit"),
            rx.cond(T.added != "", rx.text(T.added, color_scheme="green", role="status")),
            spacing="3",
        ),
        on_submit=T.add_sub_trainer,
        no_validate=True,
        key=T.form_round,
        aria_label="Add a sub-trainer",
    )


def _members() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Team members", class_name="td-sr-only"),
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(h) for h in ("Name", "Role", "Email", "Zone", "Booking page")])
        ),
        rx.table.body(
            rx.foreach(
                T.members,
                lambda m: rx.table.row(
                    rx.table.cell(m.name),
                    rx.table.cell(m.role),
                    rx.table.cell(m.email),
                    rx.table.cell(m.zone),
                    rx.table.cell(rx.link(m.url, href=m.url, is_external=True)),
                ),
            )
        ),
        width="100%",
    )


def _week() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Week side by side", size="4", as_="h2"),
            rx.spacer(),
            rx.button("Previous week", variant="soft", on_click=T.previous_week),
            rx.text(T.week_label, weight="medium", aria_live="polite"),
            rx.button("Next week", variant="soft", on_click=T.next_week),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(
            "Hours and bookings of each trainer, in your time zone (",
            T.trainer_zone,
            "). Gaps: times inside the team's day when nobody works. Overlaps: times when two or more trainers work.",
            size="2",
        ),
        rx.box(
            rx.table.root(
                rx.el.caption("Team week", class_name="td-sr-only"),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Day"),
                        rx.foreach(T.columns, lambda c: rx.table.column_header_cell(c.name)),
                        rx.table.column_header_cell("Gaps"),
                        rx.table.column_header_cell("Overlaps"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        T.days,
                        lambda d: rx.table.row(
                            rx.table.row_header_cell(d.label),
                            rx.foreach(
                                d.cells,
                                lambda cell: rx.table.cell(
                                    rx.vstack(
                                        rx.text(cell.hours, size="2"),
                                        rx.cond(
                                            cell.bookings != "",
                                            rx.text("Booked: ", cell.bookings, size="1", color_scheme="blue"),
                                        ),
                                        spacing="1",
                                    )
                                ),
                            ),
                            rx.table.cell(rx.text(d.gaps, size="2", color_scheme="amber")),
                            rx.table.cell(rx.text(d.overlaps, size="2", color_scheme="green")),
                        ),
                    )
                ),
                width="100%",
                variant="surface",
            ),
            width="100%",
            overflow_x="auto",
        ),
        spacing="3",
        width="100%",
    )


def team_page() -> rx.Component:
    return dashboard_frame(
        T,
        rx.vstack(
            rx.heading("Team", size="6", as_="h1"),
            rx.cond(
                T.is_primary,
                rx.vstack(_members(), _add_form(), _week(), spacing="5", width="100%"),
                rx.text("You are part of a team; your primary trainer manages it. Your calendar is yours alone."),
            ),
            spacing="4",
            width="100%",
        ),
    )
