"""Team page: the primary trainer adds sub-trainers and compares everyone's week side by side."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from .. import routes
from ..config import settings
from ..db import session_scope
from ..domain.errors import DomainError
from ..domain.inputs import check_date
from ..models import utcnow
from ..services import team as team_service, trainers
from .auth import AuthState
from .common import field_of, friendly, time_label


class TeamState(AuthState):
    is_primary: bool = False
    members: list[dict[str, str]] = []
    week_start: str = ""
    week_label: str = ""
    columns: list[dict[str, str]] = []  # trainers, in order
    days: list[dict] = []  # {label, cells: [{hours, bookings}], gaps, overlaps}
    form_errors: dict[str, str] = {}
    added: str = ""

    @rx.event
    def load(self):
        if not self._load_trainer():
            return rx.redirect(routes.LOGIN)
        self.form_errors, self.added = {}, ""
        with session_scope() as session:
            me = self._actor(session)
            self.is_primary = me.primary_trainer_id is None
            members = trainers.team_members(session, me)
        base = settings().public_url
        self.members = [
            {
                "id": t.id,
                "name": t.name,
                "email": t.email,
                "zone": t.timezone,
                "url": routes.book_url(t.slug, base),
                "role": "Primary" if t.id == me.id else "Sub-trainer",
            }
            for t in members
        ]
        if not self.week_start:
            today = utcnow().astimezone(ZoneInfo(me.timezone)).date()
            self.week_start = (today - timedelta(days=today.weekday())).isoformat()
        self._load_week()

    def _load_week(self):
        with session_scope() as session:
            me = self._actor(session)
            if me.primary_trainer_id is not None:
                self.days, self.columns = [], []
                return
            start = date.fromisoformat(self.week_start)
            zone = me.timezone
            members, days = team_service.week_overview(session, actor=me, primary_id=me.id, week_start=start)
        span = lambda ranges: ", ".join(f"{time_label(r.start, zone)}–{time_label(r.end, zone)}" for r in ranges)  # noqa: E731
        self.week_label = f"{start.strftime('%d %b')} – {(start + timedelta(days=6)).strftime('%d %b %Y')}"
        self.columns = [{"id": t.id, "name": t.name} for t in members]
        self.days = [
            {
                "label": d.day.strftime("%a %d %b"),
                "cells": [
                    {
                        "hours": span(d.hours[t.id]) or "off",
                        "bookings": "; ".join(f"{time_label(s, zone)} {name}" for s, _, name in d.bookings[t.id]),
                    }
                    for t in members
                ],
                "gaps": span(d.gaps),
                "overlaps": span(d.overlaps),
            }
            for d in days
        ]

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
        self._load_week()

    @rx.event
    def add_sub_trainer(self, form: dict):
        self.form_errors, self.added = {}, ""
        try:
            with session_scope() as session:
                me = self._actor(session)
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
        return [TeamState.load, rx.toast.success(f"Added {trainer.name} to your team.")]
