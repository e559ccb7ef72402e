"""CalDAV accounts over the API, against a real CalDAV server (Radicale) on this machine: connect
(201 with the account's calendars, the password never coming back), wrong credentials and
unreachable servers refused with their reasons, choosing calendars by PATCH."""

from __future__ import annotations

from datetime import timezone

import pytest

from tests.caldav_server import CaldavServer, free_port
from tests.calendar_server import ics, vevent

from .helpers import assert_error, future_day, instant, local, open_trainer

PASSWORD = "app-password-1234"


@pytest.fixture
def dav(monkeypatch, tmp_path):
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "1")
    server = CaldavServer(tmp_path, {"alice": PASSWORD})
    server.home = server.make_calendar("alice", "home", "Home")
    server.work = server.make_calendar("alice", "work", "Work")
    yield server
    server.stop()


def utc(day, hour) -> str:
    return local(day, hour).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def starts(client, trainer, day) -> list:
    slots = client.get(
        "/api/bookings/availability", params={"trainerId": trainer.id, "date": day.isoformat(), "duration": "60"}
    ).json()
    return [instant(s["startTime"]) for s in slots]


def test_connect_an_account_and_choose_its_calendars(client, dav):
    trainer = open_trainer(client)
    day = future_day(4)
    dav.put("alice", dav.work, "gym", ics(vevent("gym@test", utc(day, 10), utc(day, 11), "Class at the gym")))
    base = f"/api/trainers/{trainer.id}/calendars"
    body = {"kind": "caldav", "url": dav.url("/"), "username": "alice", "password": PASSWORD, "name": "Cloud"}

    r = client.post(base, json=body, headers=trainer.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["kind"] == "caldav" and made["status"] == "ok" and made["busyCount"] == 1
    assert [(c["name"], c["checkConflicts"], c["writeBookings"]) for c in made["calendars"]] == [
        ("Home", True, False),
        ("Work", True, False),
    ]
    assert PASSWORD not in r.text
    assert local(day, 10) not in starts(client, trainer, day)
    assert client.get(base, headers=trainer.headers).json()[0]["calendars"] == made["calendars"]

    work = made["calendars"][1]["href"]
    r = client.patch(
        f"{base}/{made['id']}", json={"calendars": [{"href": work, "checkConflicts": False}]}, headers=trainer.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["busyCount"] == 0 and r.json()["calendars"][1]["checkConflicts"] is False
    assert local(day, 10) in starts(client, trainer, day)

    unknown = [{"href": dav.url("/alice/elsewhere/"), "checkConflicts": True}]
    r = client.patch(f"{base}/{made['id']}", json={"calendars": unknown}, headers=trainer.headers)
    assert_error(r, 422, "validation", "calendars")
    both = [{"href": c["href"], "writeBookings": True} for c in made["calendars"]]
    assert_error(
        client.patch(f"{base}/{made['id']}", json={"calendars": both}, headers=trainer.headers),
        422,
        "validation",
        "calendars",
    )


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"password": "wrong"}, "validation", "password"),
        ({"password": ""}, "validation", "password"),
        ({"username": None}, "validation", "username"),
        ({"username": "x" * 201}, "validation", "username"),
        ({"url": "ftp://example.com/dav/"}, "validation", "url"),
        ({"url": "DOWN"}, "unreachable", "url"),
    ],
)
def test_an_account_that_cannot_be_read_is_refused_with_a_reason(client, dav, change, code, field):
    trainer = open_trainer(client)
    body = {"kind": "caldav", "url": dav.url("/"), "username": "alice", "password": PASSWORD, **change}
    if body["url"] == "DOWN":
        body["url"] = f"http://127.0.0.1:{free_port()}/"
    r = client.post(f"/api/trainers/{trainer.id}/calendars", json=body, headers=trainer.headers)
    assert_error(r, 422, code, field)
    assert client.get(f"/api/trainers/{trainer.id}/calendars", headers=trainer.headers).json() == []


def test_an_account_on_an_internal_address_is_refused_without_the_test_setting(client, dav, monkeypatch):
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "0")
    trainer = open_trainer(client)
    body = {"kind": "caldav", "url": dav.url("/"), "username": "alice", "password": PASSWORD}
    r = client.post(f"/api/trainers/{trainer.id}/calendars", json=body, headers=trainer.headers)
    assert_error(r, 422, "validation", "url")
