"""Helpers for the API tests (fixtures are in conftest.py): trainers made through the API, slots and bookings.

Every test takes ``db_url`` (directly or through ``client``), so it runs on
SQLite and on PostgreSQL. Everything is set up through the public API, as an
integration or the booking widget would; nothing here touches the services.

The app's clock is the real one, so dates are chosen relative to today (in
the trainer's zone) and the helpers set ``minNoticeHours`` 0 and
``maxAdvanceDays`` 730 so that "a few days from now" is always bookable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

TRAINER_TZ = "Europe/Berlin"
PASSWORD = "correct-horse-battery"
_emails = itertools.count(1)


@dataclass
class Trainer:
    id: str
    slug: str
    key: str
    email: str
    password: str
    name: str
    timezone: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def assert_error(response, status: int, code: Optional[str] = None, field: Optional[str] = None) -> dict:
    """The response is docs/api.md's error format with this status (and code, and ``details.field``)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"].strip(), body
    if code is not None:
        assert error["code"] == code, body
    if field is not None:
        assert isinstance(error.get("details"), dict) and error["details"].get("field") == field, body
    return error


def signup(
    client: TestClient,
    *,
    name: str = "Ann Trainer",
    email: Optional[str] = None,
    password: str = PASSWORD,
    timezone: str = TRAINER_TZ,
) -> Trainer:
    email = email or f"trainer{next(_emails)}@example.com"
    r = client.post("/api/auth/signup", json={"email": email, "password": password, "name": name, "timezone": timezone})
    assert r.status_code == 201, r.text
    body = r.json()
    return Trainer(body["trainerId"], body["slug"], body["apiKey"], email, password, name, timezone)


def add_sub_trainer(
    client: TestClient, primary: Trainer, *, name: str = "Sam Sub", timezone: str = TRAINER_TZ
) -> Trainer:
    email = f"sub{next(_emails)}@example.com"
    r = client.post(
        f"/api/trainers/{primary.id}/sub-trainers",
        headers=primary.headers,
        json={"email": email, "password": PASSWORD, "name": name, "timezone": timezone},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return Trainer(body["trainerId"], body["slug"], body["apiKey"], email, PASSWORD, name, timezone)


def set_week(
    client: TestClient,
    trainer: Trainer,
    start: str = "09:00",
    end: str = "17:00",
    days=range(7),
    *,
    as_: Optional[Trainer] = None,
) -> list[dict]:
    blocks = [{"dayOfWeek": d, "startTime": start, "endTime": end} for d in days]
    r = client.put(
        f"/api/trainers/{trainer.id}/availability", json={"blocks": blocks}, headers=(as_ or trainer).headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def set_prefs(client: TestClient, trainer: Trainer, **prefs: Any) -> dict:
    r = client.patch(f"/api/trainers/{trainer.id}/preferences", json=prefs, headers=trainer.headers)
    assert r.status_code == 200, r.text
    return r.json()


def open_trainer(client: TestClient, **signup_kw: Any) -> Trainer:
    """A trainer with 09:00-17:00 every day, 60-minute sessions, no notice and two years ahead."""
    trainer = signup(client, **signup_kw)
    set_week(client, trainer)
    set_prefs(client, trainer, minNoticeHours=0, maxAdvanceDays=730, sessionDurations=[60])
    return trainer


def today(zone: str = TRAINER_TZ) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def future_day(days: int, zone: str = TRAINER_TZ) -> date:
    return today(zone) + timedelta(days=days)


def local(day: date, hour: int, minute: int = 0, zone: str = TRAINER_TZ) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, text
    return parsed


def get_slots(
    client: TestClient, trainer_id: str, day: date, duration: Optional[int] = 60, client_tz: Optional[str] = None
) -> list[dict]:
    params: dict[str, Any] = {"trainerId": trainer_id, "date": day.isoformat()}
    if duration is not None:
        params["duration"] = str(duration)
    if client_tz:
        params["clientTimezone"] = client_tz
    r = client.get("/api/bookings/availability", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def slot_starts(client: TestClient, trainer_id: str, day: date, duration: int = 60) -> list[datetime]:
    return [instant(s["startTime"]) for s in get_slots(client, trainer_id, day, duration)]


_client_names = itertools.count(1)


def booking_body(trainer_id: str, start: datetime | str, duration: int = 60, **extra: Any) -> dict:
    n = next(_client_names)
    body = {
        "trainerId": trainer_id,
        "startTime": start if isinstance(start, str) else start.isoformat(),
        "duration": duration,
        "name": f"Client {n}",
        "email": f"client{n}@example.org",
        "phone": "+49 30 1234",
        "notes": "",
        "clientTimezone": TRAINER_TZ,
        "privacyAccepted": True,
    }
    body.update(extra)
    return body


def book(client: TestClient, trainer_id: str, start: datetime | str, duration: int = 60, **extra: Any) -> dict:
    r = client.post("/api/bookings", json=booking_body(trainer_id, start, duration, **extra))
    assert r.status_code == 201, r.text
    return r.json()


def get_booking(client: TestClient, booking: dict, trainer: Optional[Trainer] = None) -> dict:
    if trainer is not None:
        r = client.get(f"/api/bookings/{booking['id']}", headers=trainer.headers)
    else:
        r = client.get(f"/api/bookings/{booking['id']}", params={"token": booking["token"]})
    assert r.status_code == 200, r.text
    return r.json()


def history(client: TestClient, booking: dict) -> list[dict]:
    r = client.get(f"/api/bookings/{booking['id']}/history", params={"token": booking["token"]})
    assert r.status_code == 200, r.text
    return r.json()
