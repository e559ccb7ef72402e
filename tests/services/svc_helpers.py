"""Helpers for service tests: trainers with hours and preferences, bookings, and DB inspection.

Everything goes through the services (signup, replace_week, update_preferences,
create_booking), each call in its own session from ``session_scope()``, so
the rows are exactly what the app itself would write. Dates are in 2027 and
every call takes an explicit ``now``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import select

from tests.conftest import at  # noqa: F401  (the suite's helper; re-exported)
from trainerdesk.db import session_scope
from trainerdesk.domain.slots import WeeklyBlock, parse_wall_time
from trainerdesk.models import Booking, BookingEvent, OutboxMessage, Trainer
from trainerdesk.services import availability, bookings, calendars, trainers

BERLIN = "Europe/Berlin"
# A fixed "now" well before every booking used here (no test depends on today's date).
NOW = at("2027-02-01T08:00:00Z")
# Monday 1 March 2027 (Berlin is UTC+1 until 28 March 2027).
MONDAY = date(2027, 3, 1)
PASSWORD = "correct horse battery"
ALL_WEEK = [(day, "08:00", "20:00") for day in range(7)]

_counter = itertools.count(1)


def local(day: date, hhmm: str, zone: str = BERLIN) -> datetime:
    """A trainer-local wall-clock time as an aware datetime (compare as instants)."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=ZoneInfo(zone))


def iso(value: datetime) -> str:
    return value.isoformat()


def make_trainer(
    *,
    name: Optional[str] = None,
    email: Optional[str] = None,
    timezone: str = BERLIN,
    hours: Iterable[tuple[int, str, str]] = ALL_WEEK,
    primary: Optional[Trainer] = None,
    **prefs: Any,
) -> Trainer:
    """A trainer (or, with ``primary``, a sub-trainer) with weekly hours and preferences.

    ``prefs`` are snake_case preference fields; defaults suit 2027 bookings made
    from ``NOW`` (max_advance_days 730, min_notice_hours 0).
    """
    n = next(_counter)
    name = name or f"Trainer {n}"
    email = email or f"trainer{n}@example.com"
    blocks = [WeeklyBlock(d, parse_wall_time(a, allow_24=False), parse_wall_time(b)) for d, a, b in hours]
    changes = {"max_advance_days": 730, "min_notice_hours": 0, **prefs}
    with session_scope() as s:  # each service call commits its own transaction
        if primary is None:
            trainer, _key = trainers.signup(s, email=email, password=PASSWORD, name=name, timezone=timezone)
        else:
            trainer, _key = trainers.add_sub_trainer(
                s, actor=primary, primary_id=primary.id, email=email, password=PASSWORD, name=name, timezone=timezone
            )
        availability.replace_week(s, actor=trainer, trainer_id=trainer.id, blocks=blocks)
        trainer, _ = trainers.update_preferences(s, actor=trainer, trainer_id=trainer.id, changes=changes)
    return trainer


def book(
    trainer_or_team: Trainer,
    start: datetime,
    duration: int = 60,
    *,
    team: bool = False,
    name: Optional[str] = None,
    email: Optional[str] = None,
    now: datetime = NOW,
    **extra: Any,
) -> bookings.NewBooking:
    """Create a booking through the service in its own session."""
    n = next(_counter)
    target = {"team_id": trainer_or_team.id} if team else {"trainer_id": trainer_or_team.id}
    with session_scope() as s:
        return bookings.create_booking(
            s,
            **target,
            start_time=iso(start),
            duration=duration,
            name=name or f"Client {n}",
            email=email or f"client{n}@example.com",
            privacy_accepted=True,
            now=now,
            **extra,
        )


def connect_caldav(trainer, url: str, username: str, password: str, **extra) -> calendars.Connection:
    """Connect ``trainer`` to a CalDAV account (the service call the API and the page make)."""
    with session_scope() as s:
        return calendars.connect_calendar(
            s,
            actor=trainer,
            trainer_id=trainer.id,
            kind="caldav",
            url=url,
            username=username,
            password=password,
            now=NOW,
            **extra,
        )


def fetch(booking_id: str) -> Booking:
    with session_scope() as s:
        return s.get(Booking, booking_id)


def events(booking_id: str) -> list[BookingEvent]:
    with session_scope() as s:
        return list(
            s.exec(
                select(BookingEvent)
                .where(BookingEvent.booking_id == booking_id)
                .order_by(BookingEvent.at, BookingEvent.id)
            ).all()
        )


def outbox(booking_id: Optional[str] = None, *, reminders: bool = False) -> list[OutboxMessage]:
    """The outbox messages (of one booking), oldest first; planned reminders only with ``reminders``."""
    with session_scope() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if not reminders:
            query = query.where(OutboxMessage.event != "reminder")
        if booking_id is not None:
            query = query.where(OutboxMessage.booking_id == booking_id)
        return list(s.exec(query).all())


def active_bookings(trainer_id: Optional[str] = None) -> list[Booking]:
    with session_scope() as s:
        query = select(Booking).where(Booking.status.in_(["PENDING", "CONFIRMED"])).order_by(Booking.start_at)
        if trainer_id is not None:
            query = query.where(Booking.trainer_id == trainer_id)
        return list(s.exec(query).all())


def overlapping_active_pairs() -> list[tuple[str, str]]:
    """Pairs of active bookings of one trainer whose times overlap, found by SQL on either backend."""
    sql = text(
        "SELECT a.id, b.id FROM booking a JOIN booking b "
        "ON a.trainer_id = b.trainer_id AND a.id < b.id "
        "AND a.start_at < b.end_at AND b.start_at < a.end_at "
        "WHERE a.status IN ('PENDING', 'CONFIRMED') AND b.status IN ('PENDING', 'CONFIRMED')"
    )
    with session_scope() as s:
        return [tuple(r) for r in s.execute(sql).all()]


def schedule_version(trainer_id: str) -> int:
    with session_scope() as s:
        return s.get(Trainer, trainer_id).schedule_version


@dataclass
class Outcome:
    ok: list[Any]
    errors: list[BaseException]

    def of_type(self, kind: type) -> list[BaseException]:
        return [e for e in self.errors if isinstance(e, kind)]


def race(calls: Sequence[Callable[[], Any]], *, timeout: float = 90) -> Outcome:
    """Run each call in its own thread, lined up on a barrier so they start together.

    Each call opens its own session. Returns the results and the exceptions
    (any thread that does not finish in ``timeout`` fails the test).
    """
    barrier = threading.Barrier(len(calls))
    ok: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            result = call()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on by the test
            with lock:
                errors.append(exc)
        else:
            with lock:
                ok.append(result)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish (deadlock?)"
    return Outcome(ok, errors)


def slot_starts(
    trainer_id: str, day: date, duration: int, *, now: datetime = NOW, team: bool = False, zone: str = BERLIN
) -> list[datetime]:
    """The starts the app offers on one (client-zone) date, through the cached slot service."""
    who = {"team_id": trainer_id} if team else {"trainer_id": trainer_id}
    with session_scope() as s:
        _, per_duration = availability.slots_for_date(
            s, **who, day=day, client_tz=ZoneInfo(zone), duration=duration, now=now
        )
    return [slot.start for slot in per_duration[duration]]


def delivered(now=None) -> list:
    """Send every due outbox message through a capturing sender; the emails, oldest first."""
    from trainerdesk.services import notifications

    sent: list = []
    notifications.deliver_pending(now=now or NOW, send=sent.append)
    return sent


def ics_of(email) -> str:
    """The text of an email's calendar attachment."""
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    return part.get_payload(decode=True).decode()
