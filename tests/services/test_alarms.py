"""The background senders sleep until rung or due (``trainerdesk.alarms``): a committed email wakes
the outbox sender at once, a rolled-back one rings nothing, a row due later wakes it by itself, and a
round with nothing due takes no write lock.

The senders run here as the app runs them (their lifespan loops, on a real event loop, against the
real database and SMTP server) with ``MAX_SLEEP`` and their poll interval at an hour, so a message
that arrives at all proves the wake-up: without it the sender would still be asleep."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import run_coroutine
from tests.services.svc_helpers import book, local, make_trainer
from trainerdesk import alarms
from trainerdesk.db import session_scope
from trainerdesk.models import OutboxMessage, utcnow
from trainerdesk.services import calendar_writes, notifications, webhooks

pytestmark = pytest.mark.usefixtures("db_url")
HOUR = 3600.0


def _upcoming_start():
    """A start inside the helpers' booking window, measured from the real clock (the senders read it)."""
    day = (utcnow() + timedelta(days=3)).date()
    return local(day, "10:00")


async def _until(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


def _in_thread(fn) -> None:
    """Run a service call on another thread, as an API request or a page event does."""
    worker = threading.Thread(target=fn)
    worker.start()
    worker.join()


def test_a_committed_email_wakes_the_sleeping_sender(smtp_server, monkeypatch):
    monkeypatch.setattr(alarms, "MAX_SLEEP", HOUR)
    trainer = make_trainer()

    async def scenario() -> bool:
        sender = asyncio.create_task(notifications.run_sender(interval=HOUR))
        await asyncio.sleep(0.5)  # its first round found nothing: it sleeps for an hour
        assert not smtp_server.messages
        _in_thread(lambda: book(trainer, _upcoming_start(), email="woken@example.com", now=utcnow()))
        try:
            return await _until(lambda: len(smtp_server.messages) == 1)
        finally:
            sender.cancel()

    assert run_coroutine(scenario())
    assert smtp_server.messages[0]["To"] == "woken@example.com"


def test_a_row_due_later_wakes_the_sender_when_it_is_due(smtp_server, monkeypatch):
    monkeypatch.setattr(alarms, "MAX_SLEEP", HOUR)
    trainer = make_trainer()
    made = book(trainer, _upcoming_start(), email="later@example.com", now=utcnow())
    due = utcnow() + timedelta(seconds=1.5)
    with session_scope() as s:  # a retry's back-off, as a failed send leaves it
        s.exec(
            update(OutboxMessage)
            .where(OutboxMessage.booking_id == made.booking.id, OutboxMessage.event == "created")
            .values(next_attempt_at=due)
        )
        s.commit()

    async def scenario() -> bool:
        sender = asyncio.create_task(notifications.run_sender(interval=0.0))
        try:
            await asyncio.sleep(0.5)
            assert not smtp_server.messages  # not due yet
            return await _until(lambda: len(smtp_server.messages) == 1)
        finally:
            sender.cancel()

    assert run_coroutine(scenario())
    assert utcnow() >= due


def test_a_rolled_back_transaction_rings_nothing(monkeypatch):
    monkeypatch.setattr(alarms, "MAX_SLEEP", 0.3)
    alarm = alarms.Alarm("test")

    async def rang_after(end) -> bool:
        asleep = asyncio.create_task(alarm.sleep(None))
        await asyncio.sleep(0.05)

        def transaction() -> None:
            with session_scope() as s:
                alarm.ring_on_commit(s)
                end(s)

        _in_thread(transaction)
        return await asleep

    assert run_coroutine(rang_after(lambda s: s.rollback())) is False
    assert run_coroutine(rang_after(lambda s: s.commit())) is True


def test_a_ring_while_the_sender_works_is_not_lost(monkeypatch):
    monkeypatch.setattr(alarms, "MAX_SLEEP", HOUR)
    alarm = alarms.Alarm("test")

    async def scenario() -> bool:
        assert await alarm.sleep(utcnow()) is False  # due already: registers and returns at once
        alarm.ring()  # rung between two sleeps (the sender was busy with a round)
        await asyncio.sleep(0)
        return await asyncio.wait_for(alarm.sleep(None), timeout=5)

    assert run_coroutine(scenario()) is True


def test_an_idle_round_takes_no_write_lock(monkeypatch):
    trainer = make_trainer(reminder_hours=[24])
    start = _upcoming_start()

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("a round with nothing due must not claim (a write transaction)")

    monkeypatch.setattr(notifications, "deliver_pending", must_not_run)
    monkeypatch.setattr(calendar_writes, "write_pending", must_not_run)
    monkeypatch.setattr(webhooks._sender, "round", must_not_run)
    assert notifications._round() == (0, None)
    assert calendar_writes._round() == (0, None)
    assert webhooks._round() == (0, None)
    # The confirmation went out; the reminder 24 h before the session is the next wake-up.
    made = book(trainer, start, now=utcnow())
    with session_scope() as s:
        s.exec(
            update(OutboxMessage)
            .where(OutboxMessage.booking_id == made.booking.id, OutboxMessage.event != "reminder")
            .values(sent_at=utcnow())
        )
        s.commit()
    assert notifications._round() == (0, start - timedelta(hours=24))
