"""API.md "Embedding" (the snippet endpoint) and the rate limit of public write endpoints."""

from __future__ import annotations

import re
from types import SimpleNamespace

from trainerdesk.api import deps

from tests.api.helpers import assert_error, booking_body, future_day, get_slots, local, open_trainer, signup


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
    assert "<script>\"" not in r.text and "Œrsted &lt;script&gt;" in r.text


def test_embed_snippet_of_an_unknown_trainer_is_404(client):
    r = client.get("/api/embed/calendar/nobody")
    assert_error(r, 404, "not_found")


def test_third_public_booking_in_a_minute_is_429(client, monkeypatch):
    trainer = open_trainer(client)
    day = future_day(9)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    # The limiter counts per fixed minute: freeze its clock so the three requests share one window.
    monkeypatch.setattr(deps, "time", SimpleNamespace(time=lambda: 1_900_000_000.0))
    for hour in (9, 10):
        r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, hour)))
        assert r.status_code == 201, r.text
    r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 11)))
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) > 0
    # Reading is not limited, and the refused booking was not made.
    for _ in range(3):
        starts = [s["startTime"] for s in get_slots(client, trainer.id, day)]
    assert local(day, 11).isoformat() in starts
    r = client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers)
    assert r.status_code == 200 and r.json()["total"] == 2
    # The next minute is a new window.
    monkeypatch.setattr(deps, "time", SimpleNamespace(time=lambda: 1_900_000_060.0))
    r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, 11)))
    assert r.status_code == 201, r.text


def test_rate_limit_zero_turns_it_off(client, monkeypatch):
    trainer = open_trainer(client)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setattr(deps, "time", SimpleNamespace(time=lambda: 1_900_000_000.0))
    day = future_day(9)
    for hour in range(9, 14):
        r = client.post("/api/bookings", json=booking_body(trainer.id, local(day, hour)))
        assert r.status_code == 201, r.text
