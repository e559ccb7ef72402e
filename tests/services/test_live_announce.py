"""Committed schedule changes are announced once, with exactly the committed trainer ids, on every
transport (in process, Redis pub/sub, PostgreSQL NOTIFY); a rolled-back change announces nothing."""

from __future__ import annotations

import json
import time
import uuid

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.services.svc_helpers import MONDAY, book, local, make_trainer
from trainerdesk import live
from trainerdesk.db import begin_write, session_scope
from trainerdesk.models import Trainer
from trainerdesk.services import trainers


@pytest.fixture
def announced():
    heard: list[frozenset[str]] = []
    live.commit_listeners.append(heard.append)
    yield heard
    live.commit_listeners.remove(heard.append)


def _bump_all(ids: list[str], *, commit: bool) -> None:
    with session_scope() as session:
        begin_write(session)
        for trainer_id in ids:
            trainers.bump_schedule_version(session, session.get(Trainer, trainer_id))
        if commit:
            session.commit()
        else:
            session.rollback()


def test_a_committed_bump_announces_exactly_its_trainers_once(db_url, announced):
    a, b, c = make_trainer(), make_trainer(), make_trainer()
    announced.clear()
    _bump_all([a.id, b.id, a.id], commit=True)
    assert announced == [frozenset({a.id, b.id})]
    assert c.id not in announced[0]


def test_a_rolled_back_bump_announces_nothing(db_url, announced):
    a = make_trainer()
    announced.clear()
    _bump_all([a.id], commit=False)
    # The next transaction of the same kind starts clean: only its own ids are announced.
    b = make_trainer()
    announced.clear()
    _bump_all([b.id], commit=True)
    assert announced == [frozenset({b.id})]


def test_a_booking_announces_its_trainer(db_url, announced):
    trainer = make_trainer()
    announced.clear()
    book(trainer, local(MONDAY, "10:00"))
    assert announced == [frozenset({trainer.id})]


def test_redis_pub_sub_carries_the_committed_ids(db_url, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(live, "_redis_client", None)
    subscriber = redis.Redis.from_url("redis://127.0.0.1:6379/0").pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(live.CHANNEL)
    try:
        a = make_trainer()
        _drain(subscriber)
        _bump_all([a.id], commit=False)
        _bump_all([a.id], commit=True)
        message = subscriber.get_message(timeout=5)
        assert message and json.loads(message["data"]) == [a.id]
        assert subscriber.get_message(timeout=0.5) is None  # the rolled-back one never went out
    finally:
        subscriber.close()


def _drain(subscriber) -> None:
    """Read what setting up the trainer announced (get_message answers None for the subscribe reply too)."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        subscriber.get_message(timeout=0.1)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_notify_is_sent_on_commit_only(db_url, monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {live.CHANNEL}")
        a, b = make_trainer(), make_trainer()
        list(listener.notifies(timeout=0.5))  # whatever setting up the trainers announced
        _bump_all([a.id], commit=False)
        _bump_all([b.id, a.id], commit=True)
        notes = list(listener.notifies(timeout=2, stop_after=2))
    assert [sorted(json.loads(n.payload)) for n in notes] == [sorted([a.id, b.id])]


def test_the_registry_expires_pages_that_stopped_polling():
    registry = live.Registry()
    token = str(uuid.uuid4())
    registry.register(token, Trainer, ["t1", "t2"])
    assert registry.affected(frozenset({"t2"})) == [(token, Trainer)]
    assert registry.affected(frozenset({"t3"})) == []
    assert registry.expire(now=1e12) == 1
    assert registry.affected(None) == []
