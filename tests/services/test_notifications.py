"""The outbox reaches a real SMTP server (aiosmtpd) with the .ics attached; failures are retried."""

from __future__ import annotations

import threading
from datetime import timedelta

from icalendar import Calendar
from sqlmodel import select

from tests.conftest import at
from trainerdesk.db import session_scope
from trainerdesk.domain.slots import WeeklyBlock
from trainerdesk.models import OutboxMessage
from trainerdesk.services import availability, bookings, notifications, trainers


def _booked(now):
    """A trainer (Kim Coach, 09:00-17:00 in Berlin) and a booking of Pat's on 2027-03-01 at 09:00."""
    with session_scope() as session:
        trainer, _ = trainers.signup(
            session, email="coach@example.com", password="long-enough", name="Kim Coach", timezone="Europe/Berlin"
        )
        availability.replace_week(
            session, actor=trainer, trainer_id=trainer.id, blocks=[WeeklyBlock(d, 9 * 60, 17 * 60) for d in range(7)]
        )
        trainers.update_preferences(session, actor=trainer, trainer_id=trainer.id, changes={"min_notice_hours": 0})
        return bookings.create_booking(
            session,
            trainer_id=trainer.id,
            start_time="2027-03-01T09:00:00+01:00",
            duration=60,
            name="Pat",
            email="pat@example.com",
            client_timezone="Asia/Tokyo",
            privacy_accepted=True,
            now=now,
        )


def test_confirmation_email_with_calendar_file(db_url, smtp_server):
    now = at("2027-02-01T00:00:00Z")
    made = _booked(now)
    assert notifications.deliver_pending(now=now) == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "pat@example.com"
    assert "Kim Coach" in message["Subject"]
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert f"/cancel/{made.booking.id}?token=" in body and f"/reschedule/{made.booking.id}?token=" in body
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at("2027-03-01T08:00:00Z")
    assert str(event["uid"]).startswith(f"booking-{made.booking.id}@")
    # Sent once: a second round finds nothing due.
    assert notifications.deliver_pending(now=now + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1


def test_failed_send_is_retried_with_backoff(db_url, monkeypatch):
    now = at("2027-02-01T00:00:00Z")
    _booked(now)

    def broken(_email):
        raise ConnectionRefusedError("SMTP server down")

    assert notifications.deliver_pending(now=now, send=broken) == 0
    with session_scope() as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.event == "created")).one()
        assert row.sent_at is None and row.attempts == 1 and "down" in row.last_error
        assert row.next_attempt_at == now + notifications.backoff(1)
    # Not due yet, then due and delivered.
    sent = []
    assert notifications.deliver_pending(now=now + timedelta(seconds=30), send=sent.append) == 0
    assert notifications.deliver_pending(now=now + timedelta(minutes=1), send=sent.append) == 1
    assert len(sent) == 1


def test_without_smtp_messages_are_logged_and_marked_sent(db_url, monkeypatch, caplog):
    monkeypatch.delenv("SMTP_URL", raising=False)
    now = at("2027-02-01T00:00:00Z")
    _booked(now)
    with caplog.at_level("INFO", logger="trainerdesk.notifications"):
        assert notifications.deliver_pending(now=now) == 1
    assert "pat@example.com" in caplog.text
    with session_scope() as session:
        assert session.exec(select(OutboxMessage).where(OutboxMessage.event == "created")).one().sent_at is not None


def _another(trainer_id: str, start: str, email: str, now):
    with session_scope() as session:
        return bookings.create_booking(
            session,
            trainer_id=trainer_id,
            start_time=start,
            duration=60,
            name="Sam",
            email=email,
            privacy_accepted=True,
            now=now,
        )


def test_emails_are_rendered_after_the_claim_commits(db_url, monkeypatch):
    """Rendering holds no write transaction: a booking made meanwhile is not kept waiting (on SQLite the
    claim's transaction is the one writer lock). A message that cannot be rendered fails alone, as a failed
    send: retried with backoff, while the rest of its batch goes out."""
    now = at("2027-02-01T00:00:00Z")
    first = _booked(now)
    second = _another(first.trainer.id, "2027-03-01T10:00:00+01:00", "sam@example.com", now)
    real, booked_meanwhile = notifications._render, []

    def render(message, *args, **kwargs):
        if not booked_meanwhile:
            writer = threading.Thread(
                target=lambda: booked_meanwhile.append(
                    _another(first.trainer.id, "2027-03-01T11:00:00+01:00", "lee@example.com", now)
                )
            )
            writer.start()
            writer.join(timeout=5)
            booked_meanwhile.append("joined")
            raise RuntimeError("cannot render this one")
        return real(message, *args, **kwargs)

    monkeypatch.setattr(notifications, "_render", render)
    sent = []
    assert notifications.deliver_pending(now=now, send=sent.append) == 1
    assert len(booked_meanwhile) == 2 and booked_meanwhile[1] == "joined"  # the booking was made within 5 s
    assert [m["To"] for m in sent] == ["sam@example.com"]
    with session_scope() as session:
        rows = {
            row.booking_id: row
            for row in session.exec(select(OutboxMessage).where(OutboxMessage.event == "created")).all()
        }
    failed = rows[first.booking.id]
    assert failed.sent_at is None and failed.attempts == 1 and "cannot render" in failed.last_error
    assert failed.next_attempt_at == now + notifications.backoff(1)
    assert rows[second.booking.id].sent_at is not None
    assert rows[booked_meanwhile[0].booking.id].sent_at is None  # queued after the claim: the next round's
