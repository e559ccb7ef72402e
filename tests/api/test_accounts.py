"""docs/api.md "Process", "Accounts" and "Preferences": health, signup, login, sub-trainers, preferences, OpenAPI."""

from __future__ import annotations

import pytest

from tests.api.helpers import PASSWORD, add_sub_trainer, assert_error, signup

PREF_FIELDS = {
    "timezone",
    "sessionDurations",
    "bufferMinutes",
    "minNoticeHours",
    "maxAdvanceDays",
    "cancellationNoticeHours",
    "rescheduleNoticeHours",
    "maxReschedules",
    "allowClientCancel",
    "allowClientReschedule",
    "autoConfirm",
    "clock",
    "reminderHours",
}


def test_health_answers_ok(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_openapi_document_lists_the_contract(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    expected = {
        "/api/health": {"get"},
        "/api/auth/signup": {"post"},
        "/api/auth/login": {"post"},
        "/api/trainers/{trainer_id}/sub-trainers": {"get", "post"},
        "/api/trainers/{trainer_id}/preferences": {"get", "patch"},
        "/api/trainers/{trainer_id}/availability": {"get", "post", "put"},
        "/api/trainers/{trainer_id}/availability/{block_id}": {"delete"},
        "/api/trainers/{trainer_id}/overrides": {"get"},
        "/api/trainers/{trainer_id}/overrides/{day}": {"put", "delete"},
        "/api/bookings/availability": {"get"},
        "/api/bookings/availability/dates": {"get"},
        "/api/bookings": {"post"},
        "/api/bookings/{booking_id}": {"get"},
        "/api/bookings/{booking_id}/ics": {"get"},
        "/api/bookings/{booking_id}/status": {"patch"},
        "/api/bookings/{booking_id}/cancel": {"post"},
        "/api/bookings/{booking_id}/reschedule": {"post"},
        "/api/bookings/{booking_id}/history": {"get"},
        "/api/trainers/{trainer_id}/bookings": {"get"},
        "/api/trainers/{trainer_id}/bookings.csv": {"get"},
        "/api/trainers/{trainer_id}/bookings/bulk-status": {"post"},
        "/api/embed/calendar/{trainer_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, f"{path} missing from the OpenAPI document"
        assert methods <= set(paths[path]), (path, set(paths[path]))


# ---------------------------------------------------------------- signup


def test_signup_returns_id_slug_and_a_working_key(client):
    r = client.post(
        "/api/auth/signup",
        json={"email": "Ann@Example.com", "password": "vq8-Lm2z", "name": "Ann Trainer", "timezone": "Europe/Berlin"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert {"trainerId", "slug", "apiKey"} <= set(body)
    assert all(isinstance(body[k], str) and body[k] for k in ("trainerId", "slug", "apiKey"))
    assert body["slug"] == "ann-trainer"
    r = client.get(
        f"/api/trainers/{body['trainerId']}/preferences", headers={"Authorization": f"Bearer {body['apiKey']}"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["timezone"] == "Europe/Berlin"


def test_signup_gives_distinct_slugs_for_the_same_name(client):
    a = signup(client, name="Ann Trainer")
    b = signup(client, name="Ann Trainer")
    assert a.slug != b.slug
    assert a.id != b.id and a.key != b.key


def test_signup_with_an_existing_email_is_409(client):
    signup(client, email="dup@example.com")
    r = client.post(
        "/api/auth/signup", json={"email": "DUP@example.com", "password": PASSWORD, "name": "Other", "timezone": "UTC"}
    )
    assert_error(r, 409)


@pytest.mark.parametrize(
    "field, values",
    [
        ("timezone", ["Mars/Olympus_Mons", "", None, 5, "europe/berlin", ["Europe/Berlin"]]),
        ("email", ["not-an-email", "a@b", "", None, "two@@example.com", "a b@example.com", 42]),
        ("password", ["1234567", "", None, 12345678, ["12345678"]]),
    ],
)
def test_signup_validation(client, field, values):
    good = {"email": "v@example.com", "password": PASSWORD, "name": "Val Idation", "timezone": "Europe/Berlin"}
    for value in values:
        r = client.post("/api/auth/signup", json={**good, field: value})
        assert_error(r, 422, "validation", field)
    # Nothing was created: the account can still be made with good values.
    r = client.post("/api/auth/signup", json=good)
    assert r.status_code == 201, r.text


def test_unreadable_bodies_are_validation_errors(client):
    r = client.post("/api/auth/signup", json=["email"])
    assert_error(r, 422, "validation", "body")
    for raw in (b"{not json", b"[" * 50_000 + b"]" * 50_000, b'{"email": 1' + b"0" * 5000 + b"}", b"\xff\xfe{"):
        r = client.post("/api/auth/signup", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), r.text
        assert_error(r, r.status_code, "validation", "body")


# ---------------------------------------------------------------- login


def test_login_returns_a_new_working_key(client):
    trainer = signup(client, email="log@example.com")
    r = client.post("/api/auth/login", json={"email": "Log@Example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["trainerId"] == trainer.id
    assert isinstance(body["apiKey"], str) and body["apiKey"]
    r = client.get(f"/api/trainers/{trainer.id}/preferences", headers={"Authorization": f"Bearer {body['apiKey']}"})
    assert r.status_code == 200
    # The signup key still works too.
    r = client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers)
    assert r.status_code == 200


def test_login_with_bad_credentials_is_401(client):
    signup(client, email="log@example.com")
    for email, password in [
        ("log@example.com", "wrong-password"),
        ("nobody@example.com", PASSWORD),
        ("log@example.com", ""),
        ("log@example.com", None),
        (None, None),
        (5, ["x"]),
    ]:
        r = client.post("/api/auth/login", json={"email": email, "password": password})
        assert_error(r, 401, "unauthorized")
        assert "apiKey" not in r.text


# ---------------------------------------------------------------- sub-trainers


def test_sub_trainers_are_created_and_listed(client):
    primary = signup(client, name="Pat Primary")
    sub = add_sub_trainer(client, primary, name="Sam Sub", timezone="America/New_York")
    assert sub.id != primary.id and sub.slug and sub.key
    r = client.get(f"/api/trainers/{primary.id}/sub-trainers", headers=primary.headers)
    assert r.status_code == 200, r.text
    assert r.json() == [{"trainerId": sub.id, "name": "Sam Sub", "slug": sub.slug, "timezone": "America/New_York"}]
    # The sub-trainer's own key works on its own resources.
    r = client.get(f"/api/trainers/{sub.id}/preferences", headers=sub.headers)
    assert r.status_code == 200
    assert r.json()["timezone"] == "America/New_York"


def test_sub_trainer_validation_and_duplicate_email(client):
    primary = signup(client)
    r = client.post(
        f"/api/trainers/{primary.id}/sub-trainers",
        headers=primary.headers,
        json={"email": "x@example.com", "password": "short", "name": "X", "timezone": "UTC"},
    )
    assert_error(r, 422, "validation", "password")
    r = client.post(
        f"/api/trainers/{primary.id}/sub-trainers",
        headers=primary.headers,
        json={"email": primary.email, "password": PASSWORD, "name": "X", "timezone": "UTC"},
    )
    assert_error(r, 409)
    r = client.get(f"/api/trainers/{primary.id}/sub-trainers", headers=primary.headers)
    assert r.json() == []


def test_a_sub_trainer_cannot_add_sub_trainers(client):
    primary = signup(client)
    sub = add_sub_trainer(client, primary)
    r = client.post(
        f"/api/trainers/{sub.id}/sub-trainers",
        headers=sub.headers,
        json={"email": "subsub@example.com", "password": PASSWORD, "name": "Sub Sub", "timezone": "UTC"},
    )
    assert r.status_code in (403, 422), r.text
    assert_error(r, r.status_code)
    r = client.get(f"/api/trainers/{primary.id}/sub-trainers", headers=primary.headers)
    assert [s["trainerId"] for s in r.json()] == [sub.id]


# ---------------------------------------------------------------- preferences


def test_preferences_default_object(client):
    trainer = signup(client, timezone="Asia/Tokyo")
    r = client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers)
    assert r.status_code == 200
    prefs = r.json()
    assert set(prefs) == PREF_FIELDS
    assert prefs["timezone"] == "Asia/Tokyo"
    assert isinstance(prefs["sessionDurations"], list) and prefs["sessionDurations"]
    for name in ("allowClientCancel", "allowClientReschedule", "autoConfirm"):
        assert isinstance(prefs[name], bool)


def test_patch_preferences_returns_the_whole_object_and_persists(client):
    trainer = signup(client)
    before = client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers).json()
    r = client.patch(
        f"/api/trainers/{trainer.id}/preferences",
        headers=trainer.headers,
        json={"bufferMinutes": 15, "autoConfirm": True},
    )
    assert r.status_code == 200, r.text
    after = r.json()
    assert set(after) == PREF_FIELDS
    assert after == {**before, "bufferMinutes": 15, "autoConfirm": True}
    assert client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers).json() == after


def test_patch_preferences_accepts_the_edges_of_every_range(client):
    trainer = signup(client)
    edges = {
        "sessionDurations": [10, 15, 30, 45, 60, 90, 120, 480],
        "bufferMinutes": 120,
        "minNoticeHours": 720,
        "maxAdvanceDays": 730,
        "cancellationNoticeHours": 720,
        "rescheduleNoticeHours": 720,
        "maxReschedules": 20,
        "allowClientCancel": False,
        "allowClientReschedule": False,
        "autoConfirm": True,
        "clock": "12",
    }
    r = client.patch(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers, json=edges)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in edges} == edges
    low = {
        "sessionDurations": [10],
        "bufferMinutes": 0,
        "minNoticeHours": 0,
        "maxAdvanceDays": 1,
        "cancellationNoticeHours": 0,
        "rescheduleNoticeHours": 0,
        "maxReschedules": 0,
    }
    r = client.patch(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers, json=low)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in low} == low


def test_patch_preferences_can_change_the_timezone(client):
    trainer = signup(client)
    r = client.patch(
        f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers, json={"timezone": "America/Chicago"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["timezone"] == "America/Chicago"
    r = client.patch(
        f"/api/trainers/{trainer.id}/preferences",
        headers=trainer.headers,
        json={"timezone": "Nowhere/Land", "bufferMinutes": 30},
    )
    assert_error(r, 422, "validation", "timezone")
    prefs = client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers).json()
    assert prefs["timezone"] == "America/Chicago" and prefs["bufferMinutes"] == 0


@pytest.mark.parametrize(
    "field, values",
    [
        (
            "sessionDurations",
            [
                [33],
                [62],
                [5],
                [0],
                [485],
                [-60],
                [10, 15, 20, 25, 30, 35, 40, 45, 50],
                [30, 30],
                [],
                60,
                "60",
                ["60"],
                [60.5],
                [True],
                None,
            ],
        ),
        ("bufferMinutes", [7, 125, -5, "15", 15.5, None]),
        ("minNoticeHours", [721, -1, "0", 1.5]),
        ("maxAdvanceDays", [0, 731, -1, "30"]),
        ("cancellationNoticeHours", [721, -1]),
        ("rescheduleNoticeHours", [721, -1]),
        ("maxReschedules", [21, -1, None]),
        ("allowClientCancel", ["true", 1, None]),
        ("allowClientReschedule", ["false", 0]),
        ("autoConfirm", ["true", 1, None]),
        ("clock", ["13", "", None, 24, ["12"]]),
        ("notAPreference", [1]),
    ],
)
def test_patch_preferences_refuses_out_of_range_values(client, field, values):
    trainer = signup(client)
    before = client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers).json()
    for value in values:
        # A valid change in the same request must not be applied either: all or nothing.
        body = {"maxReschedules": 5, field: value} if field != "maxReschedules" else {"bufferMinutes": 15, field: value}
        r = client.patch(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers, json=body)
        assert_error(r, 422, "validation", field)
        assert client.get(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers).json() == before, value


def test_patch_preferences_with_a_non_object_body_is_422(client):
    trainer = signup(client)
    for body in ([1, 2], "x", 5, None):
        r = client.patch(f"/api/trainers/{trainer.id}/preferences", headers=trainer.headers, json=body)
        assert_error(r, 422, "validation")
