"""Booking status badges: Pending yellow, Confirmed blue, Completed green, Cancelled red, No-show orange."""

import reflex as rx

from ..domain.policy import STATUS_WORDS

STATUS_LABELS = {status.value: words.label for status, words in STATUS_WORDS.items()}
STATUS_COLORS = {
    "PENDING": "yellow",
    "CONFIRMED": "blue",
    "COMPLETED": "green",
    "CANCELLED": "red",
    "NO_SHOW": "orange",
}


def status_badge(status) -> rx.Component:
    return rx.badge(
        rx.match(status, *[(k, v) for k, v in STATUS_LABELS.items()], status),
        color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"),
        variant="soft",
        size="2",
    )
