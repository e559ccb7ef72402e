"""Availability page: the weekly grid (drag to add, remove) with a concrete week's outside busy times greyed
over it, an add-hours form, and date overrides."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from ..domain.errors import DomainError
from ..domain.inputs import parse_date
from ..domain.slots import DAY_NAMES, HoursBlock, WeeklyBlock, format_wall_time
from ..models import Trainer, utcnow
from ..services import availability, busy, calendars, trainers
from .auth import AuthState
from .common import friendly
from .presenters import BusyBlock, DateRow, WeekBar, busy_week, date_rows, week_bars, week_dates, week_label

CELL_MINUTES = 30
DAYS_SHOWN = 28


class AvailabilityState(AuthState):
    tab: str = "weekly"
    shown_zone: str = ""
    week: list[list[WeekBar]] = [[] for _ in range(7)]  # bars per day, Monday first
    error: str = ""
    # The outside calendars' busy times of one concrete week (0 = this week), greyed over the grid.
    outside: list[list[BusyBlock]] = [[] for _ in range(7)]
    outside_dates: list[str] = [""] * 7
    outside_week: str = ""
    outside_offset: int = 1  # the coming week: the soonest one that is all ahead
    outside_last: int = 1  # the last week the booking window reaches
    calendars_connected: bool = False
    # specific dates
    dates: list[DateRow] = []
    dialog_open: bool = False
    dialog_date: str = ""
    dialog_ranges: list[list[str]] = []
    dialog_error: str = ""

    @rx.event
    def load(self):
        self.error = ""
        with self._acting() as (session, actor):
            self._show_actor(session, actor)
            self._reload(session, actor)

    def _reload(self, session: Session, actor: Trainer) -> None:
        target = self._target(session, actor)
        self.shown_zone = target.timezone
        today = utcnow().astimezone(ZoneInfo(target.timezone)).date()
        last = today + timedelta(days=DAYS_SHOWN - 1)
        rows = availability.list_weekly(session, target.id)
        overrides = {o.day: o.blocks for o in availability.list_overrides(session, target.id, today, last)}
        week = week_bars((r.id, r.day_of_week, r.start_minute, r.end_minute) for r in rows)
        self.week, self.dates = week, date_rows(week, overrides, first=today, count=DAYS_SHOWN)
        self._reload_outside(session, actor, target, today)

    def _reload_outside(self, session: Session, actor: Trainer, target: Trainer, today: date) -> None:
        """The shown week's busy times, read as the busy API reads them (``busy.busy_between``)."""
        this_monday = today - timedelta(days=today.weekday())
        reach = today + timedelta(days=trainers.load_preferences(session, target.id).max_advance_days)
        self.outside_last = (reach - this_monday).days // 7
        self.outside_offset = min(max(self.outside_offset, 0), self.outside_last)
        first = this_monday + timedelta(weeks=self.outside_offset)
        connections = [c.row for c in calendars.list_connections(session, actor=actor, trainer_id=target.id)]
        rows = busy.busy_between(session, actor=actor, trainer_id=target.id, first=first, last=first + timedelta(6))
        self.calendars_connected = bool(connections)
        self.outside = busy_week(rows, connections, zone=target.timezone, first=first)
        self.outside_dates, self.outside_week = week_dates(first), week_label(first)

    @rx.event
    def live_tick(self, _now: str = ""):
        """Live updates on this page's own state, so :meth:`_live_changed` below refreshes it."""
        return self._live_tick()

    def _live_changed(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> None:
        """A calendar refresh in the background moves the schedule version: its busy times follow."""
        self._reload(session, actor)

    @rx.event
    def show_week(self, offset: int):
        """Which week's busy times are greyed: 0 = this week, up to the end of the booking window."""
        if not isinstance(offset, int) or isinstance(offset, bool):
            return
        with self._acting("error") as (session, actor):
            self.outside_offset = offset  # clamped by the reload, against this trainer's window
            self._reload(session, actor)

    def _editing(self, session: Session, actor: Trainer) -> dict:
        """``actor`` and ``trainer_id`` for a write service: the logged-in trainer, on the trainer they edit."""
        return {"actor": actor, "trainer_id": self._target(session, actor).id}

    # ------------------------------------------------------------ weekly

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab if tab in ("weekly", "dates") else "weekly"

    def _add(self, block: WeeklyBlock):
        with self._acting("error") as (session, actor):
            availability.add_weekly_block(session, **self._editing(session, actor), block=block)
            self.error = ""
            self._reload(session, actor)
            return rx.toast.success(
                f"Added {DAY_NAMES[block.day_of_week]} {format_wall_time(block.start)}–{format_wall_time(block.end)}."
            )

    @rx.event
    def drag_done(self, value: str):
        """The grid script reports a finished drag as "day,firstCell,endCell,stamp" (cells of 30 minutes)."""
        try:
            day, first, end = (int(p) for p in value.split(",")[:3])
            block = WeeklyBlock(day, first * CELL_MINUTES, end * CELL_MINUTES)
        except (ValueError, DomainError):
            return None
        return self._add(block)

    @rx.event
    def add_from_form(self, form: dict):
        try:
            block = availability.parse_weekly_block(
                int(form.get("day", "0")), form.get("start", ""), form.get("end", "")
            )
        except (ValueError, DomainError) as exc:
            self.error = friendly(exc) if isinstance(exc, DomainError) else "Choose a day."
            return None
        return self._add(block)

    @rx.event
    def remove_block(self, block_id: str):
        with self._acting("error") as (session, actor):
            availability.delete_weekly_block(session, **self._editing(session, actor), block_id=block_id)
            self.error = ""
            self._reload(session, actor)

    # ------------------------------------------------------------ dates

    @rx.event
    def block_date(self, iso: str):
        self._save_override(iso, [])

    @rx.event
    def use_weekly(self, iso: str):
        with self._acting("error") as (session, actor):
            availability.delete_override(session, **self._editing(session, actor), day=parse_date(iso))
            self._reload(session, actor)

    @rx.event
    def open_override(self, iso: str):
        try:
            parse_date(iso)
        except DomainError as exc:
            self.error = friendly(exc)
            return
        self.dialog_date, self.dialog_error, self.dialog_open = iso, "", True
        self.dialog_ranges = [["09:00", "17:00"]]

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def set_range(self, index: int, which: int, value: str):
        ranges = [list(r) for r in self.dialog_ranges]
        if not (isinstance(index, int) and 0 <= index < len(ranges) and which in (0, 1) and isinstance(value, str)):
            return
        ranges[index][which] = value
        self.dialog_ranges = ranges

    @rx.event
    def add_range(self):
        self.dialog_ranges = [*self.dialog_ranges, ["", ""]]

    @rx.event
    def remove_range(self, index: int):
        self.dialog_ranges = [r for i, r in enumerate(self.dialog_ranges) if i != index]

    @rx.event
    def save_dialog(self):
        try:
            blocks = [availability.parse_hours_block(a, b) for a, b in self.dialog_ranges]
        except DomainError as exc:
            self.dialog_error = friendly(exc)
            return
        if not blocks:
            self.dialog_error = "Add at least one time range, or use “Block this date” instead."
            return
        if self._save_override(self.dialog_date, blocks, in_dialog=True):
            self.dialog_open = False

    def _save_override(self, iso: str, blocks: list[HoursBlock], in_dialog: bool = False) -> bool:
        with self._acting("dialog_error" if in_dialog else "error") as (session, actor):
            availability.set_override(session, **self._editing(session, actor), day=parse_date(iso), blocks=blocks)
            self.error = ""
            self._reload(session, actor)
            return True
        return False

    @rx.event
    def override_other_date(self, form: dict):
        iso = form.get("date", "")
        try:
            parse_date(iso)
        except DomainError as exc:
            self.error = friendly(exc)
            return
        if form.get("kind") == "block":
            self._save_override(iso, [])
        else:
            return AvailabilityState.open_override(iso)
