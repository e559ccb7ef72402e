"""Database engine and transactions: one engine per URL, race-safe write transactions.

Why not ``rx.session()``: SQLite needs its connections configured (WAL,
busy timeout, foreign keys) and write transactions that take the write lock at
BEGIN (``BEGIN IMMEDIATE``), otherwise two writers that both read first can
deadlock on the upgrade and one fails with "database is locked". PostgreSQL
write transactions lock the trainer rows they book against instead (see
``services.bookings``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from .config import database_url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy (not the driver) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # Writers of this process queue on a lock and are woken in turn the moment the previous one
    # ends, instead of polling in SQLite's busy handler, whose growing sleeps (up to 100 ms each)
    # made the slowest bookings wait a second under load. Other processes still meet BEGIN IMMEDIATE.
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if not conn.get_execution_options().get("immediate", False):
            conn.exec_driver_sql("BEGIN")
            return
        held = writers.acquire(timeout=30)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if held:
                writers.release()
            raise
        if held:
            conn.info["writer_lock"] = writers

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        lock = conn.info.pop("writer_lock", None)
        if lock is not None:
            lock.release()


@cache  # one engine (one pool, one writer lock) per database, for the process
def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    return engine_for(database_url())


def is_sqlite(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one unit of work; whatever is not committed is rolled back."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


def begin_write(session: Session) -> None:
    """Start the session's write transaction; services call this before their first read.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``, so writers are
    serialised from their first read: a slot check and the insert it guards
    cannot interleave with another writer. Elsewhere it is a plain BEGIN and
    the service takes row locks.
    """
    if session.in_transaction():
        # A deferred SQLite transaction that has read cannot be upgraded safely;
        # a service must own its transaction from the start.
        session.rollback()
    session.connection(execution_options={"immediate": True})


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (column values; the same keys in each) into ``model``'s table, in the session's
    transaction, as one Core statement.

    For the rows a change writes and never reads back (history lines, outbox rows): no ORM objects and
    no unit of work for them, which cost a booking more than its SQL. The columns' defaults still
    apply. Like any statement of the session, it autoflushes the session's pending ORM changes first.
    """
    if rows:
        session.execute(insert(model.__table__), list(rows))


def _column_values(row: Any) -> dict[str, Any]:
    """A table model object's column values, by column name."""
    return {column.key: getattr(row, column.key) for column in type(row).__table__.columns}


def plain_copy(row: Any) -> Any:
    """A new, transient object with a table model object's column values: in no session, so no session's
    rollback or close can expire it (for a row kept and read by other requests)."""
    return type(row)(**_column_values(row))


def insert_copy(session: Session, row: Any) -> None:
    """INSERT a table model object's column values with :func:`insert_rows`; the object is not attached to the
    session and stays a plain copy of the row (for a row the change creates and only reads back itself)."""
    insert_rows(session, type(row), [_column_values(row)])
