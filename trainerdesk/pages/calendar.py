"""The dashboard calendar page: day, week and month views, the trainer switcher, drag to reschedule."""

import reflex as rx

from ..components.booking_list import action_dialog, details_dialog
from ..components.calendar_grid import month_grid, status_styles, time_grid
from ..components.layout import calendar_switcher, dashboard_frame
from ..state.bookings import BookingDialogsState as D
from ..state.calendar import CalendarState as C

VIEW_NAMES = (("day", "Day"), ("week", "Week"), ("month", "Month"))


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=value) for value, label in VIEW_NAMES],
            value=C.view,
            on_change=C.set_view,
            aria_label="View",
        ),
        rx.hstack(
            rx.button("Previous", variant="soft", on_click=C.previous),
            rx.button("Today", variant="soft", on_click=C.today),
            rx.button("Next", variant="soft", on_click=C.next),
            spacing="2",
        ),
        rx.heading(C.heading, size="4", as_="h2", id="calendar-range", aria_live="polite"),
        rx.spacer(),
        rx.text(C.zone_note, size="2", color_scheme="gray"),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _team_summary() -> rx.Component:
    g = C.grid
    return rx.cond(
        (C.view == "day") & (C.viewing == "all"),
        rx.hstack(
            rx.text("Nobody works: ", rx.cond(g.gaps != "", g.gaps, "—"), size="2", color_scheme="amber"),
            rx.text("Two or more work: ", rx.cond(g.overlaps != "", g.overlaps, "—"), size="2", color_scheme="green"),
            spacing="5",
            wrap="wrap",
        ),
    )


def calendar_page() -> rx.Component:
    return dashboard_frame(
        C,
        rx.vstack(
            status_styles(),
            rx.hstack(
                rx.heading("Calendar", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(C),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            _toolbar(),
            rx.cond(C.error != "", rx.callout(C.error, icon="triangle-alert", color_scheme="red", role="alert")),
            _team_summary(),
            rx.text(
                "Drag a session to move it (with the mouse or a finger), or open it and choose Reschedule.",
                size="2",
            ),
            rx.box(rx.cond(C.view == "month", month_grid(C, D), time_grid(C, D)), class_name="td-cal-scroll"),
            rx.text("", id="calendar-drag-label", size="2", aria_live="polite", min_height="1.25rem"),
            rx.el.input(
                id="calendar-drop",
                type="text",
                on_change=lambda value: C.move_session(value.split("|")[0], value.split("|")[1]),
                tab_index=-1,
                aria_hidden="true",
                style={"display": "none"},
            ),
            rx.script(src="/calendar_drag.js"),
            details_dialog(D, after=(C.redraw,)),
            action_dialog(D, after=(C.redraw,)),
            spacing="3",
            width="100%",
        ),
    )
