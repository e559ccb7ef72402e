"""The client's reschedule and cancel pages, opened from the private links of the confirmation."""

import reflex as rx

from ..components.layout import public_page
from ..components.slot_picker import picker
from ..state.manage import CANCEL_REASONS, ManageBookingState as M


def _details() -> rx.Component:
    d = M.details
    return rx.data_list.root(
        rx.data_list.item(rx.data_list.label("Trainer"), rx.data_list.value(d["trainer"])),
        rx.data_list.item(
            rx.data_list.label("When (your time)"), rx.data_list.value(M.current_when, id="current-when")
        ),
        rx.data_list.item(rx.data_list.label("When (trainer's time)"), rx.data_list.value(M.current_trainer_when)),
        rx.data_list.item(rx.data_list.label("Length"), rx.data_list.value(d["duration"])),
        rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(d["status"], id="booking-status")),
    )


def _shell(title: str, body: rx.Component) -> rx.Component:
    return public_page(
        rx.cond(
            M.refused != "",
            rx.callout(M.refused, icon="shield-alert", color_scheme="red", role="alert"),
            rx.vstack(
                rx.heading(title, size="6", as_="h1"),
                _details(),
                rx.cond(M.done != "", rx.callout(M.done, icon="circle-check", color_scheme="green", role="status")),
                rx.cond(M.error != "", rx.callout(M.error, icon="triangle-alert", color_scheme="red", role="alert")),
                rx.cond(M.notice != "", rx.callout(M.notice, icon="info", color_scheme="amber", role="status")),
                rx.cond(M.active & (M.done == ""), body),
                rx.cond(~M.active & (M.done == ""), rx.text("This session can no longer be changed online.")),
                spacing="4",
                width="100%",
            ),
        ),
    )


def cancel_page() -> rx.Component:
    form = rx.cond(
        M.blocked != "",
        rx.callout(M.blocked, icon="info"),
        rx.form(
            rx.vstack(
                rx.text(M.policy, size="2"),
                rx.cond(
                    M.late,
                    rx.callout(
                        "This is a late cancellation: your session starts soon. Your trainer's policy may apply.",
                        icon="clock-alert",
                        color_scheme="amber",
                    ),
                ),
                rx.el.fieldset(
                    rx.el.legend("Why are you cancelling?", class_name="td-label"),
                    rx.radio_group(
                        list(CANCEL_REASONS), name="reason", direction="column", default_value="Schedule conflict"
                    ),
                    style={"border": "0", "padding": "0", "margin": "0"},
                ),
                rx.el.label(
                    "Anything your trainer should know? (optional)", html_for="field-detail", class_name="td-label"
                ),
                rx.text_area(id="field-detail", name="detail", max_length=400, width="100%"),
                rx.cond(
                    M.late | M.needs_ack,
                    rx.hstack(
                        rx.checkbox(
                            id="field-acknowledge",
                            name="acknowledge",
                            aria_label="I understand this is a late cancellation",
                            aria_invalid=rx.cond(M.ack_error != "", "true", "false"),
                            aria_describedby=rx.cond(M.ack_error != "", "error-acknowledge", ""),
                            on_change=M.acknowledge_changed,
                        ),
                        rx.el.label("I understand this is a late cancellation.", html_for="field-acknowledge"),
                        align="center",
                    ),
                ),
                rx.cond(
                    M.ack_error != "",
                    rx.text(M.ack_error, id="error-acknowledge", color_scheme="red", size="2", role="alert"),
                ),
                rx.button("Cancel my session", type="submit", color_scheme="red", loading=M.working),
                spacing="3",
                width="100%",
            ),
            on_submit=M.cancel,
            no_validate=True,
            aria_label="Cancel booking",
        ),
    )
    return _shell("Cancel your session", form)


def reschedule_page() -> rx.Component:
    body = rx.cond(
        M.blocked != "",
        rx.callout(M.blocked, icon="info"),
        rx.vstack(
            rx.text(M.policy, size="2"),
            rx.cond(
                M.selected_start != "",
                rx.vstack(
                    rx.callout("New time: " + M.selected_label, icon="calendar-clock", id="new-time"),
                    rx.hstack(
                        rx.button("Choose another time", variant="soft", on_click=M.back_to_times),
                        rx.button("Move my session", on_click=M.reschedule, loading=M.working),
                        spacing="3",
                    ),
                    spacing="3",
                ),
                picker(M, action="Move to"),
            ),
            spacing="3",
            width="100%",
        ),
    )
    return _shell("Reschedule your session", body)
