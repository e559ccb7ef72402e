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
