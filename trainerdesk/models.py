"""Database tables (SQLModel). Instants are stored in UTC and always come back timezone-aware.

Secrets never appear here in clear: passwords are argon2 hashes, API keys and
booking tokens SHA-256 digests of high-entropy random strings.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from .domain.policy import BookingStatus
from .domain.preferences import PREFERENCES

UTC = timezone.utc


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC instant on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no zone, so values are stored
    as naive UTC and given their zone back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _instant(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Trainer(SQLModel, table=True):
    __tablename__ = "trainer"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    email: str = Field(sa_column=Column(String(320), unique=True, nullable=False))
    password_hash: str
    name: str = Field(max_length=120)
    slug: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    timezone: str = Field(max_length=64)
    primary_trainer_id: Optional[str] = Field(default=None, foreign_key="trainer.id", index=True, max_length=32)
    # Bumped by every change that can alter this trainer's slots (bookings,
    # hours, overrides, preferences): the slot cache keys on it, so it can
    # never serve a stale slot, whichever process made the change.
    schedule_version: int = Field(default=0)
    created_at: datetime = _instant(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)  # shown in the dashboard to tell keys apart
    created_at: datetime = _instant(default_factory=utcnow)
    revoked_at: Optional[datetime] = _instant(default=None, nullable=True)


def _preference_columns() -> tuple[dict[str, Any], dict[str, Any]]:
    """(annotations, defaults) of one column per preference, named, typed and defaulted by
    ``domain/preferences.py``'s declaration (a list of numbers is a JSON array)."""
    annotations: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for spec in PREFERENCES:
        if spec.kind == "list":
            annotations[spec.name] = list[int]
            defaults[spec.name] = Field(
                default_factory=lambda d=spec.default: list(d), sa_column=Column(JSON, nullable=False)
            )
        elif spec.kind == "option":
            annotations[spec.name] = str
            defaults[spec.name] = Field(default=spec.default, max_length=16)
        else:
            annotations[spec.name] = type(spec.default)
            defaults[spec.name] = spec.default
    return annotations, defaults


class BookingPreferences(SQLModel, table=True):
    """A trainer's booking preferences: a column per preference of ``domain.preferences.PREFERENCES``.

    A new preference needs no edit here, only its declaration and a migration.
    """

    __tablename__ = "booking_preferences"

    trainer_id: str = Field(foreign_key="trainer.id", primary_key=True, max_length=32)
    # The class body's namespace is a plain dict: the declared columns join it before SQLModel
    # builds the table from it.
    _annotations, _defaults = _preference_columns()
    __annotations__.update(_annotations)
    locals().update(_defaults)
    del _annotations, _defaults


class AvailabilityBlock(SQLModel, table=True):
    __tablename__ = "availability_block"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    day_of_week: int  # 0 = Monday .. 6 = Sunday
    start_minute: int  # wall clock, minutes after midnight
    end_minute: int  # up to 1440 (24:00)


class DateOverride(SQLModel, table=True):
    """One trainer-local date whose hours replace the weekly ones (no blocks = closed)."""

    __tablename__ = "date_override"
    __table_args__ = (UniqueConstraint("trainer_id", "day", name="uq_date_override_trainer_day"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    day: date
    # [[start_minute, end_minute], ...]
    blocks: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Client(SQLModel, table=True):
    """A trainer's client, one per (trainer, email)."""

    __tablename__ = "client"
    __table_args__ = (UniqueConstraint("trainer_id", "email", name="uq_client_trainer_email"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    email: str = Field(max_length=320)
    name: str = Field(max_length=120)
    phone: str = Field(default="", max_length=40)
    created_at: datetime = _instant(default_factory=utcnow)


class Booking(SQLModel, table=True):
    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_trainer_start", "trainer_id", "start_at"),
        Index("ix_booking_trainer_status_start", "trainer_id", "status", "start_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", max_length=32)
    client_id: str = Field(foreign_key="client.id", index=True, max_length=32)
    start_at: datetime = _instant()
    end_at: datetime = _instant()
    duration_minutes: int
    status: BookingStatus = Field(sa_column=Column(String(16), nullable=False))
    token_hash: str = Field(max_length=64)
    client_timezone: str = Field(max_length=64)
    notes: str = Field(default="", max_length=2000)
    trainer_notes: str = Field(default="", max_length=2000)
    reschedule_count: int = 0
    late_cancellation: bool = False
    cancellation_reason: str = Field(default="", max_length=500)
    # RFC 5545 SEQUENCE of the booking's calendar event.
    ics_sequence: int = 0
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)


class BookingToken(SQLModel, table=True):
    """A further secret link to one booking (each notification email mints its own); only the hash is kept."""

    __tablename__ = "booking_token"

    id: Optional[int] = Field(default=None, primary_key=True)
    booking_id: str = Field(foreign_key="booking.id", index=True, max_length=32)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = _instant(default_factory=utcnow)


class BookingEvent(SQLModel, table=True):
    """One line of a booking's history."""

    __tablename__ = "booking_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    booking_id: str = Field(foreign_key="booking.id", index=True, max_length=32)
    action: str = Field(max_length=20)  # created, confirmed, rescheduled, cancelled, ...
    actor: str = Field(max_length=10)  # trainer, client, system
    at: datetime = _instant(default_factory=utcnow)
    reason: str = Field(default="", max_length=500)
    from_start: Optional[datetime] = _instant(default=None, nullable=True)
    to_start: Optional[datetime] = _instant(default=None, nullable=True)
    from_status: Optional[str] = Field(default=None, max_length=16)
    to_status: Optional[str] = Field(default=None, max_length=16)


class OutboxMessage(SQLModel, table=True):
    """A notification written in the same transaction as the change it tells of.

    No secret is stored here: the body holds a marker where the manage links go,
    and the sender mints a fresh booking token (kept hashed) and renders the
    links and the .ics when it sends.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
        # Never two of the same reminder: one per booking, lead time and the start it was planned for.
        Index("ux_outbox_reminder", "booking_id", "remind_hours", "remind_start", unique=True),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    booking_id: str = Field(foreign_key="booking.id", index=True, max_length=32)
    event: str = Field(max_length=20)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=200)
    body: str
    ics: str = ""
    attempts: int = 0
    next_attempt_at: datetime = _instant(default_factory=utcnow)
    sent_at: Optional[datetime] = _instant(default=None, nullable=True)
    last_error: str = ""
    created_at: datetime = _instant(default_factory=utcnow)
    # A reminder (event "reminder") is due ``remind_hours`` before the start it was planned for; it
    # goes only if the session still starts then, is still on, and the trainer still wants it.
    remind_hours: Optional[int] = Field(default=None)
    remind_start: Optional[datetime] = _instant(default=None, nullable=True)
    not_sent_reason: str = Field(default="", max_length=200)  # left the queue unsent, and why


class LoginSession(SQLModel, table=True):
    """A trainer's dashboard login; the browser holds the token, we keep its hash."""

    __tablename__ = "login_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = _instant(default_factory=utcnow)
    expires_at: datetime = _instant()


class LoginTicket(SQLModel, table=True):
    """A one-time, one-minute ticket that turns a successful log-in into a login session.

    The log-in form runs over the websocket, which cannot set an HttpOnly cookie;
    the page trades this ticket over plain HTTP for the session cookie, so the
    session token itself never passes through script or client state.
    """

    __tablename__ = "login_ticket"

    ticket_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    expires_at: datetime = _instant()


class CalendarFeed(SQLModel, table=True):
    """A trainer's subscribe feed (``/feeds/{token}.ics``).

    The token is an HMAC of ``nonce`` under the server's SECRET_KEY, so the dashboard can show the
    address again while the database holds only its digest: a copy of the database alone opens no
    feed. Rotating draws a new nonce, which revokes the old address.
    """

    __tablename__ = "calendar_feed"

    trainer_id: str = Field(foreign_key="trainer.id", primary_key=True, max_length=32)
    nonce: str = Field(max_length=64)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = _instant(default_factory=utcnow)


class CalendarConnection(SQLModel, table=True):
    """A calendar outside TrainerDesk whose events are the trainer's busy times (docs/calendars.md).

    ``kind`` is "ics" (a secret iCalendar address) or "caldav" (an account whose calendars are
    listed in ``calendars``). The address and any credentials are one encrypted blob in ``secret``
    (key from SECRET_KEY); only ``url_hint`` (host and the end of the path) is shown.
    """

    __tablename__ = "calendar_connection"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    kind: str = Field(max_length=8)
    name: str = Field(max_length=120)
    secret: str = Field(sa_column=Column(Text, nullable=False))
    url_hint: str = Field(max_length=200)
    # CalDAV: [{"href", "name", "checkConflicts", "writeBookings"}]
    calendars: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="ok", max_length=8)  # "ok" | "error": the last attempt
    last_error: str = Field(default="", max_length=500)
    last_synced_at: Optional[datetime] = _instant(default=None, nullable=True)  # the last good fetch
    # HTTP caching of the last good fetch (sent back as If-None-Match / If-Modified-Since).
    etag: str = Field(default="", max_length=200)
    last_modified: str = Field(default="", max_length=100)
    # How far ahead the stored busy times reach; a conditional fetch ("not modified") is only
    # trusted while this still covers the booking window.
    expanded_until: Optional[datetime] = _instant(default=None, nullable=True)
    # One refresh per calendar across every process: a refresh claims the connection until then.
    sync_claimed_until: Optional[datetime] = _instant(default=None, nullable=True)
    # The last failure to write a booking into the account's chosen calendar ("" when the last write worked).
    write_error: str = Field(default="", max_length=500)
    created_at: datetime = _instant(default_factory=utcnow)


class BusyTime(SQLModel, table=True):
    """One busy interval of an outside calendar, expanded (recurrences included) at refresh time, so
    slot queries read it like bookings, in the same statement."""

    __tablename__ = "busy_time"
    __table_args__ = (Index("ix_busy_time_trainer_end", "trainer_id", "end_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    trainer_id: str = Field(foreign_key="trainer.id", max_length=32)
    connection_id: str = Field(foreign_key="calendar_connection.id", index=True, max_length=32)
    start_at: datetime = _instant()
    end_at: datetime = _instant()
    summary: str = Field(default="", max_length=200)
    # CalDAV: the calendar (its href) it comes from; "" for an iCalendar address.
    calendar_href: str = Field(default="", max_length=1000)


class CalendarWrite(SQLModel, table=True):
    """Outbox of CalDAV write-back: "bring booking X up to date in calendar H of account C".

    Written in the transaction of the booking's change. The writer renders the booking as it is when
    it sends (PUT while it is a session in that calendar, DELETE once cancelled or when the calendar
    is no longer the one written into), at one address derived from the booking (so there is one
    event per booking, never a second). At most one row per booking and calendar is pending: a
    further change bumps ``revision`` and the writer sends again if it moved while it was sending.
    """

    __tablename__ = "calendar_write"
    __table_args__ = (Index("ix_calendar_write_pending", "done_at", "next_attempt_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="calendar_connection.id", index=True, max_length=32)
    booking_id: str = Field(foreign_key="booking.id", index=True, max_length=32)
    calendar_href: str = Field(max_length=1000)
    revision: int = 0
    attempts: int = 0
    next_attempt_at: datetime = _instant(default_factory=utcnow)
    leased_until: Optional[datetime] = _instant(default=None, nullable=True)  # a writer is sending it
    done_at: Optional[datetime] = _instant(default=None, nullable=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _instant(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """A URL of the trainer's that is told about booking events, signed with its own secret
    (encrypted at rest: it must be usable to sign). Turned off after failing for 24 hours."""

    __tablename__ = "webhook_endpoint"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    trainer_id: str = Field(foreign_key="trainer.id", index=True, max_length=32)
    url: str = Field(sa_column=Column(Text, nullable=False))
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    disabled_reason: str = Field(default="", max_length=500)
    failing_since: Optional[datetime] = _instant(default=None, nullable=True)  # first failure since a success
    created_at: datetime = _instant(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, written in the transaction of the change (the outbox of
    webhooks); the body is rendered then, so a retry sends the same bytes and the same event id."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    endpoint_id: str = Field(foreign_key="webhook_endpoint.id", index=True, max_length=32)
    event_id: str = Field(max_length=40)
    type: str = Field(max_length=32)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = _instant(default_factory=utcnow)
    leased_until: Optional[datetime] = _instant(default=None, nullable=True)
    last_status_code: Optional[int] = Field(default=None)
    last_error: str = Field(default="", max_length=500)  # with a short excerpt of the answer, never all of it
    created_at: datetime = _instant(default_factory=utcnow)
    delivered_at: Optional[datetime] = _instant(default=None, nullable=True)
