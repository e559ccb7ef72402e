"""The bookings table's filters: which bookings (upcoming, past, cancelled, all), a date range, and a
search by client. A substate of the table: each change goes back to page 1 and reloads the table."""

from __future__ import annotations

import reflex as rx

from .table import BookingsState


class BookingFiltersState(BookingsState):
    @rx.event
    def set_view(self, view: str | list[str]):
        view = view[0] if isinstance(view, list) else view
        self.view, self.page, self.selected = view, 1, []
        self._refresh()

    @rx.event
    def set_q(self, value: str):
        self.q, self.page = value, 1
        self._refresh()

    @rx.event
    def set_date_from(self, value: str):
        self.date_from, self.page = value, 1
        self._refresh()

    @rx.event
    def set_date_to(self, value: str):
        self.date_to, self.page = value, 1
        self._refresh()

    @rx.event
    def clear_filters(self):
        self.q, self.date_from, self.date_to, self.page = "", "", "", 1
        self._refresh()
