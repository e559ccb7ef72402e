"""The client's booking widget: month view, time slots, booking form and confirmation."""

from __future__ import annotations

import reflex as rx

from ..state.booking import BookingPageState as S
from .slot_picker import picker


def _field(
    label: str, name: str, *, type_: str = "text", required: bool = False, autocomplete: str = "", placeholder: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label + ("" if required else " (optional)"), html_for=f"field-{name}", class_name="td-label"),
        rx.input(
            id=f"field-{name}",
            name=name,
            type=type_,
            required=required,
            auto_complete=autocomplete,
            placeholder=placeholder,
            width="100%",
            aria_invalid=rx.cond(S.errors.contains(name), "true", "false"),
            aria_describedby=rx.cond(S.errors.contains(name), f"error-{name}", ""),
            on_blur=lambda value: S.recheck_detail(name, value),
        ),
        rx.cond(
            S.errors.contains(name),
            rx.text(S.errors[name], id=f"error-{name}", color_scheme="red", size="2", role="alert"),
        ),
        spacing="1",
        width="100%",
    )


def booking_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Your details", size="4", as_="h2"),
            rx.callout(S.selected_label, icon="calendar-clock", id="chosen-time"),
            _field("Name", "name", required=True, autocomplete="name"),
            _field("Email", "email", type_="email", required=True, autocomplete="email"),
            _field("Phone", "phone", type_="tel", autocomplete="tel"),
            rx.vstack(
                rx.el.label("Notes for your trainer (optional)", html_for="field-notes", class_name="td-label"),
                rx.text_area(
                    id="field-notes",
                    name="notes",
                    width="100%",
                    max_length=2000,
                    aria_invalid=rx.cond(S.errors.contains("notes"), "true", "false"),
                    aria_describedby=rx.cond(S.errors.contains("notes"), "error-notes", ""),
                    on_blur=lambda value: S.recheck_detail("notes", value),
                ),
                rx.cond(
                    S.errors.contains("notes"),
                    rx.text(S.errors["notes"], id="error-notes", color_scheme="red", size="2", role="alert"),
                ),
                spacing="1",
                width="100%",
            ),
            rx.hstack(
                rx.checkbox(
                    id="field-privacy",
                    name="privacy",
                    required=True,
                    aria_label="I agree that my details are used to arrange this session",
                    aria_invalid=rx.cond(S.errors.contains("privacyAccepted"), "true", "false"),
                    aria_describedby=rx.cond(S.errors.contains("privacyAccepted"), "error-privacyAccepted", ""),
                    on_change=lambda checked: S.recheck_detail("privacyAccepted", checked),
                ),
                rx.el.label("I agree that my details are used to arrange this session.", html_for="field-privacy"),
                align="center",
            ),
            rx.cond(
                S.errors.contains("privacyAccepted"),
                rx.text(
                    S.errors["privacyAccepted"], id="error-privacyAccepted", color_scheme="red", size="2", role="alert"
                ),
            ),
            rx.cond(S.errors.contains("form"), rx.text(S.errors["form"], color_scheme="red", size="2", role="alert")),
            rx.hstack(
                rx.button("Back to times", type="button", variant="soft", on_click=S.back_to_times),
                rx.button(
                    rx.cond(S.submitting, "Booking…", "Book this session"),
                    type="submit",
                    loading=S.submitting,
                    disabled=S.submitting,
                ),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.submit,
        no_validate=True,  # the server's messages, next to each field, not the browser's bubble
        aria_label="Booking form",
        width="100%",
    )


def confirmation() -> rx.Component:
    b = S.booked
    return rx.vstack(
        rx.heading("You're booked!", size="6", as_="h2"),
        rx.text("Your session is ", b["status"], "."),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("Booking id"), rx.data_list.value(b["id"], id="booking-id")),
            rx.data_list.item(rx.data_list.label("Trainer"), rx.data_list.value(b["trainer"], id="booked-trainer")),
            rx.data_list.item(rx.data_list.label("When (your time)"), rx.data_list.value(b["when"], id="booked-when")),
            rx.data_list.item(rx.data_list.label("When (trainer's time)"), rx.data_list.value(b["trainer_when"])),
            rx.data_list.item(rx.data_list.label("Length"), rx.data_list.value(b["duration"] + " minutes")),
        ),
        # A download, not a link: the router would treat a link to our own origin as a page change.
        rx.button(
            rx.icon("calendar-plus"),
            "Add to calendar",
            on_click=rx.download(url=b["ics"], filename="trainerdesk-session.ics"),
        ),
        rx.text(
            "What happens next: a confirmation is on its way to ",
            b["email"],
            ". Keep these private links to change your plans:",
        ),
        rx.hstack(
            rx.link("Reschedule this session", href=b["reschedule"]),
            rx.link("Cancel this session", href=b["cancel"]),
            spacing="4",
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def booking_widget() -> rx.Component:
    """The whole widget, used by the public page and the embed."""
    return rx.cond(
        S.not_found,
        rx.callout(
            "There is no booking page at this address. Check the link you were given.",
            icon="triangle-alert",
            color_scheme="red",
        ),
        rx.vstack(
            rx.heading("Book a session with ", S.trainer_name, size="6", as_="h1"),
            rx.cond(S.notice != "", rx.callout(S.notice, icon="info", color_scheme="amber", role="status")),
            rx.cond(
                S.booked.contains("id"),
                confirmation(),
                rx.cond(
                    S.selected_start != "",
                    booking_form(),
                    picker(S),
                ),
            ),
            spacing="4",
            width="100%",
        ),
    )
