"""The bookings page of the dashboard."""

import reflex as rx

from ..components.booking_list import action_dialog, bulk_bar, details_dialog, filters, pager, table
from ..components.layout import calendar_switcher, dashboard_frame
from ..state.bookings import BookingDialogsState as D, BookingFiltersState as F, BookingsState as B


def bookings_page() -> rx.Component:
    return dashboard_frame(
        B,
        rx.vstack(
            rx.hstack(
                rx.heading("Bookings", size="6", as_="h1"),
                rx.spacer(),
                calendar_switcher(B),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            filters(F),
            rx.cond(B.error != "", rx.callout(B.error, icon="triangle-alert", color_scheme="red", role="alert")),
            bulk_bar(B),
            rx.box(table(B, D), width="100%", overflow_x="auto"),
            pager(B),
            details_dialog(D),
            action_dialog(D),
            # Live: every 2 s ask whether anything changed; new bookings arrive with a toast.
            spacing="3",
            width="100%",
        ),
    )
