"""Calendars outside TrainerDesk over the API: the subscribe feed (a secret address, the sessions
that count, the UIDs of each booking's own .ics, rotation revoking the old address) and the
outside busy times."""

from __future__ import annotations

from datetime import timedelta, timezone
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import text

from tests.calendar_server import CalendarServer, ics, vevent
from trainerdesk.db import engine_for

from .helpers import add_sub_trainer, assert_error, book, future_day, instant, local, open_trainer, signup


def feed_path(client, trainer, as_=None) -> str:
    r = client.get(f"/api/trainers/{trainer.id}/feed", headers=(as_ or trainer).headers)
    assert r.status_code == 200, r.text
    return urlsplit(r.json()["url"]).path


def events(response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert "METHOD" not in cal  # published, not an invitation
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_lists_active_sessions_with_the_uids_of_their_own_calendar_files(client):
    trainer = open_trainer(client)
    kept = book(client, trainer.id, local(future_day(3), 10))
    cancelled = book(client, trainer.id, local(future_day(3), 12))
    r = client.post(f"/api/bookings/{cancelled['id']}/cancel", json={"token": cancelled["token"], "reason": "ill"})
    assert r.status_code == 200, r.text
    path = feed_path(client, trainer)
    assert path.startswith("/feeds/") and path.endswith(".ics")

    feed = events(client.get(path))
    own = Calendar.from_ical(client.get(f"/api/bookings/{kept['id']}/ics", params={"token": kept["token"]}).content)
    uid = str(next(iter(own.walk("VEVENT")))["UID"])
    assert list(feed) == [uid]
    event = feed[uid]
    assert str(event["SUMMARY"]) == kept["client"]["name"] + " (pending)"  # named after the client
    # The trainer's feed never carries the client's private manage links.
    assert kept["token"] not in client.get(path).text
    assert "/dashboard/bookings" in str(event["DESCRIPTION"])
    # The same address again, no login: it is the key.
    assert feed_path(client, trainer) == path


def test_rotating_revokes_the_old_address(client, db_url):
    trainer = open_trainer(client)
    old = feed_path(client, trainer)
    r = client.post(f"/api/trainers/{trainer.id}/feed/rotate", headers=trainer.headers)
    assert r.status_code == 200, r.text
    new = urlsplit(r.json()["url"]).path
    assert new != old and feed_path(client, trainer) == new
    assert_error(client.get(old), 404, "not_found")
    assert client.get(new).status_code == 200
    # Only a digest is stored: the address token is nowhere in the database.
    token = new.removeprefix("/feeds/").removesuffix(".ics")
    with engine_for(db_url).connect() as conn:
        stored = conn.execute(text("SELECT nonce, token_hash FROM calendar_feed")).all()
    assert stored and all(token not in value for row in stored for value in row)


def test_unknown_addresses_and_other_trainers_are_refused(client):
    ann, bob = signup(client), signup(client)
    for path in ("/feeds/nope.ics", "/feeds/.ics", "/feeds/" + "a" * 43 + ".ics"):
        assert_error(client.get(path), 404)
    assert_error(client.get(f"/api/trainers/{bob.id}/feed", headers=ann.headers), 403)
    assert_error(client.get(f"/api/trainers/{bob.id}/feed"), 401)
    assert_error(client.post(f"/api/trainers/{bob.id}/feed/rotate", headers=ann.headers), 403)


def test_a_primary_trainer_reads_a_sub_trainers_feed_but_not_the_other_way(client):
    primary = signup(client)
    sub = add_sub_trainer(client, primary)
    assert feed_path(client, sub, as_=primary) == feed_path(client, sub)
    assert_error(client.get(f"/api/trainers/{primary.id}/feed", headers=sub.headers), 403)


def test_sessions_that_ended_more_than_30_days_ago_leave_the_feed(client, db_url):
    from sqlmodel import Session

    from trainerdesk.services import feeds

    trainer = open_trainer(client)
    made = book(client, trainer.id, local(future_day(3), 10))
    token = feed_path(client, trainer).removeprefix("/feeds/").removesuffix(".ics")
    end = instant(made["endTime"])
    with Session(engine_for(db_url)) as session:
        assert b"BEGIN:VEVENT" in feeds.feed_ics(session, token=token, now=end + timedelta(days=30))
        assert b"BEGIN:VEVENT" not in feeds.feed_ics(session, token=token, now=end + timedelta(days=30, seconds=1))


def test_outside_busy_times_are_listed_in_the_trainers_zone(client, db_url):
    from sqlmodel import Session

    from trainerdesk.models import CalendarConnection
    from trainerdesk.services.busy import Interval, replace_busy_times

    trainer, other = open_trainer(client), signup(client)
    day = future_day(5)
    with Session(engine_for(db_url)) as s:
        connection = CalendarConnection(trainer_id=trainer.id, kind="ics", name="Home", secret="x", url_hint="h")
        s.add(connection)
        s.flush()
        replace_busy_times(s, connection, [Interval(local(day, 9), local(day, 10), "Dentist")])
        s.commit()
        connection_id = connection.id
    r = client.get(
        f"/api/trainers/{trainer.id}/busy",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=trainer.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == [
        {
            "startTime": local(day, 9).isoformat(),
            "endTime": local(day, 10).isoformat(),
            "calendarId": connection_id,
            "summary": "Dentist",
        }
    ]
    assert local(day, 9) not in [
        instant(s["startTime"])
        for s in client.get(
            "/api/bookings/availability", params={"trainerId": trainer.id, "date": day.isoformat(), "duration": "60"}
        ).json()
    ]
    assert_error(client.get(f"/api/trainers/{trainer.id}/busy", headers=other.headers), 403)
    assert_error(
        client.get(
            f"/api/trainers/{trainer.id}/busy",
            params={"from": "2027-01-02", "to": "2027-01-01"},
            headers=trainer.headers,
        ),
        422,
        "validation",
    )


# --------------------------------------------------------------------------- connected calendars


@pytest.fixture
def calendar_server(monkeypatch):
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "1")
    server = CalendarServer()
    yield server
    server.httpd.shutdown()


def test_connect_list_rename_sync_and_remove_a_calendar(client, calendar_server):
    trainer, other = open_trainer(client), signup(client)
    day = future_day(4)
    start = local(day, 10).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    end = local(day, 11).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    calendar_server.files["/secret/basic.ics"] = (200, ics(vevent("gym@test", start, end, "Class at the gym")))
    url = calendar_server.url("/secret/basic.ics")
    base = f"/api/trainers/{trainer.id}/calendars"

    r = client.post(base, json={"kind": "ics", "url": url, "name": "Gym"}, headers=trainer.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "Gym" and made["status"] == "ok" and made["busyCount"] == 1
    assert made["lastError"] == "" and made["lastSyncedAt"]
    assert url not in r.text and "secret" not in made["urlHint"]  # the address never comes back
    slots = client.get(
        "/api/bookings/availability", params={"trainerId": trainer.id, "date": day.isoformat(), "duration": "60"}
    ).json()
    assert local(day, 10) not in [instant(s["startTime"]) for s in slots]

    assert [c["id"] for c in client.get(base, headers=trainer.headers).json()] == [made["id"]]
    assert_error(client.get(base, headers=other.headers), 403)
    r = client.patch(f"{base}/{made['id']}", json={"name": "Other gym"}, headers=trainer.headers)
    assert r.status_code == 200 and r.json()["name"] == "Other gym"
    assert_error(client.patch(f"{base}/{made['id']}", json={"name": "x"}, headers=other.headers), 403)
    no_choice = {"calendars": [{"href": url, "checkConflicts": False}]}
    assert_error(
        client.patch(f"{base}/{made['id']}", json=no_choice, headers=trainer.headers), 422, "validation", "calendars"
    )

    calendar_server.files["/secret/basic.ics"] = (500, b"down")
    r = client.post(f"{base}/{made['id']}/sync", headers=trainer.headers)
    assert r.status_code == 200 and r.json()["status"] == "error" and r.json()["lastError"]
    assert r.json()["busyCount"] == 1  # the last good busy times stay

    assert client.delete(f"{base}/{made['id']}", headers=trainer.headers).status_code == 204
    assert client.get(base, headers=trainer.headers).json() == []
    slots = client.get(
        "/api/bookings/availability", params={"trainerId": trainer.id, "date": day.isoformat(), "duration": "60"}
    ).json()
    assert local(day, 10) in [instant(s["startTime"]) for s in slots]
    assert_error(client.delete(f"{base}/{made['id']}", headers=trainer.headers), 404)


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"kind": "ics"}, "validation", "url"),
        ({"kind": "ics", "url": "ftp://example.com/x.ics"}, "validation", "url"),
        ({"kind": "ics", "url": "not a url"}, "validation", "url"),
        ({"kind": "carrier-pigeon", "url": "https://example.com/x.ics"}, "validation", "kind"),
        ({"kind": "ics", "url": "PATH:/html"}, "validation", "url"),
        ({"kind": "ics", "url": "PATH:/missing"}, "unreachable", "url"),
    ],
)
def test_a_calendar_that_cannot_be_read_is_refused_with_a_reason(client, calendar_server, body, code, field):
    trainer = open_trainer(client)
    calendar_server.files["/html"] = (200, b"<html>Please sign in</html>")
    if str(body.get("url", "")).startswith("PATH:"):
        body = {**body, "url": calendar_server.url(body["url"].removeprefix("PATH:"))}
    r = client.post(f"/api/trainers/{trainer.id}/calendars", json=body, headers=trainer.headers)
    assert_error(r, 422, code, field)
    assert client.get(f"/api/trainers/{trainer.id}/calendars", headers=trainer.headers).json() == []
