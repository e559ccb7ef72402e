"""Client notifications: composes them, queues them in the outbox, and delivers the outbox.

Composition lives here alone: the booking services only say "notify this
event" (``outbox.booking_changed``, which queues :func:`message_rows` and :func:`reminder_rows` with
:func:`queue_rows`), in the same transaction as the change it describes, so
none is lost on a crash. Delivery is by SMTP when SMTP_URL is set, to the log
otherwise. This sender claims due
messages with a lease (``next_attempt_at`` pushed ahead, under row locks that
other processes skip on PostgreSQL) in a short write transaction, renders and
sends them after it commits, and marks them sent (the
marks of a round in one transaction, within ``MARK_WITHIN`` of each send); a
failed send is retried with exponential backoff up to ``MAX_ATTEMPTS``. It wakes
when a commit queued a message (:data:`ALARM`, ``trainerdesk.alarms``) or when
the first queued one falls due (a reminder's hour, a retry). Each message
carries a stable Message-ID, so the rare resend after a crash between
"sent" and "marked" is recognisable as the same message.
"""

from __future__ import annotations

import email.policy
import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from functools import lru_cache, partial
from typing import Optional
from urllib.parse import parse_qs, unquote, urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, update
from sqlmodel import Session, col, select

from .. import routes
from ..alarms import Alarm, first_due_query
from ..config import mail_from, public_url, smtp_url
from ..db import begin_write, insert_rows, is_sqlite, session_scope
from ..domain.ics import CalendarEntry, booking_calendar
from ..domain.policy import BookingStatus
from ..domain.reminders import reason_not_to_send, reminders_to_plan
from ..models import Booking, BookingToken, Client, OutboxMessage, Trainer, utcnow
from .secrets import digest, new_token
from .trainers import load_preferences, load_preferences_of

log = logging.getLogger("trainerdesk.notifications")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
BATCH = 50
# Rung by every commit that queued a message: the sender delivers it at once.
ALARM = Alarm("outbox")
# A round's sent messages are marked in one transaction at its end, or sooner if it runs this long:
# well inside LEASE, so no other sender claims a message that went out but is not marked yet.
MARK_WITHIN = 5.0  # seconds


# ---------------------------------------------------------------- composition

# Where the sender puts the booking's fresh manage links (tokens are never stored in the outbox).
MANAGE_LINKS = "[[manage-links]]"

_SUBJECTS = {
    "created": "Your session with {trainer} on {when}",
    "confirmed": "Confirmed: your session with {trainer} on {when}",
    "rescheduled": "Moved: your session with {trainer} is now on {when}",
    "cancelled": "Cancelled: your session with {trainer} on {when}",
    "reminder": "Reminder: your session with {trainer} on {when}",
}


def calendar_entry(booking: Booking, trainer: Trainer, client: Client, *, token: Optional[str] = None) -> CalendarEntry:
    """The booking as a calendar entry (for the .ics file), with manage links when a token is given."""
    base = public_url()
    links: tuple[tuple[str, str], ...] = ()
    if token:
        links = (
            ("Reschedule", routes.reschedule_url(booking.id, token, base)),
            ("Cancel", routes.cancel_url(booking.id, token, base)),
        )
    return CalendarEntry(
        booking_id=booking.id,
        sequence=booking.ics_sequence,
        status=BookingStatus(booking.status).value,
        start=booking.start_at,
        end=booking.end_at,
        trainer_name=trainer.name,
        trainer_email=trainer.email,
        client_name=client.name,
        client_email=client.email,
        notes=booking.notes,
        manage_links=links,
    )


def trainer_entry(booking: Booking, trainer: Trainer, client: Client) -> CalendarEntry:
    """The trainer's side of a session (the feed, the CalDAV copy): named after the client, linking
    to the dashboard, never to the client's private manage links."""
    pending = " (pending)" if BookingStatus(booking.status) == BookingStatus.PENDING else ""
    dashboard = public_url() + routes.DASHBOARD_BOOKINGS
    return replace(
        calendar_entry(booking, trainer, client),
        summary=f"{client.name}{pending}",
        manage_links=(("Open in TrainerDesk", dashboard),),
    )


def manage_links_text(booking: Booking, token: str) -> str:
    """The reschedule and cancel links of an email, opened by ``token``."""
    base = public_url()
    return (
        f"Reschedule: {routes.reschedule_url(booking.id, token, base)}\n"
        f"Cancel: {routes.cancel_url(booking.id, token, base)}"
    )


def compose(booking: Booking, trainer: Trainer, client: Client, event: str) -> Optional[tuple[str, str]]:
    """(subject, body) of the client's email about ``event``, or None for events clients are not told about.

    The body holds :data:`MANAGE_LINKS` where the sender puts fresh links.
    """
    if event not in _SUBJECTS:
        return None
    zone = ZoneInfo(booking.client_timezone)
    when = booking.start_at.astimezone(zone).strftime("%a %d %b %Y, %H:%M") + f" ({booking.client_timezone})"
    lines = [f"Hello {client.name},", ""]
    lines.append(
        {
            "created": f"your session with {trainer.name} on {when} is "
            + (
                "confirmed."
                if booking.status == BookingStatus.CONFIRMED
                else "booked and waiting for the trainer's confirmation."
            ),
            "confirmed": f"{trainer.name} confirmed your session on {when}.",
            "rescheduled": f"your session with {trainer.name} has moved to {when}.",
            "cancelled": f"your session with {trainer.name} on {when} is cancelled."
            + (f" Reason: {booking.cancellation_reason}" if booking.cancellation_reason else ""),
            "reminder": f"a reminder of your session with {trainer.name} on {when}. "
            "If you cannot make it, please move or cancel it with the links below.",
        }[event]
    )
    if event != "cancelled":
        lines += ["", MANAGE_LINKS]
    return _SUBJECTS[event].format(trainer=trainer.name, when=when), "\n".join(lines)


def message_rows(booking: Booking, trainer: Trainer, client: Client, event: str, *, now: datetime) -> list[dict]:
    """The outbox row of the client's email about ``event``, due now (none for an event that sends none)."""
    composed = compose(booking, trainer, client, event)
    if composed is None:
        return []
    return [_outbox_row(booking, client, event, composed, due=now, now=now)]


def reminder_rows(
    session: Session,
    booking: Booking,
    trainer: Trainer,
    client: Client,
    *,
    now: datetime,
    reminder_hours: Sequence[int],
    fresh: bool = False,
) -> list[dict]:
    """The outbox rows of the booking's reminder emails at its current start, each due when it is to
    go, so the sender finds them without looking at any booking.

    ``reminder_hours``: the trainer's, as read in this transaction. ``fresh``: the booking was inserted
    in this transaction, so none is planned yet (no need to look).
    """
    planned = reminders_to_plan(
        start=booking.start_at, status=BookingStatus(booking.status), hours=reminder_hours, now=now
    )
    if not planned:
        return []
    have = (
        set()
        if fresh
        else set(
            session.exec(
                select(OutboxMessage.remind_hours).where(
                    OutboxMessage.booking_id == booking.id, OutboxMessage.remind_start == booking.start_at
                )
            ).all()
        )
    )
    composed = compose(booking, trainer, client, "reminder")
    # (Not in ``have``: planned already; the trainer's row lock keeps two plans of one booking apart.)
    return [
        _outbox_row(booking, client, "reminder", composed, due=due, now=now, remind_hours=hours)
        for hours, due in planned
        if hours not in have
    ]


def _outbox_row(
    booking: Booking,
    client: Client,
    event: str,
    composed: tuple[str, str],
    *,
    due: datetime,
    now: datetime,
    remind_hours: Optional[int] = None,
) -> dict:
    # Every row has every column, so the rows of one change go in as one statement.
    subject, body = composed
    return {
        "booking_id": booking.id,
        "event": event,
        "recipient": client.email,
        "subject": subject,
        "body": body,
        "ics": "",
        "next_attempt_at": due,
        "created_at": now,
        "remind_hours": remind_hours,
        "remind_start": None if remind_hours is None else booking.start_at,
    }


def queue_rows(session: Session, rows: Sequence[dict]) -> None:
    """INSERT outbox rows (:func:`message_rows`, :func:`reminder_rows`) in this transaction, as one
    statement; the sender is woken when it commits (its next wake-up may now be earlier)."""
    if rows:
        insert_rows(session, OutboxMessage, rows)
        ALARM.ring_on_commit(session)


def replan_reminders(session: Session, trainer: Trainer, *, now: datetime) -> None:
    """After the trainer changed the reminder hours: plan what the new hours add for every upcoming
    session (ones no longer wanted are dropped when they fall due). Commits."""
    begin_write(session)
    upcoming = session.exec(
        select(Booking, Client)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.trainer_id == trainer.id,
            Booking.start_at > now,
            col(Booking.status).in_([BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value]),
        )
    ).all()
    hours = load_preferences(session, trainer.id).reminder_hours  # read once for all of them
    queue_rows(
        session,
        [
            row
            for booking, client in upcoming
            for row in reminder_rows(session, booking, trainer, client, now=now, reminder_hours=hours)
        ],
    )
    session.commit()


def _reminder_unwanted(message: Row, booking: Booking, wanted_hours: Sequence[int]) -> str:
    return reason_not_to_send(
        status=BookingStatus(booking.status),
        start=booking.start_at,
        planned_start=message.remind_start,
        hours=message.remind_hours,
        wanted=wanted_hours,
    )


# ---------------------------------------------------------------- delivery


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts`` (1 min, 2, 4, ... capped at 6 h)."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


class _Headers(HeaderRegistry):
    """``email``'s header registry, with the same parsing and the same header objects, made cheaper
    for emails that repeat most of their headers (most of the cost of building one was here):

    - the class of each header name is made once (the stock registry builds a new class for every
      header it parses);
    - a header whose value every email repeats (the sender, the MIME headers of the two parts) is
      parsed once per value: header objects are immutable, and a message keeps one given to it as is.
    """

    REPEATED = frozenset({"from", "content-type", "content-transfer-encoding", "content-disposition", "mime-version"})

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        self._parse_once = lru_cache(maxsize=128)(super().__call__)

    def __getitem__(self, name: str) -> type:
        made = self._classes.get(name.lower())
        if made is None:
            made = self._classes[name.lower()] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str):
        if name.lower() in self.REPEATED:
            return self._parse_once(name, value)
        return super().__call__(name, value)


# ``email.policy.default`` (what ``EmailMessage()`` uses), with that registry.
_EMAIL_POLICY = email.policy.default.clone(header_factory=_Headers())


def build_email(message: Row, *, sender: str, body: str, ics: bytes) -> EmailMessage:
    """The email of an outbox row (its ``id``, ``booking_id``, ``recipient`` and ``subject``)."""
    email = EmailMessage(policy=_EMAIL_POLICY)
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}-{message.booking_id}@trainerdesk>"
    email.set_content(body)
    if ics:
        method = "CANCEL" if b"METHOD:CANCEL" in ics else "REQUEST"
        email.add_attachment(
            ics, maintype="text", subtype="calendar", filename="session.ics", params={"method": method}
        )
    return email


def _render(
    message: Row,
    booking: Booking,
    trainer: Trainer,
    client: Client,
    *,
    token: Optional[str],
    sender: str,
    now: datetime,
) -> EmailMessage:
    """The email for one message, with manage links opened by ``token`` (minted for it) and the .ics."""
    body = message.body.replace(MANAGE_LINKS, manage_links_text(booking, token)) if token else message.body
    ics = booking_calendar(calendar_entry(booking, trainer, client, token=token), stamp=now)
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


# The claim's statements, built once (building one costs more than running it). The due messages
# are read as plain rows: the round writes their leases with one UPDATE, no ORM object or flush.
_MESSAGES = OutboxMessage.__table__
_DUE = (
    select(
        _MESSAGES.c.id,
        _MESSAGES.c.booking_id,
        _MESSAGES.c.event,
        _MESSAGES.c.recipient,
        _MESSAGES.c.subject,
        _MESSAGES.c.body,
        _MESSAGES.c.attempts,
        _MESSAGES.c.remind_hours,
        _MESSAGES.c.remind_start,
    )
    .where(
        _MESSAGES.c.sent_at.is_(None),
        _MESSAGES.c.next_attempt_at <= bindparam("now"),
        _MESSAGES.c.attempts < MAX_ATTEMPTS,
    )
    .order_by(_MESSAGES.c.id)
    .limit(BATCH)
)
# Elsewhere than SQLite, rows another sender holds are skipped (SQLite has one writer at a time).
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True)
_BOOKED = (
    select(Booking, Trainer, Client)
    .join(Trainer, Trainer.id == Booking.trainer_id)
    .join(Client, Client.id == Booking.client_id)
    .where(col(Booking.id).in_(bindparam("booking_ids", expanding=True)))
)
_LEASE = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(attempts=bindparam("attempts"), next_attempt_at=bindparam("leased_until"))
)
_UNWANTED = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(sent_at=bindparam("at"), not_sent_reason=bindparam("reason"))
)
_MARK_SENT = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(sent_at=bindparam("sent_at"), last_error="")
)


def _claim(session: Session, now: datetime, sender: str) -> list[tuple[int, Callable[[], EmailMessage]]]:
    """Lease the due messages and mint their links' tokens in one short write transaction; returns each
    leased message's id with the function that renders its email. Nothing secret is stored (a token only
    as its digest).

    The emails are rendered after the commit, by the sender, one at a time: rendering (the text, the .ics,
    the MIME message: about a millisecond each) inside the write transaction held SQLite's one writer
    lock, which every booking waits for, for tens of milliseconds a batch; and a message that cannot be
    rendered now fails alone, as a failed send (retried with backoff), not the batch.
    """
    begin_write(session)
    messages = session.execute(_DUE if is_sqlite(session) else _DUE_LOCKED, {"now": now}).all()
    if not messages:
        session.commit()
        return []
    # The batch's bookings, each with its trainer and client, in one read (still loaded after the commit: the
    # session does not expire on commit, and rendering reads only these columns).
    booked = {
        booking.id: (booking, trainer, client)
        for booking, trainer, client in session.exec(
            _BOOKED, params={"booking_ids": list({m.booking_id for m in messages})}
        ).all()
    }
    # The reminder hours each due reminder's trainer wants now, for the whole batch in one read.
    reminding = {booked[m.booking_id][0].trainer_id for m in messages if m.event == "reminder"}
    wanted = load_preferences_of(session, reminding) if reminding else {}
    to_render, leases, unwanted, tokens = [], [], [], []
    for message in messages:
        if message.event == "reminder":
            booking = booked[message.booking_id][0]
            reason = _reminder_unwanted(message, booking, wanted[booking.trainer_id].reminder_hours)
            if reason:
                unwanted.append({"message_id": message.id, "at": now, "reason": reason})  # leaves the queue unsent
                continue
        leases.append({"message_id": message.id, "attempts": message.attempts + 1, "leased_until": now + LEASE})
        token = new_token() if MANAGE_LINKS in message.body else None
        if token:
            tokens.append({"booking_id": message.booking_id, "token_hash": digest(token)})
        to_render.append((message, token))
    for statement, rows in ((_LEASE, leases), (_UNWANTED, unwanted)):
        if rows:
            session.execute(statement, rows)
    insert_rows(session, BookingToken, tokens)
    session.commit()
    return [
        (
            message.id,
            partial(_render, message, *booked[message.booking_id], token=token, sender=sender, now=now),
        )
        for message, token in to_render
    ]


def deliver_pending(*, now: Optional[datetime] = None, send: Optional[Callable[[EmailMessage], None]] = None) -> int:
    """Send every due message once; returns how many were delivered."""
    now = now or utcnow()
    url = smtp_url()
    send = send or (smtp_sender(url) if url else log_sender)
    delivered = 0
    with session_scope() as session:
        outcomes: list[tuple[int, Optional[str], datetime]] = []  # (message id, error or None, when)
        marked_by = time.monotonic() + MARK_WITHIN
        try:
            for message_id, render in _claim(session, now, mail_from()):
                try:
                    send(render())
                except Exception as exc:  # noqa: BLE001 - any failure is retried later
                    log.warning("sending outbox message %s failed: %s", message_id, exc)
                    outcomes.append((message_id, str(exc)[:500], utcnow()))
                else:
                    outcomes.append((message_id, None, utcnow()))
                    delivered += 1
                if time.monotonic() >= marked_by:  # a slow round: write what it has sent so far
                    _finish(session, outcomes, now=now)
                    outcomes, marked_by = [], time.monotonic() + MARK_WITHIN
        finally:
            _finish(session, outcomes, now=now)
    return delivered


def _finish(session: Session, outcomes: Sequence[tuple[int, Optional[str], datetime]], *, now: datetime) -> None:
    """Mark sent messages sent (at the moment each went) and put failed ones back with backoff, in one transaction."""
    if not outcomes:
        return
    begin_write(session)
    sent = [{"message_id": message_id, "sent_at": at} for message_id, error, at in outcomes if error is None]
    if sent:
        session.execute(_MARK_SENT, sent)
    for message_id, error, _at in outcomes:
        if error is not None:
            message = session.get(OutboxMessage, message_id)
            message.last_error = error
            message.next_attempt_at = now + backoff(message.attempts)
            session.add(message)
    session.commit()


_NEXT_DUE = first_due_query(
    OutboxMessage.next_attempt_at,
    col(OutboxMessage.sent_at).is_(None),
    OutboxMessage.attempts < MAX_ATTEMPTS,
)


def _round() -> tuple[int, Optional[datetime]]:
    """One wake-up of the sender: delivers if a message is due; (delivered, when the next is due)."""
    return ALARM.round(_NEXT_DUE, lambda: deliver_pending())


async def run_sender(interval: float = 2.0) -> None:
    """Lifespan task of the app: deliver when :data:`ALARM` rings or the first message is due (at
    most ``alarms.MAX_SLEEP`` apart); ``interval`` s between rounds that delivered nothing."""
    await ALARM.run(_NEXT_DUE, lambda: deliver_pending(), interval=interval)
