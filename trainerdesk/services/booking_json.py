"""A booking as JSON, the same everywhere it leaves the server: the API's answers and the bodies
of webhooks (which never carry a token)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional
from zoneinfo import ZoneInfo

from .. import routes
from ..config import public_url
from ..models import Booking, Client, Trainer


def iso(instant: Optional[datetime], zone: Optional[str | ZoneInfo] = None) -> Optional[str]:
    """ISO 8601 with an explicit offset, in ``zone`` when given (UTC as ``Z``)."""
    if instant is None:
        return None
    if zone is not None:
        instant = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    text = instant.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") and zone is None else text


def booking_json(booking: Booking, trainer: Trainer, client: Client, *, token: Optional[str] = None) -> dict:
    zone = booking.client_timezone
    out = {
        "id": booking.id,
        "trainerId": booking.trainer_id,
        "trainerName": trainer.name,
        "trainerTimezone": trainer.timezone,
        "status": str(booking.status.value if hasattr(booking.status, "value") else booking.status),
        "startTime": iso(booking.start_at, zone),
        "endTime": iso(booking.end_at, zone),
        "duration": booking.duration_minutes,
        "clientTimezone": zone,
        "client": {"name": client.name, "email": client.email, "phone": client.phone},
        "notes": booking.notes,
        "trainerNotes": booking.trainer_notes,
        "rescheduleCount": booking.reschedule_count,
        "lateCancellation": booking.late_cancellation,
        "cancellationReason": booking.cancellation_reason,
        "createdAt": iso(booking.created_at),
        "updatedAt": iso(booking.updated_at),
    }
    if token:
        base = public_url()
        out.update(
            token=token,
            rescheduleUrl=routes.reschedule_url(booking.id, token, base),
            cancelUrl=routes.cancel_url(booking.id, token, base),
            icsUrl=routes.ics_url(booking.id, token, base),
        )
    return out
