"""Public slot reads and bookings, answered in front of the whole ASGI stack (docs/performance.md, "The
request path").

A slot query used to cost about 2 ms of server CPU beyond its computation: two Starlette middleware
stacks (Reflex's and FastAPI's), routing through some sixty routes, dependency solving, three hops to
the thread pool, an ORM query for the trainer and preferences, and JSON encoding.

Two ways past it, both for a plain ``GET`` of the slots or month-dates path without a body and without
an ``Origin`` header (CORS stays with :class:`trainerdesk.http.CorsPolicy`):

- **Computed** (:func:`_computed_answer`): the endpoint's own answer function
  (``api.availability.slots_answer`` / ``dates_answer``) runs in one thread-pool hop with a session of
  its own. Only a 200 is sent from here; an error, a repeated parameter or anything unexpected goes
  down the full stack, which answers it as it always has.
- **Replayed** (:func:`_warm_answer`): every 200 for one trainer (no team) is kept with
  :func:`remember` under its exact path and query string, with the trainer's ``schedule_version`` it
  was computed from and the instant until which passing time cannot change it
  (``services.availability.Horizon``). The same request is answered again with those bytes only while

  - the trainer's ``schedule_version``, read fresh from the database on every request (one indexed
    single-row SELECT on a connection of this thread), is still the one the answer was computed from
    (every change that can alter slots bumps it in its own transaction, whichever process made it);
  - ``now`` is before the answer's horizon.

A booking (``POST /api/bookings``) is the third way past it (:func:`_booking_answer`): a plain JSON body
(an object the endpoint's ``BookingBody`` reads, no text the databases cannot store, no query string, no
``Origin``) is booked by the endpoint's own function (``api.bookings.created_booking``) in one thread-pool
hop, after the same rate-limit count, and the service's refusals are answered by the API's own
``errors.domain_error_response``. A body that is not such an object goes down the full stack with its bytes
replayed, and is counted there, once: FastAPI's validation gives its own 422 or 400.

All send exactly the bytes and headers the full stack sends (the security headers of
:func:`trainerdesk.http.response_security_headers` are added by ``headers``); anything else, including
any error while checking, goes down the full stack unchanged.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional
from urllib.parse import parse_qsl

import anyio

from ..domain.errors import DomainError
from ..lru import LruCache
from ..models import utcnow

SLOTS_PATH = "/api/bookings/availability"
DATES_PATH = "/api/bookings/availability/dates"
PATHS = frozenset((SLOTS_PATH, DATES_PATH))
JSON_HEADERS = ((b"content-type", b"application/json"),)
BOOKINGS_PATH = "/api/bookings"
# A request header that can change what the full stack answers, or that the fast path does not read.
_FALL_THROUGH_HEADERS = frozenset((b"origin", b"content-length", b"transfer-encoding", b"expect"))
# A booking's body is a few hundred bytes: a larger one goes the full way (and meets its body limit there).
BOOKING_BODY_LIMIT = 16 * 1024


@dataclass(frozen=True)
class Answer:
    trainer_id: str
    version: int
    valid_until: Optional[datetime]  # None: only a schedule change alters it
    body: bytes


# Keyed by (database URL, path, query string).
answers: LruCache[tuple, Answer] = LruCache(4096)


def _database_url() -> str:
    from ..config import database_url

    return database_url()


def remember(scope: dict, *, trainer_id: str, version: int, valid_until: Optional[datetime], body: bytes) -> None:
    """Keep a 200 answer of ``scope``'s request (called by the endpoint that computed it)."""
    if scope.get("method") != "GET" or scope.get("path") not in PATHS:
        return
    key = (_database_url(), scope["path"], scope.get("query_string", b""))
    answers.put(key, Answer(trainer_id, version, valid_until, body))


# ---------------------------------------------------------------- the version, read fresh


class _Versions:
    """``schedule_version`` of one trainer, read on a connection kept by this thread for this database.

    The connection is made by the engine (so SQLite's pragmas apply), detached from its pool, and reads
    in autocommit mode: every read sees the latest commit, and no transaction is left open between requests.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def read(self, trainer_id: str) -> Optional[int]:
        url = _database_url()
        held = getattr(self._local, "held", None)
        if held is None or held[0] != url:
            self.drop()
            held = self._local.held = (url, *self._connect(url))
        _, connection, sql = held
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, (trainer_id,))
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            self.drop()
            raise
        return None if row is None else row[0]

    @staticmethod
    def _connect(url: str) -> tuple[Any, str]:
        from ..db import engine_for

        engine = engine_for(url)
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise LookupError(f"no fast path for {name}")
        pooled = engine.raw_connection()
        connection = pooled.dbapi_connection
        # This thread's own from now on: never handed back to the pool (where another request would get a
        # connection in autocommit mode); closed when dropped or collected.
        pooled.detach()
        if name == "postgresql":
            connection.autocommit = True
            # The read runs on the event loop: a database that stalls must not hold every socket for
            # long. Past this the read fails, and the request goes down the full stack (thread pool).
            connection.execute("SET statement_timeout = 200")
            mark = "%s"
        else:
            mark = "?"
        return connection, f"SELECT schedule_version FROM trainer WHERE id = {mark}"

    def drop(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            try:
                held[1].close()
            except Exception:  # noqa: BLE001 - a broken connection is being thrown away anyway
                pass


versions = _Versions()


# ---------------------------------------------------------------- the ASGI layer


def _plain_get(scope: dict) -> bool:
    """A ``GET`` of a public read without anything the fast path leaves to the full stack (body, CORS)."""
    if scope.get("method") != "GET" or scope.get("path") not in PATHS:
        return False
    return not any(name in _FALL_THROUGH_HEADERS for name, _ in scope.get("headers", ()))


def _warm_answer(scope: dict) -> Optional[bytes]:
    """The bytes to send for this plain GET, or None to compute it."""
    answer = answers.get((_database_url(), scope["path"], scope.get("query_string", b"")))
    if answer is None:
        return None
    if answer.valid_until is not None and not utcnow() < answer.valid_until:
        return None
    if versions.read(answer.trainer_id) != answer.version:
        return None
    return answer.body


def _computed_answer(scope: dict) -> Optional[bytes]:
    """The 200 body of this plain GET computed by the endpoint's own function, or None for the full stack.

    A cold slot query costs about a millisecond in Starlette, FastAPI and their thread-pool hops around a
    computation that is often less (docs/performance.md). This calls the same ``api.availability`` answer
    function as the endpoint, in a session of its own, and keeps the result as the endpoint does. Anything
    but a 200 (a bad parameter, an unknown trainer, a repeated parameter, any error) is left to the full
    stack, which answers it as it always has.
    """
    from ..db import session_scope
    from .availability import PUBLIC_READS, remembered

    answer, names = PUBLIC_READS[scope["path"]]
    params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    given = {name: value for name, value in params if name in names}
    if len(given) != sum(1 for name, _ in params if name in names):
        return None  # a repeated parameter: the full stack decides which one counts
    with session_scope() as session:
        try:
            content, horizon = answer(session, **given)
        except DomainError:
            return None
    return remembered(scope, content, horizon, team=bool(given.get("teamId")))


# ---------------------------------------------------------------- a booking


def _plain_post(scope: dict) -> bool:
    """A ``POST`` of a booking with a JSON body of a stated, small length, and nothing the fast path leaves
    to the full stack (a query string, CORS, a chunked body, an ``Expect``, a header sent twice)."""
    if scope.get("method") != "POST" or scope.get("path") != BOOKINGS_PATH or scope.get("query_string"):
        return False
    seen: dict[bytes, bytes] = {}
    for name, value in scope.get("headers", ()):
        if name in seen or name in (b"origin", b"transfer-encoding", b"expect"):
            return False
        seen[name] = value
    length = seen.get(b"content-length", b"")
    media_type = seen.get(b"content-type", b"").split(b";")[0].strip().lower()
    return media_type == b"application/json" and length.isdigit() and int(length) <= BOOKING_BODY_LIMIT


async def _received(receive) -> tuple[Optional[bytes], list[dict]]:
    """The request's whole body (None when the client left, or sent more than the limit), and the
    messages read, for the full stack to read them again."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > BOOKING_BODY_LIMIT:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replaying(messages: list[dict], receive):
    """``receive`` that hands out ``messages`` again before what follows them."""
    pending = list(messages)

    async def replay():
        return pending.pop(0) if pending else await receive()

    return replay


def _booking_answer(scope: dict, raw: bytes):
    """The response to a plain booking POST (a 201, or the API's refusal), or None for the full stack.

    None when the body is not a JSON object the endpoint reads (FastAPI's validation answers that) or holds
    text the databases cannot store (the API's own 422); the rate limit has not counted it then.
    """
    from fastapi.responses import JSONResponse
    from pydantic import ValidationError

    from ..db import session_scope
    from ..services import throttle
    from .bookings import created_booking
    from .deps import first_unstorable, scope_address
    from .errors import crash_response, domain_error_response
    from .schemas import BookingBody

    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or first_unstorable(data, ""):
            return None
        body = BookingBody.model_validate(data)
    except (ValueError, RecursionError, ValidationError):
        return None
    try:
        throttle.check_write(scope_address(scope))
        with session_scope() as session:
            return JSONResponse(created_booking(session, body), status_code=201)
    except DomainError as exc:
        return domain_error_response(exc)
    except Exception as exc:  # noqa: BLE001 - answered as the full stack answers a bug (and logged)
        return crash_response(exc)


# ---------------------------------------------------------------- in front of the app


# How many computed answers, and how many bookings, run in the thread pool at once, per event loop. They
# are Python work under one GIL: more threads than this only wait for it, and handing it back and forth
# costs CPU (docs/performance.md, round five); a request beyond it waits on the event loop, for nothing.
# Two pools, so that bookings waiting for the database's writer never hold up slot answers.
COMPUTE_THREADS = int(os.environ.get("FAST_PATH_THREADS", "4"))
_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _limiter(kind: str) -> anyio.CapacityLimiter:
    """This event loop's limiter for ``kind`` ("answers", "bookings"); each test client runs its own loop."""
    per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    limiter = per_loop.get(kind)
    if limiter is None:
        limiter = per_loop[kind] = anyio.CapacityLimiter(COMPUTE_THREADS)
    return limiter


def in_front(app, *, headers: Callable[[dict], list[tuple[bytes, bytes]]] = lambda scope: []):
    """``app`` with public slot reads and bookings answered before it is called; ``headers(scope)``: what the
    skipped layers add.

    A warm answer is sent from the event loop (one indexed read); a cold one, and a booking, is computed in the
    thread pool (one hop, where the full stack takes three).
    """

    async def fast(scope, receive, send):
        if scope["type"] == "http" and _plain_post(scope):
            raw, messages = await _received(receive)
            try:  # (past its parsing, _booking_answer answers every outcome itself: nothing is booked twice)
                response = (
                    None
                    if raw is None
                    else await anyio.to_thread.run_sync(_booking_answer, scope, raw, limiter=_limiter("bookings"))
                )
            except Exception:  # noqa: BLE001 - the full stack answers (and reports) whatever went wrong
                response = None
            if response is None:
                await app(scope, _replaying(messages, receive), send)
                return
            response.raw_headers.extend(headers(scope))
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and _plain_get(scope):
            try:
                body = _warm_answer(scope)
                if body is None:
                    body = await anyio.to_thread.run_sync(_computed_answer, scope, limiter=_limiter("answers"))
            except Exception:  # noqa: BLE001 - the full stack answers (and reports) whatever went wrong
                body = None
            if body is not None:
                response_headers = [(b"content-length", str(len(body)).encode()), *JSON_HEADERS, *headers(scope)]
                await send({"type": "http.response.start", "status": 200, "headers": response_headers})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    fast.__wrapped__ = app
    return fast


def enabled() -> bool:
    """``FAST_READS=0`` turns the fast path off (to compare, or to rule it out)."""
    return os.environ.get("FAST_READS", "1") != "0"
