"""Busy times from the trainer's outside calendars, as stored after each refresh.

A refresh replaces a connection's intervals in one transaction and moves the trainer's schedule
version (so the slot cache and every open booking page see the change); slot queries read these
rows together with bookings (``availability.load_schedule``). Nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, delete, select

from ..domain.slots import wall_to_instant
from ..models import BusyTime, CalendarConnection, Trainer
from .trainers import bump_schedule_version, managed_trainer

SUMMARY_LIMIT = 200


class Interval(NamedTuple):
    start: datetime
    end: datetime
    summary: str = ""
    calendar: str = ""  # CalDAV: the calendar's href


def replace_busy_times(session: Session, connection: CalendarConnection, intervals: Iterable[Interval]) -> int:
    """Make ``intervals`` the connection's busy times (inside the caller's write transaction)."""
    session.exec(delete(BusyTime).where(BusyTime.connection_id == connection.id))
    # Plain rows in one executemany, not ORM objects: a calendar expands to thousands of
    # intervals, and the ORM inserted them one statement each (about 1 s for 3,000 on SQLite).
    rows = [
        {
            "trainer_id": connection.trainer_id,
            "connection_id": connection.id,
            "start_at": i.start,
            "end_at": i.end,
            "summary": (i.summary or "")[:SUMMARY_LIMIT],
            "calendar_href": i.calendar,
        }
        for i in intervals
        if i.end > i.start
    ]
    if rows:
        session.execute(insert(BusyTime), rows)
    trainer = session.get(Trainer, connection.trainer_id)
    bump_schedule_version(session, trainer)
    return len(rows)


def busy_between(session: Session, *, actor: Trainer, trainer_id: str, first: date, last: date) -> list[BusyTime]:
    """The outside busy times touching the trainer-local dates ``first..last``."""
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    zone = ZoneInfo(trainer.timezone)
    start, end = wall_to_instant(first, 0, zone), wall_to_instant(last + timedelta(days=1), 0, zone)
    return list(
        session.exec(
            select(BusyTime)
            .where(BusyTime.trainer_id == trainer.id, BusyTime.end_at > start, BusyTime.start_at < end)
            .order_by(BusyTime.start_at, BusyTime.id)
        ).all()
    )
