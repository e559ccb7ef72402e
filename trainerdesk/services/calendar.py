"""The dashboard calendar's reads: sessions, working hours and date overrides of the shown trainers in a range.

Only what the acting trainer manages is loaded, whatever trainer ids the caller hands in (the ids are
re-checked against the actor, and the bookings query filters by ``managed_ids_clause`` too). Moves go
through ``services.bookings.reschedule_booking`` like every other reschedule; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ..domain.policy import BookingStatus
from ..domain.ranges import Range, intersect
from ..domain.slots import HoursBlock, lookaround, windows
from ..models import Booking, Client, Trainer
from .availability import list_overrides, load_schedule, trainer_with_preferences
from .trainers import can_manage, managed_ids_clause

# A calendar does not draw cancelled sessions (their time is free again); the bookings table lists them.
SHOWN_STATUSES = [s.value for s in BookingStatus if s is not BookingStatus.CANCELLED]


@dataclass(frozen=True)
class CalendarData:
    """What the calendar shows of a range; ``state/calendar_layout.py`` turns it into positions and words."""

    trainers: Sequence[Trainer]
    sessions: Sequence[tuple[Booking, Client]]
    hours: Mapping[str, Sequence[Range]]  # trainer id -> working hours as instants (overrides applied)
    overrides: Mapping[str, Mapping[date, Sequence[HoursBlock]]]  # trainer id -> date -> hours (none = blocked)


def load_calendar(session: Session, *, actor: Trainer, trainers: Sequence[Trainer], span: Range) -> CalendarData:
    """Sessions touching ``span`` and each trainer's hours in it, for the trainers of ``trainers`` that
    ``actor`` manages (others are dropped)."""
    shown = [t for t in trainers if can_manage(actor, t)]
    ids = [t.id for t in shown]
    rows = (
        session.exec(
            select(Booking, Client)
            .join(Client, Client.id == Booking.client_id)
            .where(
                col(Booking.trainer_id).in_(ids),
                col(Booking.trainer_id).in_(managed_ids_clause(actor)),
                col(Booking.status).in_(SHOWN_STATUSES),
                Booking.start_at < span.end,
                # bounded below by start too, so the (trainer, status, start) index carries the scan
                Booking.start_at > span.start - timedelta(days=1),
                Booking.end_at > span.start,
            )
            .order_by(Booking.start_at, Booking.id)
        ).all()
        if ids
        else []
    )
    hours: dict[str, list[Range]] = {}
    overrides: dict[str, dict[date, list[HoursBlock]]] = {}
    for trainer in shown:
        _, prefs = trainer_with_preferences(session, trainer.id)
        tz = ZoneInfo(trainer.timezone)
        first, last = lookaround(span.start, span.end, tz)
        schedule = load_schedule(session, trainer, prefs, start=span.start, end=span.end)
        hours[trainer.id] = intersect(windows(schedule, first, last), [span])
        overrides[trainer.id] = {
            o.day: [HoursBlock(a, b) for a, b in o.blocks] for o in list_overrides(session, trainer.id, first, last)
        }
    return CalendarData(trainers=shown, sessions=[(b, c) for b, c in rows], hours=hours, overrides=overrides)
