"""The landing page: what TrainerDesk is, and the way in."""

import reflex as rx

from .. import routes
from ..components.layout import public_page


def landing() -> rx.Component:
    return public_page(
        rx.vstack(
            rx.heading("Your clients book. You train.", size="8", as_="h1"),
            rx.text(
                "TrainerDesk is the booking system of a personal trainer's business: publish your hours, "
                "let clients pick a time in their own time zone, and run your schedule from one dashboard.",
                size="4",
            ),
            rx.hstack(
                rx.link(rx.button("Create your booking page", size="3"), href=routes.SIGNUP),
                rx.link(rx.button("Log in", size="3", variant="soft"), href=routes.LOGIN),
                spacing="3",
                wrap="wrap",
            ),
            rx.grid(
                *[
                    rx.card(rx.heading(t, size="3", as_="h2"), rx.text(d))
                    for t, d in (
                        (
                            "Never double-booked",
                            "Every booking is checked against your hours, buffers and other "
                            "sessions at the moment it is saved.",
                        ),
                        (
                            "Right in every time zone",
                            "Clients see times in their zone, you see yours, "
                            "through daylight-saving changes and past midnight.",
                        ),
                        ("Embeds in your site", "Paste one snippet and your calendar lives on your own website."),
                    )
                ],
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="4",
                width="100%",
            ),
            spacing="5",
            padding_y="2rem",
        ),
    )
