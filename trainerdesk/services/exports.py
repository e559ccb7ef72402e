"""CSV export of a trainer's bookings: one format for the API and the dashboard, streamed in chunks."""

from __future__ import annotations

import csv
import io
from typing import Iterator, Optional, Sequence
from zoneinfo import ZoneInfo

from ..db import session_scope
from .bookings import BookingQuery, iter_bookings

CSV_COLUMNS = ["id", "startTime", "endTime", "duration", "status", "clientName", "clientEmail", "clientPhone",
               "notes", "trainerNotes", "clientTimezone", "rescheduleCount", "lateCancellation", "cancellationReason",
               "createdAt"]


def _iso(instant, zone: Optional[str] = None) -> str:
    if zone:
        return instant.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")
    return instant.isoformat(timespec="seconds").replace("+00:00", "Z")


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in client-typed text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_chunks(trainer_ids: Sequence[str], trainer_zone: str, spec: BookingQuery,
               ids: Optional[list[str]] = None) -> Iterator[str]:
    """The CSV text a chunk at a time, from its own session (a streamed response outlives the request's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    with session_scope() as session:
        rows = iter_bookings(session, trainer_ids=trainer_ids, spec=spec, tz=ZoneInfo(trainer_zone), ids=ids)
        for n, (b, c) in enumerate(rows, start=1):
            writer.writerow([b.id, _iso(b.start_at, trainer_zone), _iso(b.end_at, trainer_zone), b.duration_minutes,
                             str(b.status), _cell(c.name), _cell(c.email), _cell(c.phone), _cell(b.notes),
                             _cell(b.trainer_notes), b.client_timezone, b.reschedule_count,
                             str(b.late_cancellation).lower(), _cell(b.cancellation_reason), _iso(b.created_at)])
            if n % 200 == 0:
                yield _drain(buffer)
    yield _drain(buffer)
