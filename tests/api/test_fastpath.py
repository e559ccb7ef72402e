"""The fast path (trainerdesk/api/fastpath.py): public reads with the same bytes as the full stack, never
stale; bookings with the same answers as the endpoint's.

The ``client`` fixture serves the API with the fast path in front, as production does, so every other
API test also runs through it (every booking with a JSON body is made by it); these tests check when it
answers and when it must leave the answer to the full stack.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import (
    add_sub_trainer,
    book,
    booking_body,
    future_day,
    local,
    open_trainer,
    set_prefs,
    set_week,
)
from trainerdesk.api import build_api, fastpath
from trainerdesk.db import session_scope
from trainerdesk.services import availability, throttle

UTC = timezone.utc


@pytest.fixture
def spy(monkeypatch):
    """Which requests the fast path answered: "warm" (replayed) or "computed" (without the ASGI stack)."""
    served = []
    for kind, name in (("warm", "_warm_answer"), ("computed", "_computed_answer")):
        real = getattr(fastpath, name)

        def counting(scope, real=real, kind=kind):
            body = real(scope)
            if body is not None:
                served.append((kind, scope["path"]))
            return body

        monkeypatch.setattr(fastpath, name, counting)
    return served


def warm(served) -> list:
    return [path for kind, path in served if kind == "warm"]


@pytest.fixture
def full_stack(db_url) -> TestClient:
    """The API without the fast path, to compare with."""
    return TestClient(build_api(), raise_server_exceptions=False)


def slots_query(trainer_id: str, day, **extra) -> dict:
    return {"trainerId": trainer_id, "date": day.isoformat(), "duration": "60", **extra}


def test_a_repeated_query_is_answered_warm_with_the_same_bytes(client, spy):
    trainer = open_trainer(client)
    day = future_day(3)
    first = client.get("/api/bookings/availability", params=slots_query(trainer.id, day))
    again = client.get("/api/bookings/availability", params=slots_query(trainer.id, day))
    assert spy == [("computed", fastpath.SLOTS_PATH), ("warm", fastpath.SLOTS_PATH)]
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and len(first.json()) == 8
    assert list(first.headers.items()) == list(again.headers.items())

    month = {"trainerId": trainer.id, "month": day.strftime("%Y-%m"), "duration": "60"}
    dates = [client.get("/api/bookings/availability/dates", params=month) for _ in range(2)]
    assert warm(spy) == [fastpath.SLOTS_PATH, fastpath.DATES_PATH]
    assert dates[0].content == dates[1].content and day.isoformat() in dates[0].json()


def test_a_booking_or_an_hours_change_is_seen_at_once(client, spy):
    trainer = open_trainer(client)
    day = future_day(3)
    params = slots_query(trainer.id, day)
    before = client.get("/api/bookings/availability", params=params).json()
    book(client, trainer.id, before[0]["startTime"])
    after = client.get("/api/bookings/availability", params=params).json()
    assert after == before[1:] and warm(spy) == []  # the version moved: computed again
    assert client.get("/api/bookings/availability", params=params).json() == after and len(warm(spy)) == 1
    set_week(client, trainer, "10:00", "12:00")
    assert len(client.get("/api/bookings/availability", params=params).json()) == 2
    set_prefs(client, trainer, sessionDurations=[30])
    assert client.get("/api/bookings/availability", params=params).status_code == 422
    assert len(warm(spy)) == 1


def test_errors_origins_bodies_and_repeats_go_down_the_full_stack(client, spy):
    lead = open_trainer(client)
    day = future_day(3)
    for _ in range(2):
        r = client.get("/api/bookings/availability", params={"trainerId": "nobody", "date": day.isoformat()})
        assert r.status_code == 404
        r = client.get("/api/bookings/availability", params={"trainerId": lead.id, "date": "2027-02-30"})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "date"
        r = client.get("/api/bookings/availability/dates", params={"trainerId": lead.id})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "month"
    assert spy == []
    params = slots_query(lead.id, day)
    with_origin = client.get("/api/bookings/availability", params=params, headers={"Origin": "https://evil.example"})
    with_body = client.request("GET", "/api/bookings/availability", params=params, content=b"{}")
    repeated = client.get(f"/api/bookings/availability?date=2000-01-01&{urlencode(params)}")
    assert spy == []
    plain = client.get("/api/bookings/availability", params=params)
    assert spy == [("warm", fastpath.SLOTS_PATH)]  # as the full stack kept it
    assert with_origin.content == with_body.content == repeated.content == plain.content


def test_computed_answers_are_the_full_stacks_bytes(client, full_stack, spy):
    """Cold answers (trainer or team, slots or dates, every parameter) are what the endpoints send."""
    lead = open_trainer(client)
    add_sub_trainer(client, lead)
    day = future_day(3)
    month = day.strftime("%Y-%m")
    queries = [
        (fastpath.SLOTS_PATH, {"trainerId": lead.id, "date": day.isoformat()}),
        (fastpath.SLOTS_PATH, slots_query(lead.id, day, clientTimezone="Asia/Tokyo")),
        (fastpath.SLOTS_PATH, {"teamId": lead.id, "date": day.isoformat(), "clientTimezone": "America/New_York"}),
        (fastpath.SLOTS_PATH, {"trainerId": lead.id, "date": day.isoformat(), "duration": "", "unknown": "x"}),
        (fastpath.DATES_PATH, {"trainerId": lead.id, "month": month}),
        (fastpath.DATES_PATH, {"teamId": lead.id, "month": month, "duration": "60", "clientTimezone": "Asia/Kolkata"}),
    ]
    for path, params in queries:
        computed = client.get(path, params=params)
        expected = full_stack.get(path, params=params)
        assert computed.status_code == expected.status_code == 200, params
        assert computed.content == expected.content and computed.json(), params
        assert list(computed.headers.items()) == list(expected.headers.items()), params
    assert [kind for kind, _ in spy] == ["computed"] * len(queries)


def test_the_same_answer_until_its_horizon(db_url, client):
    """Reused only while passing time cannot change it: at its horizon the answer does change."""
    trainer = open_trainer(client)
    set_prefs(client, trainer, minNoticeHours=2, maxAdvanceDays=3)
    day = future_day(2)
    now = datetime.now(UTC)

    def answer_at(when: datetime, which: str):
        horizon = availability.Horizon()
        with session_scope() as session:
            if which == "slots":
                _, found = availability.slots_for_date(
                    session, trainer_id=trainer.id, day=day, client_tz=None, duration=60, now=when, horizon=horizon
                )
                return [s.start for s in found[60]], horizon.valid_until
            found = availability.dates_with_slots(
                session,
                trainer_id=trainer.id,
                month_first=day.replace(day=1),
                client_tz=None,
                duration=60,
                now=when,
                horizon=horizon,
            )
            return found, horizon.valid_until

    tick = timedelta(microseconds=1)
    for which in ("slots", "dates"):
        when, steps, changes = now, 0, 0
        while steps < 6:  # walk from horizon to horizon: the answer holds up to each, and then changes
            answer, until = answer_at(when, which)
            if until is None:
                break
            assert until >= when  # == when: computed at the very instant a start leaves (reused for no time)
            assert until == when or answer_at(until - tick, which)[0] == answer
            changes += answer_at(until + tick, which)[0] != answer
            when, steps = until + tick, steps + 1
        assert changes > 0, which
    # A date beyond maxAdvanceDays today: empty, until the window reaches it.
    far = future_day(5)
    horizon = availability.Horizon()
    with session_scope() as session:
        _, found = availability.slots_for_date(
            session, trainer_id=trainer.id, day=far, client_tz=None, duration=60, now=now, horizon=horizon
        )
    assert found[60] == [] and horizon.valid_until is not None and horizon.valid_until > now


# ---------------------------------------------------------------- bookings


@pytest.fixture
def answered(monkeypatch) -> list[int]:
    """The status of every booking POST the fast path answered itself (a 201 or a refusal)."""
    statuses = []
    real = fastpath._booking_answer

    def counting(scope, raw):
        response = real(scope, raw)
        if response is not None:
            statuses.append(response.status_code)
        return response

    monkeypatch.setattr(fastpath, "_booking_answer", counting)
    return statuses


def _headers(response) -> list:
    return [(k, v) for k, v in response.headers.items() if k != "content-length"]


def test_a_booking_and_its_refusals_are_the_endpoints(client, full_stack, answered):
    trainer = open_trainer(client)
    day = future_day(4)
    fast = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 9)))
    full = full_stack.post("/api/bookings", json=booking_body(trainer.id, local(day, 10)))
    assert fast.status_code == full.status_code == 201, (fast.text, full.text)
    assert _headers(fast) == _headers(full)
    made, expected = fast.json(), full.json()
    assert list(made) == list(expected) and made["status"] == expected["status"] and made["token"]

    refused = [
        booking_body(trainer.id, local(day, 9)),  # taken a moment ago: 409
        booking_body("nobody", local(day, 11)),  # 404
        booking_body(trainer.id, local(day, 11), duration=45),  # a length not offered: 422
        {**booking_body(trainer.id, local(day, 11)), "privacyAccepted": False},  # 422, field privacyAccepted
        {**booking_body(trainer.id, local(day, 11)), "email": "not an address"},  # 422, field email
        {**booking_body(trainer.id, local(day, 11)), "startTime": "tomorrow"},  # 422, field startTime
    ]
    for body in refused:
        fast, full = client.post("/api/bookings", json=body), full_stack.post("/api/bookings", json=body)
        assert fast.status_code == full.status_code and fast.status_code >= 400, body
        assert fast.content == full.content and _headers(fast) == _headers(full), body
    assert answered == [201, 409, 404, 422, 422, 422, 422]


def test_bodies_it_leaves_go_down_the_full_stack_and_are_counted_once(client, answered, monkeypatch):
    trainer = open_trainer(client)
    day = future_day(5)
    as_json = {"content-type": "application/json"}
    left = [
        client.post("/api/bookings", content=b"[]", headers=as_json),  # not an object: FastAPI's 422
        client.post("/api/bookings", content=b'{"name": ', headers=as_json),  # not JSON: FastAPI's 422
        client.post("/api/bookings", json={**booking_body(trainer.id, local(day, 9)), "notes": "a\u0000b"}),
        client.post("/api/bookings", content=b"{}", headers={"content-type": "text/plain"}),
    ]
    assert [r.status_code for r in left] == [422, 422, 422, 422]
    assert left[2].json()["error"]["details"] == {"field": "notes"}
    with_query = client.post("/api/bookings?from=widget", json=booking_body(trainer.id, local(day, 9)))
    assert with_query.status_code == 201 and answered == []

    # The rate limit counts a request once, whichever way it went: `[]` (the full stack) and one booking
    # (the fast path) fill a limit of 2; the next booking is refused, with the endpoint's answer.
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    monkeypatch.setattr(throttle, "clock", lambda: 1_899_999_920.0)
    assert client.post("/api/bookings", content=b"[]", headers=as_json).status_code == 422
    assert client.post("/api/bookings", json=booking_body(trainer.id, local(day, 10))).status_code == 201
    refused = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 11)))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "40"
    assert answered == [201, 429]


def test_computed_answers_and_bookings_each_take_at_most_a_few_threads_and_never_wait_for_each_other(monkeypatch):
    """The thread pool runs at most ``COMPUTE_THREADS`` computed answers, and as many bookings, at once (the
    rest wait on the event loop, not for the GIL); bookings stuck behind the database's writer do not hold
    up slot answers."""
    import threading
    import time

    import anyio
    import httpx
    from starlette.responses import JSONResponse

    running = {"answers": 0, "bookings": 0}
    most = dict(running)
    lock = threading.Lock()
    writer_free = threading.Event()

    def busy(kind, seconds, wait=None):
        with lock:
            running[kind] += 1
            most[kind] = max(most[kind], running[kind])
        if wait is not None:
            wait.wait(10)
        time.sleep(seconds)
        with lock:
            running[kind] -= 1

    def answer(scope):
        busy("answers", 0.02)
        return b"[]"

    def booking(scope, raw):
        busy("bookings", 0.0, wait=writer_free)  # every booking waits for the writer
        return JSONResponse({}, status_code=201)

    monkeypatch.setattr(fastpath, "_warm_answer", lambda scope: None)
    monkeypatch.setattr(fastpath, "_computed_answer", answer)
    monkeypatch.setattr(fastpath, "_booking_answer", booking)

    async def full_stack(scope, receive, send):  # never reached: the fast path answers all of these
        raise AssertionError(scope["path"])

    statuses = []

    async def call(http, method, path, **kwargs):
        statuses.append((path, (await http.request(method, path, **kwargs)).status_code))

    async def main():
        transport = httpx.ASGITransport(app=fastpath.in_front(full_stack))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as http:
            async with anyio.create_task_group() as bookings:
                for _ in range(12):
                    bookings.start_soon(
                        lambda: call(
                            http, "POST", "/api/bookings", content=b"{}", headers={"content-type": "application/json"}
                        )
                    )
                await anyio.sleep(0.2)  # the bookings hold their threads, waiting for the writer
                with anyio.fail_after(5):  # the slot answers go on regardless
                    async with anyio.create_task_group() as reads:
                        for i in range(12):
                            reads.start_soon(lambda i=i: call(http, "GET", f"/api/bookings/availability?i={i}"))
                assert most["bookings"] == fastpath.COMPUTE_THREADS, most  # the others wait their turn
                writer_free.set()

    anyio.run(main)
    assert most == {"answers": fastpath.COMPUTE_THREADS, "bookings": fastpath.COMPUTE_THREADS}, most
    assert sorted(set(statuses)) == [("/api/bookings", 201)] + sorted(
        {(f"/api/bookings/availability?i={i}", 200) for i in range(12)}
    ), statuses
