"""The public booking page and its embeddable twin."""

import reflex as rx

from ..components.booking_calendar import booking_widget
from ..components.layout import bare_page, public_page


def book_page() -> rx.Component:
    return public_page(booking_widget())


def embed_page() -> rx.Component:
    return bare_page(booking_widget())
