"""Sign-up and log-in pages."""

import reflex as rx

from .. import routes
from ..components.layout import public_page
from ..state.auth import AuthState
from ..state.common import ZONES


def _error(name: str) -> rx.Component:
    return rx.cond(
        AuthState.errors.contains(name),
        rx.text(AuthState.errors[name], color_scheme="red", size="2", role="alert", id=f"error-{name}"),
    )


def _field(label: str, name: str, type_: str = "text", autocomplete: str = "", *, form: str) -> rx.Component:
    """A labelled input whose server message sits under it, is read with it, and goes once it is right."""
    return rx.vstack(
        rx.el.label(label, html_for=f"field-{name}", class_name="td-label"),
        rx.input(
            id=f"field-{name}",
            name=name,
            type=type_,
            required=True,
            auto_complete=autocomplete,
            width="100%",
            aria_invalid=rx.cond(AuthState.errors.contains(name), "true", "false"),
            aria_describedby=rx.cond(AuthState.errors.contains(name), f"error-{name}", ""),
            on_blur=lambda value: AuthState.recheck_field(form, name, value),
        ),
        _error(name),
        spacing="1",
        width="100%",
    )


def signup_page() -> rx.Component:
    return public_page(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Create your booking page", size="6", as_="h1"),
                    _field("Your name", "name", autocomplete="name", form="signup"),
                    _field("Email", "email", "email", "email", form="signup"),
                    _field("Password (at least 8 characters)", "password", "password", "new-password", form="signup"),
                    rx.vstack(
                        rx.el.label("Your time zone", html_for="field-timezone", class_name="td-label"),
                        rx.el.select(
                            *[rx.el.option(z, value=z) for z in ZONES],
                            id="field-timezone",
                            name="timezone",
                            default_value=AuthState.browser_zone,
                            key=AuthState.browser_zone,
                            class_name="td-select",
                        ),
                        _error("timezone"),
                        spacing="1",
                        width="100%",
                    ),
                    _error("form"),
                    rx.button("Create account", type="submit", loading=AuthState.busy, width="100%"),
                    rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN)),
                    spacing="3",
                ),
                on_submit=AuthState.signup,
                no_validate=True,  # the server's messages, next to each field, not the browser's bubble
                aria_label="Sign up",
            ),
            max_width="28rem",
            margin_x="auto",
        ),
    )


def login_page() -> rx.Component:
    return public_page(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Log in", size="6", as_="h1"),
                    _field("Email", "email", "email", "email", form="login"),
                    _field("Password", "password", "password", "current-password", form="login"),
                    _error("form"),
                    rx.button("Log in", type="submit", loading=AuthState.busy, width="100%"),
                    rx.text("New here? ", rx.link("Create your booking page", href=routes.SIGNUP)),
                    spacing="3",
                ),
                on_submit=AuthState.login,
                no_validate=True,  # the server's messages, next to each field, not the browser's bubble
                aria_label="Log in",
            ),
            max_width="28rem",
            margin_x="auto",
        ),
    )
