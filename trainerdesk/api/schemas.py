"""Request bodies (camelCase on the wire) and the JSON shapes of responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Optional

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from pydantic.alias_generators import to_camel

from ..domain.preferences import PREFERENCES, PreferenceSpec
from ..domain.slots import format_wall_time
from ..models import AvailabilityBlock, BookingEvent, DateOverride, Trainer
from ..services.booking_json import booking_json, iso  # noqa: F401 - the API's names
from ..services.webhooks import EVENT_TYPES as WEBHOOK_EVENTS

# Request bodies are parsed loosely at run time (every field accepts any JSON value) so that the services stay
# the one place that checks values and words their errors (422 `validation` naming the field). The OpenAPI
# document still shows the real types: ``Doc(schema)`` is such a field (pydantic's ``WithJsonSchema``), and
# ``required`` lists what the services insist on.


def _doc(schema: dict) -> Any:
    return Annotated[Any, WithJsonSchema(schema)]


EMAIL = {"type": "string", "format": "email", "maxLength": 320, "examples": ["ann@example.com"]}
PASSWORD = {"type": "string", "minLength": 8, "maxLength": 200, "examples": ["correct-horse-battery"]}
NAME = {"type": "string", "minLength": 1, "maxLength": 120, "examples": ["Ann Trainer"]}
ZONE = {
    "type": "string",
    "description": "An IANA time zone.",
    "minLength": 1,
    "maxLength": 64,
    "examples": ["Europe/Berlin"],
}
WALL_TIME = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-4]):[0-5][0-9]$",
    "description": "HH:MM (24:00 as an end).",
    "examples": ["09:00"],
}
INSTANT = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with an explicit offset.",
    "examples": ["2027-03-15T09:00:00+01:00"],
}
STATUS_WORD = {
    "type": "string",
    "enum": ["pending", "confirmed", "cancelled", "completed", "no_show"],
    "examples": ["confirmed"],
}
TOKEN = {"type": "string", "description": "The booking's secret token (from its creation).", "maxLength": 200}


class Body(BaseModel):
    """Base of request bodies: camelCase names; unknown fields ignored; types checked by the services."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


def _body_config(required: list[str], example: dict) -> ConfigDict:
    def document(schema: dict, _cls: Any) -> None:
        for prop in schema.get("properties", {}).values():
            if "default" in prop and prop["default"] is None:  # "absent", not a value of the documented type
                del prop["default"]
        if required:
            schema["required"] = required
        schema["examples"] = [example]

    return ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", json_schema_extra=document)


class SignupBody(Body):
    model_config = _body_config(
        ["email", "password", "name", "timezone"],
        {
            "email": "ann@example.com",
            "password": "correct-horse-battery",
            "name": "Ann Trainer",
            "timezone": "Europe/Berlin",
        },
    )
    email: _doc(EMAIL) = None
    password: _doc(PASSWORD) = None
    name: _doc(NAME) = None
    timezone: _doc(ZONE) = None


class LoginBody(Body):
    model_config = _body_config(
        ["email", "password"], {"email": "ann@example.com", "password": "correct-horse-battery"}
    )
    email: _doc(EMAIL) = None
    password: _doc({"type": "string", "minLength": 1, "maxLength": 200}) = None


class BlockBody(Body):
    model_config = _body_config(
        ["dayOfWeek", "startTime", "endTime"], {"dayOfWeek": 0, "startTime": "09:00", "endTime": "12:00"}
    )
    day_of_week: _doc({"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Monday ... 6 = Sunday."}) = (
        None
    )
    start_time: _doc(WALL_TIME) = None
    end_time: _doc(WALL_TIME) = None


class WeekBody(Body):
    model_config = _body_config(["blocks"], {"blocks": [{"dayOfWeek": 0, "startTime": "09:00", "endTime": "12:00"}]})
    blocks: list[BlockBody]


class HoursBody(Body):
    model_config = _body_config(["startTime", "endTime"], {"startTime": "09:00", "endTime": "12:00"})
    start_time: _doc(WALL_TIME) = None
    end_time: _doc(WALL_TIME) = None


class OverrideBody(Body):
    model_config = _body_config(["blocks"], {"blocks": [{"startTime": "10:00", "endTime": "14:00"}]})
    blocks: list[HoursBody]


class BookingBody(Body):
    model_config = _body_config(
        ["startTime", "duration", "name", "email", "privacyAccepted"],
        {
            "trainerId": "3f2a9c0d",
            "startTime": "2027-03-15T09:00:00+01:00",
            "duration": 60,
            "name": "Bea Client",
            "email": "bea@example.com",
            "phone": "+49 30 1234567",
            "notes": "First session",
            "clientTimezone": "Europe/Berlin",
            "privacyAccepted": True,
        },
    )
    trainer_id: Optional[str] = Field(None, description="The trainer (or give teamId).")
    team_id: Optional[str] = Field(None, description="A primary trainer's id: any trainer of the team.")
    start_time: _doc(INSTANT) = None
    duration: _doc({"type": "integer", "minimum": 10, "maximum": 480, "examples": [60]}) = None
    name: _doc(NAME) = None
    email: _doc(EMAIL) = None
    phone: _doc({"type": "string", "maxLength": 40}) = ""
    notes: _doc({"type": "string", "maxLength": 2000}) = ""
    client_timezone: _doc(ZONE) = None
    privacy_accepted: _doc({"type": "boolean", "const": True}) = False


class StatusBody(Body):
    model_config = _body_config(["status"], {"status": "confirmed", "notes": "Paid in cash"})
    status: _doc(STATUS_WORD) = None
    notes: _doc({"type": "string", "maxLength": 2000}) = ""


class CancelBody(Body):
    model_config = _body_config([], {"reason": "I am ill.", "acknowledgeLateCancellation": True})
    reason: _doc({"type": "string", "maxLength": 500}) = ""
    acknowledge_late_cancellation: _doc({"type": "boolean"}) = False
    token: Optional[str] = Field(None, description=TOKEN["description"])


class ConnectCalendarBody(Body):
    model_config = _body_config(
        ["kind", "url"],
        {"kind": "ics", "url": "https://calendar.example.com/ical/secret/basic.ics", "name": "Home"},
    )
    kind: _doc(
        {
            "type": "string",
            "enum": ["ics", "caldav"],
            "description": "ics: a secret iCalendar address; caldav: an account (url, username, password).",
        }
    ) = None
    url: _doc({"type": "string", "format": "uri", "maxLength": 2000}) = None
    name: _doc({"type": "string", "maxLength": 120}) = None
    username: _doc({"type": "string", "maxLength": 200, "description": "CalDAV only."}) = None
    password: _doc({"type": "string", "maxLength": 500, "description": "CalDAV only (an app password)."}) = None


class PatchCalendarBody(Body):
    model_config = _body_config([], {"name": "Home"})
    name: _doc({"type": "string", "maxLength": 120}) = None
    calendars: _doc({"type": "array", "items": {"type": "object"}, "description": "CalDAV only."}) = None


class WebhookBody(Body):
    model_config = _body_config(
        ["url", "events"],
        {"url": "https://crm.example.com/hooks/trainerdesk", "events": ["booking.created", "booking.cancelled"]},
    )
    url: _doc({"type": "string", "format": "uri", "maxLength": 2000}) = None
    events: _doc(
        {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(WEBHOOK_EVENTS)},
        }
    ) = None


class RescheduleBody(Body):
    model_config = _body_config(["startTime"], {"startTime": "2027-03-16T10:00:00+01:00"})
    start_time: _doc(INSTANT) = None
    token: Optional[str] = Field(None, description=TOKEN["description"])


class BulkStatusBody(Body):
    model_config = _body_config(["bookingIds", "status"], {"bookingIds": ["3f2a9c0d"], "status": "completed"})
    booking_ids: _doc({"type": "array", "items": {"type": "string"}, "maxItems": 500}) = None
    status: _doc(STATUS_WORD) = None


def preference_schema(spec: PreferenceSpec) -> dict:
    """The JSON schema of one preference, from its declaration in ``domain/preferences.py``."""
    number: dict[str, Any] = {"type": "integer", "minimum": spec.low, "maximum": spec.high}
    if spec.step > 1:
        number["multipleOf"] = spec.step
    if spec.kind == "switch":
        schema: dict[str, Any] = {"type": "boolean"}
    elif spec.kind == "option":
        schema = {"type": "string", "enum": [value for value, _ in spec.options]}
    elif spec.kind == "list":
        schema = {
            "type": "array",
            "minItems": spec.min_items,
            "maxItems": spec.max_items,
            "uniqueItems": True,
            "items": number,
        }
    else:
        schema = number
    return {**schema, "description": " ".join(x for x in (f"{spec.label}.", spec.help) if x)}


PREFERENCES_PATCH_SCHEMA = {
    "type": "object",
    "description": "Any subset of the preferences; the others keep their values.",
    "properties": {"timezone": ZONE, **{to_camel(spec.name): preference_schema(spec) for spec in PREFERENCES}},
    "examples": [{"sessionDurations": [30, 60], "bufferMinutes": 15, "minNoticeHours": 12}],
}


# ---------------------------------------------------------------- response models (documentation of the JSON below)


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ErrorBody(Out):
    code: str = Field(
        examples=["validation"],
        description="validation, unauthorized, forbidden, not_found, overlap, "
        "slot_unavailable, policy, late_cancellation, invalid_transition, rate_limited, ...",
    )
    message: str = Field(
        examples=["email must be a valid email address."], description="A sentence a person understands."
    )
    details: Optional[Any] = Field(
        None,
        description="For `validation`: `{field, ...}` naming the field; for `rate_limited`: `{retryAfter}` in seconds.",
    )


class ErrorResponse(Out):
    error: ErrorBody


class HealthOut(Out):
    status: str = Field(examples=["ok"])


class SignupOut(Out):
    trainer_id: str
    slug: str
    api_key: str = Field(description="The Bearer key of this trainer.")


class LoginOut(Out):
    trainer_id: str
    api_key: str


class TrainerOut(Out):
    trainer_id: str
    name: str
    slug: str
    timezone: str


class CaldavCalendarOut(Out):
    href: str
    name: str
    check_conflicts: bool
    write_bookings: bool


class ConnectionOut(Out):
    id: str
    kind: str = Field(examples=["ics"])
    name: str
    url_hint: str = Field(description="The host and the end of the path; the address itself never comes back.")
    status: str = Field(examples=["ok"], description="ok, or error: the last fetch failed (busy times kept).")
    last_synced_at: Optional[datetime] = Field(description="The last successful fetch.")
    last_error: str
    busy_count: int = Field(description="Busy intervals known in the booking window.")
    calendars: Optional[list[CaldavCalendarOut]] = Field(None, description="CalDAV only.")
    last_write_error: Optional[str] = Field(
        None, description="CalDAV only: why the last write of a booking into its calendar failed ('' when it worked)."
    )


def connection_json(connection: Any) -> dict:
    row = connection.row
    out = {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "urlHint": row.url_hint,
        "status": row.status,
        "lastSyncedAt": row.last_synced_at.isoformat() if row.last_synced_at else None,
        "lastError": row.last_error,
        "busyCount": connection.busy_count,
    }
    if row.kind == "caldav":
        out["calendars"] = row.calendars
        out["lastWriteError"] = row.write_error
    return out


class FeedOut(Out):
    url: str = Field(
        description="Subscribe to it in any calendar app; keep it secret.",
        examples=["http://localhost:3000/feeds/3q2-7wEAAAAAx.ics"],
    )


class WebhookOut(Out):
    id: str
    url: str
    events: list[str]
    active: bool = Field(description="False once it was turned off (every delivery failed for 24 hours).")
    disabled_reason: str = Field(description="Why it was turned off ('' while active). A ping turns it on again.")


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="The signing secret, shown only in this answer.", examples=["whsec_..."])


class DeliveryOut(Out):
    id: int
    event_id: str
    type: str = Field(examples=["booking.created"])
    status: str = Field(examples=["delivered"], description="pending, delivered or failed.")
    attempts: int
    last_status_code: Optional[int]
    last_error: str = Field(description="With at most a short excerpt of the answer.")
    created_at: str
    delivered_at: Optional[str]


class PingOut(Out):
    event_id: str


def webhook_json(row: Any, *, secret: Optional[str] = None) -> dict:
    out = {
        "id": row.id,
        "url": row.url,
        "events": list(row.events),
        "active": row.active,
        "disabledReason": row.disabled_reason,
    }
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_json(row: Any) -> dict:
    return {
        "id": row.id,
        "eventId": row.event_id,
        "type": row.type,
        "status": row.status,
        "attempts": row.attempts,
        "lastStatusCode": row.last_status_code,
        "lastError": row.last_error,
        "createdAt": iso(row.created_at),
        "deliveredAt": iso(row.delivered_at),
    }


class BusyOut(Out):
    start_time: str = Field(examples=["2027-03-15T09:00:00+01:00"])
    end_time: str = Field(examples=["2027-03-15T10:00:00+01:00"])
    calendar_id: str = Field(description="The connected calendar it comes from.")
    summary: str = Field(description="The event's title (may be empty).")


class _PreferencesBase(Out):
    timezone: str


# Every preference, typed and described by its declaration in domain/preferences.py.
PreferencesOut = create_model(
    "PreferencesOut",
    __base__=_PreferencesBase,
    **{
        spec.name: (
            list[int] if spec.kind == "list" else type(spec.default),
            Field(json_schema_extra=preference_schema(spec)),
        )
        for spec in PREFERENCES
    },
)


class BlockOut(Out):
    id: str
    day_of_week: int = Field(ge=0, le=6)
    start_time: str = Field(examples=["09:00"])
    end_time: str = Field(examples=["12:00"])
    is_recurring: bool = True


class HoursOut(Out):
    start_time: str
    end_time: str


class OverrideOut(Out):
    date: str = Field(examples=["2027-03-15"])
    blocks: list[HoursOut]
    is_recurring: bool = False


class SlotOut(Out):
    start_time: str = Field(examples=["2027-03-15T09:00:00+01:00"])
    end_time: str = Field(examples=["2027-03-15T10:00:00+01:00"])
    available: bool = True
    duration: Optional[int] = Field(None, description="Only when no duration was asked for.")
    trainer_ids: Optional[list[str]] = Field(None, description="Only for a team (teamId).")


class ClientOut(Out):
    name: str
    email: str
    phone: str


class BookingOut(Out):
    id: str
    trainer_id: str
    trainer_name: str
    trainer_timezone: str
    status: str = Field(examples=["confirmed"])
    start_time: str = Field(examples=["2027-03-15T09:00:00+01:00"])
    end_time: str
    duration: int
    client_timezone: str
    client: ClientOut
    notes: str
    trainer_notes: str
    reschedule_count: int
    late_cancellation: bool
    cancellation_reason: str
    created_at: str
    updated_at: str


class CreatedBookingOut(BookingOut):
    token: str = Field(description="Shown once; the server keeps only a hash.")
    reschedule_url: str
    cancel_url: str
    ics_url: str


class EventOut(Out):
    action: str = Field(examples=["created"])
    actor: str = Field(examples=["client"])
    at: str
    reason: Optional[str] = None
    from_start_time: Optional[str] = None
    to_start_time: Optional[str] = None
    from_status: Optional[str] = None
    to_status: Optional[str] = None


class BookingPageOut(Out):
    items: list[BookingOut]
    total: int
    page: int
    page_size: int


class FailureOut(Out):
    code: str
    message: str


class BulkFailureOut(Out):
    id: str
    error: FailureOut


class BulkStatusOut(Out):
    updated: list[str]
    failed: list[BulkFailureOut]


# ---------------------------------------------------------------- `responses=` of the routes

_ERRORS = {
    400: "The body is not JSON that can be read.",
    401: "No valid Bearer key (or booking token).",
    403: "The key does not reach this trainer.",
    404: "Not found.",
    409: "A conflict: `overlap` or `slot_unavailable`.",
    422: "`validation` (details.field names the field), `policy`, `late_cancellation` or `invalid_transition`.",
    503: "The database does not answer.",
    429: "`rate_limited`: too many requests from this address (details.retryAfter, header Retry-After).",
}


def errors(*statuses: int, json_route: bool = True) -> dict:
    """OpenAPI ``responses`` for these error statuses, all in the error model (``application/json``).

    ``json_route=False`` for routes whose success is not JSON (.ics, CSV, HTML): FastAPI would document a
    ``model`` in the route's own media type, so there the error schema is referenced explicitly.
    """
    out: dict = {}
    for status in statuses:
        entry: dict = (
            {"model": ErrorResponse}
            if json_route
            else {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
        )
        entry["description"] = _ERRORS[status]
        if status == 429:
            entry["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}
        if status == 401:
            entry["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        out[status] = entry
    return out


def text_response(media_type: str, description: str) -> dict:
    """OpenAPI ``responses`` for a 200 that is not JSON (a calendar file, CSV)."""
    return {200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}


class CalendarResponse(Response):
    media_type = "text/calendar"


def ok(status: int, model: Any, description: str = "Success.", links: Optional[dict] = None) -> dict:
    entry: dict = {"model": model, "description": description}
    if links:
        entry["links"] = links
    return {status: entry}


def _link(operation_id: str, **parameters: str) -> dict:
    return {"operationId": operation_id, "parameters": parameters}


# OpenAPI links: where an answer's ids lead (integrators read them; schemathesis' stateful tests follow them).
_BOOKING_OPERATIONS = {
    "GetBooking": "get_booking_api_bookings__booking_id__get",
    "GetBookingIcs": "booking_ics_api_bookings__booking_id__ics_get",
    "GetBookingHistory": "booking_history_api_bookings__booking_id__history_get",
    "CancelBooking": "cancel_api_bookings__booking_id__cancel_post",
    "RescheduleBooking": "reschedule_api_bookings__booking_id__reschedule_post",
}
# A new booking's id and token open each of its own endpoints.
BOOKING_LINKS = {
    name: _link(operation, booking_id="$response.body#/id", token="$response.body#/token")
    for name, operation in _BOOKING_OPERATIONS.items()
}
BLOCK_LINKS = {
    "DeleteBlock": _link(
        "delete_block_api_trainers__trainer_id__availability__block_id__delete",
        trainer_id="$request.path.trainer_id",
        block_id="$response.body#/id",
    ),
}


# ---------------------------------------------------------------- responses


def block_json(row: AvailabilityBlock) -> dict:
    return {
        "id": row.id,
        "dayOfWeek": row.day_of_week,
        "startTime": format_wall_time(row.start_minute),
        "endTime": format_wall_time(row.end_minute),
        "isRecurring": True,
    }


def override_json(row: DateOverride) -> dict:
    return {
        "date": row.day.isoformat(),
        "isRecurring": False,
        "blocks": [{"startTime": format_wall_time(a), "endTime": format_wall_time(b)} for a, b in row.blocks],
    }


def trainer_json(row: Trainer) -> dict:
    return {"trainerId": row.id, "name": row.name, "slug": row.slug, "timezone": row.timezone}


def event_json(row: BookingEvent) -> dict:
    return {
        "action": row.action,
        "actor": row.actor,
        "at": iso(row.at),
        "reason": row.reason or None,
        "fromStartTime": iso(row.from_start),
        "toStartTime": iso(row.to_start),
        "fromStatus": row.from_status,
        "toStatus": row.to_status,
    }
