"""Team page: the primary trainer adds sub-trainers and compares everyone's week side by side."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from .. import routes
from ..config import settings
from ..domain.errors import DomainError
from ..domain.inputs import check_date
from ..models import Trainer, utcnow
from ..services import team as team_service, trainers
from .auth import AuthState
from .common import field_of, friendly
from .presenters import MemberRow, TeamColumn, TeamWeekDay, member_rows, team_week, week_label


class TeamState(AuthState):
    is_primary: bool = False
    members: list[MemberRow] = []
    week_start: str = ""
    week_label: str = ""
    columns: list[TeamColumn] = []  # trainers, in order
    days: list[TeamWeekDay] = []  # a cell per column, gaps, overlaps
    form_errors: dict[str, str] = {}
    form_round: int = 0  # a new round draws an empty form (kept as typed while it has errors)
    added: str = ""

    @rx.event
    def load(self):
        self.form_errors, self.added = {}, ""
        base = settings().public_url
        with self._acting() as (session, me):
            self._show_actor(session, me)
            self.is_primary = me.primary_trainer_id is None
            members = trainers.team_members(session, me)
            self.members = member_rows(members, me=me, booking_url=lambda slug: routes.book_url(slug, base))
            if not self.week_start:
                today = utcnow().astimezone(ZoneInfo(me.timezone)).date()
                self.week_start = (today - timedelta(days=today.weekday())).isoformat()
            self._load_week(session, me)

    @rx.event
    def live_tick(self, _now: str = ""):
        """Live updates on this page's own state, so :meth:`_live_changed` below refreshes it."""
        return self._live_tick()

    def _live_watched(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> list[str]:
        """The team week shows every member: a booking with any of them updates it."""
        return [t.id for t in trainers.team_members(session, actor)]

    def _live_changed(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> None:
        self._load_week(session, actor)

    def _load_week(self, session: Session, me: Trainer) -> None:
        if me.primary_trainer_id is not None:
            self.days, self.columns = [], []
            return
        start = date.fromisoformat(self.week_start)
        members, days = team_service.week_overview(session, actor=me, primary_id=me.id, week_start=start)
        self.week_label = week_label(start)
        self.columns, self.days = team_week(members, days, zone=self._reader(me.timezone))

    @rx.event
    def previous_week(self):
        return self._move_week(-7)

    @rx.event
    def next_week(self):
        return self._move_week(7)

    def _move_week(self, days: int):
        try:
            week = check_date(date.fromisoformat(self.week_start) + timedelta(days=days), field="week")
            check_date(week + timedelta(days=6), field="week")
        except (ValueError, OverflowError, DomainError):
            return rx.toast.warning("There is no week to show beyond this one.")
        self.week_start = week.isoformat()
        with self._acting() as (session, me):
            self._load_week(session, me)

    @rx.event
    def add_sub_trainer(self, form: dict):
        self.added = ""
        form = form if isinstance(form, dict) else {}
        self.form_errors = trainers.account_field_errors(
            email=form.get("email"), password=form.get("password"), name=form.get("name"), timezone=form.get("timezone")
        )
        if self.form_errors:  # every wrong field at once, each next to its field
            return
        try:  # a refusal is about one field of the form, so it goes next to that field
            with self._acting() as (session, me):
                trainer, _key = trainers.add_sub_trainer(
                    session,
                    actor=me,
                    primary_id=me.id,
                    email=form.get("email"),
                    password=form.get("password"),
                    name=form.get("name"),
                    timezone=form.get("timezone"),
                )
        except DomainError as exc:
            self.form_errors = {field_of(exc) or "form": friendly(exc)}
            return
        self.added = f"{trainer.name} can now log in with {trainer.email}."
        self.form_round += 1
        return [TeamState.load, rx.toast.success(f"Added {trainer.name} to your team.")]
