"""What a booking's change sets going, queued in the change's own transaction (so none is lost on
a crash, and none goes out for a change that was rolled back): the client's email, the reminders
of the session at its (new) time, the copy in the trainer's CalDAV calendar and the trainer's
webhooks. Each is delivered later by its own background sender."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ..domain.preferences import Preferences
from ..models import Booking, Client, Trainer
from . import calendar_writes, notifications, webhooks


@dataclass(frozen=True)
class Reach:
    """Whom a trainer's booking changes reach besides the client: a CalDAV account, active webhook
    endpoints. Read as :data:`REACH_COLUMNS` of the statement that locks the trainer row, so a change
    for a trainer with neither (most) looks for neither."""

    caldav: bool
    webhooks: bool


# Columns of a statement that reads the trainer row, in :class:`Reach`'s order.
REACH_COLUMNS = (calendar_writes.HAS_CALDAV, webhooks.HAS_ACTIVE_ENDPOINT)


def booking_changed(
    session: Session,
    booking: Booking,
    trainer: Trainer,
    client: Client,
    event: str,
    *,
    now: datetime,
    prefs: Preferences,
    reach: Reach,
) -> None:
    """``event`` (created, confirmed, rescheduled, cancelled, completed, no_show) happened to ``booking``.

    ``prefs``, ``reach``: the trainer's, as read with its lock in this transaction. The client's email
    and reminders go in as one statement."""
    rows = notifications.message_rows(booking, trainer, client, event, now=now)
    if event in ("created", "rescheduled"):
        rows += notifications.reminder_rows(
            session,
            booking,
            trainer,
            client,
            now=now,
            fresh=event == "created",
            reminder_hours=prefs.reminder_hours,
        )
    notifications.queue_rows(session, rows)
    if reach.caldav:
        calendar_writes.queue_booking(session, booking, now=now)
    if reach.webhooks:
        webhooks.queue_booking_event(session, booking, trainer, client, event, now=now)


def preferences_changed(session: Session, trainer: Trainer, changed: Iterable[str], *, now: datetime) -> None:
    """After the trainer's preferences were saved: new reminder hours reach the upcoming sessions
    too (reminders no longer wanted are dropped when they fall due)."""
    if "reminder_hours" in set(changed):
        notifications.replan_reminders(session, trainer, now=now)
