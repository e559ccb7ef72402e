"""Delivers the notification outbox: by SMTP when SMTP_URL is set, to the log otherwise.

Messages are written by the booking services in the same transaction as the
change they describe, so none is lost on a crash. This sender claims due
messages with a lease (``next_attempt_at`` pushed ahead, under row locks that
other processes skip on PostgreSQL), sends them, and marks them sent; a failed
send is retried with exponential backoff up to ``MAX_ATTEMPTS``. Each message
carries a stable Message-ID, so the rare resend after a crash between
"sent" and "marked" is recognisable as the same message.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Callable, Optional
from urllib.parse import parse_qs, unquote, urlparse

from sqlmodel import Session, col, select

from ..config import settings
from ..db import begin_write, is_sqlite, session_scope
from ..domain.ics import booking_calendar
from ..models import Booking, Client, OutboxMessage, Trainer, utcnow
from . import bookings

log = logging.getLogger("trainerdesk.notifications")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts`` (1 min, 2, 4, ... capped at 6 h)."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def build_email(message: OutboxMessage, *, sender: str, body: str, ics: bytes) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}-{message.booking_id}@trainerdesk>"
    email.set_content(body)
    if ics:
        method = "CANCEL" if b"METHOD:CANCEL" in ics else "REQUEST"
        email.add_attachment(ics, maintype="text", subtype="calendar", filename="session.ics",
                             params={"method": method})
    return email


def _render(session: Session, message: OutboxMessage, *, sender: str, now: datetime) -> EmailMessage:
    """The email for one message, with fresh manage links (a token minted now, kept hashed) and the .ics."""
    booking, trainer, client = session.exec(
        select(Booking, Trainer, Client).join(Trainer, Trainer.id == Booking.trainer_id)
        .join(Client, Client.id == Booking.client_id).where(Booking.id == message.booking_id)).one()
    token = bookings.mint_link_token(session, booking) if bookings.MANAGE_LINKS in message.body else None
    body = message.body.replace(bookings.MANAGE_LINKS, bookings.manage_links_text(booking, token)) if token \
        else message.body
    ics = booking_calendar(bookings.calendar_entry(booking, trainer, client, token=token), stamp=now)
    return build_email(message, sender=sender, body=body, ics=ics)


def smtp_sender(url: str) -> Callable[[EmailMessage], None]:
    """A function sending one message through the server of ``smtp://user:pass@host:port?starttls=1``."""
    parts = urlparse(url)
    query = parse_qs(parts.query)
    use_ssl = parts.scheme == "smtps"
    starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")

    def send(email: EmailMessage) -> None:
        factory = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
        with factory(parts.hostname or "localhost", parts.port or (465 if use_ssl else 25), timeout=20) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(email)

    return send


def log_sender(email: EmailMessage) -> None:
    log.info("notification (no SMTP_URL set) to=%s subject=%s", email["To"], email["Subject"])


def _claim(session: Session, now: datetime, sender: str) -> list[tuple[int, EmailMessage]]:
    """Lease the due messages and render them, in one transaction; nothing secret is stored."""
    begin_write(session)
    query = (select(OutboxMessage)
             .where(col(OutboxMessage.sent_at).is_(None), OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.attempts < MAX_ATTEMPTS)
             .order_by(OutboxMessage.id).limit(BATCH))
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message in session.exec(query).all():
        message.attempts += 1
        message.next_attempt_at = now + LEASE
        session.add(message)
        claimed.append((message.id, _render(session, message, sender=sender, now=now)))
    session.commit()
    return claimed


def deliver_pending(*, now: Optional[datetime] = None, send: Optional[Callable[[EmailMessage], None]] = None) -> int:
    """Send every due message once; returns how many were delivered."""
    now = now or utcnow()
    config = settings()
    send = send or (smtp_sender(config.smtp_url) if config.smtp_url else log_sender)
    delivered = 0
    with session_scope() as session:
        for message_id, email in _claim(session, now, config.mail_from):
            try:
                send(email)
            except Exception as exc:  # noqa: BLE001 - any failure is retried later
                log.warning("sending outbox message %s failed: %s", message_id, exc)
                _finish(session, message_id, error=str(exc)[:500], now=now)
            else:
                _finish(session, message_id, error=None, now=now)
                delivered += 1
    return delivered


def _finish(session: Session, message_id: int, *, error: Optional[str], now: datetime) -> None:
    begin_write(session)
    message = session.get(OutboxMessage, message_id)
    if error is None:
        message.sent_at = utcnow()
        message.last_error = ""
    else:
        message.last_error = error
        message.next_attempt_at = now + backoff(message.attempts)
    session.add(message)
    session.commit()


async def run_sender(interval: float = 2.0) -> None:
    """Lifespan task of the app: deliver due messages every ``interval`` seconds."""
    while True:
        try:
            await asyncio.to_thread(deliver_pending)
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            log.exception("outbox delivery round failed")
        await asyncio.sleep(interval)
