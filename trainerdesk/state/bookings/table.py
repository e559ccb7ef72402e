"""The bookings table: one server-side page of bookings (sorted, paged), selection and bulk status, CSV
export, and live updates (a toast for each new booking, made anywhere, without a reload).

The table's query (view, dates, search, sort, page) is this state's; the controls that change the
filters live in the substate :class:`.filters.BookingFiltersState`, the details and action dialogs in
:class:`.dialogs.BookingDialogsState`. Both reload the table through :meth:`BookingsState._reload`.
"""

from __future__ import annotations

from typing import Optional
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from ...models import Trainer, utcnow
from ...services import bookings, exports
from ..auth import AuthState
from ..presenters import BookingRow, booking_row

PAGE_SIZE = 20


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


class BookingsState(AuthState):
    # the query
    view: str = "upcoming"
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    sort: str = "startTime"
    page: int = 1
    # what it found
    total: int = 0
    rows: list[BookingRow] = []
    selected: list[str] = []
    bulk_status: str = "CONFIRMED"
    error: str = ""

    @rx.var
    def pages(self) -> int:
        return page_count(self.total)

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and all(r.id in self.selected for r in self.rows)

    # ------------------------------------------------------------ loading

    @rx.event
    def load(self):
        self.selected, self.error = [], ""
        with self._acting("error") as (session, actor):
            viewed = self._show_actor(session, actor)
            self._reload(session, actor, viewed)

    def _spec(self) -> bookings.BookingQuery:
        return bookings.parse_query(
            view=self.view, date_from=self.date_from or None, date_to=self.date_to or None, q=self.q, sort=self.sort
        )

    def _reload(self, session: Session, actor: Trainer, viewed: Optional[list[Trainer]] = None) -> None:
        """Load the current page of the table (a filter it cannot read raises DomainError)."""
        spec = self._spec()
        viewed = self._viewed(session, actor) if viewed is None else viewed
        ids, zone, now = [t.id for t in viewed], actor.timezone, utcnow()
        found, total = bookings.list_bookings(
            session,
            actor=actor,
            trainer_ids=ids,
            spec=spec,
            tz=ZoneInfo(zone),
            page=self.page,
            page_size=PAGE_SIZE,
            now=now,
        )
        if found == [] and total and self.page > 1:
            self.page = page_count(total)
            return self._reload(session, actor, viewed)
        self.total, self.error = total, ""
        names = {t.id: t.name for t in viewed}
        self.rows = [
            booking_row(
                b,
                c,
                zone=self._reader(zone),
                trainer_name=names.get(b.trainer_id, ""),
                actions=bookings.allowed_actions(b, now=now),
            )
            for b, c in found
        ]

    def _refresh(self) -> None:
        """The table again, in a frame of its own (after a change of the query)."""
        with self._acting("error") as (session, actor):
            self._reload(session, actor)

    # ------------------------------------------------------------ sort and pages

    @rx.event
    def toggle_sort(self):
        self.sort = "-startTime" if self.sort == "startTime" else "startTime"
        self.page = 1
        self._refresh()

    @rx.event
    def next_page(self):
        if self.page < self.pages:
            self.page += 1
            self._refresh()

    @rx.event
    def previous_page(self):
        if self.page > 1:
            self.page -= 1
            self._refresh()

    # ------------------------------------------------------------ selection and bulk

    @rx.event
    def toggle_row(self, booking_id: str, checked: bool):
        chosen = [i for i in self.selected if i != booking_id]
        self.selected = [*chosen, booking_id] if checked else chosen

    @rx.event
    def toggle_all(self, checked: bool):
        ids = [r.id for r in self.rows]
        self.selected = sorted(set(self.selected) | set(ids)) if checked else [i for i in self.selected if i not in ids]

    @rx.event
    def set_bulk_status(self, value: str):
        self.bulk_status = value

    @rx.event
    def apply_bulk(self):
        if not self.selected:
            return
        with self._acting("error") as (session, actor):
            viewed = self._viewed(session, actor)
            updated, failed = bookings.bulk_change_status(
                session,
                trainer=actor,
                trainer_ids=[t.id for t in viewed],
                booking_ids=list(self.selected),
                status=self.bulk_status,
            )
            self.selected = [i for i, _ in failed]
            self._reload(session, actor, viewed)
            message = f"{len(updated)} booking(s) updated."
            if failed:
                message += f" {len(failed)} could not change: {failed[0][1].message}"
                return rx.toast.warning(message)
            return rx.toast.success(message)

    def _csv(self, ids: Optional[list[str]]):
        with self._acting() as (session, actor):
            spec = self._spec()
            viewed = self._viewed_ids(session, actor)
        text = "".join(exports.csv_chunks(actor, viewed, actor.timezone, spec, ids))
        return rx.download(
            data=text, filename=f"bookings-{actor.slug}-{utcnow().date().isoformat()}.csv", mime_type="text/csv"
        )

    @rx.event
    def export_filtered(self):
        return self._csv(None)

    @rx.event
    def export_selected(self):
        if self.selected:
            return self._csv(list(self.selected))

    # ------------------------------------------------------------ row actions without a dialog

    def _change_status(self, booking_id: str, status: str, done: str):
        with self._acting("error") as (session, actor):
            bookings.change_status(session, booking_id=booking_id, trainer=actor, status=status)
            self._reload(session, actor)
            return rx.toast.success(done)

    @rx.event
    def confirm(self, booking_id: str):
        return self._change_status(booking_id, "CONFIRMED", "Booking confirmed; the client is notified.")

    @rx.event
    def mark_no_show(self, booking_id: str):
        return self._change_status(booking_id, "NO_SHOW", "Marked as a no-show.")

    # ------------------------------------------------------------ live

    @rx.event
    def live_tick(self, _now: str = ""):
        """Live updates on this page's own state, so :meth:`_live_changed` below refreshes it."""
        return self._live_tick()

    def _live_changed(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> None:
        """Something changed for the shown trainers (AuthState.live_tick): the page shows it."""
        self._reload(session, actor, viewed)
