"""Shared fixtures: real databases (a SQLite file, and a fresh PostgreSQL database when one answers).

Service and API tests take the ``db_url`` fixture and so run once per
backend. PostgreSQL is found at ``TEST_DATABASE_URL`` (a server URL whose
database is used to create a throw-away one) or 127.0.0.1:5432; if it does not
answer, the PostgreSQL variants are skipped with the reason. CI sets
``REQUIRE_POSTGRES=1`` so that a skip becomes a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from trainerdesk import models  # noqa: F401
from trainerdesk.db import engine_for, get_engine
from trainerdesk.migrations import upgrade

UTC = timezone.utc
# Stored secrets (feed addresses, calendar passwords) need a key; tests use their own, never data/'s.
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use")
PG_SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_database() -> tuple[str | None, str]:
    """Create a fresh database for this run; returns (url, reason if unavailable)."""
    try:
        import psycopg

        server = make_url(PG_SERVER)
        name = f"trainerdesk_test_{uuid.uuid4().hex[:10]}"
        conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return server.set(database=name).render_as_string(hide_password=False), ""
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return None, f"PostgreSQL not reachable at {make_url(PG_SERVER).render_as_string()}: {exc}"


def _drop_postgres_database(url: str) -> None:
    import psycopg

    target = make_url(url)
    engine_for(url).dispose()
    conninfo = make_url(PG_SERVER).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'trainerdesk.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url():
    url, reason = _postgres_database()
    if url is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    upgrade(url)
    yield url
    _drop_postgres_database(url)


def clean(url: str) -> None:
    """Empty every table (children first) so each test starts from nothing."""
    engine = engine_for(url)
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, monkeypatch) -> str:
    """A migrated, empty database of each kind; DATABASE_URL points at it for the test."""
    url = request.getfixturevalue(f"{request.param}_url")
    clean(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    from trainerdesk.api.fastpath import answers
    from trainerdesk.services import throttle
    from trainerdesk.services.availability import grid_cache

    grid_cache.clear()
    answers.clear()
    throttle.reset()
    return url


@pytest.fixture
def engine(db_url):
    return engine_for(db_url)


def run_coroutine(coro):
    """Run ``coro`` to its end on a fresh event loop in a thread of its own: a browser test's
    (Playwright's) event loop may still be running in this one, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def at(text_: str) -> datetime:
    """An instant from ISO text (offset required), for explicit ``now`` values."""
    parsed = datetime.fromisoformat(text_.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed.astimezone(UTC)


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def sql_statements(*, reads_only: bool = False):
    """The SQL statements the app's engine runs inside the block (transaction control left out)."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().upper()
        if head.startswith(_TRANSACTION_CONTROL) or (reads_only and not head.startswith(("SELECT", "WITH"))):
            return
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def receiver(monkeypatch):
    """A webhook receiver on this machine (private addresses allowed for the test)."""
    from tests.webhook_receiver import WebhookReceiver

    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "1")
    server = WebhookReceiver()
    yield server
    server.stop()
