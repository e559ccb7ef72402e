"""Bookings: create, reschedule, cancel and change status, race-safe, with history and outbox.

Every operation is one transaction that (1) takes the write lock of the
trainer(s) concerned (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE``
on the trainer rows on PostgreSQL), (2) re-checks the slot with the rules of
``domain.slots`` against the bookings committed at that moment, (3) writes the
booking, its history line and its notification, and bumps the trainer's
schedule version. Two clients racing for one slot therefore see one winner and
one :class:`SlotUnavailable`; on PostgreSQL an exclusion constraint backs this up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NoReturn, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..db import begin_write, insert_copy, insert_rows
from ..domain import inputs
from ..domain.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
    Unauthorized,
    ValidationFailed,
)
from ..domain.ics import booking_calendar
from ..domain.policy import (
    ACTIVE_STATUSES,
    BookingStatus,
    check_client_cancel,
    check_client_reschedule,
    check_transition,
)
from ..domain.preferences import Preferences, check_text, normalise_email, parse_zone
from ..domain.slots import generate_slots, is_slot, local_day_range, pick_any_trainer, wall_to_instant
from ..models import Booking, BookingEvent, BookingPreferences, BookingToken, Client, Trainer, new_id, utcnow
from . import notifications, outbox
from .availability import check_duration, load_schedule, trainer_with_preferences
from .secrets import digest, new_token, same_digest
from .trainers import (
    bump_schedule_version,
    can_manage,
    managed_ids_clause,
    preferences_from_row,
    team_member_ids,
    unknown_trainer,
)


@dataclass(frozen=True)
class Caller:
    """Who is acting on a booking: a trainer (by API key or login) or a client (by the booking's token)."""

    trainer: Optional[Trainer] = None
    token: Optional[str] = None

    @property
    def actor(self) -> str:
        return "trainer" if self.trainer is not None else "client"


# ---------------------------------------------------------------- input checks


def _text(value: Any, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    return check_text(value, field=field, limit=limit, required=required, label=label)


def parse_instant(value: Any, *, field: str = "startTime") -> datetime:
    """An ISO 8601 instant with an explicit offset, within ``inputs.SUPPORTED_DATES`` -> aware UTC datetime."""
    return inputs.parse_instant(value, field=field)


def _check_phone(value: Any) -> str:
    phone = _text(value, field="phone", limit=40, label="phone number")
    if phone and not all(ch.isdigit() or ch in "+-() ./x" for ch in phone):
        raise ValidationFailed("Enter a phone number using digits, spaces and + - ( ).", {"field": "phone"})
    return phone


# ---------------------------------------------------------------- locking and slot checks


# The booking path's statements are built once, with bind parameters: building one costs more
# than running it.
_TRAINERS_FOR_CHANGE = (
    select(Trainer, BookingPreferences, *outbox.REACH_COLUMNS)
    .outerjoin(BookingPreferences, col(BookingPreferences.trainer_id) == Trainer.id)
    .where(col(Trainer.id).in_(bindparam("trainer_ids", expanding=True)))
    .order_by(Trainer.id)
)
_LOCK_TRAINERS = _TRAINERS_FOR_CHANGE.with_for_update(of=Trainer).execution_options(populate_existing=True)


@dataclass(frozen=True)
class _Locked:
    """A trainer whose row this transaction has locked, with what a booking change needs of it."""

    trainer: Trainer
    prefs: Preferences
    reach: outbox.Reach


def _lock_trainers(session: Session, trainer_ids: Sequence[str]) -> list[_Locked]:
    """Row locks on the trainers, in id order so two transactions never wait on each other in a cycle,
    read with their preferences and whom their changes reach, in one statement.

    ``populate_existing``: a Trainer read before the lock (to find the team,
    or with the booking) sits in the session stale once we have waited for
    another writer; refresh it from the locked row, or ``schedule_version``
    would be bumped from a stale value and lose the other writer's bump.
    """
    rows = session.exec(_LOCK_TRAINERS, params={"trainer_ids": list(trainer_ids)}).all()
    return [
        _Locked(
            trainer,
            preferences_from_row(prefs),
            outbox.Reach(caldav=bool(caldav), webhooks=bool(hooks)),
        )
        for trainer, prefs, caldav, hooks in rows
    ]


def _is_free_slot(
    session: Session,
    trainer: Trainer,
    prefs: Preferences,
    *,
    start: datetime,
    duration: int,
    now: datetime,
    exclude_booking_id: Optional[str] = None,
) -> bool:
    schedule = load_schedule(
        session, trainer, prefs, start=start, end=start + timedelta(minutes=1), exclude_booking_id=exclude_booking_id
    )
    return is_slot(schedule, duration=duration, now=now, start=start)


def _bookings_on(session: Session, trainer: Trainer, start: datetime) -> int:
    tz = ZoneInfo(trainer.timezone)
    day = start.astimezone(tz).date()
    lo, hi = wall_to_instant(day, 0, tz), wall_to_instant(day + timedelta(days=1), 0, tz)
    return session.exec(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.trainer_id == trainer.id,
            col(Booking.status).in_([s.value for s in ACTIVE_STATUSES]),
            Booking.start_at >= lo,
            Booking.start_at < hi,
        )
    ).one()


def _slot_taken() -> SlotUnavailable:
    return SlotUnavailable("Sorry, that time was just booked or is no longer available. Please pick another time.")


def _not_free(
    session: Session, trainer: Trainer, prefs: Preferences, booking: Booking, start: datetime, now: datetime
) -> SlotUnavailable:
    """Why a trainer's move is refused, with the starts that are free that day (trainer's zone)."""
    tz = ZoneInfo(trainer.timezone)
    day = local_day_range(start.astimezone(tz).date(), tz)
    schedule = load_schedule(session, trainer, prefs, start=day.start, end=day.end, exclude_booking_id=booking.id)
    free = [
        s.start.astimezone(tz).strftime("%H:%M")
        for s in generate_slots(schedule, duration=booking.duration_minutes, now=now, start=day.start, end=day.end)
    ]
    what = f"{start.astimezone(tz):%H:%M} is not a free start for a {booking.duration_minutes}-minute session"
    if not free:
        return SlotUnavailable(f"{what}, and none is free that day.")
    shown = ", ".join(free[:8]) + (" …" if len(free) > 8 else "")
    return SlotUnavailable(f"{what}. Free starts that day: {shown}.")


# ---------------------------------------------------------------- history


def _record(
    session: Session,
    booking: Booking,
    action: str,
    actor: str,
    *,
    reason: str = "",
    from_start: Optional[datetime] = None,
    to_start: Optional[datetime] = None,
    from_status: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    # A Core INSERT: the line is never read back in the transaction (the booking itself is in the database).
    insert_rows(
        session,
        BookingEvent,
        [
            {
                "booking_id": booking.id,
                "action": action,
                "actor": actor,
                "at": now or utcnow(),
                "reason": reason,
                "from_start": from_start,
                "to_start": to_start,
                "from_status": from_status,
                "to_status": booking.status.value if isinstance(booking.status, BookingStatus) else booking.status,
            }
        ],
    )


# ---------------------------------------------------------------- create


@dataclass(frozen=True)
class NewBooking:
    booking: Booking
    trainer: Trainer
    client: Client
    token: str  # shown once; only its digest is stored


def create_booking(
    session: Session,
    *,
    trainer_id: Optional[str] = None,
    team_id: Optional[str] = None,
    start_time: Any,
    duration: Any,
    name: Any,
    email: Any,
    phone: Any = "",
    notes: Any = "",
    client_timezone: Any = None,
    privacy_accepted: Any = False,
    now: Optional[datetime] = None,
) -> NewBooking:
    """Book ``start_time`` for a client; :class:`SlotUnavailable` unless it is a slot at commit time.

    The steps: check the request, take the write lock, resolve who may take it
    (one trainer, or a team's members, locked), pick the trainer, file the
    client, insert the booking with its history line and notification.
    """
    now = now or utcnow()
    request = _parse_request(
        trainer_id=trainer_id,
        team_id=team_id,
        start_time=start_time,
        duration=duration,
        name=name,
        email=email,
        phone=phone,
        notes=notes,
        privacy_accepted=privacy_accepted,
    )
    begin_write(session)
    if team_id:
        lead, lead_prefs = trainer_with_preferences(session, team_id)
    else:
        single = _lock_trainer(session, trainer_id)
        lead, lead_prefs = single.trainer, single.prefs
    zone_name = client_timezone or lead.timezone
    parse_zone(zone_name, field_name="clientTimezone")
    candidate_ids, candidates = _lock_team(session, lead) if team_id else ([lead.id], [single])
    _check_offered(lead_prefs, candidates, request.duration, is_team=bool(team_id))
    chosen = _pick_trainer(session, candidates, candidate_ids, request, now=now)
    client = _upsert_client(session, chosen.trainer, request, now=now)
    booking, token = _insert_booking(session, chosen, client, request, zone_name=zone_name, now=now)
    return NewBooking(booking, chosen.trainer, client, token)


@dataclass(frozen=True)
class _BookingRequest:
    """A booking request whose fields have been checked (before any lock is taken)."""

    start: datetime
    duration: int
    name: str
    email: str
    phone: str
    notes: str


def _parse_request(
    *,
    trainer_id: Any,
    team_id: Any,
    start_time: Any,
    duration: Any,
    name: Any,
    email: Any,
    phone: Any,
    notes: Any,
    privacy_accepted: Any,
) -> _BookingRequest:
    """Check the client's input; :class:`ValidationFailed` names the first bad field."""
    if not trainer_id and not team_id:
        raise ValidationFailed("Say which trainer (trainerId) or team (teamId) to book.", {"field": "trainerId"})
    start = parse_instant(start_time)
    if not isinstance(duration, int) or isinstance(duration, bool):
        raise ValidationFailed("duration must be a number of minutes.", {"field": "duration"})
    details = {"name": name, "email": email, "phone": phone, "notes": notes, "privacyAccepted": privacy_accepted}
    clean = {field: check_client_field(field, value) for field, value in details.items()}
    return _BookingRequest(start, duration, clean["name"], clean["email"], clean["phone"], clean["notes"])


def _check_privacy(value: Any) -> bool:
    if value is not True:
        raise ValidationFailed("Please accept the privacy notice to book.", {"field": "privacyAccepted"})
    return True


# The client's details on a booking, each with its one check (the API, the booking page and its
# field-by-field messages all use these).
CLIENT_FIELDS = {
    "name": lambda v: _text(v, field="name", limit=120, required=True, label="name"),
    "email": normalise_email,
    "phone": _check_phone,
    "notes": lambda v: _text(v, field="notes", limit=2000, label="notes"),
    "privacyAccepted": _check_privacy,
}


def check_client_field(field: str, value: Any) -> Any:
    """One of the client's details, cleaned; :class:`ValidationFailed` naming ``field`` when it is wrong."""
    return CLIENT_FIELDS[field](value)


def client_field_errors(details: dict[str, Any]) -> dict[str, str]:
    """A message for each of the client's details (``CLIENT_FIELDS``) in ``details`` that is wrong."""
    errors = {}
    for field, value in details.items():
        if field in CLIENT_FIELDS:
            try:
                check_client_field(field, value)
            except ValidationFailed as exc:
                errors[field] = exc.message
    return errors


def _lock_trainer(session: Session, trainer_id: Any) -> _Locked:
    """One trainer, locked, with its preferences: the locking read is the one that finds it."""
    locked = _lock_trainers(session, [trainer_id]) if isinstance(trainer_id, str) else []
    if not locked:
        raise unknown_trainer()
    return locked[0]


def _lock_team(session: Session, lead: Trainer) -> tuple[list[str], list[_Locked]]:
    """The members of the team ``lead`` heads, who could take the booking: their ids in the team's
    stable order, and the locked ones."""
    if lead.primary_trainer_id is not None:
        raise NotFound("No team with this id; use the primary trainer's id.")
    candidate_ids = team_member_ids(session, lead)
    locked = {c.trainer.id: c for c in _lock_trainers(session, candidate_ids)}
    return candidate_ids, [locked[tid] for tid in candidate_ids if tid in locked]


def _check_offered(lead_prefs: Preferences, candidates: Sequence[_Locked], duration: int, *, is_team: bool) -> None:
    """Refuse a session length the trainer (or, for a team, every member) does not offer."""
    if not is_team:
        check_duration(lead_prefs, duration)
    elif not any(duration in c.prefs.session_durations for c in candidates):
        raise ValidationFailed("No trainer of this team offers sessions of that length.", {"field": "duration"})


def _pick_trainer(
    session: Session,
    candidates: Sequence[_Locked],
    candidate_ids: Sequence[str],
    request: _BookingRequest,
    *,
    now: datetime,
) -> _Locked:
    """The candidate who takes the booking: among those for whom the start is a free slot now,
    :func:`domain.slots.pick_any_trainer` decides; :class:`SlotUnavailable` when nobody is free."""
    start, duration = request.start, request.duration
    free = [
        c
        for c in candidates
        if duration in c.prefs.session_durations
        and _is_free_slot(session, c.trainer, c.prefs, start=start, duration=duration, now=now)
    ]
    if not free:
        raise _slot_taken()
    if len(free) == 1:  # nothing to choose between: the day's bookings need not be counted
        return free[0]
    load = {c.trainer.id: _bookings_on(session, c.trainer, start) for c in free}
    chosen = pick_any_trainer([c.trainer.id for c in free], bookings_that_day=load, team_order=candidate_ids)
    return next(c for c in free if c.trainer.id == chosen)


def _upsert_client(session: Session, trainer: Trainer, request: _BookingRequest, *, now: datetime) -> Client:
    """The trainer's client with this email, created or updated with the name (and phone, if given).

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite and PostgreSQL alike); the object
    returned is a plain copy of the row, not attached to the session.
    """
    new = {
        "id": new_id(),
        "trainer_id": trainer.id,
        "email": request.email,
        "name": request.name,
        "phone": request.phone,
        "created_at": now,
    }
    statement = _client_upsert(session.get_bind().dialect.name)
    return Client(**session.execute(statement, new).one()._mapping)


@cache  # one statement per database kind, built once (building it costs more than running it)
def _client_upsert(dialect: str):
    table = Client.__table__
    insert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(table)
    insert = insert.values({c.key: bindparam(c.key) for c in table.columns})
    return insert.on_conflict_do_update(
        index_elements=[table.c.trainer_id, table.c.email],
        # An existing client's phone is kept when the booking gives none.
        set_={
            "name": insert.excluded.name,
            "phone": case((insert.excluded.phone != "", insert.excluded.phone), else_=table.c.phone),
        },
    ).returning(*table.columns)


def _insert_booking(
    session: Session,
    chosen: _Locked,
    client: Client,
    request: _BookingRequest,
    *,
    zone_name: str,
    now: datetime,
) -> tuple[Booking, str]:
    """Insert the booking, its history line and its notification, bump the schedule version and commit.

    Returns the booking and its link token (only the token's digest is stored). The booking is written
    by a Core INSERT (a unit-of-work flush cost more than the statement); the object returned is a plain
    copy of the row, not attached to the session.
    """
    token = new_token()
    start, trainer, prefs = request.start, chosen.trainer, chosen.prefs
    booking = Booking(
        trainer_id=trainer.id,
        client_id=client.id,
        start_at=start,
        end_at=start + timedelta(minutes=request.duration),
        duration_minutes=request.duration,
        status=BookingStatus.CONFIRMED if prefs.auto_confirm else BookingStatus.PENDING,
        token_hash=digest(token),
        client_timezone=zone_name,
        notes=request.notes,
        created_at=now,
        updated_at=now,
    )
    try:
        insert_copy(session, booking)
    except IntegrityError as exc:  # the INSERT is where the exclusion constraint speaks
        _refused(session, exc)
    _record(session, booking, "created", "client", to_start=start, now=now)
    outbox.booking_changed(session, booking, trainer, client, "created", now=now, prefs=prefs, reach=chosen.reach)
    bump_schedule_version(session, trainer)
    _commit(session)
    return booking, token


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        _refused(session, exc)


def _refused(session: Session, exc: IntegrityError) -> NoReturn:
    """Roll back; the PostgreSQL exclusion constraint's refusal means someone else got there first."""
    session.rollback()
    if "booking_no_overlap" in str(exc.orig):
        raise _slot_taken() from exc
    raise exc


# ---------------------------------------------------------------- access


def load_booking(session: Session, booking_id: str, caller: Caller) -> tuple[Booking, Trainer, Client]:
    """The booking, its trainer and client, if ``caller`` may see it; else NotFound/Unauthorized/Forbidden.

    A wrong token and an unknown id give the same answer, so a token reveals
    nothing about bookings it does not own.
    """
    if caller.trainer is None and not caller.token:
        raise Unauthorized("Open this booking with the private link from your confirmation, or an API key.")
    query = (
        select(Booking, Trainer, Client)
        .join(Trainer, Trainer.id == Booking.trainer_id)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.id == booking_id)
    )
    row = session.exec(query).first() if isinstance(booking_id, str) else None
    if caller.trainer is None:
        if row is None or not _token_opens(session, row[0], caller.token):
            raise NotFound("This booking link is not valid. Check the link in your confirmation email.")
        return row
    if row is None:
        raise NotFound("No booking with this id.")
    if not can_manage(caller.trainer, row[1]):
        raise Forbidden("This key cannot access that booking.")
    return row


def _token_opens(session: Session, booking: Booking, token: str) -> bool:
    """The confirmation's token, or one minted for an email, opens this booking (compared as digests)."""
    if same_digest(token, booking.token_hash):
        return True
    return (
        session.exec(
            select(BookingToken.id).where(
                BookingToken.booking_id == booking.id, BookingToken.token_hash == digest(token)
            )
        ).first()
        is not None
    )


def history(session: Session, *, booking_id: str, caller: Caller) -> list[BookingEvent]:
    booking, _, _ = load_booking(session, booking_id, caller)
    return list(
        session.exec(
            select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.at, BookingEvent.id)
        ).all()
    )


def calendar_file(session: Session, *, booking_id: str, caller: Caller, now: Optional[datetime] = None) -> bytes:
    booking, trainer, client = load_booking(session, booking_id, caller)
    return booking_calendar(
        notifications.calendar_entry(booking, trainer, client, token=caller.token), stamp=now or utcnow()
    )


# ---------------------------------------------------------------- changes


def _begin_change(session: Session, booking_id: str, caller: Caller) -> tuple[Booking, Client, _Locked]:
    """Start a write transaction on an existing booking, holding its trainer's lock."""
    begin_write(session)
    booking, trainer, client = load_booking(session, booking_id, caller)
    (locked,) = _lock_trainers(session, [trainer.id])
    session.refresh(booking)
    return booking, client, locked


def cancel_booking(
    session: Session,
    *,
    booking_id: str,
    caller: Caller,
    reason: Any = "",
    acknowledge_late: bool = False,
    now: Optional[datetime] = None,
) -> Booking:
    now = now or utcnow()
    reason = _text(reason, field="reason", limit=500, label="reason")
    booking, client, locked = _begin_change(session, booking_id, caller)
    trainer, prefs = locked.trainer, locked.prefs
    check_transition(BookingStatus(booking.status), BookingStatus.CANCELLED, start=booking.start_at, now=now)
    late = False
    if caller.actor == "client":
        late = check_client_cancel(
            prefs.client_policy, start=booking.start_at, now=now, acknowledged=bool(acknowledge_late)
        )
    previous = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.late_cancellation = late
    booking.cancellation_reason = reason
    booking.ics_sequence += 1
    booking.updated_at = now
    session.add(booking)
    _record(
        session,
        booking,
        "cancelled",
        caller.actor,
        reason=reason + (" (late cancellation)" if late and not reason else ""),
        from_status=str(previous),
        from_start=booking.start_at,
        now=now,
    )
    outbox.booking_changed(session, booking, trainer, client, "cancelled", now=now, prefs=prefs, reach=locked.reach)
    bump_schedule_version(session, trainer)
    _commit(session)
    return booking


def reschedule_booking(
    session: Session, *, booking_id: str, caller: Caller, start_time: Any, now: Optional[datetime] = None
) -> Booking:
    """Move a booking to another slot of the same duration (clients within their policy)."""
    now = now or utcnow()
    new_start = parse_instant(start_time)
    booking, client, locked = _begin_change(session, booking_id, caller)
    trainer, prefs = locked.trainer, locked.prefs
    if BookingStatus(booking.status) not in ACTIVE_STATUSES:
        raise _invalid_move(booking)
    if booking.start_at <= now:
        raise _invalid_move(booking, started=True)
    if caller.actor == "client":
        check_client_reschedule(
            prefs.client_policy, start=booking.start_at, now=now, reschedule_count=booking.reschedule_count
        )
    if not _is_free_slot(
        session,
        trainer,
        prefs,
        start=new_start,
        duration=booking.duration_minutes,
        now=now,
        exclude_booking_id=booking.id,
    ):
        # A client picks from the listed times; a trainer drags or types one, so says which are free.
        raise _slot_taken() if caller.actor == "client" else _not_free(session, trainer, prefs, booking, new_start, now)
    old_start = booking.start_at
    booking.start_at = new_start
    booking.end_at = new_start + timedelta(minutes=booking.duration_minutes)
    if caller.actor == "client":
        booking.reschedule_count += 1
    booking.ics_sequence += 1
    booking.updated_at = now
    session.add(booking)
    _record(
        session,
        booking,
        "rescheduled",
        caller.actor,
        from_start=old_start,
        to_start=new_start,
        from_status=str(booking.status),
        now=now,
    )
    outbox.booking_changed(session, booking, trainer, client, "rescheduled", now=now, prefs=prefs, reach=locked.reach)
    bump_schedule_version(session, trainer)
    _commit(session)
    return booking


def _invalid_move(booking: Booking, *, started: bool = False) -> DomainError:
    if started:
        return InvalidTransition("A session that has already started cannot be rescheduled.")
    return InvalidTransition(f"A {str(booking.status).lower().replace('_', '-')} booking cannot be rescheduled.")


_ACTION_FOR_STATUS = {
    BookingStatus.CONFIRMED: "confirmed",
    BookingStatus.CANCELLED: "cancelled",
    BookingStatus.COMPLETED: "completed",
    BookingStatus.NO_SHOW: "no_show",
}


def parse_status(value: Any) -> BookingStatus:
    try:
        return BookingStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in BookingStatus)
        raise ValidationFailed(f"status must be one of {allowed}.", {"field": "status"}) from None


def change_status(
    session: Session, *, booking_id: str, trainer: Trainer, status: Any, notes: Any = "", now: Optional[datetime] = None
) -> Booking:
    """A trainer moves a booking through its lifecycle (docs/scheduling-rules.md's transitions)."""
    now = now or utcnow()
    target = parse_status(status)
    notes = _text(notes, field="notes", limit=2000, label="notes")
    caller = Caller(trainer=trainer)
    booking, client, locked = _begin_change(session, booking_id, caller)
    owner, prefs = locked.trainer, locked.prefs
    current = BookingStatus(booking.status)
    check_transition(current, target, start=booking.start_at, now=now)
    if target == BookingStatus.CONFIRMED:
        # Confirming must not create a double booking either: re-check against the others.
        if not _still_free(session, owner, prefs, booking):
            raise _slot_taken()
    booking.status = target
    if notes:
        booking.trainer_notes = notes
    if target == BookingStatus.CANCELLED:
        booking.ics_sequence += 1
        booking.cancellation_reason = notes
    booking.updated_at = now
    session.add(booking)
    action = (
        _ACTION_FOR_STATUS[target]
        if current in ACTIVE_STATUSES or target == BookingStatus.CONFIRMED
        else "status_changed"
    )
    _record(session, booking, action, "trainer", reason=notes, from_status=current.value, now=now)
    outbox.booking_changed(
        session, booking, owner, client, _ACTION_FOR_STATUS[target], now=now, prefs=prefs, reach=locked.reach
    )
    bump_schedule_version(session, owner)
    _commit(session)
    return booking


def _still_free(session: Session, trainer: Trainer, prefs: Preferences, booking: Booking) -> bool:
    """Whether no other active booking overlaps this one's busy period (buffer included)."""
    buffer = timedelta(minutes=prefs.buffer_minutes)
    clash = session.exec(
        select(Booking.id).where(
            Booking.trainer_id == trainer.id,
            Booking.id != booking.id,
            col(Booking.status).in_([s.value for s in ACTIVE_STATUSES]),
            Booking.start_at < booking.end_at + buffer,
            Booking.end_at > booking.start_at - buffer,
        )
    ).first()
    return clash is None


def bulk_change_status(
    session: Session,
    *,
    trainer: Trainer,
    trainer_ids: Sequence[str],
    booking_ids: Any,
    status: Any,
    now: Optional[datetime] = None,
) -> tuple[list[str], list[tuple[str, DomainError]]]:
    """Change many bookings of ``trainer_ids``, each in its own transaction; returns (updated ids, failures)."""
    if (
        not isinstance(booking_ids, list)
        or not booking_ids
        or len(booking_ids) > 500
        or not all(isinstance(i, str) for i in booking_ids)
    ):
        raise ValidationFailed("bookingIds must be a list of 1 to 500 booking ids.", {"field": "bookingIds"})
    parse_status(status)
    updated: list[str] = []
    failed: list[tuple[str, DomainError]] = []
    for booking_id in dict.fromkeys(booking_ids):
        try:
            booking, owner, _ = load_booking(session, booking_id, Caller(trainer=trainer))
            if owner.id not in trainer_ids:
                raise NotFound("No booking with this id for this trainer.")
            session.rollback()
            change_status(session, booking_id=booking_id, trainer=trainer, status=status, now=now)
            updated.append(booking_id)
        except DomainError as exc:
            session.rollback()
            failed.append((booking_id, exc))
    return updated, failed


# ---------------------------------------------------------------- listing

VIEWS = ("upcoming", "past", "cancelled", "all")
SORTS = ("startTime", "-startTime")


@dataclass(frozen=True)
class BookingQuery:
    view: str = "all"
    status: Optional[BookingStatus] = None
    first: Optional[date] = None  # trainer-local dates, inclusive
    last: Optional[date] = None
    q: str = ""
    sort: str = "startTime"


def parse_query(
    *,
    view: Any = "all",
    status: Any = None,
    date_from: Any = None,
    date_to: Any = None,
    q: Any = "",
    sort: Any = "startTime",
) -> BookingQuery:
    if view not in VIEWS:
        raise ValidationFailed(f"view must be one of {', '.join(VIEWS)}.", {"field": "view"})
    if sort not in SORTS:
        raise ValidationFailed("sort must be startTime or -startTime.", {"field": "sort"})
    parsed_status = parse_status(status) if status else None
    # YYYY-MM-DD within inputs.SUPPORTED_DATES, so the filter's bounds (and a CSV export's) always compute.
    dates = [
        inputs.parse_date(value, field=label) if value else None
        for label, value in (("from", date_from), ("to", date_to))
    ]
    if dates[0] and dates[1] and dates[1] < dates[0]:
        raise ValidationFailed("to must not be before from.", {"field": "to"})
    return BookingQuery(view, parsed_status, dates[0], dates[1], _text(q, field="q", limit=200), sort)


def _filtered(query, actor: Trainer, trainer_ids: Sequence[str], spec: BookingQuery, tz: ZoneInfo, now: datetime):
    query = query.where(
        col(Booking.trainer_id).in_(list(trainer_ids)), col(Booking.trainer_id).in_(managed_ids_clause(actor))
    )
    active = [s.value for s in ACTIVE_STATUSES]
    if spec.view == "upcoming":
        query = query.where(Booking.start_at >= now, col(Booking.status).in_(active))
    elif spec.view == "past":
        query = query.where(Booking.start_at < now, Booking.status != BookingStatus.CANCELLED.value)
    elif spec.view == "cancelled":
        query = query.where(Booking.status == BookingStatus.CANCELLED.value)
    if spec.status:
        query = query.where(Booking.status == spec.status.value)
    if spec.first:
        query = query.where(Booking.start_at >= wall_to_instant(spec.first, 0, tz))
    if spec.last:
        query = query.where(Booking.start_at < wall_to_instant(spec.last + timedelta(days=1), 0, tz))
    if spec.q:
        # q is literal text: escape LIKE's wildcards so "_" or "%" match only themselves.
        text = spec.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{text}%"
        query = query.where(
            or_(func.lower(Client.name).like(like, escape="\\"), func.lower(Client.email).like(like, escape="\\"))
        )
    return query


def list_bookings(
    session: Session,
    *,
    actor: Trainer,
    trainer_ids: Sequence[str],
    spec: BookingQuery,
    tz: ZoneInfo,
    page: int = 1,
    page_size: int = 20,
    now: Optional[datetime] = None,
) -> tuple[list[tuple[Booking, Client]], int]:
    """One page of the bookings of ``trainer_ids`` that ``actor`` manages (two queries: the page, and the count)."""
    now = now or utcnow()
    base = select(Booking, Client).join(Client, Client.id == Booking.client_id)
    order = col(Booking.start_at).desc() if spec.sort == "-startTime" else col(Booking.start_at).asc()
    rows = session.exec(
        _filtered(base, actor, trainer_ids, spec, tz, now)
        .order_by(order, Booking.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    total = session.exec(
        _filtered(
            select(func.count()).select_from(Booking).join(Client, Client.id == Booking.client_id),
            actor,
            trainer_ids,
            spec,
            tz,
            now,
        )
    ).one()
    return [(b, c) for b, c in rows], total


def iter_bookings(
    session: Session,
    *,
    actor: Trainer,
    trainer_ids: Sequence[str],
    spec: BookingQuery,
    tz: ZoneInfo,
    ids: Optional[Iterable[str]] = None,
    now: Optional[datetime] = None,
    batch: int = 500,
):
    """Every booking of the filtered list (or just ``ids``) that ``actor`` manages, in batches, for CSV export."""
    now = now or utcnow()
    base = select(Booking, Client).join(Client, Client.id == Booking.client_id)
    query = _filtered(base, actor, trainer_ids, spec, tz, now)
    if ids is not None:
        query = query.where(col(Booking.id).in_(list(ids)))
    order = col(Booking.start_at).desc() if spec.sort == "-startTime" else col(Booking.start_at).asc()
    yield from session.exec(query.order_by(order, Booking.id).execution_options(yield_per=batch))


def created_since(
    session: Session, *, actor: Trainer, trainer_ids: Sequence[str], since: datetime
) -> list[tuple[Booking, Client]]:
    """Bookings ``actor`` manages made after ``since`` (newest first), for the dashboard's "new booking" toasts."""
    rows = session.exec(
        select(Booking, Client)
        .join(Client, Client.id == Booking.client_id)
        .where(
            col(Booking.trainer_id).in_(list(trainer_ids)),
            col(Booking.trainer_id).in_(managed_ids_clause(actor)),
            Booking.created_at > since,
        )
        .order_by(col(Booking.created_at).desc())
        .limit(20)
    ).all()
    return [(b, c) for b, c in rows]


def newest_created_at(session: Session, *, actor: Trainer, trainer_ids: Sequence[str]) -> Optional[datetime]:
    """When the newest booking of these trainers (that ``actor`` manages) was made: where toasts start."""
    return session.exec(
        select(func.max(Booking.created_at)).where(
            col(Booking.trainer_id).in_(list(trainer_ids)), col(Booking.trainer_id).in_(managed_ids_clause(actor))
        )
    ).one()


def allowed_actions(booking: Booking, *, now: datetime) -> set[str]:
    """The row actions a trainer can take on a booking now (the lifecycle rules decide)."""
    current = BookingStatus(booking.status)
    actions = set()
    for action, target in (
        ("confirm", BookingStatus.CONFIRMED),
        ("cancel", BookingStatus.CANCELLED),
        ("complete", BookingStatus.COMPLETED),
        ("no_show", BookingStatus.NO_SHOW),
    ):
        try:
            check_transition(current, target, start=booking.start_at, now=now)
        except InvalidTransition:
            continue
        actions.add(action)
    if current in ACTIVE_STATUSES and booking.start_at > now:
        actions.add("reschedule")
    return actions
