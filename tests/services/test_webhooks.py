"""Webhooks against a real HTTP receiver on this machine: signed bodies (checked as a receiver
would), the same event id on every retry after 500s, the retry schedule and the 24-hour cut-off,
no booking token in any body, a dead receiver delaying nobody else, and refused addresses."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.services.mp_worker import senders_at_once
from tests.services.svc_helpers import MONDAY, NOW, book, local, make_trainer
from tests.webhook_receiver import WebhookReceiver
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import NotFound, ValidationFailed
from trainerdesk.models import WebhookDelivery, WebhookEndpoint
from trainerdesk.services import bookings, webhooks

pytestmark = pytest.mark.usefixtures("db_url")


def register(trainer, url: str, events=("booking.created", "booking.cancelled")) -> webhooks.NewEndpoint:
    with session_scope() as s:
        return webhooks.create_endpoint(s, actor=trainer, trainer_id=trainer.id, url=url, events=list(events))


def verified(secret: str, received) -> dict:
    """What a receiver does: check the signature over "<t>.<raw body>", then read the body."""
    parts = dict(p.split("=", 1) for p in received.headers["TrainerDesk-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    body = json.loads(received.body)
    assert received.headers["TrainerDesk-Event-Id"] == body["id"]
    return body


def deliveries(endpoint_id: str) -> list[WebhookDelivery]:
    with session_scope() as s:
        return list(s.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)).all())


def test_a_booking_event_arrives_signed_with_the_booking_and_no_token(receiver):
    trainer = make_trainer()
    hook = register(trainer, receiver.url())
    assert hook.secret.startswith("whsec_")
    made = book(trainer, local(MONDAY, "10:00"), name="Kenji Test", email="kenji@example.com")
    assert webhooks.deliver_due(now=NOW) == 1
    [received] = receiver.received
    body = verified(hook.secret, received)
    assert body["type"] == "booking.created" and body["id"].startswith("evt_")
    booking = body["data"]["booking"]
    assert booking["id"] == made.booking.id and booking["client"]["name"] == "Kenji Test"
    assert booking["status"] == "PENDING" and booking["startTime"] == local(MONDAY, "10:00").isoformat()
    assert made.token not in received.body.decode() and "token" not in booking
    assert received.headers["Content-Type"] == "application/json"
    # Events it did not ask for are not sent.
    with session_scope() as s:
        bookings.change_status(s, booking_id=made.booking.id, trainer=trainer, status="CONFIRMED", now=NOW)
    assert webhooks.deliver_due(now=NOW) == 0 and len(receiver.received) == 1
    with session_scope() as s:
        bookings.cancel_booking(s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), now=NOW)
    assert webhooks.deliver_due(now=NOW) == 1
    assert verified(hook.secret, receiver.received[-1])["type"] == "booking.cancelled"
    [first, second] = sorted(deliveries(hook.endpoint.id), key=lambda d: d.id)
    assert first.status == second.status == "delivered" and first.last_status_code == 200


def test_failures_are_retried_with_the_same_event_id_on_schedule(receiver):
    receiver.answers = [500, 500, 503]
    trainer = make_trainer()
    hook = register(trainer, receiver.url())
    book(trainer, local(MONDAY, "10:00"))
    at = NOW
    assert webhooks.deliver_due(now=at) == 0
    [row] = deliveries(hook.endpoint.id)
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    assert row.next_attempt_at == at + timedelta(seconds=10)
    assert len(row.last_error) < 250  # an excerpt of the 5,000-byte error page, not all of it
    assert webhooks.deliver_due(now=at + timedelta(seconds=9)) == 0 and len(receiver.received) == 1  # not due
    assert webhooks.deliver_due(now=at + timedelta(seconds=10)) == 0
    assert deliveries(hook.endpoint.id)[0].next_attempt_at == at + timedelta(seconds=10) + timedelta(minutes=1)
    assert webhooks.deliver_due(now=at + timedelta(minutes=2)) == 0
    assert webhooks.deliver_due(now=at + timedelta(minutes=8)) == 1
    ids = {json.loads(r.body)["id"] for r in receiver.received}
    assert len(receiver.received) == 4 and len(ids) == 1  # the same event each time: receivers dedupe on it
    [row] = deliveries(hook.endpoint.id)
    assert row.status == "delivered" and row.attempts == 4 and row.last_error == ""
    with session_scope() as s:
        assert s.get(WebhookEndpoint, hook.endpoint.id).failing_since is None


def test_the_schedule_ends_at_24_hours_and_an_endpoint_failing_that_long_is_turned_off(receiver):
    receiver.answers = [500] * 50
    trainer = make_trainer()
    hook = register(trainer, receiver.url())
    book(trainer, local(MONDAY, "10:00"))
    at, tries = NOW, 0
    while tries < 30:
        webhooks.deliver_due(now=at)
        tries += 1
        [row] = deliveries(hook.endpoint.id)
        if row.status != "pending":
            break
        at = row.next_attempt_at
    assert row.status == "failed" and at == NOW + timedelta(hours=24)
    # At once; 10 s, 1, 5 and 30 min, 2 h later; then every 6 h (3 more); a last try at 24 hours.
    assert row.attempts == 10, row.attempts
    with session_scope() as s:
        endpoint = s.get(WebhookEndpoint, hook.endpoint.id)
        assert not endpoint.active and "24 hours" in endpoint.disabled_reason
    book(trainer, local(MONDAY, "14:00"))  # nothing is queued for a turned-off endpoint
    assert len(deliveries(hook.endpoint.id)) == 1
    # A ping turns it on again and goes out.
    receiver.answers = []
    with session_scope() as s:
        webhooks.ping(s, actor=trainer, trainer_id=trainer.id, endpoint_id=hook.endpoint.id, now=at)
    assert webhooks.deliver_due(now=at) == 1
    assert verified(hook.secret, receiver.received[-1])["type"] == "ping"


def test_a_dead_receiver_delays_no_other_endpoint(receiver, monkeypatch):
    slow = WebhookReceiver(hold=threading.Event())
    try:
        trainer = make_trainer()
        register(trainer, slow.url(), events=["booking.created"])
        fast = register(trainer, receiver.url(), events=["booking.created"])
        sender = webhooks._Sender(workers=4)
        book(trainer, local(MONDAY, "10:00"))
        sender.round(NOW, wait=False)
        # The fast endpoint got its event while the slow one is still holding its request.
        for _ in range(200):
            if [d.status for d in deliveries(fast.endpoint.id)] == ["delivered"] and slow.received:
                break
            threading.Event().wait(0.05)
        assert [d.status for d in deliveries(fast.endpoint.id)] == ["delivered"]
        assert len(slow.received) == 1 and not slow.hold.is_set()
        # Another round while the slow one is in flight does not send to it a second time.
        book(trainer, local(MONDAY, "12:00"))
        sender.round(NOW, wait=False)
        for _ in range(200):
            if len(receiver.received) == 2:
                break
            threading.Event().wait(0.05)
        assert len(receiver.received) == 2 and len(slow.received) == 1
    finally:
        slow.stop()


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.com/x", "http"),
        ("webcal://example.com/x", "http"),
        ("http://127.0.0.1:9/x", "private network"),
        ("http://10.0.0.8/x", "private network"),
        ("http://169.254.169.254/latest/meta-data", "private network"),
        ("", "Enter the address"),
    ],
)
def test_internal_and_odd_addresses_are_refused(url, message, monkeypatch):
    monkeypatch.delenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", raising=False)
    trainer = make_trainer()
    with pytest.raises(ValidationFailed) as caught:
        register(trainer, url)
    assert message in caught.value.message and caught.value.details == {"field": "url"}


def test_bad_events_are_refused_and_another_trainer_reaches_nothing(receiver):
    trainer, other = make_trainer(), make_trainer()
    for events in ([], ["booking.exploded"], "booking.created", [1]):
        with pytest.raises(ValidationFailed) as caught:
            register(trainer, receiver.url(), events=events)
        assert caught.value.details == {"field": "events"}
    hook = register(trainer, receiver.url())
    with session_scope() as s:
        assert webhooks.list_endpoints(s, actor=other, trainer_id=other.id) == []
        for call in (webhooks.ping, webhooks.delete_endpoint, webhooks.list_deliveries):
            with pytest.raises(NotFound):
                call(s, actor=other, trainer_id=other.id, endpoint_id=hook.endpoint.id)
    # The secret is stored encrypted, never in clear.
    with session_scope() as s:
        assert hook.secret not in s.get(WebhookEndpoint, hook.endpoint.id).secret


def test_two_processes_sending_at_once_deliver_each_event_once(receiver, db_url):
    trainer = make_trainer()
    hooks = [register(trainer, receiver.url(f"/hook{i}"), events=["booking.created"]) for i in range(3)]
    for hour in ("09:00", "11:00"):
        book(trainer, local(MONDAY, hour))
    senders_at_once("webhooks", NOW.isoformat())
    # Each endpoint's batch went to one process; a second round sends what the first left.
    webhooks.deliver_due(now=NOW)
    sent = [(r.path, json.loads(r.body)["id"]) for r in receiver.received]
    assert len(sent) == len(set(sent)) == 6  # 3 endpoints x 2 events, none twice
    assert all(d.status == "delivered" and d.attempts == 1 for h in hooks for d in deliveries(h.endpoint.id))
