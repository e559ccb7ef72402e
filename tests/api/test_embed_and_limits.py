"""docs/api.md "Embedding" (the snippet endpoint), the rate limit of public write endpoints and log-in throttling."""

from __future__ import annotations

import os
import re

import pytest
import redis

from tests.api.helpers import (
    PASSWORD,
    assert_error,
    book,
    booking_body,
    future_day,
    get_slots,
    local,
    open_trainer,
    signup,
)
from trainerdesk.services import throttle, trainers as trainers_service

T0 = 1_899_999_920.0  # 20 s into a minute and into a 15-minute window


def test_embed_snippet_is_an_iframe_of_the_embed_page_with_cors(client):
    trainer = signup(client, name="Éva Œrsted <script>")
    r = client.get(f"/api/embed/calendar/{trainer.id}", headers={"Origin": "https://gym.example"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers.get("access-control-allow-origin") in ("*", "https://gym.example")
    frames = re.findall(r'<iframe\b[^>]*\bsrc="([^"]+)"', r.text)
    assert len(frames) == 1
    assert frames[0].endswith(f"/embed/{trainer.slug}")
    # The trainer's name is escaped, not injected into the trainer's site.
    assert '<script>"' not in r.text and "Œrsted &lt;script&gt;" in r.text


def test_embed_snippet_of_an_unknown_trainer_is_404(client):
    r = client.get("/api/embed/calendar/nobody")
    assert_error(r, 404, "not_found")


def test_third_public_booking_in_a_minute_is_429(client, monkeypatch):
    trainer = open_trainer(client)
    day = future_day(9)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    # The limiter counts per fixed minute: freeze its clock so the three requests share one window.
    monkeypatch.setattr(throttle, "clock", lambda: T0)
    for hour in (9, 10):
        r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, hour)))
        assert r.status_code == 201, r.text
    r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 11)))
    assert_error(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "40" and r.json()["error"]["details"] == {"retryAfter": 40}
    # Reading is not limited, and the refused booking was not made.
    for _ in range(3):
        starts = [s["startTime"] for s in get_slots(client, trainer.id, day)]
    assert local(day, 11).isoformat() in starts
    r = client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers)
    assert r.status_code == 200 and r.json()["total"] == 2
    # The next minute is a new window.
    monkeypatch.setattr(throttle, "clock", lambda: T0 + 40)
    r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 11)))
    assert r.status_code == 201, r.text


def test_rate_limit_zero_turns_it_off(client, monkeypatch):
    trainer = open_trainer(client)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setattr(throttle, "clock", lambda: T0)
    day = future_day(9)
    for hour in range(9, 14):
        r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, hour)))
        assert r.status_code == 201, r.text


def test_cancel_reschedule_signup_and_login_count_as_public_writes(client, monkeypatch):
    trainer = open_trainer(client)
    day = future_day(9)
    first, second = book(client, trainer.id, local(day, 9)), book(client, trainer.id, local(day, 10))
    monkeypatch.setattr(throttle, "clock", lambda: T0)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "4")
    r = client.post(
        f"/api/bookings/{first['id']}/cancel",
        params={"token": first["token"]},
        json={"reason": "ill", "acknowledgeLateCancellation": True},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/bookings/{second['id']}/reschedule",
        params={"token": second["token"]},
        json={"startTime": local(day, 12).isoformat()},
    )
    assert r.status_code == 200, r.text
    r = client.post("/api/auth/login", json={"email": trainer.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    r = client.post(
        "/api/auth/signup", json={"email": "new@example.com", "password": PASSWORD, "name": "N", "timezone": "UTC"}
    )
    assert r.status_code == 201, r.text
    for path, body in [
        (f"/api/bookings/{second['id']}/cancel?token={second['token']}", {}),
        ("/api/auth/login", {"email": trainer.email, "password": PASSWORD}),
        ("/api/bookings", booking_body(trainer.id, local(day, 14))),
    ]:
        assert_error(client.post(path, json=body), 429, "rate_limited")
    # A trainer's own (keyed) endpoints are not public writes.
    r = client.patch(f"/api/trainers/{trainer.id}/preferences", json={"bufferMinutes": 5}, headers=trainer.headers)
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- log-in throttling


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The passwords the service checks against a hash (so a test sees which attempts reached it)."""
    seen: list[str] = []
    real = trainers_service.verify_password

    def counting(password, stored_hash):
        seen.append(password)
        return real(password, stored_hash)

    monkeypatch.setattr(trainers_service, "verify_password", counting)
    return seen


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_login_is_throttled_per_account_with_growing_delays(client, monkeypatch, hash_checks):
    """Rate limit off (the fixtures' RATE_LIMIT_PER_MINUTE=0): log-in throttling stays on."""
    ann, bob = signup(client, email="ann@example.com"), signup(client, email="bob@example.com")
    now = [T0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    for _ in range(throttle.LOGIN_FREE_FAILURES):
        assert_error(login(client, "Ann@Example.com", "wrong-password"), 401, "unauthorized")
    assert len(hash_checks) == throttle.LOGIN_FREE_FAILURES
    # Locked for 1 s: refused before the password is checked, even the right one.
    for password in ("wrong-password", PASSWORD):
        r = login(client, ann.email, password)
        error = assert_error(r, 429, "rate_limited")
        assert error["details"] == {"retryAfter": 1} and r.headers["retry-after"] == "1"
        assert "1 second" in error["message"] and "apiKey" not in r.text
    assert len(hash_checks) == throttle.LOGIN_FREE_FAILURES
    # Another account from the same address logs in.
    assert login(client, bob.email, PASSWORD).status_code == 200
    # Each further failure doubles the wait: 2 s, then 4 s.
    for wait in (2, 4):
        now[0] += wait // 2
        assert_error(login(client, ann.email, "wrong-password"), 401, "unauthorized")
        r = login(client, ann.email, PASSWORD)
        assert_error(r, 429, "rate_limited")
        assert r.json()["error"]["details"] == {"retryAfter": wait}
        now[0] += wait - 1
        assert_error(login(client, ann.email, PASSWORD), 429, "rate_limited")
    # Once the wait is over the right password works, and the account starts afresh.
    now[0] += 1
    r = login(client, ann.email, PASSWORD)
    assert r.status_code == 200, r.text
    for _ in range(throttle.LOGIN_FREE_FAILURES):
        assert_error(login(client, ann.email, "wrong-password"), 401, "unauthorized")
    assert_error(login(client, ann.email, PASSWORD), 429, "rate_limited")


def test_many_right_logins_are_never_throttled(client):
    trainer = signup(client)
    for _ in range(40):
        assert login(client, trainer.email, PASSWORD).status_code == 200


def test_an_address_that_fails_across_many_accounts_is_throttled(client, monkeypatch, hash_checks):
    monkeypatch.setattr(throttle, "clock", lambda: T0)
    trainer = signup(client)
    for n in range(throttle.ADDRESS_LOGIN_FAILURES):
        assert_error(login(client, f"guess{n}@example.com", "wrong-password"), 401, "unauthorized")
    checked = len(hash_checks)
    r = login(client, trainer.email, PASSWORD)
    error = assert_error(r, 429, "rate_limited")
    assert error["details"] == {"retryAfter": throttle.ADDRESS_LOGIN_WINDOW - 20}
    assert len(hash_checks) == checked
    monkeypatch.setattr(throttle, "clock", lambda: T0 + throttle.ADDRESS_LOGIN_WINDOW)
    assert login(client, trainer.email, PASSWORD).status_code == 200


def test_limits_are_shared_through_redis_when_configured(client, monkeypatch):
    """With REFLEX_REDIS_URL the counts live in Redis: another process's throttle sees them."""
    url = os.environ.get("TEST_THROTTLE_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis not reachable at {url}: {exc}")
        pytest.skip(f"Redis not reachable at {url}: {exc}")
    trainer = open_trainer(client)
    day = future_day(9)
    monkeypatch.setenv("REFLEX_REDIS_URL", url)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    monkeypatch.setattr(throttle, "clock", lambda: T0)
    throttle.reset()
    try:
        assert book(client, trainer.id, local(day, 9))
        elsewhere = throttle.Throttle(url)  # as another process or instance would build it
        elsewhere.check_write("testclient", now=T0)
        assert_error(client.post("/api/bookings", json=booking_body(trainer.id, local(day, 10))), 429, "rate_limited")
        monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")  # the account's lockout, not the write limit, refuses next
        for _ in range(throttle.LOGIN_FREE_FAILURES):
            elsewhere.record_login_failure(trainer.email, "10.1.1.1", now=T0)
        error = assert_error(login(client, trainer.email, PASSWORD), 429, "rate_limited")
        assert "for this account" in error["message"]
    finally:
        throttle.reset()
