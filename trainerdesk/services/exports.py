"""CSV export of a trainer's bookings: one format for the API and the dashboard, streamed in chunks."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from typing import Optional
from zoneinfo import ZoneInfo

from ..db import session_scope
from ..domain.errors import ValidationFailed
from ..domain.inputs import check_date
from ..models import Trainer
from .bookings import BookingQuery, iter_bookings

CSV_COLUMNS = [
    "id",
    "startTime",
    "endTime",
    "duration",
    "status",
    "clientName",
    "clientEmail",
    "clientPhone",
    "notes",
    "trainerNotes",
    "clientTimezone",
    "rescheduleCount",
    "lateCancellation",
    "cancellationReason",
    "createdAt",
]
MAX_EXPORT_IDS = 1000  # ``ids`` become one bound parameter each (SQLite and PostgreSQL cap those)


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


def csv_chunks(
    actor: Trainer, trainer_ids: Sequence[str], trainer_zone: str, spec: BookingQuery, ids: Optional[list[str]] = None
) -> Iterator[str]:
    """The CSV text a chunk at a time, from its own session (a streamed response outlives the request's).

    Only bookings of trainers that ``actor`` manages are written, whatever ``trainer_ids`` says.

    Everything that can fail runs before this returns: the inputs are checked
    (:class:`ValidationFailed` naming the field), the query runs and its first
    row is fetched. So the API answers an error as JSON instead of a CSV that
    breaks off after its header.
    """
    if ids is not None and len(ids) > MAX_EXPORT_IDS:
        raise ValidationFailed(f"Export at most {MAX_EXPORT_IDS} bookings by id at once.", {"field": "ids"})
    for label, day in (("from", spec.first), ("to", spec.last)):
        if day is not None:
            check_date(day, field=label)
    chunks = _chunks(actor, trainer_ids, trainer_zone, spec, ids)
    header = next(chunks)  # runs up to the header: the query has run and its first row is in hand
    return itertools.chain([header], chunks)


def _chunks(
    actor: Trainer, trainer_ids: Sequence[str], trainer_zone: str, spec: BookingQuery, ids: list[str] | None
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with session_scope() as session:
        rows = iter_bookings(
            session, actor=actor, trainer_ids=trainer_ids, spec=spec, tz=ZoneInfo(trainer_zone), ids=ids
        )
        first = next(rows, None)
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
        for n, (b, c) in enumerate(itertools.chain([first] if first is not None else [], rows), start=1):
            writer.writerow(
                [
                    b.id,
                    _iso(b.start_at, trainer_zone),
                    _iso(b.end_at, trainer_zone),
                    b.duration_minutes,
                    str(b.status),
                    _cell(c.name),
                    _cell(c.email),
                    _cell(c.phone),
                    _cell(b.notes),
                    _cell(b.trainer_notes),
                    b.client_timezone,
                    b.reschedule_count,
                    str(b.late_cancellation).lower(),
                    _cell(b.cancellation_reason),
                    _iso(b.created_at),
                ]
            )
            if n % 200 == 0:
                yield _drain(buffer)
    yield _drain(buffer)
