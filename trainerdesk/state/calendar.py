"""The dashboard calendar: day, week and month of the shown trainers' sessions, drag to reschedule, live.

Every handler resolves the acting trainer from the login session (``AuthState._acting``) and re-checks
the viewed trainers against the team (``_viewed``); the sessions are read through
``services.calendar.load_calendar`` (only what the actor manages) and moved through
``services.bookings.reschedule_booking``, which decides. What is shown are typed view models from the
pure presenters of ``state/calendar_layout.py``. Moving between ranges changes state only: no reload.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from ..domain.errors import DomainError, ValidationFailed
from ..domain.inputs import check_date, parse_date
from ..domain.slots import wall_to_instant
from ..formatting import first_weekday, hour_cycle_for, weekday_names
from ..models import Trainer, utcnow
from ..services import bookings, calendar
from .auth import AuthState
from .calendar_layout import (
    VIEWS,
    MonthDay,
    TimeGrid,
    instant_span,
    month_days,
    range_heading,
    shown_dates,
    step,
    time_grid,
)
from .common import friendly


def parse_wall_start(value: str, zone: str) -> datetime:
    """The drag script's drop time, "YYYY-MM-DDTHH:MM" on the wall clock of ``zone``, as an instant."""
    text = value if isinstance(value, str) else ""
    day_text, _, clock = text.partition("T")
    try:
        hours, minutes = (int(p) for p in clock.split(":"))
    except ValueError:
        raise ValidationFailed("Drop the session on a time of the calendar.", {"field": "start"}) from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValidationFailed("Drop the session on a time of the calendar.", {"field": "start"})
    return wall_to_instant(parse_date(day_text, field="start"), hours * 60 + minutes, ZoneInfo(zone))


class CalendarState(AuthState):
    view: str = "week"
    anchor: str = ""  # ISO date the shown range is around ('' = today, set on load)
    heading: str = ""
    zone_note: str = ""
    grid: TimeGrid = TimeGrid()
    month: list[list[MonthDay]] = []
    weekdays: list[str] = []
    hour12: bool = False  # how the drag preview writes times (the reader's clock)
    error: str = ""
    _drawn_at: str = ""  # backend only: when the shown range was last laid out (the now line's age)

    @rx.event
    def load(self):
        self.error = ""
        with self._acting("error") as (session, actor):
            viewed = self._show_actor(session, actor)
            if not self.anchor:
                self.anchor = self._today(actor).isoformat()
            self._draw(session, actor, viewed)

    def _today(self, actor: Trainer) -> date:
        return utcnow().astimezone(ZoneInfo(actor.timezone)).date()

    def _draw(self, session: Session, actor: Trainer, viewed: Optional[list[Trainer]] = None) -> None:
        """Load and lay out the shown range (a date outside the supported ones raises DomainError)."""
        viewed = self._viewed(session, actor) if viewed is None else viewed
        reader = self._reader(actor.timezone)
        view = self.view if self.view in VIEWS else "week"
        anchor = parse_date(self.anchor, field="date")
        dates = shown_dates(view, anchor, first_weekday(reader.locale))
        check_date(dates[0], field="date")
        check_date(dates[-1], field="date")
        data = calendar.load_calendar(session, actor=actor, trainers=viewed, span=instant_span(dates, actor.timezone))
        now = utcnow()
        if view == "month":
            self.month, self.grid = month_days(dates, anchor, data, zone=reader, now=now), TimeGrid()
            self.weekdays = weekday_names(reader.locale)
        else:
            by_trainer = view == "day" and len(data.trainers) > 1
            self.grid, self.month = time_grid(dates, data, zone=reader, now=now, by_trainer=by_trainer), []
        self.view, self.heading = view, range_heading(view, dates, anchor, reader.locale)
        self.zone_note = f"Times in {actor.timezone}"
        self.hour12 = hour_cycle_for(reader.locale, reader.hour_cycle) == "12"
        self.error, self._drawn_at = "", now.isoformat()

    def _redraw(self) -> None:
        with self._acting("error") as (session, actor):
            self._draw(session, actor)

    @rx.event
    def redraw(self):
        """After an action in the bookings dialogs (confirm, reschedule, cancel ...): show its result now."""
        self._redraw()

    # ------------------------------------------------------------ moving around

    @rx.event
    def set_view(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        if value in VIEWS:
            self.view = value
            self._redraw()

    def _go(self, direction: int):
        try:
            anchor = step(self.view if self.view in VIEWS else "week", date.fromisoformat(self.anchor), direction)
            check_date(anchor, field="date")
        except (TypeError, ValueError, OverflowError, DomainError):
            return rx.toast.warning("There is nothing to show beyond this.")
        previous, self.anchor = self.anchor, anchor.isoformat()
        self._redraw()
        if self.error:
            self.anchor = previous

    @rx.event
    def previous(self):
        return self._go(-1)

    @rx.event
    def next(self):
        return self._go(1)

    @rx.event
    def today(self):
        with self._acting("error") as (session, actor):
            self.anchor = self._today(actor).isoformat()
            self._draw(session, actor)

    @rx.event
    def show_day(self, iso: str):
        """A month cell's day (or its "+N more"): that date in the day view."""
        try:
            day = check_date(parse_date(iso, field="date"), field="date")
        except DomainError:
            return
        self.view, self.anchor = "day", day.isoformat()
        self._redraw()

    # ------------------------------------------------------------ drag to reschedule

    @rx.event
    def move_session(self, booking_id: str, new_start: str):
        """A session dropped on a new time ("YYYY-MM-DDTHH:MM" in the acting trainer's zone). The reschedule
        service decides (slot rules, buffer, overlaps, notification, history); a refusal is said in a toast
        and the session stays where it was."""
        with self._acting() as (session, actor):
            reader = self._reader(actor.timezone)
            try:
                start = parse_wall_start(new_start, actor.timezone)
                moved = bookings.reschedule_booking(
                    session,
                    booking_id=booking_id,
                    caller=bookings.Caller(trainer=actor),
                    start_time=start.isoformat(),
                )
            except DomainError as exc:
                session.rollback()  # the refused move's write transaction ends here
                self._draw(session, actor)
                return rx.toast.error(f"Not moved: {friendly(exc)}", duration=8000)
            when = reader.when(moved.start_at)
            self._draw(session, actor)
            return rx.toast.success(f"Moved to {when}; the client is notified.")

    # ------------------------------------------------------------ live

    @rx.event
    def live_tick(self, _now: str = ""):
        """Live updates on this page's own state, so :meth:`_live_changed` below redraws it. With nothing
        new, a drawing older than a minute is redrawn anyway: the now line moves on, and a session that
        has begun can no longer be dragged."""
        events = self._live_tick()
        if events is None and self.trainer_id and self._drawing_is_old():
            self._redraw()
        return events

    def _drawing_is_old(self) -> bool:
        try:
            return utcnow() - datetime.fromisoformat(self._drawn_at) >= timedelta(minutes=1)
        except (TypeError, ValueError):
            return True

    def _live_changed(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> None:
        self._draw(session, actor, viewed)
