"""services/throttle: the public write limit and log-in throttling, in memory and on a real Redis.

Every test runs on both storages. The Redis variant uses its own key prefix on
``TEST_THROTTLE_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``), so runs in
parallel do not meet, and checks that separate instances and separate processes
share one count. Time is explicit (``now=``), so growing delays are exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from trainerdesk.domain.errors import RateLimited
from trainerdesk.services import throttle as throttle_module
from trainerdesk.services.throttle import (
    ADDRESS_LOGIN_FAILURES,
    ADDRESS_LOGIN_WINDOW,
    LOGIN_FREE_FAILURES,
    LOGIN_MAX_DELAY,
    Throttle,
    lockout_delay,
)

REDIS_URL = os.environ.get("TEST_THROTTLE_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]
T0 = 1_899_999_920.0  # 20 s into a minute and into a 15-minute window


def _redis_or_skip() -> redis.Redis:
    try:
        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        store.ping()
        return store
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":  # CI: the services must be there
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def prefix() -> str:
    return f"trainerdesk-test-{uuid.uuid4().hex[:12]}:throttle"


@pytest.fixture(params=["memory", "redis"])
def make(request, prefix):
    """Builds throttles on one storage: every call on Redis gives a new instance sharing the same keys."""
    made: list[Throttle] = []

    def build() -> Throttle:
        if request.param == "memory":
            t = made[0] if made else Throttle(None)
        else:
            t = Throttle(REDIS_URL, key_prefix=prefix)
        made.append(t)
        return t

    if request.param == "redis":
        _redis_or_skip()
    yield build
    for t in made:
        t.reset()


def refusal(call) -> dict:
    with pytest.raises(RateLimited) as caught:
        call()
    assert caught.value.code == "rate_limited" and caught.value.message
    return caught.value.details


# ---------------------------------------------------------------- public writes


def test_writes_are_counted_per_address_and_fixed_minute(make):
    t = make()
    for _ in range(3):
        t.check_write("10.0.0.1", now=T0, limit=3)
    details = refusal(lambda: t.check_write("10.0.0.1", now=T0 + 5, limit=3))
    assert details == {"retryAfter": 35}  # the rest of the minute
    t.check_write("10.0.0.2", now=T0 + 5, limit=3)  # another address has its own count
    t.check_write("10.0.0.1", now=T0 + 40, limit=3)  # the next minute is a new window


def test_a_zero_limit_turns_the_write_check_off(make, monkeypatch):
    t = make()
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    for _ in range(200):
        t.check_write("10.0.0.1", now=T0)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    t.check_write("10.0.0.1", now=T0)
    t.check_write("10.0.0.1", now=T0)
    refusal(lambda: t.check_write("10.0.0.1", now=T0))


def test_an_unknown_address_is_counted_as_one(make):
    t = make()
    t.check_write("", now=T0, limit=1)
    refusal(lambda: t.check_write(None, now=T0, limit=1))


# ---------------------------------------------------------------- log-in: per account, growing delays


def test_account_lockout_grows_after_the_free_failures_and_a_success_resets_it(make):
    t = make()
    now = T0
    for _ in range(LOGIN_FREE_FAILURES - 1):
        t.check_login_allowed("ann@example.com", "10.0.0.1", now=now)
        assert t.record_login_failure("ann@example.com", "10.0.0.1", now=now) == 0.0
    # Each further failure locks the account for twice as long: 1 s, 2 s, 4 s ...
    for expected in (1, 2, 4, 8, 16):
        t.check_login_allowed("ann@example.com", "10.0.0.1", now=now)
        assert t.record_login_failure("ann@example.com", "10.0.0.1", now=now) == expected
        for at, wait in ((now + expected - 0.5, 1), (now, expected)):
            assert refusal(lambda at=at: t.check_login_allowed("ann@example.com", "10.0.0.1", now=at)) == {
                "retryAfter": wait
            }
        now += expected  # the lockout is over exactly then
    assert t.login_failures("ann@example.com", now=now) == LOGIN_FREE_FAILURES + 4
    # Another account, from the same address, is not affected.
    t.check_login_allowed("bob@example.com", "10.0.0.1", now=now - 1)
    # A success forgets the failures: the free ones are free again.
    t.check_login_allowed("ann@example.com", "10.0.0.1", now=now)
    t.record_login_success("ann@example.com", "10.0.0.1", now=now)
    assert t.login_failures("ann@example.com", now=now) == 0
    for _ in range(LOGIN_FREE_FAILURES - 1):
        t.check_login_allowed("ann@example.com", "10.0.0.1", now=now)
        t.record_login_failure("ann@example.com", "10.0.0.1", now=now)
    t.check_login_allowed("ann@example.com", "10.0.0.1", now=now)


def test_the_delay_is_capped_and_the_message_says_how_long(make):
    assert [lockout_delay(n) for n in range(4, 9)] == [0, 1, 2, 4, 8]
    assert lockout_delay(LOGIN_FREE_FAILURES + 30) == lockout_delay(10**6) == LOGIN_MAX_DELAY
    t = make()
    now = T0
    for n in range(1, LOGIN_FREE_FAILURES + 15):
        assert t.record_login_failure("ann@example.com", f"10.0.{n}.1", now=now) == lockout_delay(n)
        now += lockout_delay(n)
    caught = refusal(lambda: t.check_login_allowed("ann@example.com", "10.9.9.9", now=now - LOGIN_MAX_DELAY))
    assert caught == {"retryAfter": LOGIN_MAX_DELAY}
    with pytest.raises(RateLimited, match="15 minutes"):
        t.check_login_allowed("ann@example.com", "10.9.9.9", now=now - LOGIN_MAX_DELAY)
    with pytest.raises(RateLimited, match="1 second and"):
        t.check_login_allowed("ann@example.com", "10.9.9.9", now=now - 0.5)


def test_the_account_is_the_normalised_email(make):
    t = make()
    for _ in range(LOGIN_FREE_FAILURES):
        t.record_login_failure("  Ann@Example.COM ", "10.0.0.1", now=T0)
    refusal(lambda: t.check_login_allowed("ann@example.com", "10.0.0.2", now=T0))
    t.record_login_success("ANN@example.com", "10.0.0.2", now=T0)
    t.check_login_allowed("ann@example.com", "10.0.0.2", now=T0)


def test_a_check_in_the_lockout_regime_claims_the_next_attempt(make):
    """Requests racing in one instant: after the free failures only one of them reaches the password."""
    t = make()
    for _ in range(LOGIN_FREE_FAILURES - 1):
        t.record_login_failure("ann@example.com", "10.0.0.1", now=T0)
    t.check_login_allowed("ann@example.com", "10.0.0.1", now=T0 + 1)
    assert refusal(lambda: t.check_login_allowed("ann@example.com", "10.0.0.1", now=T0 + 1)) == {"retryAfter": 1}
    # The claimed attempt succeeds: the claim is lifted with the failures.
    t.record_login_success("ann@example.com", "10.0.0.1", now=T0 + 1)
    t.check_login_allowed("ann@example.com", "10.0.0.1", now=T0 + 1)


def test_emails_that_are_not_text_only_count_against_the_address(make):
    t = make()
    for email in (None, 5, ["x"], "", "\ud800@example.com"):
        t.check_login_allowed(email, "10.0.0.1", now=T0)
        t.record_login_failure(email, "10.0.0.1", now=T0)
        t.record_login_success(email, "10.0.0.1", now=T0)


# ---------------------------------------------------------------- log-in: per address


def test_an_address_has_a_budget_of_failures_over_all_accounts(make):
    t = make()
    for n in range(ADDRESS_LOGIN_FAILURES):
        t.check_login_allowed(f"user{n}@example.com", "10.0.0.1", now=T0)
        t.record_login_failure(f"user{n}@example.com", "10.0.0.1", now=T0)
    details = refusal(lambda: t.check_login_allowed("fresh@example.com", "10.0.0.1", now=T0 + 100))
    assert details == {"retryAfter": ADDRESS_LOGIN_WINDOW - 120}
    with pytest.raises(RateLimited, match="from your network"):
        t.check_login_allowed("fresh@example.com", "10.0.0.1", now=T0)
    t.check_login_allowed("fresh@example.com", "10.0.0.2", now=T0)  # another address
    t.check_login_allowed("fresh@example.com", "10.0.0.1", now=T0 + ADDRESS_LOGIN_WINDOW)  # the next window


def test_login_throttling_stays_on_when_the_write_limit_is_off(make, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    t = make()
    for _ in range(LOGIN_FREE_FAILURES):
        t.record_login_failure("ann@example.com", "10.0.0.1", now=T0)
    refusal(lambda: t.check_login_allowed("ann@example.com", "10.0.0.1", now=T0))


# ---------------------------------------------------------------- sharing through Redis


@pytest.fixture
def redis_store():
    return _redis_or_skip()


def test_instances_on_one_redis_share_every_count(redis_store, prefix):
    a, b = Throttle(REDIS_URL, key_prefix=prefix), Throttle(REDIS_URL, key_prefix=prefix)
    try:
        a.check_write("10.0.0.1", now=T0, limit=2)
        b.check_write("10.0.0.1", now=T0, limit=2)
        refusal(lambda: a.check_write("10.0.0.1", now=T0, limit=2))
        for _ in range(LOGIN_FREE_FAILURES):
            a.record_login_failure("ann@example.com", "10.0.0.1", now=T0)
        refusal(lambda: b.check_login_allowed("ann@example.com", "10.0.0.1", now=T0))
        b.record_login_success("ann@example.com", "10.0.0.1", now=T0)
        a.check_login_allowed("ann@example.com", "10.0.0.1", now=T0)
        # Memory throttles, by contrast, are each their own process's.
        m1, m2 = Throttle(None), Throttle(None)
        m1.check_write("10.0.0.1", now=T0, limit=1)
        m2.check_write("10.0.0.1", now=T0, limit=1)
    finally:
        a.reset()


_CHILD = """
import json, sys
from trainerdesk.domain.errors import RateLimited
from trainerdesk.services.throttle import Throttle
url, prefix, hits, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
t = Throttle(url, key_prefix=prefix)
allowed = 0
for _ in range(hits):
    try:
        t.check_write("10.0.0.1", now=now, limit=10)
        allowed += 1
    except RateLimited:
        pass
failures = [t.record_login_failure("ann@example.com", "10.0.0.1", now=now) for _ in range(3)]
print(json.dumps({"allowed": allowed, "failures": failures}))
"""


def test_processes_on_one_redis_share_the_limit(redis_store, prefix):
    """Three processes hit at once: ten writes pass in all, and the account's failures add up."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, REDIS_URL, prefix, "8", str(T0)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    t = Throttle(REDIS_URL, key_prefix=prefix)
    try:
        assert sum(r["allowed"] for r in results) == 10
        refusal(lambda: t.check_write("10.0.0.1", now=T0, limit=10))
        assert t.login_failures("ann@example.com") == 9
        delays = sorted(d for r in results for d in r["failures"])
        assert delays == [lockout_delay(n) for n in range(1, 10)]
        refusal(lambda: t.check_login_allowed("ann@example.com", "10.0.0.2", now=T0))
    finally:
        t.reset()


def test_reset_clears_only_this_apps_keys(redis_store, prefix):
    redis_store.set(f"{prefix}-other:keep", "1")
    redis_store.set("someone-else", "1")
    t = Throttle(REDIS_URL, key_prefix=prefix)
    try:
        t.check_write("10.0.0.1", now=T0, limit=1)
        t.record_login_failure("ann@example.com", "10.0.0.1", now=T0)
        assert redis_store.keys(f"{prefix}:*")
        t.reset()
        assert redis_store.keys(f"{prefix}:*") == []
        assert redis_store.get(f"{prefix}-other:keep") == b"1" and redis_store.get("someone-else") == b"1"
        t.check_write("10.0.0.1", now=T0, limit=1)
    finally:
        redis_store.delete(f"{prefix}-other:keep", "someone-else")
        t.reset()


def test_a_redis_that_does_not_answer_lets_requests_through(caplog):
    t = Throttle("redis://127.0.0.1:1/0")
    for _ in range(3):
        t.check_write("10.0.0.1", now=T0, limit=1)
        t.check_login_allowed("ann@example.com", "10.0.0.1", now=T0)
        assert t.record_login_failure("ann@example.com", "10.0.0.1", now=T0) == 0.0
        t.record_login_success("ann@example.com", "10.0.0.1", now=T0)
    assert "storage unavailable" in caplog.text


# ---------------------------------------------------------------- the app's throttle


def test_the_app_throttle_is_on_redis_when_reflex_redis_url_is_set(redis_store, monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    assert throttle_module.default().storage_uri is None
    monkeypatch.setenv("REFLEX_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    app = throttle_module.default()
    assert app.storage_uri == REDIS_URL and app is throttle_module.default()
    throttle_module.reset()
    try:
        throttle_module.check_write("10.0.0.1", now=T0)
        # Another process's throttle on the same Redis (here: a second instance) sees the count.
        refusal(lambda: Throttle(REDIS_URL).check_write("10.0.0.1", now=T0))
        for _ in range(LOGIN_FREE_FAILURES):
            throttle_module.record_login_failure("ann@example.com", "10.0.0.1", now=T0)
        refusal(lambda: Throttle(REDIS_URL).check_login_allowed("ann@example.com", "10.0.0.1", now=T0))
        throttle_module.record_login_success("ann@example.com", "10.0.0.1", now=T0)
        throttle_module.check_login_allowed("ann@example.com", "10.0.0.1", now=T0)
    finally:
        throttle_module.reset()
        assert redis_store.keys(f"{throttle_module.KEY_PREFIX}:*") == []
