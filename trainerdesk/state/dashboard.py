"""The dashboard home: the trainer's booking link, next sessions, and API key."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from .. import routes
from ..config import settings
from ..services import bookings, embedding, trainers
from .auth import AuthState
from .presenters import UpcomingRow, upcoming_row


class DashboardState(AuthState):
    upcoming: list[UpcomingRow] = []
    upcoming_total: int = 0
    new_api_key: str = ""

    @rx.var
    def booking_url(self) -> str:
        return routes.book_url(self.trainer_slug, settings().public_url) if self.trainer_slug else ""

    @rx.var
    def embed_code(self) -> str:
        if not self.trainer_slug:
            return ""
        return embedding.embed_snippet(name=self.trainer_name, slug=self.trainer_slug, origin=settings().public_url)

    @rx.event
    def load(self):
        self.new_api_key = ""
        with self._acting() as (session, actor):
            self._show_actor(session, actor)
            self._show_upcoming(session, actor)

    @rx.event
    def live_tick(self, _now: str = ""):
        """Live updates on this page's own state, so :meth:`_live_changed` below refreshes it."""
        return self._live_tick()

    def _live_changed(self, session, actor, viewed) -> None:
        """A booking made, moved or cancelled anywhere: the upcoming sessions follow."""
        self._show_upcoming(session, actor)

    def _show_upcoming(self, session, actor) -> None:
        found, total = bookings.list_bookings(
            session,
            actor=actor,
            trainer_ids=[actor.id],
            spec=bookings.parse_query(view="upcoming"),
            tz=ZoneInfo(actor.timezone),
            page=1,
            page_size=10,
        )
        self.upcoming_total = total
        self.upcoming = [upcoming_row(b, c, zone=self._reader(actor.timezone)) for b, c in found]

    @rx.event
    def rotate_api_key(self):
        with self._acting() as (session, actor):
            self.new_api_key = trainers.rotate_api_keys(session, trainer_id=actor.id)
