"""Live updates by push: committed schedule changes are announced, and only the open pages that watch
the changed trainers refresh.

- **Announce.** ``services.trainers.bump_schedule_version`` records the trainer id on the SQLAlchemy
  session (``session.info``); the session's ``after_commit`` event announces the collected ids once
  per transaction, and ``after_rollback`` drops them. Every writer (API, pages, lifespan tasks, other
  instances) goes through that one function, so every writer is covered here.
- **Transport.** One process with SQLite: in process. ``REFLEX_REDIS_URL`` set: Redis pub/sub (every
  worker and instance subscribes). PostgreSQL without Redis: ``NOTIFY`` issued inside the committing
  transaction (PostgreSQL delivers it only on commit) and ``LISTEN`` in every process.
- **Registry.** Each backend process keeps, in memory, client token → (page state class, trainer
  ids the server itself derived: the booking page's trainer/team, the dashboard's login session's
  trainers). An announcement carries only trainer ids. A page's events (its on_load, its safety
  poll) are handled by the process that holds its websocket, so the registry lives there; an entry
  not refreshed for :data:`EXPIRE_SECONDS` (a closed tab) is dropped.
- **Push.** :func:`run_live` (a lifespan task) takes announcements and runs the page's own refresh
  (``_live_push``) inside ``app.modify_state``; Reflex sends the delta (and any toasts) to the tab.
  Within one push round, pages that ask for the same read (the same trainer, month, zone, length,
  date...) share one computation (:func:`shared`): a booking seen by 1,000 open pages of one trainer
  costs a handful of slot computations, not 1,000.
- **Safety poll, on the server.** Every :data:`SAFETY_POLL_MS` the push task reads the schedule
  versions of every watched trainer in one query and pushes to the pages whose registered version
  (what they last showed) is behind: a missed announcement (a Redis outage, another instance's
  lost NOTIFY) is caught up within a minute without any event from the idle pages. The booking
  pages' own poll (:data:`CLIENT_POLL_MS`) is only a keep-alive of their Reflex state (which expires
  after an hour without events) and of their registration.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "trainerdesk_schedule"
INFO_KEY = "trainerdesk_bumped"
# The safety poll (ms): the server's sweep of the watched versions, and the dashboard pages' own poll.
SAFETY_POLL_MS = 60_000
# The booking pages' own poll (ms): a keep-alive well inside Reflex's state expiry (1 h); catching up
# is the server's sweep's job, so an idle page costs the server one small event per 20 minutes.
CLIENT_POLL_MS = 20 * 60_000
# How long an entry outlives its last registration when its tab no longer holds a socket here (the
# sweep keeps the entries of connected tabs alive).
EXPIRE_SECONDS = 180.0
# Pages refreshed at once per announcement: each refresh is a few ms of database reads.
PUSH_CONCURRENCY = 8


# ------------------------------------------------------------------ announcing


def record_bump(session: Session, trainer_id: str) -> None:
    """Called inside the transaction that bumps ``trainer_id``'s schedule version."""
    session.info.setdefault(INFO_KEY, set()).add(trainer_id)


# Callbacks run with each committed announcement in the committing process (tests listen here).
commit_listeners: list[Callable[[frozenset[str]], None]] = []


def _is_postgres(session: Session) -> bool:
    try:
        return session.get_bind().dialect.name == "postgresql"
    except Exception:  # noqa: BLE001 - an unbound session has nothing to announce
        return False


@event.listens_for(Session, "before_commit")
def _notify_in_transaction(session: Session) -> None:
    # PostgreSQL without Redis: NOTIFY inside the transaction is delivered only if it commits, to
    # every process LISTENing, whichever process wrote.
    ids = session.info.get(INFO_KEY)
    if ids and _transport(session) == "postgres":
        session.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": json.dumps(sorted(ids))})


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    ids = session.info.pop(INFO_KEY, None)
    if not ids:
        return
    ids = frozenset(ids)
    for listener in list(commit_listeners):
        listener(ids)
    name = _transport(session)
    if name == "redis":
        _redis_publish(ids)
    elif name == "local":
        deliver(ids)
    # postgres: sent by the NOTIFY that just committed; this process hears it on its LISTEN too.


@event.listens_for(Session, "after_rollback")
def _discard_rolled_back(session: Session) -> None:
    session.info.pop(INFO_KEY, None)


def _redis_url() -> str:
    return os.environ.get("REFLEX_REDIS_URL", "").strip()


def _transport(session: Session) -> str:
    """How the committing session's announcement travels (the same rule as :func:`transport_name`)."""
    return "redis" if _redis_url() else ("postgres" if _is_postgres(session) else "local")


def transport_name() -> str:
    """redis when REFLEX_REDIS_URL is set, postgres for a PostgreSQL database without it, else local."""
    if _redis_url():
        return "redis"
    from .config import settings

    return "postgres" if settings().database_url.startswith("postgresql") else "local"


_redis_client = None
_redis_lock = threading.Lock()


def _redis_publish(ids: frozenset[str]) -> None:
    global _redis_client
    try:
        with _redis_lock:
            if _redis_client is None:
                import redis

                _redis_client = redis.Redis.from_url(_redis_url(), socket_timeout=2, socket_connect_timeout=2)
        _redis_client.publish(CHANNEL, json.dumps(sorted(ids)))
    except Exception:  # noqa: BLE001 - the write is committed; the pages' safety poll catches up
        log.exception("could not announce a schedule change on Redis")


# ------------------------------------------------------------------ receiving (per process)

_loop: asyncio.AbstractEventLoop | None = None
_queue: asyncio.Queue | None = None


def deliver(ids: Iterable[str] | None) -> None:
    """Hand an announcement (None = "catch up every page") to this process's push task, from any thread."""
    loop, queue = _loop, _queue
    if loop is None or queue is None or loop.is_closed():
        return
    item = None if ids is None else frozenset(ids)
    try:
        loop.call_soon_threadsafe(queue.put_nowait, item)
    except RuntimeError:  # the loop is shutting down
        pass


@dataclass
class Watch:
    state_cls: type
    trainer_ids: frozenset[str]
    expires: float
    # The schedule version the page last showed (None: the page keeps its own poll, e.g. dashboards).
    version: int | None = None


class Registry:
    """client token → what its open page watches (one page per tab: the latest registration wins)."""

    def __init__(self) -> None:
        self._by_token: dict[str, Watch] = {}
        self._lock = threading.Lock()  # handlers may run in threads

    def register(self, token: str, state_cls: type, trainer_ids: Iterable[str], version: int | None = None) -> None:
        ids = frozenset(t for t in trainer_ids if t)
        if not token:
            return
        with self._lock:
            if ids:
                self._by_token[token] = Watch(state_cls, ids, time.monotonic() + EXPIRE_SECONDS, version)
            else:
                self._by_token.pop(token, None)

    def touch(self, tokens: Iterable[str], now: float | None = None) -> None:
        """These tabs still hold a socket here: their entries do not expire."""
        until = (time.monotonic() if now is None else now) + EXPIRE_SECONDS
        with self._lock:
            for token in tokens:
                if (watch := self._by_token.get(token)) is not None:
                    watch.expires = until

    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._by_token)

    def stale(self, versions: dict[str, int]) -> list[tuple[str, type]]:
        """The pages whose shown version is behind ``versions`` (trainer id -> schedule version),
        computed as ``availability.schedule_version`` does (the sum; -1 when none is found)."""
        with self._lock:
            watches = list(self._by_token.items())
        out = []
        for token, w in watches:
            if w.version is None:
                continue
            found = [versions[t] for t in w.trainer_ids if t in versions]
            if (sum(found) if found else -1) != w.version:
                out.append((token, w.state_cls))
        return out

    def watched_trainers(self) -> set[str]:
        with self._lock:
            return {t for w in self._by_token.values() if w.version is not None for t in w.trainer_ids}

    def drop(self, token: str) -> None:
        with self._lock:
            self._by_token.pop(token, None)

    def expire(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            gone = [t for t, w in self._by_token.items() if w.expires < now]
            for t in gone:
                del self._by_token[t]
        return len(gone)

    def affected(self, ids: frozenset[str] | None) -> list[tuple[str, type]]:
        with self._lock:
            return [(t, w.state_cls) for t, w in self._by_token.items() if ids is None or w.trainer_ids & ids]

    def __len__(self) -> int:
        return len(self._by_token)


registry = Registry()


def register(state, trainer_ids: Iterable[str], state_cls: type | None = None, version: int | None = None) -> None:
    """Called from a page's load and refreshes: this tab watches these (server-derived) trainers, and
    shows their schedule as of ``version`` (given: the server's sweep catches it up when it is behind)."""
    registry.register(state.router.session.client_token, state_cls or type(state), trainer_ids, version)


# ------------------------------------------------------------------ one push round's shared reads

_round: contextvars.ContextVar[dict | None] = contextvars.ContextVar("trainerdesk_live_round", default=None)


def shared(key: tuple, compute: Callable[[], object]):
    """``compute()``, shared by every page of the current push round that asks with the same ``key``
    (which must name everything the answer depends on). Outside a round (a page's own event) it is
    simply computed. A round starts after the change it serves was committed, so its reads see it; a
    change committed during the round is announced again and served by the next round."""
    memo = _round.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def drop(state) -> None:
    registry.drop(state.router.session.client_token)


async def _push_one(app, token: str, state_cls: type) -> None:
    from reflex.istate.manager.token import BaseStateToken
    from reflex.state import StateUpdate
    from reflex_base.event import Event

    manager = app.event_namespace._token_manager
    if token not in manager.token_to_socket:  # the tab is gone (or moved to another process)
        registry.drop(token)
        return
    # What app.modify_state(token) does, with the page's returned events (its toasts) sent in the
    # same update as the delta, as the tick's answer would have carried them.
    with app.set_contexts():
        async with app.state_manager.modify_state_with_links(BaseStateToken(ident=token, cls=state_cls)) as root:
            page = root.get_substate(state_cls.get_full_name().split("."))
            events = page._live_push()
            delta = await root._get_resolved_delta()
            root._clean()
    events = [] if events is None else (events if isinstance(events, list) else [events])
    log.debug("live push to %s: %s, %d events", token, sorted(delta), len(events))
    if delta or events:
        update = StateUpdate(delta=delta, events=Event.from_event_type(events))
        await app.event_namespace.emit_update(update=update, token=token)


async def _push(app, ids: frozenset[str] | None, targets: list[tuple[str, type]] | None = None) -> None:
    targets = registry.affected(ids) if targets is None else targets
    if not targets:
        return
    _round.set({})  # this task's context: every page pushed below shares the round's reads
    pages = iter(targets)

    async def worker() -> None:
        # A few workers take the pages in turn (no task per page: thousands of waiting tasks were
        # young objects that kept the cycle collector busy for the whole round).
        for token, cls in pages:
            try:
                await _push_one(app, token, cls)
            except Exception:  # noqa: BLE001 - one page's failure never stops the others
                log.exception("live push to a page failed")

    await asyncio.gather(*(worker() for _ in range(min(PUSH_CONCURRENCY, len(targets)))))


async def _listen_redis() -> None:
    import redis.asyncio as aredis

    backoff = 1.0
    while True:
        client = aredis.Redis.from_url(_redis_url())
        try:
            pubsub = client.pubsub()
            await pubsub.subscribe(CHANNEL)
            deliver(None)  # (re)subscribed: what was missed meanwhile is caught up from the versions
            backoff = 1.0
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    deliver(json.loads(message["data"]))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - Redis restarts: subscribe again
            log.warning("live: Redis subscription lost, retrying in %.0f s", backoff)
        finally:
            try:
                await client.aclose()
            except Exception:  # noqa: BLE001
                pass
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 30.0)


async def _listen_postgres() -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from .config import settings

    url = make_url(settings().database_url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    backoff = 1.0
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                deliver(None)
                backoff = 1.0
                async for note in conn.notifies():
                    deliver(json.loads(note.payload))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database restarts: listen again
            log.warning("live: PostgreSQL LISTEN lost, retrying in %.0f s", backoff)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 30.0)


def _read_versions(trainer_ids: set[str]) -> dict[str, int]:
    from sqlmodel import col, select

    from .db import session_scope
    from .models import Trainer

    out: dict[str, int] = {}
    ids = sorted(trainer_ids)
    with session_scope() as session:
        for i in range(0, len(ids), 500):
            rows = session.exec(
                select(Trainer.id, Trainer.schedule_version).where(col(Trainer.id).in_(ids[i : i + 500]))
            ).all()
            out.update({t: v for t, v in rows})
    return out


async def _sweep(app) -> None:
    """The safety poll: keep connected tabs registered, drop gone ones, catch up pages left behind."""
    connected = app.event_namespace._token_manager.token_to_socket
    registry.touch([t for t in registry.tokens() if t in connected])
    registry.expire()
    watched = registry.watched_trainers()
    if not watched:
        return
    versions = await asyncio.to_thread(_read_versions, watched)
    behind = registry.stale(versions)
    if behind:
        log.info("live: safety poll catches up %d page(s)", len(behind))
        await _push(app, None, behind)


async def run_live(app) -> None:
    """Lifespan task of every backend process: listen for announcements, push to the affected pages."""
    global _loop, _queue
    _loop, _queue = asyncio.get_running_loop(), asyncio.Queue()
    listener = {"redis": _listen_redis, "postgres": _listen_postgres}.get(transport_name())
    listen_task = asyncio.create_task(listener()) if listener else None
    every = SAFETY_POLL_MS / 1000
    last_sweep = time.monotonic()
    try:
        while True:
            try:
                first = await asyncio.wait_for(_queue.get(), timeout=max(0.1, last_sweep + every - time.monotonic()))
            except TimeoutError:
                first = "sweep"
            if time.monotonic() - last_sweep >= every:
                last_sweep = time.monotonic()
                try:
                    await asyncio.create_task(_sweep(app))  # a task: its round's shared reads stay its own
                except Exception:  # noqa: BLE001 - the next sweep tries again
                    log.exception("live: safety poll failed")
            if first == "sweep":
                continue
            # Announcements that arrived meanwhile are served by one round (a page refreshes once).
            ids: set[str] | None = None if first is None else set(first)
            while not _queue.empty():
                more = _queue.get_nowait()
                ids = None if (ids is None or more is None) else ids | more
            await asyncio.create_task(_push(app, None if ids is None else frozenset(ids)))
    finally:
        if listen_task:
            listen_task.cancel()
        _loop = _queue = None
