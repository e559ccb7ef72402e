"""The trainer's subscribe feed: a secret ``/feeds/{token}.ics`` address any calendar app can follow.

It lists the trainer's PENDING and CONFIRMED sessions from 30 days ago on, each with the UID of
the booking's own .ics. The address token is ``HMAC(SECRET_KEY, "feed:<trainer>:<nonce>")``: the
dashboard can show it again, while the database keeps only the nonce and the token's digest (so a
copy of the database opens no feed). Rotating draws a new nonce: the old address stops at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlmodel import Session, select

from .. import routes
from ..config import settings
from ..domain.errors import NotFound
from ..domain.ics import feed_calendar
from ..domain.policy import ACTIVE_STATUSES
from ..models import Booking, CalendarFeed, Client, Trainer, utcnow
from .notifications import trainer_entry
from .secrets import digest
from .trainers import managed_trainer

FEED_PAST = timedelta(days=30)
FEED_LIMIT = 5000  # sessions in one feed; years of a busy trainer's diary


def _token(trainer_id: str, nonce: str) -> str:
    key = settings().secret_key
    if not key:
        raise RuntimeError("SECRET_KEY is not set: run `make run` (which creates one) or set it in the environment.")
    mac = hmac.new(key.encode(), f"feed:{trainer_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _issue(session: Session, trainer: Trainer, row: Optional[CalendarFeed]) -> str:
    nonce = secrets.token_hex(16)
    token = _token(trainer.id, nonce)
    row = row or CalendarFeed(trainer_id=trainer.id, nonce=nonce, token_hash=digest(token))
    row.nonce, row.token_hash, row.created_at = nonce, digest(token), utcnow()
    session.add(row)
    session.commit()
    return token


def feed_url(session: Session, *, actor: Trainer, trainer_id: str) -> str:
    """The trainer's feed address (made on first use)."""
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = session.get(CalendarFeed, trainer.id)
    token = _token(trainer.id, row.nonce) if row else _issue(session, trainer, None)
    return routes.feed_url(token, settings().public_url)


def rotate_feed(session: Session, *, actor: Trainer, trainer_id: str) -> str:
    """A new feed address; the old one stops working."""
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    return routes.feed_url(_issue(session, trainer, session.get(CalendarFeed, trainer.id)), settings().public_url)


def feed_ics(session: Session, *, token: str, now: Optional[datetime] = None) -> bytes:
    """The feed behind ``token``; NotFound for an unknown or revoked one (the same answer for both)."""
    now = now or utcnow()
    row = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == digest(token or ""))).first()
    if row is None or not hmac.compare_digest(_token(row.trainer_id, row.nonce), token):
        raise NotFound("There is no calendar feed at this address.")
    trainer = session.get(Trainer, row.trainer_id)
    rows = session.exec(
        select(Booking, Client)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.trainer_id == trainer.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.end_at >= now - FEED_PAST,
        )
        .order_by(Booking.start_at, Booking.id)
        .limit(FEED_LIMIT)
    ).all()
    entries = [trainer_entry(booking, trainer, client) for booking, client in rows]
    return feed_calendar(entries, name=f"TrainerDesk: {trainer.name}", stamp=now)
