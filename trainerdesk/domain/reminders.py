"""When a session's reminder emails are due, and whether a planned one still goes out (pure rules).

A reminder is planned when a booking is made or moved (or the trainer changes the reminder
hours), as an outbox row due ``hours`` before the start it was planned for. When it falls due it
is checked again, because the booking may have changed since: it goes only if the session still
starts at that instant, is still PENDING or CONFIRMED, and the trainer still wants reminders that
many hours ahead. So a moved session is reminded at its new time (its new reminders were planned
with the move) and a cancelled one never.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .policy import ACTIVE_STATUSES, BookingStatus


def reminders_to_plan(
    *, start: datetime, status: BookingStatus, hours: Iterable[int], now: datetime
) -> list[tuple[int, datetime]]:
    """(hours, due) of each reminder to plan for a session starting at ``start``; a reminder whose
    moment has already passed is skipped (never sent late)."""
    if status not in ACTIVE_STATUSES:
        return []
    due = [(h, start - timedelta(hours=h)) for h in sorted(set(hours))]
    return [(h, at) for h, at in due if at > now]


def reason_not_to_send(
    *, status: BookingStatus, start: datetime, planned_start: datetime, hours: int, wanted: Iterable[int]
) -> str:
    """Why a due reminder must not go out ("" when it should)."""
    if status not in ACTIVE_STATUSES:
        return "the session is no longer on"
    if start != planned_start:
        return "the session has moved (it is reminded at its new time)"
    if hours not in set(wanted):
        return "the trainer no longer sends this reminder"
    return ""
