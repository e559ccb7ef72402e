"""CalDAV write-back: each booking kept up to date in the calendar its trainer chose to write into.

The booking services never talk to a calendar server. A booking's change queues a
:class:`CalendarWrite` row in the change's own transaction (:func:`queue_booking`), so nothing is
lost on a crash; the writer (:func:`write_pending`, a lifespan task of its own so a slow CalDAV
server never delays emails) claims due rows with a lease, renders the booking *as it is then*
and sends one request outside any transaction:

- ``PUT`` of the one event object of that booking (an address derived from the booking id, the
  UID of its ``.ics``) while it is a session in a calendar that is still the one written into;
- ``DELETE`` of it once the booking is cancelled, or when the trainer stops writing into that
  calendar (or picks another one).

Rendering at send time makes retries and repeats harmless: several changes in a row collapse into
one pending row per booking and calendar (``revision`` moves), and the newest state wins. A failed
write is retried with backoff (capped at 6 h) until it works, and its error is shown on the
connection. The events we write are never read back as busy: their UIDs are our bookings'. The
writer wakes when a commit queued a write (:data:`ALARM`) or the first retry falls due.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import bindparam, delete, exists, or_
from sqlmodel import Session, col, select

from ..alarms import Alarm, first_due_query
from ..calendars import caldav as dav, fetch as web
from ..calendars.secrets import decrypt
from ..config import settings
from ..db import begin_write, insert_rows, is_sqlite, session_scope
from ..domain.ics import stored_calendar
from ..domain.policy import BookingStatus
from ..models import Booking, CalendarConnection, CalendarWrite, Client, Trainer, utcnow
from .notifications import trainer_entry

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 25
# Rung by every commit that queued a write: the writer sends it at once.
ALARM = Alarm("calendar writes")


def write_calendar(connection: CalendarConnection) -> Optional[str]:
    """The href of the account's calendar that bookings are written into, if any."""
    if connection.kind != "caldav":
        return None
    return next((c["href"] for c in connection.calendars if c.get("writeBookings")), None)


# ---------------------------------------------------------------- queueing (inside the change's transaction)


# Built once (with a bind parameter): every booking change runs it, mostly to find nothing.
_CALDAV_CONNECTIONS = select(CalendarConnection).where(
    CalendarConnection.trainer_id == bindparam("trainer_id"), CalendarConnection.kind == "caldav"
)
# Whether a trainer has any CalDAV account, as a column of a statement that reads the trainer row (a
# booking change's lock): with none, :func:`queue_booking` need not look.
HAS_CALDAV = (
    exists()
    .where(CalendarConnection.trainer_id == Trainer.id, CalendarConnection.kind == "caldav")
    .correlate(Trainer)
    .label("has_caldav")
)


def queue_booking(session: Session, booking: Booking, *, now: datetime) -> None:
    """Bring ``booking`` up to date in every calendar its trainer writes into (in this transaction)."""
    connections = session.exec(_CALDAV_CONNECTIONS, params={"trainer_id": booking.trainer_id}).all()
    for connection in connections:
        href = write_calendar(connection)
        if href is not None:
            _upsert(session, connection.id, booking.id, href, now=now)


def queue_calendar_change(
    session: Session, connection: CalendarConnection, *, before: Optional[str], now: datetime
) -> None:
    """After the trainer changed which calendar bookings go into (``before`` was the old one):
    the upcoming sessions are written into the new one, and what we wrote into the old one is
    removed from it (the writer sees it is no longer the chosen calendar and deletes)."""
    after = write_calendar(connection)
    if before == after:
        return
    if before is not None:
        written = session.exec(
            select(CalendarWrite.booking_id)
            .where(CalendarWrite.connection_id == connection.id, CalendarWrite.calendar_href == before)
            .distinct()
        ).all()
        for booking_id in written:
            _upsert(session, connection.id, booking_id, before, now=now)
    if after is not None:
        upcoming = session.exec(
            select(Booking.id).where(
                Booking.trainer_id == connection.trainer_id,
                Booking.end_at > now,
                col(Booking.status).in_([BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value]),
            )
        ).all()
        for booking_id in upcoming:
            _upsert(session, connection.id, booking_id, after, now=now)


def _upsert(session: Session, connection_id: str, booking_id: str, href: str, *, now: datetime) -> None:
    """One pending row per booking and calendar. Booking changes lock the trainer's row first, so
    two changes of one booking never race here."""
    ALARM.ring_on_commit(session)
    row = session.exec(
        select(CalendarWrite).where(
            CalendarWrite.connection_id == connection_id,
            CalendarWrite.booking_id == booking_id,
            CalendarWrite.calendar_href == href,
            col(CalendarWrite.done_at).is_(None),
        )
    ).first()
    if row is None:
        insert_rows(
            session,
            CalendarWrite,
            [
                {
                    "connection_id": connection_id,
                    "booking_id": booking_id,
                    "calendar_href": href,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            ],
        )
        return
    row.revision += 1
    if row.leased_until is None or row.leased_until <= now:
        # A fresh change gets fresh tries at once; a row being sent right now is left to its writer,
        # which sees the new revision and sends again (two writers of one event could reorder).
        row.next_attempt_at, row.attempts = now, 0
    session.add(row)


# ---------------------------------------------------------------- writing (outside any transaction)


@dataclass(frozen=True)
class _Job:
    row_id: int
    revision: int
    connection_id: str
    account: dav.Account
    href: str
    booking_id: str
    ics: Optional[bytes]  # None: delete the event


def _claim(session: Session, now: datetime) -> list[_Job]:
    """Lease the due rows and render each booking as it is now, in one short transaction."""
    begin_write(session)
    query = (
        select(CalendarWrite)
        .where(
            col(CalendarWrite.done_at).is_(None),
            CalendarWrite.next_attempt_at <= now,
            or_(col(CalendarWrite.leased_until).is_(None), CalendarWrite.leased_until <= now),
        )
        .order_by(CalendarWrite.next_attempt_at, CalendarWrite.id)
        .limit(BATCH)
    )
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    jobs = []
    for row in session.exec(query).all():
        connection = session.get(CalendarConnection, row.connection_id)
        booking, trainer, client = session.exec(
            select(Booking, Trainer, Client)
            .join(Trainer, Trainer.id == Booking.trainer_id)
            .join(Client, Client.id == Booking.client_id)
            .where(Booking.id == row.booking_id)
        ).one()
        row.attempts += 1
        row.leased_until = now + LEASE
        session.add(row)
        keep = write_calendar(connection) == row.calendar_href and booking.status != BookingStatus.CANCELLED
        ics = stored_calendar(trainer_entry(booking, trainer, client), stamp=now) if keep else None
        data = json.loads(decrypt(connection.secret))
        account = dav.Account(data["url"], data["username"], data["password"])
        jobs.append(_Job(row.id, row.revision, connection.id, account, row.calendar_href, booking.id, ics))
    session.commit()
    return jobs


def _send(job: _Job) -> None:
    allow = settings().calendar_allow_private_networks
    if job.ics is None:
        dav.delete_event(job.account, job.href, job.booking_id, allow_private_networks=allow)
    else:
        dav.put_event(job.account, job.href, job.booking_id, job.ics, allow_private_networks=allow)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts`` (30 s, 1 min, 2, 4, ... capped at 6 h)."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _finish(session: Session, job: _Job, *, error: Optional[str], now: datetime) -> None:
    begin_write(session)
    row = session.get(CalendarWrite, job.row_id)
    connection = session.get(CalendarConnection, job.connection_id)
    if row is None or connection is None:  # the calendar was disconnected meanwhile
        session.commit()
        return
    row.leased_until = None
    if error is None:
        if row.revision == job.revision:
            row.done_at, row.last_error = now, ""
        else:  # the booking changed while we wrote it: write its newest state
            row.next_attempt_at, row.attempts = now, 0
        connection.write_error = ""
    else:
        row.last_error = error[:500]
        row.next_attempt_at = now + backoff(row.attempts)
        connection.write_error = f"A booking could not be written into your calendar: {error}"[:500]
    session.add(row)
    session.add(connection)
    session.commit()


def write_pending(*, now: Optional[datetime] = None) -> int:
    """Send every due write once; returns how many worked."""
    now = now or utcnow()
    written = 0
    with session_scope() as session:
        for job in _claim(session, now):
            try:
                _send(job)
            except web.FetchError as exc:
                log.warning("calendar write %s failed: %s", job.row_id, exc)
                _finish(session, job, error=str(exc), now=now)
            except Exception:  # noqa: BLE001 - anything else is retried later too
                log.exception("calendar write %s failed", job.row_id)
                _finish(session, job, error="The calendar server could not be written to.", now=now)
            else:
                _finish(session, job, error=None, now=now)
                written += 1
    return written


def forget_connection(session: Session, connection_id: str) -> None:
    """Drop a removed connection's pending writes (in the removal's transaction)."""
    session.exec(delete(CalendarWrite).where(CalendarWrite.connection_id == connection_id))


_NEXT_DUE = first_due_query(
    CalendarWrite.next_attempt_at,
    col(CalendarWrite.done_at).is_(None),
    leased_until=CalendarWrite.leased_until,
)


def _round() -> tuple[int, Optional[datetime]]:
    """One wake-up of the writer: writes if a write is due; (how many worked, when the next is due)."""
    return ALARM.round(_NEXT_DUE, lambda: write_pending())


async def run_writer(interval: float = 2.0) -> None:
    """Lifespan task of the app: write when :data:`ALARM` rings or the first write is due (at most
    ``alarms.MAX_SLEEP`` apart); ``interval`` s between rounds that wrote nothing."""
    await ALARM.run(_NEXT_DUE, lambda: write_pending(), interval=interval)
