"""Who reaches what (docs/api.md): keys reach their own trainer, a primary also its sub-trainers; tokens their booking.

Each test sets up one small world, tries every endpoint with the wrong
credentials, collects every deviation (so one run shows them all) and then
checks that nothing changed.
"""

from __future__ import annotations

import pytest
from icalendar import Calendar

from tests.api.helpers import (
    PASSWORD,
    add_sub_trainer,
    assert_error,
    book,
    future_day,
    local,
    open_trainer,
    set_week,
)

NO_KEY: dict[str, str] = {}
BAD_KEYS = [
    {"Authorization": "Bearer td_not-a-real-key"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic YW5uOnBhc3N3b3Jk"},
    {"Authorization": "td_not-a-real-key"},
]


class World:
    """Ann (a primary trainer) with sub-trainer Sam, and Bob, a stranger; each with hours and a booking."""

    def __init__(self, client):
        self.client = client
        self.ann = open_trainer(client, name="Ann Primary")
        self.sam = add_sub_trainer(client, self.ann, name="Sam Sub")
        set_week(client, self.sam)
        r = client.patch(
            f"/api/trainers/{self.sam.id}/preferences",
            headers=self.sam.headers,
            json={"minNoticeHours": 0, "maxAdvanceDays": 730},
        )
        assert r.status_code == 200, r.text
        self.bob = open_trainer(client, name="Bob Stranger")
        self.day = future_day(9)
        self.override_day = future_day(20)
        for t in (self.ann, self.sam, self.bob):
            r = client.put(
                f"/api/trainers/{t.id}/overrides/{self.override_day.isoformat()}",
                headers=t.headers,
                json={"blocks": [{"startTime": "10:00", "endTime": "12:00"}]},
            )
            assert r.status_code == 200, r.text
        self.ann_booking = book(client, self.ann.id, local(self.day, 10))
        self.sam_booking = book(client, self.sam.id, local(self.day, 10))
        self.bob_booking = book(client, self.bob.id, local(self.day, 10))
        self.blocks = {
            t.id: client.get(f"/api/trainers/{t.id}/availability", headers=t.headers).json()[0]["id"]
            for t in (self.ann, self.sam, self.bob)
        }
        self.bookings = {self.ann.id: self.ann_booking, self.sam.id: self.sam_booking, self.bob.id: self.bob_booking}

    def endpoints(self, target):
        """Every trainer endpoint of docs/api.md aimed at ``target``'s resources: (method, path, body)."""
        tid, booking = target.id, self.bookings[target.id]
        day = self.override_day.isoformat()
        return [
            ("GET", f"/api/trainers/{tid}/preferences", None),
            ("PATCH", f"/api/trainers/{tid}/preferences", {"bufferMinutes": 30, "autoConfirm": True}),
            ("GET", f"/api/trainers/{tid}/availability", None),
            ("POST", f"/api/trainers/{tid}/availability", {"dayOfWeek": 0, "startTime": "18:00", "endTime": "19:00"}),
            ("PUT", f"/api/trainers/{tid}/availability", {"blocks": []}),
            ("DELETE", f"/api/trainers/{tid}/availability/{self.blocks[tid]}", None),
            ("GET", f"/api/trainers/{tid}/overrides", None),
            ("PUT", f"/api/trainers/{tid}/overrides/{day}", {"blocks": []}),
            ("DELETE", f"/api/trainers/{tid}/overrides/{day}", None),
            ("GET", f"/api/trainers/{tid}/bookings", None),
            ("GET", f"/api/trainers/{tid}/bookings.csv", None),
            (
                "POST",
                f"/api/trainers/{tid}/bookings/bulk-status",
                {"bookingIds": [booking["id"]], "status": "CONFIRMED"},
            ),
            (
                "POST",
                f"/api/trainers/{tid}/sub-trainers",
                {"email": "intruder@example.com", "password": PASSWORD, "name": "Intruder", "timezone": "UTC"},
            ),
            ("GET", f"/api/trainers/{tid}/sub-trainers", None),
            ("PATCH", f"/api/bookings/{booking['id']}/status", {"status": "CONFIRMED"}),
            ("GET", f"/api/bookings/{booking['id']}", None),
            ("GET", f"/api/bookings/{booking['id']}/ics", None),
            ("GET", f"/api/bookings/{booking['id']}/history", None),
            (
                "POST",
                f"/api/bookings/{booking['id']}/cancel",
                {"reason": "not yours", "acknowledgeLateCancellation": True},
            ),
            ("POST", f"/api/bookings/{booking['id']}/reschedule", {"startTime": local(self.day, 14).isoformat()}),
        ]

    def snapshot(self, owner):
        """Everything an owner can read about themselves (compared before and after the attempts)."""
        c, h = self.client, owner.headers
        out = {}
        for path in (
            f"/api/trainers/{owner.id}/preferences",
            f"/api/trainers/{owner.id}/availability",
            f"/api/trainers/{owner.id}/overrides",
            f"/api/trainers/{owner.id}/bookings",
            f"/api/trainers/{owner.id}/sub-trainers",
        ):
            r = c.get(path, headers=h)
            assert r.status_code == 200, (path, r.text)
            out[path] = r.json()
        booking = self.bookings[owner.id]
        for path in (f"/api/bookings/{booking['id']}", f"/api/bookings/{booking['id']}/history"):
            r = c.get(path, params={"token": booking["token"]})
            assert r.status_code == 200, (path, r.text)
            out[path] = r.json()
        r = c.get(f"/api/bookings/{booking['id']}/ics", params={"token": booking["token"]})
        event = Calendar.from_ical(r.content).walk("VEVENT")[0]
        out["ics"] = (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"]))
        return out


@pytest.fixture
def world(client):
    return World(client)


def request(client, method, path, body, headers):
    return client.request(method, path, json=body, headers=headers)


def refused(response, statuses) -> str | None:
    """None when the response is an error of one of ``statuses`` in docs/api.md's format, else what is wrong."""
    try:
        assert_error(response, response.status_code)
    except AssertionError as exc:
        return f"not the error format: {exc}"
    if response.status_code not in statuses:
        return f"status {response.status_code}: {response.text[:200]}"
    return None


def check_all(world, target, attempts):
    """Try each (label, headers) on every endpoint of ``target``; return the problems and compare snapshots."""
    owners = {world.ann.id: world.ann, world.sam.id: world.sam, world.bob.id: world.bob}
    before = {tid: world.snapshot(o) for tid, o in owners.items()}
    problems = []
    for method, path, body in world.endpoints(target):
        for label, headers, statuses in attempts:
            problem = refused(request(world.client, method, path, body, headers), statuses)
            if problem:
                problems.append(f"{method} {path} with {label}: {problem}")
    after = {tid: world.snapshot(o) for tid, o in owners.items()}
    for tid in owners:
        for key in before[tid]:
            if before[tid][key] != after[tid][key]:
                problems.append(f"{owners[tid].name}'s {key} changed: {before[tid][key]!r} -> {after[tid][key]!r}")
    return problems


def test_every_trainer_endpoint_needs_a_valid_key(world):
    attempts = [("no key", NO_KEY, {401})] + [(f"bad key {h}", h, {401}) for h in BAD_KEYS]
    problems = check_all(world, world.ann, attempts)
    assert not problems, "\n".join(problems)


def test_another_trainers_key_reaches_nothing(world):
    attempts = [("Bob's key on Ann", world.bob.headers, {403, 404})]
    problems = check_all(world, world.ann, attempts)
    problems += check_all(
        world,
        world.bob,
        [("Ann's key on Bob", world.ann.headers, {403, 404}), ("Sam's key on Bob", world.sam.headers, {403, 404})],
    )
    assert not problems, "\n".join(problems)


def test_a_sub_trainers_key_does_not_reach_the_primary(world):
    problems = check_all(world, world.ann, [("Sam's key on Ann (his primary)", world.sam.headers, {403, 404})])
    assert not problems, "\n".join(problems)


def test_foreign_ids_under_ones_own_trainer_path_are_refused(world):
    c, bob = world.client, world.bob
    before = world.snapshot(world.ann)
    r = c.delete(f"/api/trainers/{bob.id}/availability/{world.blocks[world.ann.id]}", headers=bob.headers)
    assert_error(r, 404)
    r = c.post(
        f"/api/trainers/{bob.id}/bookings/bulk-status",
        headers=bob.headers,
        json={"bookingIds": [world.ann_booking["id"]], "status": "CONFIRMED"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == [] and [f["id"] for f in r.json()["failed"]] == [world.ann_booking["id"]]
    r = c.get(f"/api/trainers/{bob.id}/bookings.csv", headers=bob.headers, params={"ids": world.ann_booking["id"]})
    assert r.status_code == 200 and world.ann_booking["id"] not in r.text
    assert world.snapshot(world.ann) == before


def test_a_primary_key_reaches_its_sub_trainer(world):
    c, ann, sam = world.client, world.ann, world.sam
    h = ann.headers
    r = c.get(f"/api/trainers/{sam.id}/preferences", headers=h)
    assert r.status_code == 200, r.text
    r = c.patch(f"/api/trainers/{sam.id}/preferences", headers=h, json={"bufferMinutes": 15})
    assert r.status_code == 200 and r.json()["bufferMinutes"] == 15
    assert c.get(f"/api/trainers/{sam.id}/preferences", headers=sam.headers).json()["bufferMinutes"] == 15
    r = c.post(
        f"/api/trainers/{sam.id}/availability",
        headers=h,
        json={"dayOfWeek": 0, "startTime": "18:00", "endTime": "20:00"},
    )
    assert r.status_code == 201, r.text
    block_id = r.json()["id"]
    assert block_id in [b["id"] for b in c.get(f"/api/trainers/{sam.id}/availability", headers=sam.headers).json()]
    assert c.delete(f"/api/trainers/{sam.id}/availability/{block_id}", headers=h).status_code == 204
    r = c.put(
        f"/api/trainers/{sam.id}/availability",
        headers=h,
        json={"blocks": [{"dayOfWeek": 2, "startTime": "08:00", "endTime": "12:00"}]},
    )
    assert r.status_code == 200, r.text
    assert [
        (b["dayOfWeek"], b["startTime"]) for b in c.get(f"/api/trainers/{sam.id}/availability", headers=h).json()
    ] == [(2, "08:00")]
    day = world.override_day.isoformat()
    assert c.put(f"/api/trainers/{sam.id}/overrides/{day}", headers=h, json={"blocks": []}).status_code == 200
    assert c.get(f"/api/trainers/{sam.id}/overrides", headers=h).json()[0]["blocks"] == []
    assert c.delete(f"/api/trainers/{sam.id}/overrides/{day}", headers=h).status_code == 204
    r = c.get(f"/api/trainers/{sam.id}/bookings", headers=h)
    assert r.status_code == 200 and [b["id"] for b in r.json()["items"]] == [world.sam_booking["id"]]
    assert c.get(f"/api/trainers/{sam.id}/bookings.csv", headers=h).status_code == 200
    r = c.patch(f"/api/bookings/{world.sam_booking['id']}/status", headers=h, json={"status": "CONFIRMED"})
    assert r.status_code == 200 and r.json()["status"] == "CONFIRMED"
    assert c.get(f"/api/bookings/{world.sam_booking['id']}", headers=h).status_code == 200


# ---------------------------------------------------------------- booking tokens


def test_token_endpoints_refuse_a_wrong_token(world):
    c, booking, other = world.client, world.ann_booking, world.bob_booking
    before = {t.id: world.snapshot(t) for t in (world.ann, world.bob)}
    wrong_tokens = ["wrong", other["token"], booking["token"][:-1], booking["token"] + "x", booking["token"].upper()]
    target = local(world.day, 14).isoformat()
    problems = []
    for token in wrong_tokens:
        for method, suffix, body in (
            ("GET", "", None),
            ("GET", "/ics", None),
            ("GET", "/history", None),
            ("POST", "/cancel", {"reason": "x", "acknowledgeLateCancellation": True}),
            ("POST", "/reschedule", {"startTime": target}),
        ):
            path = f"/api/bookings/{booking['id']}{suffix}"
            attempts = [c.request(method, path, params={"token": token}, json=body)]
            if body is not None:
                attempts.append(c.request(method, path, json={**body, "token": token}))
            for r in attempts:
                problem = refused(r, {401, 404})
                if problem:
                    problems.append(f"{method} {path} with token {token[:8]}...: {problem}")
    # No token at all.
    for method, suffix in (
        ("GET", ""),
        ("GET", "/ics"),
        ("GET", "/history"),
        ("POST", "/cancel"),
        ("POST", "/reschedule"),
    ):
        problem = refused(
            c.request(
                method,
                f"/api/bookings/{booking['id']}{suffix}",
                json={"startTime": target} if method == "POST" else None,
            ),
            {401, 404},
        )
        if problem:
            problems.append(f"{method} {suffix} without a token: {problem}")
    # A right token on an unknown booking id.
    problem = refused(c.get("/api/bookings/does-not-exist", params={"token": booking["token"]}), {401, 404})
    if problem:
        problems.append(f"unknown id: {problem}")
    assert not problems, "\n".join(problems)
    assert {t.id: world.snapshot(t) for t in (world.ann, world.bob)} == before


def test_a_token_does_not_open_trainer_endpoints(world):
    c, booking = world.client, world.ann_booking
    r = c.patch(
        f"/api/bookings/{booking['id']}/status",
        params={"token": booking["token"]},
        json={"status": "CONFIRMED", "token": booking["token"]},
    )
    assert_error(r, 401)
    r = c.get(f"/api/trainers/{world.ann.id}/bookings", params={"token": booking["token"]})
    assert_error(r, 401)
    r = c.get(f"/api/trainers/{world.ann.id}/bookings", headers={"Authorization": f"Bearer {booking['token']}"})
    assert_error(r, 401)
    assert c.get(f"/api/bookings/{booking['id']}", params={"token": booking["token"]}).json()["status"] == "PENDING"


def test_a_login_key_is_a_key_like_any_other(world):
    c = world.client
    r = c.post("/api/auth/login", json={"email": world.bob.email, "password": PASSWORD})
    assert r.status_code == 200
    bob_login = {"Authorization": f"Bearer {r.json()['apiKey']}"}
    assert_error(c.get(f"/api/trainers/{world.ann.id}/preferences", headers=bob_login), 403)
    assert c.get(f"/api/trainers/{world.bob.id}/preferences", headers=bob_login).status_code == 200
