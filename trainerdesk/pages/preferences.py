"""Booking preferences page."""

import reflex as rx

from ..components.layout import calendar_switcher, dashboard_frame
from ..domain.preferences import STANDARD_BUFFERS, STANDARD_DURATIONS
from ..state.preferences import PreferencesState as P


def _error(name: str) -> rx.Component:
    return rx.cond(
        P.field_errors.contains(name),
        rx.text(P.field_errors[name], color_scheme="red", size="2", role="alert", id=f"error-{name}"),
    )


def _number(label: str, name: str, unit: str, hint: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"pref-{name}", class_name="td-label"),
        rx.hstack(
            rx.input(
                id=f"pref-{name}",
                type="number",
                value=P.values[name],
                on_change=lambda v: P.set_value(name, v),
                width="8rem",
                aria_describedby=f"hint-{name}",
            ),
            rx.text(unit, size="2"),
            align="center",
        ),
        rx.text(hint, size="1", color_scheme="gray", id=f"hint-{name}"),
        _error(name),
        spacing="1",
    )


def _switch(label: str, name: str) -> rx.Component:
    return rx.hstack(
        rx.switch(id=f"pref-{name}", checked=P.switches[name], on_change=lambda v: P.set_switch(name, v)),
        rx.el.label(label, html_for=f"pref-{name}"),
        align="center",
        spacing="2",
    )


def preferences_page() -> rx.Component:
    return dashboard_frame(
        P,
        rx.vstack(
            rx.hstack(
                rx.heading("Booking preferences", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(P, allow_all=False),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Sessions", size="4", as_="h2"),
                    rx.el.fieldset(
                        rx.el.legend("Session lengths clients can book", class_name="td-label"),
                        rx.hstack(
                            *[
                                rx.hstack(
                                    rx.checkbox(
                                        id=f"duration-{d}",
                                        checked=P.durations.contains(d),
                                        on_change=lambda checked, d=d: P.toggle_duration(d, checked),
                                    ),
                                    rx.el.label(f"{d} min", html_for=f"duration-{d}"),
                                    align="center",
                                    spacing="1",
                                )
                                for d in STANDARD_DURATIONS
                            ],
                            spacing="4",
                            wrap="wrap",
                        ),
                        style={"border": "0", "padding": "0", "margin": "0"},
                    ),
                    rx.el.label(
                        "Custom lengths (minutes, comma separated)", html_for="pref-custom", class_name="td-label"
                    ),
                    rx.input(
                        id="pref-custom",
                        value=P.custom_durations,
                        on_change=P.set_custom_durations,
                        placeholder="e.g. 75",
                        width="12rem",
                    ),
                    _error("session_durations"),
                    rx.el.label("Buffer between sessions", html_for="pref-buffer_minutes", class_name="td-label"),
                    rx.el.select(
                        *[rx.el.option(f"{b} minutes", value=str(b)) for b in STANDARD_BUFFERS],
                        id="pref-buffer_minutes",
                        value=P.values["buffer_minutes"],
                        on_change=lambda v: P.set_value("buffer_minutes", v),
                        class_name="td-select",
                        style={"width": "12rem"},
                    ),
                    _error("buffer_minutes"),
                    spacing="2",
                ),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("When clients can book", size="4", as_="h2"),
                    _number(
                        "Minimum notice", "min_notice_hours", "hours", "The earliest a client can book: now plus this."
                    ),
                    _number("Booking window", "max_advance_days", "days", "How far ahead clients can book (1 to 730)."),
                    _switch("Confirm new bookings automatically", "auto_confirm"),
                    spacing="3",
                ),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Cancelling and rescheduling", size="4", as_="h2"),
                    _switch("Clients may cancel online", "allow_client_cancel"),
                    _number(
                        "Cancellation notice",
                        "cancellation_notice_hours",
                        "hours",
                        "Cancelling later than this before the start is a late cancellation.",
                    ),
                    _switch("Clients may reschedule online", "allow_client_reschedule"),
                    _number(
                        "Reschedule notice",
                        "reschedule_notice_hours",
                        "hours",
                        "Clients cannot move a session later than this before it starts.",
                    ),
                    _number("Maximum reschedules", "max_reschedules", "times", "Per booking (0 to 20)."),
                    spacing="3",
                ),
                width="100%",
            ),
            _error("form"),
            rx.hstack(
                rx.button("Save preferences", on_click=P.save, size="3"),
                rx.cond(P.saved, rx.text("Saved.", color_scheme="green", role="status")),
                align="center",
            ),
            spacing="4",
            width="100%",
            max_width="48rem",
        ),
    )
