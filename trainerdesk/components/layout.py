"""Page shells: the public site chrome, the bare embed shell, and the dashboard frame."""

from __future__ import annotations

import reflex as rx

from .. import live, routes


def _brand() -> rx.Component:
    # Styled like a heading but not one: each page's own title is its only h1.
    return rx.heading("TrainerDesk", size="5", as_="span")


def site_header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(_brand(), href=routes.HOME, underline="none"),
            rx.spacer(),
            rx.link("Log in", href=routes.LOGIN),
            rx.link(rx.button("Sign up", size="2"), href=routes.SIGNUP),
            align="center",
            spacing="4",
            width="100%",
        ),
        style={"padding": "0.75rem 1.25rem", "borderBottom": "1px solid var(--gray-a5)"},
    )


def public_page(*children: rx.Component, title: str = "") -> rx.Component:
    """A public page with the site header."""
    return rx.box(
        site_header(),
        rx.el.main(
            rx.container(*children, size="3", padding_y="1.5rem", padding_x="1rem"),
        ),
        min_height="100vh",
    )


def bare_page(*children: rx.Component) -> rx.Component:
    """The embed shell: no site chrome, tight padding, for an iframe on the trainer's site."""
    return rx.el.main(rx.box(*children, padding="0.75rem"), id="trainerdesk-embed")


DASHBOARD_NAV = (
    ("Overview", routes.DASHBOARD),
    ("Bookings", routes.DASHBOARD_BOOKINGS),
    ("Calendar", routes.DASHBOARD_CALENDAR),
    ("Availability", routes.DASHBOARD_AVAILABILITY),
    ("Preferences", routes.DASHBOARD_PREFERENCES),
    ("Team", routes.DASHBOARD_TEAM),
    ("Integrations", routes.DASHBOARD_INTEGRATIONS),
)


def calendar_switcher(state, *, allow_all: bool = True) -> rx.Component:
    """My calendar / All trainers / one sub-trainer, for a primary trainer with a team."""
    return rx.cond(
        state.team.length() > 0,
        rx.hstack(
            rx.el.label("Calendar", html_for="calendar-switcher", class_name="td-label"),
            rx.el.select(
                rx.el.option("My calendar", value=""),
                *([rx.el.option("All trainers", value="all")] if allow_all else []),
                rx.foreach(state.team[1:], lambda m: rx.el.option(m["name"], value=m["id"])),
                id="calendar-switcher",
                value=state.viewing,
                on_change=state.set_viewing,
                class_name="td-select",
                style={"width": "14rem"},
            ),
            align="center",
            spacing="2",
        ),
    )


def dashboard_frame(state, *children: rx.Component) -> rx.Component:
    """A dashboard page: header with the trainer and log-out, the section nav, then the page; a spinner
    until the login is confirmed (pages' on_load redirect to /login without one)."""
    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.link(_brand(), href=routes.DASHBOARD, underline="none"),
                rx.spacer(),
                rx.text(state.trainer_name, weight="medium"),
                rx.button("Log out", variant="soft", on_click=state.logout),
                align="center",
                spacing="4",
                width="100%",
            ),
            rx.el.nav(
                rx.hstack(
                    *[rx.link(label, href=href, weight="medium", padding_y="0.25rem") for label, href in DASHBOARD_NAV],
                    spacing="5",
                    wrap="wrap",
                ),
                aria_label="Dashboard",
                style={"marginTop": "0.5rem"},
            ),
            style={"padding": "0.75rem 1.25rem", "borderBottom": "1px solid var(--gray-a5)"},
        ),
        rx.el.main(
            rx.cond(
                state.logged_in,
                rx.container(*children, size="4", padding_y="1.5rem", padding_x="1rem"),
                rx.center(rx.spinner(), padding="3rem"),
            ),
        ),
        # Live on every page: new bookings made anywhere arrive as toasts; pages that list sessions refresh.
        # Pushed when a change commits (trainerdesk.live); this 60 s safety poll catches up on a missed one.
        rx.moment(interval=live.SAFETY_POLL_MS, on_change=state.live_tick, display="none", aria_hidden="true"),
        min_height="100vh",
    )
