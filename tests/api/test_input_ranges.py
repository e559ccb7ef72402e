"""Dates, instants and whole numbers at the edges of what Python can hold: a clear 422, never a 500.

The supported calendar is ``trainerdesk.domain.inputs.SUPPORTED_DATES``
(1900-01-01 .. 2999-12-31); every date, month and instant typed into the API
is checked against it by the same parsers the Reflex UI's services use, and
whole numbers are length-checked before Python parses them (it refuses
integers of more than 4,300 digits). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.api.helpers import (
    add_sub_trainer,
    assert_error,
    book,
    booking_body,
    future_day,
    local,
    open_trainer,
    set_prefs,
    set_week,
    signup,
)

TOO_LATE_DATES = ["9999-12-31", "3000-01-01", "9999-01-01"]
TOO_EARLY_DATES = ["0001-01-01", "1899-12-31", "0001-12-31"]
EXTREME_DATES = TOO_LATE_DATES + TOO_EARLY_DATES
EXTREME_MONTHS = ["9999-12", "0001-01", "3000-01", "1899-12"]
EXTREME_INSTANTS = [
    "9999-12-31T23:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59.999999+00:00",
    "3000-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
]
HUGE_INTS = ["9" * 4301, "1" + "0" * 5000, "0" * 4400 + "60", "9" * 60_000]  # httpx: URLs up to 64 KiB
# Zones at both ends of the offsets, so a date's instants lie a day either side of UTC.
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "Europe/Berlin", "UTC"]


def slots_url(**params: str) -> tuple[str, dict]:
    return "/api/bookings/availability", params


# ---------------------------------------------------------------- slots (public)


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_slots_of_a_date_outside_the_calendar_are_a_422(client, day):
    trainer = open_trainer(client)
    set_prefs(client, trainer, sessionDurations=[30, 60])
    for params in (
        {"trainerId": trainer.id, "date": day, "duration": "60"},
        {"trainerId": trainer.id, "date": day},
        {"teamId": trainer.id, "date": day, "duration": "60"},
        *({"trainerId": trainer.id, "date": day, "clientTimezone": z} for z in ZONES),
    ):
        r = client.get("/api/bookings/availability", params=params)
        error = assert_error(r, 422, "validation", "date")
        assert "1900-01-01" in error["message"] and "2999-12-31" in error["message"], error


@pytest.mark.parametrize("month", EXTREME_MONTHS)
def test_bookable_dates_of_a_month_outside_the_calendar_are_a_422(client, month):
    trainer = open_trainer(client)
    for params in (
        {"trainerId": trainer.id, "month": month, "duration": "60"},
        {"trainerId": trainer.id, "month": month},
        {"teamId": trainer.id, "month": month},
        *({"trainerId": trainer.id, "month": month, "clientTimezone": z} for z in ZONES),
    ):
        r = client.get("/api/bookings/availability/dates", params=params)
        error = assert_error(r, 422, "validation", "month")
        assert "1900-01" in error["message"] and "2999-12" in error["message"], error


@pytest.mark.parametrize("zone", ZONES)
def test_the_first_and_last_supported_dates_answer_in_every_zone(client, zone):
    trainer = open_trainer(client, timezone=zone)
    add_sub_trainer(client, trainer, timezone=zone)
    for who in ({"trainerId": trainer.id}, {"teamId": trainer.id}):
        for day in ("1900-01-01", "2999-12-31"):
            for client_zone in ZONES:
                r = client.get("/api/bookings/availability", params={**who, "date": day, "clientTimezone": client_zone})
                assert r.status_code == 200 and r.json() == [], r.text
        for month in ("1900-01", "2999-12"):
            for client_zone in ZONES:
                r = client.get(
                    "/api/bookings/availability/dates", params={**who, "month": month, "clientTimezone": client_zone}
                )
                assert r.status_code == 200 and r.json() == [], r.text


@pytest.mark.parametrize("value", HUGE_INTS + ["99999999999999999999999", "-60", "60.0", "1e3"])
def test_a_duration_of_any_length_is_a_422(client, value):
    trainer = open_trainer(client)
    day = future_day(3).isoformat()
    r = client.get("/api/bookings/availability", params={"trainerId": trainer.id, "date": day, "duration": value})
    assert_error(r, 422, "validation", "duration")
    r = client.get(
        "/api/bookings/availability/dates", params={"trainerId": trainer.id, "month": day[:7], "duration": value}
    )
    assert_error(r, 422, "validation", "duration")


def test_a_duration_with_leading_zeros_still_works(client):
    trainer = open_trainer(client)
    r = client.get(
        "/api/bookings/availability",
        params={"trainerId": trainer.id, "date": future_day(3).isoformat(), "duration": "060"},
    )
    assert r.status_code == 200 and len(r.json()) == 8, r.text


# ---------------------------------------------------------------- bookings


@pytest.mark.parametrize("start", EXTREME_INSTANTS)
def test_booking_an_instant_outside_the_calendar_is_a_422(client, start):
    trainer = open_trainer(client)
    r = client.post("/api/bookings", json=booking_body(trainer.id, start))
    error = assert_error(r, 422, "validation", "startTime")
    assert "1900-01-01" in error["message"] and "2999-12-31" in error["message"], error
    r = client.post("/api/bookings", json={**booking_body(trainer.id, start), "trainerId": None, "teamId": trainer.id})
    assert_error(r, 422, "validation", "startTime")


@pytest.mark.parametrize("start", EXTREME_INSTANTS)
def test_rescheduling_to_an_instant_outside_the_calendar_is_a_422(client, start):
    trainer = open_trainer(client)
    booking = book(client, trainer.id, local(future_day(5), 10))
    url = f"/api/bookings/{booking['id']}/reschedule"
    assert_error(client.post(url, json={"startTime": start, "token": booking["token"]}), 422, "validation", "startTime")
    assert_error(client.post(url, json={"startTime": start}, headers=trainer.headers), 422, "validation", "startTime")
    r = client.get(f"/api/bookings/{booking['id']}", params={"token": booking["token"]})
    assert r.json()["startTime"] == booking["startTime"] and r.json()["rescheduleCount"] == 0


@pytest.mark.parametrize("zone", ZONES)
def test_instants_at_the_edges_of_the_calendar_are_simply_not_slots(client, zone):
    trainer = open_trainer(client, timezone=zone)
    booking = book(client, trainer.id, local(future_day(5), 10, zone=zone))
    for start in (
        "2999-12-31T23:00:00Z",
        "2999-12-31T23:59:59+14:00",
        "2999-12-31T23:59:59-12:00",
        "1900-01-01T00:00:00Z",
        "1900-01-01T00:00:00+14:00",
        "1900-01-01T00:00:00-12:00",
    ):
        assert_error(client.post("/api/bookings", json=booking_body(trainer.id, start)), 409, "slot_unavailable")
        r = client.post(f"/api/bookings/{booking['id']}/reschedule", json={"startTime": start}, headers=trainer.headers)
        assert r.status_code in (409, 422) and r.json()["error"]["code"] in ("slot_unavailable", "policy"), r.text


def test_a_huge_duration_in_a_booking_body_is_a_4xx(client):
    trainer = open_trainer(client)
    start = local(future_day(5), 10).isoformat()
    body = booking_body(trainer.id, start)
    for raw in (10**40, 10**400):
        r = client.post("/api/bookings", json={**body, "duration": raw})
        assert_error(r, 422, "validation", "duration")
    text = f'{{"trainerId": "{trainer.id}", "startTime": "{start}", "duration": {"9" * 5000}}}'
    r = client.post("/api/bookings", content=text.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]["code"] == "validation", r.text


# ---------------------------------------------------------------- a trainer's list and CSV

LIST_CASES = [
    ({"to": "9999-12-31"}, "to"),
    ({"from": "0001-01-01"}, "from"),
    ({"from": "9999-12-31"}, "from"),
    ({"to": "0001-01-01"}, "to"),
    ({"from": "1899-12-31", "to": "2999-12-31"}, "from"),
    ({"from": "1900-01-01", "to": "3000-01-01"}, "to"),
]


@pytest.mark.parametrize("params,field", LIST_CASES)
def test_listing_with_a_date_outside_the_calendar_is_a_422(client, params, field):
    trainer = open_trainer(client)
    book(client, trainer.id, local(future_day(5), 10))
    r = client.get(f"/api/trainers/{trainer.id}/bookings", params=params, headers=trainer.headers)
    error = assert_error(r, 422, "validation", field)
    assert "1900-01-01" in error["message"] and "2999-12-31" in error["message"], error


@pytest.mark.parametrize("params,field", LIST_CASES)
def test_csv_with_a_date_outside_the_calendar_is_a_422_before_any_body(client, params, field):
    trainer = open_trainer(client)
    book(client, trainer.id, local(future_day(5), 10))
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", params=params, headers=trainer.headers)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    assert_error(r, 422, "validation", field)


@pytest.mark.parametrize("zone", ZONES)
def test_listing_and_csv_over_the_whole_calendar_work(client, zone):
    trainer = open_trainer(client, timezone=zone)
    made = book(client, trainer.id, local(future_day(5), 10, zone=zone))
    whole = {"from": "1900-01-01", "to": "2999-12-31"}
    r = client.get(f"/api/trainers/{trainer.id}/bookings", params=whole, headers=trainer.headers)
    assert r.status_code == 200 and [b["id"] for b in r.json()["items"]] == [made["id"]], r.text
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", params=whole, headers=trainer.headers)
    assert r.status_code == 200, r.text
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,startTime") and len(lines) == 2 and lines[1].startswith(made["id"])


@pytest.mark.parametrize("name", ["page", "pageSize"])
@pytest.mark.parametrize("value", HUGE_INTS + ["99999999999999999999999"])
def test_page_numbers_of_any_length_are_a_422(client, name, value):
    trainer = open_trainer(client)
    r = client.get(f"/api/trainers/{trainer.id}/bookings", params={name: value}, headers=trainer.headers)
    assert_error(r, 422, "validation", name)


def test_page_numbers_with_leading_zeros_still_work(client):
    trainer = open_trainer(client)
    r = client.get(
        f"/api/trainers/{trainer.id}/bookings", params={"page": "0001", "pageSize": "020"}, headers=trainer.headers
    )
    assert r.status_code == 200 and (r.json()["page"], r.json()["pageSize"]) == (1, 20), r.text


def test_csv_of_too_many_ids_is_a_422_before_any_body(client):
    trainer = open_trainer(client)
    made = book(client, trainer.id, local(future_day(5), 10))
    ids = ",".join([made["id"]] + [f"i{n}" for n in range(5_000)])
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", params={"ids": ids}, headers=trainer.headers)
    assert_error(r, 422, "validation", "ids")
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", params={"ids": made["id"]}, headers=trainer.headers)
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 2, r.text


# ---------------------------------------------------------------- date overrides


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_overrides_outside_the_calendar_are_a_422(client, day):
    trainer = signup(client)
    set_week(client, trainer)
    url = f"/api/trainers/{trainer.id}/overrides"
    body = {"blocks": [{"startTime": "10:00", "endTime": "12:00"}]}
    assert_error(client.put(f"{url}/{day}", json=body, headers=trainer.headers), 422, "validation", "date")
    assert_error(client.delete(f"{url}/{day}", headers=trainer.headers), 422, "validation", "date")
    assert_error(client.get(url, params={"from": day}, headers=trainer.headers), 422, "validation", "from")
    assert_error(client.get(url, params={"to": day}, headers=trainer.headers), 422, "validation", "to")
    r = client.put(f"{url}/2999-12-31", json=body, headers=trainer.headers)
    assert r.status_code == 200, r.text
    r = client.get(url, params={"from": "1900-01-01", "to": "2999-12-31"}, headers=trainer.headers)
    assert [o["date"] for o in r.json()] == ["2999-12-31"], r.text


# ---------------------------------------------------------------- the services the UI calls: the same check


def test_the_services_refuse_dates_outside_the_calendar_for_the_ui_too(db_url, client):
    from trainerdesk.db import session_scope
    from trainerdesk.domain.errors import ValidationFailed
    from trainerdesk.models import utcnow
    from trainerdesk.services import availability, bookings

    trainer = open_trainer(client)
    with session_scope() as session:
        for day in (date.max, date.min, date(3000, 1, 1), date(1899, 12, 31)):
            with pytest.raises(ValidationFailed) as caught:
                availability.slots_for_date(
                    session, trainer_id=trainer.id, day=day, client_tz=None, duration=60, now=utcnow()
                )
            assert caught.value.details["field"] == "date"
            with pytest.raises(ValidationFailed) as caught:
                availability.dates_with_slots(
                    session,
                    trainer_id=trainer.id,
                    month_first=day.replace(day=1),
                    client_tz=None,
                    duration=60,
                    now=utcnow(),
                )
            assert caught.value.details["field"] == "month"
        for text in EXTREME_INSTANTS:
            with pytest.raises(ValidationFailed) as caught:
                bookings.parse_instant(text)
            assert caught.value.details["field"] == "startTime"
        for label, value in (("date_from", "0001-01-01"), ("date_to", "9999-12-31")):
            with pytest.raises(ValidationFailed) as caught:
                bookings.parse_query(**{label: value})
            assert caught.value.details["field"] == label[5:]
