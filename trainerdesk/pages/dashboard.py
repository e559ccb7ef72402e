"""The dashboard overview (behind login): booking link and embed code, next sessions, API key."""

import reflex as rx

from ..components.layout import dashboard_frame
from ..components.status import status_badge
from ..state.dashboard import DashboardState as D


def _booking_page() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Your booking page", size="4", as_="h2"),
            rx.link(D.booking_url, href=D.booking_url, is_external=True, id="booking-url"),
            rx.text("Share this link, or paste this into your own site to embed the booking widget:", size="2"),
            rx.text_area(
                value=D.embed_code,
                read_only=True,
                rows="9",
                width="100%",
                aria_label="Embed code for your site",
                font_family="monospace",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _upcoming() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Upcoming sessions (", D.upcoming_total, ")", size="4", as_="h2"),
            rx.cond(
                D.upcoming.length() > 0,
                rx.table.root(
                    rx.el.caption("Upcoming sessions", class_name="td-sr-only"),
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(h) for h in ("When", "Client", "Length", "Status")])
                    ),
                    rx.table.body(
                        rx.foreach(
                            D.upcoming,
                            lambda b: rx.table.row(
                                rx.table.cell(b.when),
                                rx.table.cell(rx.link(b.client, href="mailto:" + b.email)),
                                rx.table.cell(b.duration),
                                rx.table.cell(status_badge(b.status)),
                            ),
                        )
                    ),
                    width="100%",
                ),
                rx.text("No upcoming sessions yet."),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _api_key() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("API key", size="4", as_="h2"),
            rx.text(
                "Keys are stored hashed, so a key is shown only once. Rotating revokes all existing keys.", size="2"
            ),
            rx.cond(D.new_api_key != "", rx.code(D.new_api_key, id="new-api-key")),
            rx.button("Rotate API key", variant="outline", on_click=D.rotate_api_key),
            spacing="2",
        ),
        width="100%",
    )


def dashboard_page() -> rx.Component:
    return dashboard_frame(
        D,
        rx.vstack(
            rx.heading("Welcome, ", D.trainer_name, size="6", as_="h1"),
            _booking_page(),
            _upcoming(),
            _api_key(),
            spacing="4",
            width="100%",
        ),
    )
