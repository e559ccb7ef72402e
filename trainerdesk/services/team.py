"""A primary trainer's team: members, and the side-by-side week (hours, bookings, gaps, overlaps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ..domain.errors import Forbidden
from ..domain.policy import ACTIVE_STATUSES
from ..domain.ranges import Range, intersect
from ..domain.slots import local_day_range, lookaround, windows
from ..domain.team import coverage
from ..models import Booking, Client, Trainer
from .availability import load_schedule, trainer_with_preferences
from .trainers import managed_trainer, team_members


@dataclass
class TeamDay:
    day: date
    hours: dict[str, list[Range]] = field(default_factory=dict)  # trainer id -> working hours
    bookings: dict[str, list[tuple[datetime, datetime, str]]] = field(default_factory=dict)
    gaps: list[Range] = field(default_factory=list)
    overlaps: list[Range] = field(default_factory=list)


def week_overview(
    session: Session, *, actor: Trainer, primary_id: str, week_start: date
) -> tuple[list[Trainer], list[TeamDay]]:
    """Seven days from ``week_start`` in the primary's zone, a column per trainer of the team."""
    primary = managed_trainer(session, actor=actor, trainer_id=primary_id)
    if primary.primary_trainer_id is not None:
        raise Forbidden("Only a primary trainer has a team view.")
    members = team_members(session, primary)
    zone = ZoneInfo(primary.timezone)
    start = local_day_range(week_start, zone).start
    end = local_day_range(week_start + timedelta(days=6), zone).end
    hours: dict[str, list[Range]] = {}
    for trainer in members:
        _, prefs = trainer_with_preferences(session, trainer.id)
        schedule = load_schedule(session, trainer, prefs, start=start, end=end)
        hours[trainer.id] = windows(schedule, *lookaround(start, end, ZoneInfo(trainer.timezone)))
    rows = session.exec(
        select(Booking, Client)
        .join(Client, Client.id == Booking.client_id)
        .where(
            col(Booking.trainer_id).in_([t.id for t in members]),
            col(Booking.status).in_([s.value for s in ACTIVE_STATUSES]),
            Booking.start_at < end,
            Booking.end_at > start,
        )
        .order_by(Booking.start_at)
    ).all()
    days = []
    for n in range(7):
        day = week_start + timedelta(days=n)
        span = local_day_range(day, zone)
        team_day = TeamDay(day)
        for trainer in members:
            team_day.hours[trainer.id] = intersect(hours[trainer.id], [span])
            team_day.bookings[trainer.id] = [
                (b.start_at, b.end_at, c.name)
                for b, c in rows
                if b.trainer_id == trainer.id and span.start <= b.start_at < span.end
            ]
        team_day.gaps, team_day.overlaps = coverage(team_day.hours)
        days.append(team_day)
    return members, days
