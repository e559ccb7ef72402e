"""Webhooks: the trainer's own URLs told about booking events, signed, retried, never lost.

- **Written with the change**: a booking's change writes one :class:`WebhookDelivery` per
  subscribed endpoint in the change's own transaction (:func:`queue_booking_event`, called by
  ``services/outbox.py``). The body (``{id, type, createdAt, data: {booking}}``, the booking as the
  API returns it, never with a token) is rendered then, so every retry sends the same bytes and
  the same event id: receivers dedupe on the id (delivery is at least once).
- **Signed** as Stripe does: ``TrainerDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
  "<t>.<raw body>")>``; the secret is shown once at registration and kept encrypted (it must be
  usable to sign).
- **Sent** by a lifespan task of its own (never in the way of emails): due deliveries are leased,
  at most one endpoint's batch per worker thread and one worker per endpoint, so a slow or dead
  receiver holds up only itself. It wakes when a commit queued a delivery or a worker finished
  (:data:`ALARM`), or when the first retry falls due. Each POST goes through the checked network layer of
  ``calendars/fetch.py`` (no internal addresses, also after DNS), 10 s at most, no redirects
  followed; only a short excerpt of the answer is kept.
- **Retried** about 10 s, 1 min, 5 min, 30 min and 2 h after a failure, then every 6 h, until 24
  hours have passed; an endpoint whose deliveries all failed for 24 hours is turned off, with the
  reason shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

import httpx
from sqlalchemy import bindparam, delete, exists, func, or_, update
from sqlmodel import Session, col, select

from ..alarms import Alarm, first_due_query
from ..calendars import fetch as web
from ..calendars.secrets import decrypt, encrypt
from ..config import settings
from ..db import begin_write, insert_rows, is_sqlite, session_scope
from ..domain.errors import ValidationFailed
from ..models import Booking, Client, Trainer, WebhookDelivery, WebhookEndpoint, new_id, utcnow
from .booking_json import booking_json, iso
from .trainers import managed_row, managed_trainer

log = logging.getLogger(__name__)

EVENT_TYPES = (
    "booking.created",
    "booking.confirmed",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.completed",
    "booking.no_show",
)
MAX_ENDPOINTS = 10  # per trainer
TIMEOUT_SECONDS = 10.0
# Rung by every commit that queued a delivery, and by a worker that finished its batch.
ALARM = Alarm("webhooks")
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
RETRY_LATER = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(seconds=60)  # longer than a batch of sends can take (each is cut at 10 s)
PER_ENDPOINT_BATCH = 5
PARALLEL_ENDPOINTS = 8
EXCERPT = 200  # characters of an answer kept for the deliveries log
USER_AGENT = "TrainerDesk-Webhooks/1"


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def check_webhook_url(value: Any) -> str:
    """A URL a trainer typed, for our server to POST to: http(s) only, and (unless private networks
    are allowed, as in tests) a host whose every address is public. Checked again at each send."""
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise ValidationFailed("Enter the address to send events to (https://...).", {"field": "url"})
    text = value.strip()
    if not text.lower().startswith(("http://", "https://")):
        raise ValidationFailed("Only web addresses (http:// or https://) can receive webhooks.", {"field": "url"})
    try:
        parsed = web.check_url(text)
    except web.RefusedUrl as exc:
        raise ValidationFailed(str(exc), {"field": "url"}) from exc
    allow = settings().calendar_allow_private_networks
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # The system resolver has no timeout of its own: wait for it 5 s at most (it finishes in its thread).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-dns")
    try:
        infos = pool.submit(socket.getaddrinfo, parsed.host, port).result(timeout=5)
    except (socket.gaierror, UnicodeError, FutureTimeout) as exc:
        raise ValidationFailed("This server name could not be found. Check the address.", {"field": "url"}) from exc
    finally:
        pool.shutdown(wait=False)
    if not all(web.address_allowed(info[4][0], allow_private_networks=allow) for info in infos):
        raise ValidationFailed(
            "This address points inside a private network; webhooks go to public addresses only.", {"field": "url"}
        )
    return text


def check_events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise ValidationFailed(f"Choose the events to send, from: {', '.join(EVENT_TYPES)}.", {"field": "events"})
    unknown = [e for e in value if e not in EVENT_TYPES]
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]!r} is not an event; choose from: {', '.join(EVENT_TYPES)}.", {"field": "events"}
        )
    return [e for e in EVENT_TYPES if e in value]  # in their usual order, each once


def create_endpoint(session: Session, *, actor: Trainer, trainer_id: str, url: Any, events: Any) -> NewEndpoint:
    events = check_events(events)
    url = check_webhook_url(url)
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    count = session.exec(
        select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.trainer_id == trainer.id)
    ).one()
    if count >= MAX_ENDPOINTS:
        raise ValidationFailed(f"A trainer can have at most {MAX_ENDPOINTS} webhooks.", {"field": "url"})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(trainer_id=trainer.id, url=url, events=events, secret=encrypt(secret))
    session.add(endpoint)
    session.commit()
    return NewEndpoint(endpoint, secret)


def list_endpoints(session: Session, *, actor: Trainer, trainer_id: str) -> list[WebhookEndpoint]:
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    return list(
        session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.trainer_id == trainer.id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        ).all()
    )


def _owned(session: Session, actor: Trainer, trainer_id: str, endpoint_id: Any) -> WebhookEndpoint:
    return managed_row(
        session, WebhookEndpoint, endpoint_id, actor=actor, trainer_id=trainer_id, missing="There is no such webhook."
    )


def delete_endpoint(session: Session, *, actor: Trainer, trainer_id: str, endpoint_id: str) -> None:
    """Remove the endpoint and its log; nothing more is sent to it."""
    begin_write(session)
    row = _owned(session, actor, trainer_id, endpoint_id)
    session.exec(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
    session.delete(row)
    session.commit()


def ping(session: Session, *, actor: Trainer, trainer_id: str, endpoint_id: str, now: Optional[datetime] = None) -> str:
    """Queue a ``ping`` event for the endpoint (sent like any other); returns its event id. A webhook
    that was turned off is turned on again: pinging it is how a trainer says it is fixed."""
    now = now or utcnow()
    begin_write(session)
    row = _owned(session, actor, trainer_id, endpoint_id)
    row.active, row.disabled_reason, row.failing_since = True, "", None
    session.add(row)
    event_id = _queue(session, [row], "ping", {"endpointId": row.id}, now=now)
    session.commit()
    return event_id


def list_deliveries(
    session: Session, *, actor: Trainer, trainer_id: str, endpoint_id: str, limit: int = 100
) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first."""
    row = _owned(session, actor, trainer_id, endpoint_id)
    return list(
        session.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == row.id)
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
            .limit(limit)
        ).all()
    )


# ---------------------------------------------------------------- queueing (inside the change's transaction)


# Built once (with a bind parameter): every booking change runs it, mostly to find nothing.
_ACTIVE_ENDPOINTS = select(WebhookEndpoint).where(
    WebhookEndpoint.trainer_id == bindparam("trainer_id"), WebhookEndpoint.active
)
# Whether a trainer has any active endpoint, as a column of a statement that reads the trainer row (a
# booking change's lock): with none, :func:`queue_booking_event` need not look.
HAS_ACTIVE_ENDPOINT = (
    exists()
    .where(WebhookEndpoint.trainer_id == Trainer.id, WebhookEndpoint.active)
    .correlate(Trainer)
    .label("has_webhooks")
)


def queue_booking_event(
    session: Session, booking: Booking, trainer: Trainer, client: Client, event: str, *, now: datetime
) -> None:
    """Tell the trainer's endpoints that want it about ``event`` (created, confirmed, ...)."""
    kind = f"booking.{event}"
    if kind not in EVENT_TYPES:
        return
    endpoints = [
        e for e in session.exec(_ACTIVE_ENDPOINTS, params={"trainer_id": trainer.id}).all() if kind in e.events
    ]
    if endpoints:
        _queue(session, endpoints, kind, {"booking": booking_json(booking, trainer, client)}, now=now)


def _queue(session: Session, endpoints: list[WebhookEndpoint], kind: str, data: dict, *, now: datetime) -> str:
    event_id = "evt_" + new_id()
    ALARM.ring_on_commit(session)
    body = json.dumps(
        {"id": event_id, "type": kind, "createdAt": iso(now), "data": data}, separators=(",", ":"), ensure_ascii=False
    )
    insert_rows(
        session,
        WebhookDelivery,
        [
            {
                "endpoint_id": endpoint.id,
                "event_id": event_id,
                "type": kind,
                "body": body,
                "next_attempt_at": now,
                "created_at": now,
            }
            for endpoint in endpoints
        ],
    )
    return event_id


# ---------------------------------------------------------------- sending (outside any transaction)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``TrainerDesk-Signature`` header of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class _Send:
    delivery_id: int
    endpoint_id: str
    event_id: str
    url: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class _Answer:
    status_code: Optional[int]
    error: str  # "" when delivered


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> Optional[datetime]:
    """When to try again after ``attempts`` failed tries, or None: 24 hours have passed."""
    give_up = created_at + GIVE_UP_AFTER
    if now >= give_up:
        return None
    wait = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else RETRY_LATER
    return min(now + wait, give_up)  # the last try is at the 24-hour mark


def _claim(session: Session, now: datetime, *, endpoints: int) -> list[list[_Send]]:
    """Lease due deliveries, a few per endpoint, for at most ``endpoints`` endpoints that have none
    in flight (in any process); grouped by endpoint, oldest first."""
    begin_write(session)
    in_flight = set(
        session.exec(
            select(WebhookDelivery.endpoint_id).where(
                WebhookDelivery.status == "pending", WebhookDelivery.leased_until > now
            )
        ).all()
    )
    query = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(col(WebhookDelivery.leased_until).is_(None), WebhookDelivery.leased_until <= now),
            WebhookEndpoint.active,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(PARALLEL_ENDPOINTS * PER_ENDPOINT_BATCH * 4)
    )
    if not is_sqlite(session):
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    groups: dict[str, list[_Send]] = {}
    secrets_of: dict[str, str] = {}
    for delivery, endpoint in session.exec(query).all():
        if endpoint.id in in_flight or (endpoint.id not in groups and len(groups) >= endpoints):
            continue
        group = groups.setdefault(endpoint.id, [])
        if len(group) >= PER_ENDPOINT_BATCH:
            continue
        if endpoint.id not in secrets_of:
            secrets_of[endpoint.id] = decrypt(endpoint.secret)
        delivery.leased_until = now + LEASE
        session.add(delivery)
        group.append(
            _Send(
                delivery.id,
                endpoint.id,
                delivery.event_id,
                endpoint.url,
                secrets_of[endpoint.id],
                delivery.body.encode(),
            )
        )
    session.commit()
    return list(groups.values())


def _post(send: _Send, *, now: datetime) -> _Answer:
    """One POST through the checked network layer; the answer's status and a short excerpt."""
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "TrainerDesk-Event-Id": send.event_id,
        "TrainerDesk-Signature": signature(send.secret, timestamp, send.body),
    }
    client, deadline = web.safe_client(
        timeout=TIMEOUT_SECONDS, allow_private_networks=settings().calendar_allow_private_networks
    )
    try:
        with client, client.stream("POST", send.url, content=send.body, headers=headers) as response:
            excerpt = b""
            for chunk in response.iter_bytes():  # only the start of the answer is ever kept
                excerpt += chunk
                deadline.remaining()
                if len(excerpt) >= EXCERPT:
                    break
            if 200 <= response.status_code < 300:
                return _Answer(response.status_code, "")
            text = excerpt.decode("utf-8", "replace")[:EXCERPT].strip()
            return _Answer(response.status_code, f"Answered {response.status_code}" + (f": {text}" if text else ""))
    except (web.TimedOut, httpx.TimeoutException):
        return _Answer(None, f"No answer within {TIMEOUT_SECONDS:.0f} seconds.")
    except web.RefusedUrl:
        return _Answer(None, "Refused: the address points inside a private network.")
    except (web.FetchError, httpx.HTTPError):
        return _Answer(None, "The address could not be reached.")


def _finish(send: _Send, answer: _Answer, *, now: datetime) -> None:
    with session_scope() as session:
        begin_write(session)
        delivery = session.get(WebhookDelivery, send.delivery_id)
        if delivery is None:  # the endpoint was removed meanwhile
            session.commit()
            return
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        delivery.attempts += 1
        delivery.leased_until = None
        delivery.last_status_code = answer.status_code
        delivery.last_error = answer.error[:500]
        if not answer.error:
            delivery.status, delivery.delivered_at = "delivered", now
            endpoint.failing_since = None
        else:
            retry = next_attempt(delivery.created_at, delivery.attempts, now)
            if retry is None:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = retry
            endpoint.failing_since = endpoint.failing_since or now
            if now - endpoint.failing_since >= GIVE_UP_AFTER and endpoint.active:
                _turn_off(session, endpoint, answer.error, now=now)
        session.add(delivery)
        session.add(endpoint)
        session.commit()


def _turn_off(session: Session, endpoint: WebhookEndpoint, error: str, *, now: datetime) -> None:
    endpoint.active = False
    endpoint.disabled_reason = (
        f"Turned off on {now:%Y-%m-%d %H:%M} UTC: every delivery failed for 24 hours. Last error: {error}"
    )[:500]
    session.exec(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error="Not sent: the webhook was turned off.")
        .execution_options(synchronize_session=False)
    )


def _send_batch(batch: list[_Send], now: Optional[datetime]) -> int:
    """One endpoint's batch, in order; after a failure the rest wait for the next round (released)."""
    delivered = 0
    for position, send in enumerate(batch):
        at = now or utcnow()
        answer = _post(send, now=at)
        _finish(send, answer, now=at)
        if answer.error:
            _release(batch[position + 1 :])
            break
        delivered += 1
    return delivered


def _release(sends: list[_Send]) -> None:
    if not sends:
        return
    with session_scope() as session:
        begin_write(session)
        session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_([s.delivery_id for s in sends]))
            .values(leased_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


class _Sender:
    """Worker threads, one endpoint each at a time: a round hands out only as many endpoints as
    there are free workers and never waits for a slow one, so a dead receiver (10 s per try) holds
    up nobody else."""

    def __init__(self, workers: int = PARALLEL_ENDPOINTS) -> None:
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhooks")
        self.busy: set[str] = set()
        self.lock = threading.Lock()

    def round(self, now: Optional[datetime], *, wait: bool) -> int:
        with self.lock:
            free = self.workers - len(self.busy)
        if free <= 0:
            return 0
        with session_scope() as session:
            batches = _claim(session, now or utcnow(), endpoints=free)
        futures = []
        for batch in batches:
            endpoint_id = batch[0].endpoint_id
            with self.lock:
                self.busy.add(endpoint_id)
            future = self.pool.submit(_send_batch, batch, now)
            future.add_done_callback(lambda _, e=endpoint_id: self._done(e))
            futures.append(future)
        return sum(f.result() for f in futures) if wait else 0

    def _done(self, endpoint_id: str) -> None:
        with self.lock:
            self.busy.discard(endpoint_id)
        ALARM.ring()  # a worker is free, and the endpoint's next batch may be waiting


_sender = _Sender()


def deliver_due(*, now: Optional[datetime] = None) -> int:
    """Send every due delivery once and wait for the answers; returns how many were delivered."""
    return _sender.round(now, wait=True)


_NEXT_DUE = first_due_query(
    WebhookDelivery.next_attempt_at,
    WebhookDelivery.status == "pending",
    col(WebhookDelivery.endpoint_id).in_(select(WebhookEndpoint.id).where(WebhookEndpoint.active)),
    leased_until=WebhookDelivery.leased_until,
)


def _hand_out() -> int:
    _sender.round(None, wait=False)  # the workers send in the background and ring when done
    return 0


def _round() -> tuple[int, Optional[datetime]]:
    """One wake-up of the sender: hands out due deliveries if any; (0, when the next is due)."""
    return ALARM.round(_NEXT_DUE, lambda: _hand_out())


async def run_webhook_sender(interval: float = 1.0) -> None:
    """Lifespan task of the app: hand out due deliveries when :data:`ALARM` rings or the first is due
    (at most ``alarms.MAX_SLEEP`` apart, at least ``interval`` s unless rung)."""
    await ALARM.run(_NEXT_DUE, lambda: _hand_out(), interval=interval)
