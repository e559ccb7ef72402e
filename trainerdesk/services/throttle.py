"""Rate limits of the public write paths and log-in throttling, shared across processes.

What it is for: one place that says "too many" for everything anyone can do
without an API key or a login session, used alike by the JSON API's
dependencies (``api/deps.py``, ``api/accounts.py``) and the Reflex event
handlers (booking page, reschedule/cancel, sign-up and log-in forms).

Counting uses the `limits <https://limits.readthedocs.io>`_ library. Its
storage is Redis when ``REFLEX_REDIS_URL`` is set (the Redis the app shares for
Reflex state), so a limit holds across every worker process and instance; in
memory (per process) otherwise. Every key starts with :data:`KEY_PREFIX`, so
:func:`reset` clears only this app's keys.

Public writes (sign-up, log-in, booking create, cancel, reschedule)::

    check_write(address)          # RateLimited past RATE_LIMIT_PER_MINUTE per address and minute (0 = off)

Log-in, per account (the normalised email, known or not) and per address::

    check_login_allowed(email, address)       # before the password is checked: RateLimited while locked out
    try:
        trainer = trainers.authenticate(session, email=email, password=password)
    except Unauthorized:
        record_login_failure(email, address)  # counts; may start a lockout
        raise
    record_login_success(email, address)      # the account's failures are forgotten

- account: the first :data:`LOGIN_FREE_FAILURES` failures cost nothing; after
  that each failure locks the account for a delay that doubles, 1 s, 2 s,
  4 s ... up to :data:`LOGIN_MAX_DELAY` (15 min). A success resets it; the
  failures are forgotten :data:`LOGIN_FORGET_AFTER` after the last one.
- address: :data:`ADDRESS_LOGIN_FAILURES` failures per fixed
  :data:`ADDRESS_LOGIN_WINDOW` (15 min), whichever emails they were for.
- this stays on when ``RATE_LIMIT_PER_MINUTE`` is 0: it protects accounts.

Every refusal is :class:`~trainerdesk.domain.errors.RateLimited` with a
message for people (the UI shows ``exc.message``) and ``details =
{"retryAfter": seconds}`` (the API answers 429 with a ``Retry-After`` header).
``address`` is the client's IP (``request.client.host`` in the API,
``self.router.session.client_ip`` in a Reflex handler); empty means "unknown".
``email`` may be anything a form or a JSON body holds: a non-string only
counts against the address.

Windows are fixed and computed from our own clock (:data:`clock`, or the
``now=`` argument, seconds since the epoch), so tests control time; ``limits``
does the atomic counting in the chosen storage. An account in its lockout
regime is *claimed* by the check (the next lockout starts at once and a success
lifts it), so requests racing in the same instant cannot all reach the password
hash. If the storage fails (Redis down) the throttle lets requests through and
logs a warning: a Redis outage must not stop bookings.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Optional

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ..config import rate_limit_per_minute
from ..domain.errors import RateLimited

log = logging.getLogger(__name__)

KEY_PREFIX = "trainerdesk:throttle"
WRITE_WINDOW = 60  # seconds; the limit itself is RATE_LIMIT_PER_MINUTE
LOGIN_FREE_FAILURES = 5  # failures of one account before any delay
LOGIN_BASE_DELAY = 1.0  # seconds of lockout after the LOGIN_FREE_FAILURES-th failure, doubling with each further one
LOGIN_MAX_DELAY = 15 * 60.0
LOGIN_FORGET_AFTER = 24 * 3600  # an account's failures are forgotten this long after the last one
ADDRESS_LOGIN_FAILURES = 30  # failed log-ins per address and window, whichever accounts they were for
ADDRESS_LOGIN_WINDOW = 15 * 60

clock: Callable[[], float] = time.time
"""The throttle's clock (seconds since the epoch); tests may replace it."""

_STORAGE_ERRORS: tuple[type[BaseException], ...] = (StorageError, OSError)
try:  # the redis package is pinned; its errors are not OSErrors
    import redis as _redis

    _STORAGE_ERRORS += (_redis.RedisError,)
except ImportError:  # pragma: no cover
    pass


class _MemoryCounts(MemoryStorage):
    """``limits``' memory storage, without a new thread for every count.

    After each count the library starts a thread to drop expired counts unless its previous one is
    still alive (it lives 10 ms), so a public write arriving more than 10 ms after the last started
    a thread: about 0.3 ms of CPU, more than the rest of its counting. A count past its expiry is
    dropped anyway when it is next read (``get``); the sweep of the others runs here, inline, at most
    once per :data:`SWEEP_EVERY` seconds.
    """

    SWEEP_EVERY = 1.0

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides the library's private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            self._MemoryStorage__expire_events()


def lockout_delay(failures: int) -> float:
    """Seconds an account is locked after its ``failures``-th failure in a row (0 before the free ones are used)."""
    if failures < LOGIN_FREE_FAILURES:
        return 0.0
    return min(LOGIN_BASE_DELAY * 2.0 ** min(failures - LOGIN_FREE_FAILURES, 64), LOGIN_MAX_DELAY)


def _account(email: Any) -> Optional[str]:
    """The account key of an email as log-in normalises it (hashed: no email is stored), or None."""
    if not isinstance(email, str) or not email.strip():
        return None
    return hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _address(address: Any) -> str:
    return address if isinstance(address, str) and address else "unknown"


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _refuse(message: str, wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(message.format(wait=_wait_words(seconds)), {"retryAfter": seconds})


# ---------------------------------------------------------------- lockout state (failures, locked until)

# Redis: one hash per account, changed atomically by a script (so several processes agree).
_CLAIM = """
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local now, free, base, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if now < locked_until then return {0, tostring(locked_until - now)} end
if n + 1 >= free then
  redis.call('HSET', KEYS[1], 'until', tostring(now + math.min(base * 2 ^ math.min(n + 1 - free, 64), cap)))
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
end
return {1, '0'}
"""
_FAIL = """
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local now, free, base, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local delay = 0
if n >= free then delay = math.min(base * 2 ^ math.min(n - free, 64), cap) end
local locked_until = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
redis.call('HSET', KEYS[1], 'until', tostring(math.max(locked_until, now + delay)))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {n, tostring(delay)}
"""


class _MemoryLockouts:
    """Per-process lockout rows: key -> [failures, locked until, forget at]."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, list[float]] = {}

    def _row(self, key: str, now: float) -> Optional[list[float]]:
        row = self._rows.get(key)
        if row is not None and row[2] <= now:
            del self._rows[key]
            return None
        return row

    def failures(self, key: str, now: float) -> int:
        with self._lock:
            row = self._row(key, now)
            return int(row[0]) if row else 0

    def claim(self, key: str, now: float) -> float:
        """Seconds the account is still locked; 0 = go ahead (and, in the lockout regime, it is claimed)."""
        with self._lock:
            row = self._row(key, now)
            if row is None:
                return 0.0
            if now < row[1]:
                return row[1] - now
            claim = lockout_delay(int(row[0]) + 1)
            if claim > 0:
                row[1] = now + claim
            return 0.0

    def fail(self, key: str, now: float) -> float:
        with self._lock:
            if len(self._rows) > 10_000:
                self._rows = {k: r for k, r in self._rows.items() if r[2] > now}
            row = self._row(key, now) or [0, 0.0, 0.0]
            row[0] += 1
            delay = lockout_delay(int(row[0]))
            row[1], row[2] = max(row[1], now + delay), now + LOGIN_FORGET_AFTER
            self._rows[key] = row
            return delay

    def clear(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()


class _RedisLockouts:
    """The same rows as hashes in the limits storage's Redis, under its key prefix."""

    def __init__(self, storage: RedisStorage) -> None:
        self._storage = storage
        connection = storage.get_connection()
        self._connection = connection
        self._claim = connection.register_script(_CLAIM)
        self._fail = connection.register_script(_FAIL)

    def _key(self, key: str) -> str:
        return self._storage.prefixed_key(f"lockout/{key}")

    def failures(self, key: str, now: float) -> int:
        return int(self._connection.hget(self._key(key), "n") or 0)

    def claim(self, key: str, now: float) -> float:
        allowed, wait = self._claim([self._key(key)], self._args(now))
        return 0.0 if int(allowed) else float(wait)

    def fail(self, key: str, now: float) -> float:
        _n, delay = self._fail([self._key(key)], self._args(now))
        return float(delay)

    @staticmethod
    def _args(now: float) -> list:
        return [repr(now), LOGIN_FREE_FAILURES, repr(LOGIN_BASE_DELAY), repr(LOGIN_MAX_DELAY), LOGIN_FORGET_AFTER]

    def clear(self, key: str) -> None:
        self._connection.delete(self._key(key))

    def reset(self) -> None:  # the storage's reset already removed every key under the prefix
        pass


# ---------------------------------------------------------------- the throttle


class Throttle:
    """Counters in one storage: ``storage_uri`` None is per-process memory, else e.g. ``redis://host:6379/0``.

    Instances built on the same Redis URL and ``key_prefix`` (in any process) share every count.
    """

    def __init__(self, storage_uri: Optional[str] = None, *, key_prefix: str = KEY_PREFIX) -> None:
        self.storage_uri = storage_uri
        if storage_uri:
            self.storage = storage_from_string(
                storage_uri, key_prefix=key_prefix, wrap_exceptions=True, socket_connect_timeout=2, socket_timeout=2
            )
            self._lockouts: _MemoryLockouts | _RedisLockouts = _RedisLockouts(self.storage)
        else:
            self.storage = _MemoryCounts(wrap_exceptions=True)
            self._lockouts = _MemoryLockouts()
        self._windows = FixedWindowRateLimiter(self.storage)

    def _hit(self, item, name: str, address: str, window: int) -> bool:
        """Count one in the window; False when that passes the item's limit."""
        return self._windows.hit(item, name, address, str(window))

    # ------------------------------------------------------------ public writes

    def check_write(self, address: Any, *, now: Optional[float] = None, limit: Optional[int] = None) -> None:
        """Count one public write from ``address``; RateLimited past ``limit`` (RATE_LIMIT_PER_MINUTE) a minute."""
        limit = rate_limit_per_minute() if limit is None else limit
        if limit <= 0:
            return
        now = clock() if now is None else now
        window = int(now // WRITE_WINDOW)
        try:
            allowed = self._hit(RateLimitItemPerSecond(limit, WRITE_WINDOW), "write", _address(address), window)
        except _STORAGE_ERRORS as exc:
            log.warning("rate limit storage unavailable, request let through: %s", exc)
            return
        if not allowed:
            raise _refuse(
                "Too many requests from your address; please wait {wait} and try again.",
                (window + 1) * WRITE_WINDOW - now,
            )

    # ------------------------------------------------------------ log-in

    def _address_item(self):
        return RateLimitItemPerSecond(ADDRESS_LOGIN_FAILURES, ADDRESS_LOGIN_WINDOW)

    def check_login_allowed(self, email: Any, address: Any, *, now: Optional[float] = None) -> None:
        """Call before checking the password: RateLimited while the account or the address is locked out."""
        now = clock() if now is None else now
        window = int(now // ADDRESS_LOGIN_WINDOW)
        account = _account(email)
        try:
            if not self._windows.test(self._address_item(), "login", _address(address), str(window)):
                raise _refuse(
                    "Too many failed log-ins from your network; please wait {wait} and try again.",
                    (window + 1) * ADDRESS_LOGIN_WINDOW - now,
                )
            wait = self._lockouts.claim(account, now) if account else 0.0
        except _STORAGE_ERRORS as exc:
            log.warning("log-in throttle storage unavailable, attempt let through: %s", exc)
            return
        if wait > 0:
            raise _refuse("Too many failed log-ins for this account; please wait {wait} and try again.", wait)

    def record_login_failure(self, email: Any, address: Any, *, now: Optional[float] = None) -> float:
        """Count a failed log-in; returns the seconds the account is now locked for (0.0 while failures are free)."""
        now = clock() if now is None else now
        account = _account(email)
        try:
            self._hit(self._address_item(), "login", _address(address), int(now // ADDRESS_LOGIN_WINDOW))
            return self._lockouts.fail(account, now) if account else 0.0
        except _STORAGE_ERRORS as exc:
            log.warning("log-in throttle storage unavailable, failure not counted: %s", exc)
            return 0.0

    def record_login_success(self, email: Any, address: Any, *, now: Optional[float] = None) -> None:
        """A successful log-in: the account's failures (and any lockout) are forgotten; the address's stay."""
        account = _account(email)
        if not account:
            return
        try:
            self._lockouts.clear(account)
        except _STORAGE_ERRORS as exc:
            log.warning("log-in throttle storage unavailable: %s", exc)

    def login_failures(self, email: Any, *, now: Optional[float] = None) -> int:
        """The account's failures in a row so far (for tests and diagnostics)."""
        account = _account(email)
        return self._lockouts.failures(account, clock() if now is None else now) if account else 0

    def reset(self) -> None:
        """Forget every count: all of memory, or every Redis key under this throttle's prefix (nothing else)."""
        self.storage.reset()
        self._lockouts.reset()


# ---------------------------------------------------------------- the app's throttle (module-level API)

_lock = threading.Lock()
_throttles: dict[Optional[str], Throttle] = {}


def default() -> Throttle:
    """The app's throttle: on ``REFLEX_REDIS_URL`` when set, else in this process's memory."""
    uri = os.environ.get("REFLEX_REDIS_URL", "").strip() or None
    throttle = _throttles.get(uri)
    if throttle is None:
        with _lock:
            throttle = _throttles.get(uri)
            if throttle is None:
                throttle = _throttles[uri] = Throttle(uri)
    return throttle


def check_write(address: Any, *, now: Optional[float] = None) -> None:
    """A public write from ``address``: RateLimited past RATE_LIMIT_PER_MINUTE in this minute; 0 turns it off.

    Call it once per sign-up, log-in, booking, cancellation or reschedule, before doing the work.
    """
    default().check_write(address, now=now)


def check_login_allowed(email: Any, address: Any, *, now: Optional[float] = None) -> None:
    """Before checking a password: RateLimited (message and ``retryAfter``) while the account or address is locked."""
    default().check_login_allowed(email, address, now=now)


def record_login_failure(email: Any, address: Any, *, now: Optional[float] = None) -> float:
    """After a wrong email or password: counts it; returns the lockout it started, in seconds (0.0 for none)."""
    return default().record_login_failure(email, address, now=now)


def record_login_success(email: Any, address: Any, *, now: Optional[float] = None) -> None:
    """After a successful log-in: the account's failures and lockout are forgotten."""
    default().record_login_success(email, address, now=now)


def reset() -> None:
    """Tests: forget every count of the app's throttle(s) (memory, and this app's keys in Redis)."""
    default()  # the one the environment names now, so its Redis keys are cleared too
    with _lock:
        throttles = list(_throttles.values())
    for throttle in throttles:
        throttle.reset()
