"""Request bodies (camelCase on the wire) and the JSON shapes of responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from .. import routes
from ..config import settings
from ..domain.slots import format_wall_time
from ..models import AvailabilityBlock, Booking, BookingEvent, Client, DateOverride, Trainer


class Body(BaseModel):
    """Base of request bodies: camelCase names; unknown fields ignored; types checked by the services."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SignupBody(Body):
    email: Any = None
    password: Any = None
    name: Any = None
    timezone: Any = None


class LoginBody(Body):
    email: Any = None
    password: Any = None


class BlockBody(Body):
    day_of_week: Any = None
    start_time: Any = None
    end_time: Any = None


class WeekBody(Body):
    blocks: list[BlockBody]


class HoursBody(Body):
    start_time: Any = None
    end_time: Any = None


class OverrideBody(Body):
    blocks: list[HoursBody]


class BookingBody(Body):
    trainer_id: Optional[str] = None
    team_id: Optional[str] = None
    start_time: Any = None
    duration: Any = None
    name: Any = None
    email: Any = None
    phone: Any = ""
    notes: Any = ""
    client_timezone: Any = None
    privacy_accepted: Any = False


class StatusBody(Body):
    status: Any = None
    notes: Any = ""


class CancelBody(Body):
    reason: Any = ""
    acknowledge_late_cancellation: Any = False
    token: Optional[str] = None


class RescheduleBody(Body):
    start_time: Any = None
    token: Optional[str] = None


class BulkStatusBody(Body):
    booking_ids: Any = None
    status: Any = None


# ---------------------------------------------------------------- responses

def iso(instant: Optional[datetime], zone: Optional[str | ZoneInfo] = None) -> Optional[str]:
    """ISO 8601 with an explicit offset, in ``zone`` when given (UTC as ``Z``)."""
    if instant is None:
        return None
    if zone is not None:
        instant = instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    text = instant.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") and zone is None else text


def block_json(row: AvailabilityBlock) -> dict:
    return {"id": row.id, "dayOfWeek": row.day_of_week, "startTime": format_wall_time(row.start_minute),
            "endTime": format_wall_time(row.end_minute), "isRecurring": True}


def override_json(row: DateOverride) -> dict:
    return {"date": row.day.isoformat(), "isRecurring": False,
            "blocks": [{"startTime": format_wall_time(a), "endTime": format_wall_time(b)} for a, b in row.blocks]}


def trainer_json(row: Trainer) -> dict:
    return {"trainerId": row.id, "name": row.name, "slug": row.slug, "timezone": row.timezone}


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
        base = settings().public_url
        out.update(token=token, rescheduleUrl=routes.reschedule_url(booking.id, token, base),
                   cancelUrl=routes.cancel_url(booking.id, token, base),
                   icsUrl=routes.ics_url(booking.id, token, base))
    return out


def event_json(row: BookingEvent) -> dict:
    return {"action": row.action, "actor": row.actor, "at": iso(row.at), "reason": row.reason or None,
            "fromStartTime": iso(row.from_start), "toStartTime": iso(row.to_start),
            "fromStatus": row.from_status, "toStatus": row.to_status}
