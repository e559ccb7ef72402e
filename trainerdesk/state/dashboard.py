"""The dashboard home: the trainer's booking link, next sessions, and API key."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx

from .. import routes
from ..config import settings
from ..db import session_scope
from ..services import bookings, embedding, trainers
from .auth import AuthState
from .common import long_label


class DashboardState(AuthState):
    upcoming: list[dict[str, str]] = []
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
        if not self._load_trainer():
            return rx.redirect(routes.LOGIN)
        self.new_api_key = ""
        spec = bookings.parse_query(view="upcoming")
        with session_scope() as session:
            actor = self._actor(session)
            rows, total = bookings.list_bookings(
                session,
                actor=actor,
                trainer_ids=[actor.id],
                spec=spec,
                tz=ZoneInfo(actor.timezone),
                page=1,
                page_size=10,
            )
        self.upcoming_total = total
        self.upcoming = [
            {
                "id": b.id,
                "when": long_label(b.start_at, actor.timezone),
                "client": c.name,
                "email": c.email,
                "duration": f"{b.duration_minutes} min",
                "status": str(b.status),
            }
            for b, c in rows
        ]

    @rx.event
    def rotate_api_key(self):
        with session_scope() as session:
            self.new_api_key = trainers.rotate_api_keys(session, trainer_id=self._actor(session).id)
