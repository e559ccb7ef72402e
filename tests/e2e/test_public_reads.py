"""The production server's public slot reads: computed or replayed in front of the ASGI stack
(``api/fastpath.py``), they send what the full stack sends, headers included."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from tests.e2e.helpers import make_trainer

pytestmark = pytest.mark.e2e

# Set per response by the server, not by the app.
_PER_RESPONSE = {"date", "server"}


def _seen(response: httpx.Response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in _PER_RESPONSE)
    return response.status_code, headers, response.content


def _headers_but_length(response: httpx.Response) -> list:
    return [h for h in _seen(response)[1] if h[0] != "content-length"]


def test_computed_and_replayed_answers_are_the_full_stacks(live_app):
    trainer = make_trainer(live_app["base"], "reads@example.com", zone="Asia/Tokyo", durations=[30, 60])
    day = (date.today() + timedelta(days=5)).isoformat()
    month = (date.today().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    queries = [
        (
            "/api/bookings/availability",
            {"trainerId": trainer["trainerId"], "date": day, "clientTimezone": "Europe/Paris"},
        ),
        ("/api/bookings/availability", {"teamId": trainer["trainerId"], "date": day, "duration": "60"}),
        ("/api/bookings/availability/dates", {"trainerId": trainer["trainerId"], "month": month}),
    ]
    with httpx.Client(base_url=live_app["base"], timeout=10) as api:
        for path, params in queries:
            computed = api.get(path, params=params)  # first asked: computed by the fast path
            replayed = api.get(path, params=params)  # the same again: replayed (a team's is computed again)
            # A GET with a body is never taken by the fast path: the full stack answers it.
            full = api.request("GET", path, params=params, content=b"{}")
            assert computed.status_code == 200 and computed.json(), (path, params)
            assert _seen(computed) == _seen(replayed) == _seen(full), (path, params)


def test_a_booking_made_in_front_of_the_stack_is_answered_as_the_endpoint_answers(live_app):
    """``POST /api/bookings`` with a plain JSON body is booked by the fast path; with a query string it goes
    down the full stack. Both answers carry the same headers and fields; so do their refusals."""
    trainer = make_trainer(live_app["base"], "books@example.com", zone="Europe/Lisbon", durations=[60])
    day = (date.today() + timedelta(days=6)).isoformat()
    with httpx.Client(base_url=live_app["base"], timeout=10) as api:
        starts = api.get(
            "/api/bookings/availability", params={"trainerId": trainer["trainerId"], "date": day, "duration": "60"}
        ).json()

        def body(i: int, start: str) -> dict:
            return {
                "trainerId": trainer["trainerId"],
                "startTime": start,
                "duration": 60,
                "name": f"Client {i}",
                "email": f"client{i}@example.com",
                "privacyAccepted": True,
            }

        fast = api.post("/api/bookings", json=body(1, starts[0]["startTime"]))
        full = api.post("/api/bookings?via=full-stack", json=body(2, starts[1]["startTime"]))
        assert fast.status_code == full.status_code == 201, (fast.text, full.text)
        assert list(fast.json()) == list(full.json())
        # The same headers, values included (only the booking's own bytes, and so their length, differ).
        assert _headers_but_length(fast) == _headers_but_length(full)

        # The time just taken, both ways: the same 409, byte for byte.
        taken = api.post("/api/bookings", json=body(3, starts[0]["startTime"]))
        taken_full = api.post("/api/bookings?via=full-stack", json=body(3, starts[0]["startTime"]))
        assert taken.status_code == 409 and _seen(taken) == _seen(taken_full)
