"""docs/api.md "Availability" and "Slots (public)": weekly hours, date overrides, slots and bookable dates."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.helpers import (
    TRAINER_TZ,
    add_sub_trainer,
    assert_error,
    book,
    booking_body,
    future_day,
    get_slots,
    instant,
    local,
    open_trainer,
    set_prefs,
    set_week,
    signup,
    slot_starts,
)


def week(client, trainer):
    r = client.get(f"/api/trainers/{trainer.id}/availability", headers=trainer.headers)
    assert r.status_code == 200, r.text
    return r.json()


def block(day, start, end):
    return {"dayOfWeek": day, "startTime": start, "endTime": end}


def without_ids(blocks):
    return sorted((b["dayOfWeek"], b["startTime"], b["endTime"], b["isRecurring"]) for b in blocks)


# ---------------------------------------------------------------- weekly hours


def test_weekly_blocks_are_added_listed_and_deleted(client):
    trainer = signup(client)
    assert week(client, trainer) == []
    r = client.post(
        f"/api/trainers/{trainer.id}/availability", headers=trainer.headers, json=block(0, "09:00", "12:00")
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) >= {"id", "dayOfWeek", "startTime", "endTime", "isRecurring"}
    assert (created["dayOfWeek"], created["startTime"], created["endTime"], created["isRecurring"]) == (
        0,
        "09:00",
        "12:00",
        True,
    )
    assert week(client, trainer) == [created]

    r = client.delete(f"/api/trainers/{trainer.id}/availability/{created['id']}", headers=trainer.headers)
    assert r.status_code == 204
    assert r.content == b""
    assert week(client, trainer) == []
    r = client.delete(f"/api/trainers/{trainer.id}/availability/{created['id']}", headers=trainer.headers)
    assert_error(r, 404, "not_found")


def test_overlapping_block_is_409_overlap_and_touching_is_fine(client):
    trainer = signup(client)
    url = f"/api/trainers/{trainer.id}/availability"
    assert client.post(url, headers=trainer.headers, json=block(2, "09:00", "12:00")).status_code == 201
    for start, end in (
        ("11:00", "13:00"),
        ("08:00", "09:30"),
        ("09:00", "12:00"),
        ("10:00", "11:00"),
        ("07:00", "13:00"),
    ):
        r = client.post(url, headers=trainer.headers, json=block(2, start, end))
        assert_error(r, 409, "overlap")
    # Touching on either side, and the same hours on another day, are accepted.
    assert client.post(url, headers=trainer.headers, json=block(2, "12:00", "14:00")).status_code == 201
    assert client.post(url, headers=trainer.headers, json=block(2, "07:00", "09:00")).status_code == 201
    assert client.post(url, headers=trainer.headers, json=block(3, "09:00", "12:00")).status_code == 201
    assert without_ids(week(client, trainer)) == [
        (2, "07:00", "09:00", True),
        (2, "09:00", "12:00", True),
        (2, "12:00", "14:00", True),
        (3, "09:00", "12:00", True),
    ]


def test_24_00_is_allowed_as_an_end_only(client):
    trainer = signup(client)
    url = f"/api/trainers/{trainer.id}/availability"
    r = client.post(url, headers=trainer.headers, json=block(6, "22:00", "24:00"))
    assert r.status_code == 201, r.text
    assert r.json()["endTime"] == "24:00"
    assert week(client, trainer)[0]["endTime"] == "24:00"
    r = client.post(url, headers=trainer.headers, json=block(5, "24:00", "24:00"))
    assert_error(r, 422, "validation")


INVALID_BLOCKS = [
    (block(0, "12:00", "09:00"), "endTime"),
    (block(0, "09:00", "09:00"), "endTime"),
    (block(0, "9:00", "12:00"), "startTime"),
    (block(0, "09:00", "24:01"), "endTime"),
    (block(0, "25:00", "26:00"), "startTime"),
    (block(0, "09:60", "12:00"), "startTime"),
    (block(0, "09:00:00", "12:00"), "startTime"),
    (block(0, None, "12:00"), "startTime"),
    (block(0, 900, "12:00"), "startTime"),
    (block(7, "09:00", "12:00"), "dayOfWeek"),
    (block(-1, "09:00", "12:00"), "dayOfWeek"),
    (block("1", "09:00", "12:00"), "dayOfWeek"),
    (block(None, "09:00", "12:00"), "dayOfWeek"),
    (block(True, "09:00", "12:00"), "dayOfWeek"),
    (block(1.5, "09:00", "12:00"), "dayOfWeek"),
]


def test_invalid_block_is_422_naming_the_field(client):
    trainer = signup(client)
    for bad, field in INVALID_BLOCKS:
        r = client.post(f"/api/trainers/{trainer.id}/availability", headers=trainer.headers, json=bad)
        assert_error(r, 422, "validation", field)
    assert week(client, trainer) == []


def test_put_replaces_the_whole_week(client):
    trainer = signup(client)
    set_week(client, trainer, "09:00", "17:00", range(7))
    r = client.put(
        f"/api/trainers/{trainer.id}/availability",
        headers=trainer.headers,
        json={"blocks": [block(1, "13:00", "15:00"), block(1, "08:00", "13:00"), block(4, "18:00", "24:00")]},
    )
    assert r.status_code == 200, r.text
    returned = r.json()
    assert without_ids(returned) == [
        (1, "08:00", "13:00", True),
        (1, "13:00", "15:00", True),
        (4, "18:00", "24:00", True),
    ]
    assert week(client, trainer) == returned
    r = client.put(f"/api/trainers/{trainer.id}/availability", headers=trainer.headers, json={"blocks": []})
    assert r.status_code == 200 and r.json() == []
    assert week(client, trainer) == []


def test_put_with_a_bad_list_changes_nothing(client):
    trainer = signup(client)
    before = set_week(client, trainer, "10:00", "16:00", [0, 2, 4])
    for blocks, status, code in [
        ([block(0, "09:00", "12:00"), block(0, "11:00", "13:00")], 409, "overlap"),
        ([block(0, "09:00", "12:00"), block(1, "12:00", "09:00")], 422, "validation"),
        ([block(0, "09:00", "12:00"), block(9, "09:00", "12:00")], 422, "validation"),
        ([block(0, "09:00", "12:00"), {"dayOfWeek": 1}], 422, "validation"),
        ([block(0, "09:00", "12:00"), "not a block"], 422, "validation"),
        ("not a list", 422, "validation"),
        (None, 422, "validation"),
    ]:
        r = client.put(f"/api/trainers/{trainer.id}/availability", headers=trainer.headers, json={"blocks": blocks})
        assert_error(r, status, code)
        assert week(client, trainer) == before, blocks


def test_put_without_blocks_key_is_422_and_changes_nothing(client):
    trainer = signup(client)
    before = set_week(client, trainer, "10:00", "16:00", [3])
    r = client.put(f"/api/trainers/{trainer.id}/availability", headers=trainer.headers, json={})
    assert_error(r, 422, "validation")
    assert week(client, trainer) == before


def test_delete_of_another_trainers_block_is_refused(client):
    ann, bob = signup(client), signup(client)
    bob_block = set_week(client, bob, days=[0])[0]
    r = client.delete(f"/api/trainers/{ann.id}/availability/{bob_block['id']}", headers=ann.headers)
    assert_error(r, 404)
    assert week(client, bob) == [bob_block]


# ---------------------------------------------------------------- date overrides


def test_overrides_replace_block_and_restore_a_date(client):
    trainer = open_trainer(client)
    day = future_day(10)
    url = f"/api/trainers/{trainer.id}/overrides/{day.isoformat()}"
    weekly = [local(day, h) for h in range(9, 17)]
    assert slot_starts(client, trainer.id, day) == weekly

    r = client.put(
        url,
        headers=trainer.headers,
        json={"blocks": [{"startTime": "14:00", "endTime": "16:00"}, {"startTime": "10:00", "endTime": "12:00"}]},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "date": day.isoformat(),
        "isRecurring": False,
        "blocks": [{"startTime": "10:00", "endTime": "12:00"}, {"startTime": "14:00", "endTime": "16:00"}],
    }
    assert slot_starts(client, trainer.id, day) == [local(day, 10), local(day, 11), local(day, 14), local(day, 15)]
    # The neighbouring dates keep their weekly hours.
    assert slot_starts(client, trainer.id, day + timedelta(days=1)) == [
        local(day + timedelta(days=1), h) for h in range(9, 17)
    ]

    r = client.put(url, headers=trainer.headers, json={"blocks": []})
    assert r.status_code == 200, r.text
    assert r.json()["blocks"] == []
    assert slot_starts(client, trainer.id, day) == []

    r = client.delete(url, headers=trainer.headers)
    assert r.status_code == 204
    assert slot_starts(client, trainer.id, day) == weekly
    assert_error(client.delete(url, headers=trainer.headers), 404, "not_found")


def test_overrides_are_listed_between_from_and_to(client):
    trainer = signup(client)
    days = [future_day(n) for n in (5, 6, 9)]
    for n, day in enumerate(days):
        r = client.put(
            f"/api/trainers/{trainer.id}/overrides/{day.isoformat()}",
            headers=trainer.headers,
            json={"blocks": [{"startTime": f"{10 + n:02d}:00", "endTime": "24:00"}]},
        )
        assert r.status_code == 200, r.text
    url = f"/api/trainers/{trainer.id}/overrides"
    r = client.get(url, headers=trainer.headers)
    assert r.status_code == 200
    assert [o["date"] for o in r.json()] == [d.isoformat() for d in days]
    assert r.json()[2] == {
        "date": days[2].isoformat(),
        "isRecurring": False,
        "blocks": [{"startTime": "12:00", "endTime": "24:00"}],
    }
    r = client.get(url, headers=trainer.headers, params={"from": days[1].isoformat(), "to": days[2].isoformat()})
    assert [o["date"] for o in r.json()] == [d.isoformat() for d in days[1:]]
    r = client.get(url, headers=trainer.headers, params={"from": days[0].isoformat(), "to": days[1].isoformat()})
    assert [o["date"] for o in r.json()] == [d.isoformat() for d in days[:2]]
    r = client.get(url, headers=trainer.headers, params={"from": (days[2] + timedelta(days=1)).isoformat()})
    assert r.json() == []
    for params in ({"from": "2027-02-30"}, {"to": "soon"}, {"from": "2027-1-1"}):
        assert_error(client.get(url, headers=trainer.headers, params=params), 422, "validation", next(iter(params)))


def test_bad_override_is_refused_and_changes_nothing(client):
    trainer = signup(client)
    for day, blocks, status, code in [
        ("2027-02-30", [], 422, "validation"),
        ("tomorrow", [], 422, "validation"),
        ("2027-03-14", [{"startTime": "12:00", "endTime": "10:00"}], 422, "validation"),
        (
            "2027-03-14",
            [{"startTime": "10:00", "endTime": "12:00"}, {"startTime": "11:00", "endTime": "13:00"}],
            409,
            "overlap",
        ),
        ("2027-03-14", "all day", 422, "validation"),
    ]:
        r = client.put(f"/api/trainers/{trainer.id}/overrides/{day}", headers=trainer.headers, json={"blocks": blocks})
        assert_error(r, status, code)
        assert client.get(f"/api/trainers/{trainer.id}/overrides", headers=trainer.headers).json() == [], (day, blocks)


# ---------------------------------------------------------------- slots


def test_slots_for_one_duration(client):
    trainer = open_trainer(client)
    day = future_day(12)
    slots = get_slots(client, trainer.id, day, 60)
    assert [instant(s["startTime"]) for s in slots] == [local(day, h) for h in range(9, 17)]
    for s in slots:
        assert set(s) == {"startTime", "endTime", "available"}
        assert s["available"] is True
        assert instant(s["endTime"]) - instant(s["startTime"]) == timedelta(minutes=60)
        # Default zone: the trainer's, with its offset on that date.
        assert instant(s["startTime"]).utcoffset() == local(day, 12).utcoffset()


def test_slots_without_duration_cover_every_duration(client):
    trainer = open_trainer(client)
    set_prefs(client, trainer, sessionDurations=[60, 30])
    day = future_day(12)
    slots = get_slots(client, trainer.id, day, None)
    assert {s["duration"] for s in slots} == {30, 60}
    assert sorted((instant(s["startTime"]), s["duration"]) for s in slots) == sorted(
        [(local(day, 9, 0) + timedelta(minutes=30 * i), 30) for i in range(16)]
        + [(local(day, h), 60) for h in range(9, 17)]
    )
    starts = [instant(s["startTime"]) for s in slots]
    assert starts == sorted(starts)
    for s in slots:
        assert instant(s["endTime"]) - instant(s["startTime"]) == timedelta(minutes=s["duration"])


@pytest.mark.parametrize("zone, offset", [("Asia/Kolkata", "+05:30"), ("America/Sao_Paulo", "-03:00"), ("UTC", None)])
def test_slot_times_carry_the_client_zone_offset(client, zone, offset):
    trainer = open_trainer(client)
    client_day = future_day(15, zone)
    slots = get_slots(client, trainer.id, client_day, 60, zone)
    assert slots
    tz = ZoneInfo(zone)
    for s in slots:
        start = instant(s["startTime"])
        assert start.utcoffset() == start.astimezone(tz).utcoffset()
        if offset:
            assert s["startTime"].endswith(offset) and s["endTime"].endswith(offset), s
        else:
            assert s["startTime"].endswith(("Z", "+00:00")), s
        # Rule 5: every start lies on the asked date in the client's zone.
        assert start.astimezone(tz).date() == client_day
    # Same instants as the trainer's 09:00-17:00 hours that fall on that client date.
    trainer_hours = {local(client_day + timedelta(days=d), h) for d in (-1, 0, 1) for h in range(9, 17)}
    expected = sorted(t for t in trainer_hours if t.astimezone(tz).date() == client_day)
    assert [instant(s["startTime"]) for s in slots] == expected


def test_a_client_date_can_draw_on_two_trainer_dates(client):
    trainer = open_trainer(client)
    # Tokyo is 8 (winter) or 7 (summer) hours ahead of Berlin: one Tokyo date runs from one Berlin
    # afternoon to the next, so it holds the evening of one Berlin date and the morning of the next.
    set_week(client, trainer, "06:00", "24:00")
    day = future_day(20, "Asia/Tokyo")
    starts = [instant(s["startTime"]) for s in get_slots(client, trainer.id, day, 60, "Asia/Tokyo")]
    berlin_dates = {s.astimezone(ZoneInfo(TRAINER_TZ)).date() for s in starts}
    assert len(berlin_dates) == 2


def test_taken_slots_disappear(client):
    trainer = open_trainer(client)
    day = future_day(8)
    book(client, trainer.id, local(day, 11))
    assert slot_starts(client, trainer.id, day) == [local(day, h) for h in range(9, 17) if h != 11]


def test_slots_of_an_unknown_trainer_are_404(client):
    r = client.get("/api/bookings/availability", params={"trainerId": "nope", "date": "2027-03-14", "duration": "60"})
    assert_error(r, 404, "not_found")
    r = client.get("/api/bookings/availability/dates", params={"trainerId": "nope", "month": "2027-03"})
    assert_error(r, 404, "not_found")


def test_slot_query_validation(client):
    trainer = open_trainer(client)
    for params, field in [
        ({"date": "2027-02-30"}, "date"),
        ({"date": "2027-13-01"}, "date"),
        ({"date": "14.03.2027"}, "date"),
        ({"date": ""}, "date"),
        ({"date": None}, "date"),
        ({"clientTimezone": "Mars/Base"}, "clientTimezone"),
        ({"clientTimezone": "+02:00"}, "clientTimezone"),
        ({"duration": "abc"}, "duration"),
        ({"duration": "0"}, "duration"),
        ({"duration": "-60"}, "duration"),
        ({"duration": "60.0"}, "duration"),
        ({"duration": "45"}, "duration"),
        ({"duration": "99999999999999999999999"}, "duration"),
        ({"duration": "\u00b2"}, "duration"),  # "²": a digit to str.isdigit, not to int()
        ({"trainerId": None}, "trainerId"),
    ]:
        query = {"trainerId": trainer.id, "date": future_day(5).isoformat(), "duration": "60", **params}
        r = client.get("/api/bookings/availability", params={k: v for k, v in query.items() if v is not None})
        assert_error(r, 422, "validation", field)


# ---------------------------------------------------------------- bookable dates


def first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def test_dates_lists_the_bookable_client_dates_of_a_month(client):
    trainer = open_trainer(client)
    first = first_of_next_month(future_day(0))
    following = first_of_next_month(first)
    every_day = [(first + timedelta(days=n)).isoformat() for n in range((following - first).days)]
    month = first.strftime("%Y-%m")
    r = client.get(
        "/api/bookings/availability/dates", params={"trainerId": trainer.id, "month": month, "duration": "60"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == every_day

    closed = first + timedelta(days=9)
    client.put(
        f"/api/trainers/{trainer.id}/overrides/{closed.isoformat()}", headers=trainer.headers, json={"blocks": []}
    )
    set_week(client, trainer, days=range(5))  # weekends off
    r = client.get("/api/bookings/availability/dates", params={"trainerId": trainer.id, "month": month})
    assert r.status_code == 200, r.text
    assert r.json() == [d for d in every_day if date.fromisoformat(d).weekday() < 5 and d != closed.isoformat()]


def test_dates_follow_the_client_zone(client):
    trainer = open_trainer(client)
    set_week(client, trainer, "09:00", "10:00", days=[0])  # Mondays 09:00 Berlin = Monday 20:00 in Auckland
    first = first_of_next_month(future_day(0))
    month = first.strftime("%Y-%m")
    params = {"trainerId": trainer.id, "month": month, "duration": "60"}
    berlin = client.get("/api/bookings/availability/dates", params=params).json()
    assert berlin and all(date.fromisoformat(d).weekday() == 0 for d in berlin)
    honolulu = client.get(
        "/api/bookings/availability/dates", params={**params, "clientTimezone": "Pacific/Honolulu"}
    ).json()
    # Monday 09:00 in Berlin is still Sunday in Honolulu.
    assert honolulu and all(date.fromisoformat(d).weekday() == 6 for d in honolulu)


def test_dates_query_validation(client):
    trainer = open_trainer(client)
    for params, field in [
        ({"month": "2027-13"}, "month"),
        ({"month": "2027-3"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": None}, "month"),
        ({"duration": "61"}, "duration"),
        ({"duration": "x"}, "duration"),
        ({"clientTimezone": "Nowhere"}, "clientTimezone"),
    ]:
        query = {"trainerId": trainer.id, "month": "2027-03", **params}
        r = client.get("/api/bookings/availability/dates", params={k: v for k, v in query.items() if v is not None})
        assert_error(r, 422, "validation", field)


# ---------------------------------------------------------------- teams and clock changes


def test_team_slots_are_the_union_and_name_their_trainers(client):
    primary = open_trainer(client)
    sub = add_sub_trainer(client, primary)
    set_week(client, sub, "15:00", "19:00", as_=primary)  # a primary sets its sub-trainer's hours
    r = client.patch(
        f"/api/trainers/{sub.id}/preferences",
        headers=primary.headers,
        json={"minNoticeHours": 0, "maxAdvanceDays": 730, "sessionDurations": [60]},
    )
    assert r.status_code == 200, r.text
    day = future_day(9)
    r = client.get(
        "/api/bookings/availability", params={"teamId": primary.id, "date": day.isoformat(), "duration": "60"}
    )
    assert r.status_code == 200, r.text
    got = [(instant(s["startTime"]), sorted(s["trainerIds"])) for s in r.json()]
    both = sorted([primary.id, sub.id])
    assert got == [(local(day, h), [primary.id] if h < 15 else both if h < 17 else [sub.id]) for h in range(9, 19)]
    # Booking the team at 17:00 gives the booking to the only trainer free then.
    r = client.post(
        "/api/bookings", json={**booking_body(None, local(day, 17)), "trainerId": None, "teamId": primary.id}
    )
    assert r.status_code == 201, r.text
    assert r.json()["trainerId"] == sub.id
    r = client.get(
        "/api/bookings/availability", params={"teamId": primary.id, "date": day.isoformat(), "duration": "60"}
    )
    assert local(day, 17) not in [instant(s["startTime"]) for s in r.json()]
    # A sub-trainer is not a team.
    r = client.get("/api/bookings/availability", params={"teamId": sub.id, "date": day.isoformat(), "duration": "60"})
    assert_error(r, 404, "not_found")


def next_spring_forward(zone: str) -> date:
    day = future_day(2)
    for _ in range(400):
        if local(day + timedelta(days=1), 12, zone=zone).utcoffset() > local(day, 12, zone=zone).utcoffset():
            return day + timedelta(days=1)
        day += timedelta(days=1)
    raise AssertionError(f"no clock change in {zone} within 400 days")


def test_a_wall_time_in_the_spring_forward_gap_reads_with_the_offset_before(client):
    trainer = open_trainer(client)
    set_prefs(client, trainer, sessionDurations=[30])
    day = next_spring_forward(TRAINER_TZ)  # Berlin: 02:00 jumps to 03:00
    r = client.put(
        f"/api/trainers/{trainer.id}/overrides/{day.isoformat()}",
        headers=trainer.headers,
        json={"blocks": [{"startTime": "02:30", "endTime": "04:00"}]},
    )
    assert r.status_code == 200, r.text
    slots = get_slots(client, trainer.id, day, 30)
    # 02:30 does not exist: read with the offset before the gap (+01:00) it is 03:30 (+02:00).
    assert [s["startTime"] for s in slots] == [f"{day.isoformat()}T03:30:00+02:00"]
    assert slots[0]["endTime"] == f"{day.isoformat()}T04:00:00+02:00"
