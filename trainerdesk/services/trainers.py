"""Trainer accounts, API keys, login sessions, preferences, teams and who may act on whom."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Optional, TypeVar

from sqlalchemy import bindparam, delete, or_, update
from sqlmodel import Session, col, select

from .. import live
from ..db import begin_write
from ..domain.errors import EmailTaken, Forbidden, NotFound, Unauthorized, ValidationFailed
from ..domain.preferences import (
    PREFERENCES,
    Preferences,
    apply_changes,
    check_text,
    from_plain_values,
    normalise_email,
    parse_zone,
    plain_values,
)
from ..models import ApiKey, BookingPreferences, LoginSession, LoginTicket, Trainer, utcnow
from .passwords import check_password
from .secrets import digest, hash_password, new_token, verify_password

T = TypeVar("T")

API_KEY_PREFIX = "td_"
LOGIN_SESSION_DAYS = 14
LOGIN_TICKET_SECONDS = 60


# ---------------------------------------------------------------- accounts


def _slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "trainer"


def _unique_slug(session: Session, name: str) -> str:
    base = _slugify(name)
    taken = set(session.exec(select(Trainer.slug).where(Trainer.slug.like(f"{base}%"))).all())
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _check_account_fields(email: Any, password: Any, name: Any, timezone: Any) -> tuple[str, str, str]:
    email = normalise_email(email)
    check_password(password, email=email, name=name)  # length, storable, not common, not the email or name
    name = check_text(name, field="name", limit=120, label="name", required=True)
    parse_zone(timezone)
    return email, name, timezone


def account_field_errors(*, email: Any, password: Any, name: Any, timezone: Any) -> dict[str, str]:
    """A message per wrong field of a new account (the sign-up form shows them all at once)."""
    checks = {
        "name": lambda: check_text(name, field="name", limit=120, label="name", required=True),
        "email": lambda: normalise_email(email),
        "password": lambda: check_password(password, email=email, name=name),
        "timezone": lambda: parse_zone(timezone),
    }
    errors = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationFailed as exc:
            errors[field] = exc.message
    return errors


def _create_trainer(
    session: Session, *, email: str, password: str, name: str, timezone: str, primary_trainer_id: Optional[str] = None
) -> tuple[Trainer, str]:
    if session.exec(select(Trainer.id).where(Trainer.email == email)).first():
        raise EmailTaken("An account with this email already exists.", {"field": "email"})
    trainer = Trainer(
        email=email,
        password_hash=hash_password(password),
        name=name,
        slug=_unique_slug(session, name),
        timezone=timezone,
        primary_trainer_id=primary_trainer_id,
    )
    session.add(trainer)
    session.flush()
    session.add(BookingPreferences(trainer_id=trainer.id))
    key = _issue_api_key(session, trainer.id)
    return trainer, key


def signup(session: Session, *, email: Any, password: Any, name: Any, timezone: Any) -> tuple[Trainer, str]:
    """Create a trainer account; returns it and its first API key (shown once)."""
    email, name, timezone = _check_account_fields(email, password, name, timezone)
    begin_write(session)
    trainer, key = _create_trainer(session, email=email, password=password, name=name, timezone=timezone)
    session.commit()
    return trainer, key


def authenticate(session: Session, *, email: Any, password: Any) -> Trainer:
    """The trainer with these credentials, or :class:`Unauthorized` (same answer for any mismatch)."""
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized("Wrong email or password.")
    trainer = session.exec(select(Trainer).where(Trainer.email == email.strip().lower())).first()
    if not verify_password(password, trainer.password_hash if trainer else None):
        raise Unauthorized("Wrong email or password.")
    return trainer


def login(session: Session, *, email: Any, password: Any) -> tuple[Trainer, str]:
    """Check credentials and issue a fresh API key for this client (keys are stored hashed, so never re-shown)."""
    trainer = authenticate(session, email=email, password=password)
    begin_write(session)
    key = _issue_api_key(session, trainer.id)
    session.commit()
    return trainer, key


# ---------------------------------------------------------------- API keys


def _issue_api_key(session: Session, trainer_id: str) -> str:
    key = new_token(API_KEY_PREFIX)
    session.add(ApiKey(trainer_id=trainer_id, key_hash=digest(key), prefix=key[:8]))
    return key


def trainer_for_api_key(session: Session, key: Optional[str]) -> Trainer:
    if not key:
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    row = session.exec(
        select(Trainer)
        .join(ApiKey, ApiKey.trainer_id == Trainer.id)
        .where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthorized("This API key is not valid.")
    return row


def rotate_api_keys(session: Session, *, trainer_id: str) -> str:
    """Revoke every key of the trainer and issue a new one."""
    begin_write(session)
    now = utcnow()
    for key in session.exec(select(ApiKey).where(ApiKey.trainer_id == trainer_id, ApiKey.revoked_at.is_(None))):
        key.revoked_at = now
        session.add(key)
    key = _issue_api_key(session, trainer_id)
    session.commit()
    return key


# ---------------------------------------------------------------- dashboard logins


def start_login_session(session: Session, *, trainer_id: str, now: Optional[datetime] = None) -> str:
    now = now or utcnow()
    token = new_token()
    begin_write(session)
    session.add(
        LoginSession(
            trainer_id=trainer_id, token_hash=digest(token), expires_at=now + timedelta(days=LOGIN_SESSION_DAYS)
        )
    )
    session.commit()
    return token


def trainer_for_login_session(
    session: Session, token: Optional[str], *, now: Optional[datetime] = None
) -> Optional[Trainer]:
    if not token:
        return None
    now = now or utcnow()
    return session.exec(
        select(Trainer)
        .join(LoginSession, LoginSession.trainer_id == Trainer.id)
        .where(LoginSession.token_hash == digest(token), LoginSession.expires_at > now)
    ).first()


def end_login_session(session: Session, *, token: Optional[str]) -> None:
    if not token:
        return
    begin_write(session)
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == digest(token))).first()
    if row:
        session.delete(row)
    session.commit()


def issue_login_ticket(session: Session, *, trainer_id: str, now: Optional[datetime] = None) -> str:
    """A one-time ticket, valid for a minute, that :func:`redeem_login_ticket` turns into a login session."""
    now = now or utcnow()
    ticket = new_token()
    begin_write(session)
    session.execute(delete(LoginTicket).where(LoginTicket.expires_at <= now))  # tidy up unredeemed ones
    session.add(
        LoginTicket(
            ticket_hash=digest(ticket), trainer_id=trainer_id, expires_at=now + timedelta(seconds=LOGIN_TICKET_SECONDS)
        )
    )
    session.commit()
    return ticket


def redeem_login_ticket(session: Session, ticket: Any, *, now: Optional[datetime] = None) -> str:
    """Trade a ticket (once, before it expires) for a new login session token; Unauthorized otherwise."""
    now = now or utcnow()
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 200:
        raise Unauthorized("This log-in link is not valid; please log in again.")
    begin_write(session)
    row = session.get(LoginTicket, digest(ticket))
    if row is None or row.expires_at <= now:
        session.rollback()
        raise Unauthorized("This log-in link is not valid; please log in again.")
    trainer_id = row.trainer_id
    session.delete(row)
    token = new_token()
    session.add(
        LoginSession(
            trainer_id=trainer_id, token_hash=digest(token), expires_at=now + timedelta(days=LOGIN_SESSION_DAYS)
        )
    )
    session.commit()
    return token


# ---------------------------------------------------------------- who may act on whom


def unknown_trainer() -> NotFound:
    """The answer for a trainer id that names nobody."""
    return NotFound("No trainer with this id.")


def get_trainer(session: Session, trainer_id: str) -> Trainer:
    trainer = session.get(Trainer, trainer_id) if isinstance(trainer_id, str) else None
    if trainer is None:
        raise unknown_trainer()
    return trainer


def trainer_by_slug(session: Session, slug: str) -> Trainer:
    trainer = session.exec(select(Trainer).where(Trainer.slug == slug)).first()
    if trainer is None:
        raise NotFound("No booking page at this address.")
    return trainer


def can_manage(actor: Trainer, target: Trainer) -> bool:
    """A trainer manages themselves; a primary trainer also manages their sub-trainers."""
    return actor.id == target.id or target.primary_trainer_id == actor.id


def managed_trainer(session: Session, *, actor: Trainer, trainer_id: str) -> Trainer:
    """The trainer ``actor`` wants to act on, or NotFound / Forbidden."""
    target = get_trainer(session, trainer_id)
    if not can_manage(actor, target):
        raise Forbidden("This key cannot access that trainer.")
    return target


def managed_row(session: Session, model: type[T], row_id: Any, *, actor: Trainer, trainer_id: str, missing: str) -> T:
    """A row of ``model`` (one with a ``trainer_id``) that belongs to a trainer ``actor`` manages.

    Another tenant's row answers NotFound(``missing``) like one that does not exist: an id never tells
    whether it belongs to someone else. Non-string ids (a browser can send anything) are missing too.
    """
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = session.get(model, row_id) if isinstance(row_id, str) else None
    if row is None or row.trainer_id != trainer.id:
        raise NotFound(missing)
    return row


def managed_ids_clause(actor: Trainer):
    """SQL condition "this trainer id is one ``actor`` manages", for read queries to filter by.

    Read services put it into their own statement, so they cannot return another tenant's rows
    whatever ids they are handed, at no extra round trip.
    """
    return select(Trainer.id).where(or_(Trainer.id == actor.id, Trainer.primary_trainer_id == actor.id))


def viewed_trainers(session: Session, *, actor: Trainer, viewing: Any) -> list[Trainer]:
    """Whose calendar ``actor`` sees for a dashboard switcher value, checked against the database.

    ``""`` is the actor; ``"all"`` their whole team (a primary trainer's); a sub-trainer's id that one
    sub-trainer. Anything else (another tenant, the primary seen from a sub-trainer) is Forbidden.
    """
    if viewing in ("", None):
        return [actor]
    if viewing == "all":
        return team_members(session, actor)
    if isinstance(viewing, str):
        target = session.get(Trainer, viewing)
        if target is not None and can_manage(actor, target):
            return [target]
    raise Forbidden("You cannot view that trainer's calendar.")


def team_members(session: Session, trainer: Trainer) -> list[Trainer]:
    """The trainers a booking page offers: a primary's whole team, else just the trainer."""
    if trainer.primary_trainer_id is not None:
        return [trainer]
    subs = session.exec(
        select(Trainer).where(Trainer.primary_trainer_id == trainer.id).order_by(Trainer.created_at, Trainer.id)
    ).all()
    return [trainer, *subs]


def team_member_ids(session: Session, primary: Trainer) -> list[str]:
    """The primary trainer and their sub-trainers, primary first."""
    return [t.id for t in team_members(session, primary)]


def add_sub_trainer(
    session: Session, *, actor: Trainer, primary_id: str, email: Any, password: Any, name: Any, timezone: Any
) -> tuple[Trainer, str]:
    primary = managed_trainer(session, actor=actor, trainer_id=primary_id)
    if primary.primary_trainer_id is not None or actor.id != primary.id:
        raise Forbidden("Only a primary trainer can add sub-trainers.")
    email, name, timezone = _check_account_fields(email, password, name, timezone)
    begin_write(session)
    trainer, key = _create_trainer(
        session, email=email, password=password, name=name, timezone=timezone, primary_trainer_id=primary.id
    )
    session.commit()
    return trainer, key


def list_sub_trainers(session: Session, *, actor: Trainer, primary_id: str) -> list[Trainer]:
    primary = managed_trainer(session, actor=actor, trainer_id=primary_id)
    return list(
        session.exec(
            select(Trainer).where(Trainer.primary_trainer_id == primary.id).order_by(Trainer.created_at, Trainer.id)
        ).all()
    )


# ---------------------------------------------------------------- preferences


def preferences_from_row(row: Optional[BookingPreferences]) -> Preferences:
    """The preferences a row holds; the defaults for a trainer who never saved any (no row)."""
    if row is None:
        return Preferences()
    return from_plain_values({s.name: getattr(row, s.name) for s in PREFERENCES})


def load_preferences(session: Session, trainer_id: str) -> Preferences:
    row = session.get(BookingPreferences, trainer_id)
    return preferences_from_row(row)


# Built once (with bind parameters): every booking runs these two.
_PREFERENCES_OF = select(BookingPreferences).where(
    col(BookingPreferences.trainer_id).in_(bindparam("trainer_ids", expanding=True))
)
_BUMP_SCHEDULE_VERSION = (
    update(Trainer)
    .where(Trainer.id == bindparam("bumped_id"))
    .values(schedule_version=Trainer.schedule_version + 1)
    .execution_options(synchronize_session=False)
)


def load_preferences_of(session: Session, trainer_ids: Iterable[str]) -> dict[str, Preferences]:
    """Several trainers' preferences in one statement (the defaults for one who never saved any)."""
    ids = list(trainer_ids)
    rows = session.exec(_PREFERENCES_OF, params={"trainer_ids": ids}).all()
    found = {row.trainer_id: preferences_from_row(row) for row in rows}
    return {tid: found.get(tid, Preferences()) for tid in ids}


def update_preferences(
    session: Session,
    *,
    actor: Trainer,
    trainer_id: str,
    changes: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    timezone: Any = None,
) -> tuple[Trainer, Preferences]:
    """Apply a partial change of preferences (and optionally the trainer's time zone), all or nothing."""
    if timezone is not None:
        parse_zone(timezone)
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = session.get(BookingPreferences, trainer.id) or BookingPreferences(trainer_id=trainer.id)
    updated = apply_changes(preferences_from_row(row), changes, names=names)
    for name, value in plain_values(updated).items():
        setattr(row, name, value)
    session.add(row)
    if timezone is not None:
        trainer.timezone = timezone
    bump_schedule_version(session, trainer)
    session.commit()
    return trainer, updated


def bump_schedule_version(session: Session, trainer: Trainer) -> None:
    """Mark the trainer's slots as changed (the slot cache keys on this).

    One atomic ``UPDATE ... SET v = v + 1``: concurrent writers (a booking and
    an hours change, say) each add their bump instead of overwriting one
    another's, and the row lock it takes orders them.
    """
    session.flush()
    session.execute(_BUMP_SCHEDULE_VERSION, {"bumped_id": trainer.id})
    session.expire(trainer, ["schedule_version"])
    # Announced to the open pages once the transaction commits (nothing if it rolls back).
    live.record_bump(session, trainer.id)
