"""docs/api.md "Bookings": create, read, .ics, status, cancel, reschedule, history, list, CSV, bulk status."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.api.helpers import (
    TRAINER_TZ,
    assert_error,
    book,
    booking_body,
    future_day,
    get_booking,
    history,
    instant,
    local,
    open_trainer,
    set_prefs,
    set_week,
    signup,
    slot_starts,
)

BOOKING_FIELDS = {"id", "trainerId", "status", "startTime", "endTime", "duration", "clientTimezone", "client", "notes"}
CREATED_FIELDS = BOOKING_FIELDS | {"token", "rescheduleUrl", "cancelUrl", "icsUrl"}
DETAIL_FIELDS = BOOKING_FIELDS | {"rescheduleCount", "lateCancellation", "cancellationReason"}


def soonest_start(client, trainer):
    """The first slot from now on of a trainer open all day (so it starts within the hour)."""
    for n in (0, 1):
        starts = slot_starts(client, trainer.id, future_day(n))
        if starts:
            return starts[0]
    raise AssertionError("an all-day trainer has no slot today or tomorrow")


def all_day_trainer(client):
    trainer = open_trainer(client)
    set_week(client, trainer, "00:00", "24:00")
    return trainer


def ics_event(client, booking, trainer=None):
    if trainer is not None:
        r = client.get(f"/api/bookings/{booking['id']}/ics", headers=trainer.headers)
    else:
        r = client.get(f"/api/bookings/{booking['id']}/ics", params={"token": booking["token"]})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(r.content).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def cancel(client, booking, trainer=None, **body):
    if trainer is not None:
        return client.post(f"/api/bookings/{booking['id']}/cancel", headers=trainer.headers, json=body)
    return client.post(f"/api/bookings/{booking['id']}/cancel", json={"token": booking["token"], **body})


def reschedule(client, booking, start, trainer=None):
    text = start if isinstance(start, str) else start.isoformat()
    if trainer is not None:
        return client.post(
            f"/api/bookings/{booking['id']}/reschedule", headers=trainer.headers, json={"startTime": text}
        )
    return client.post(f"/api/bookings/{booking['id']}/reschedule", json={"token": booking["token"], "startTime": text})


def set_status(client, booking, trainer, status, **extra):
    return client.patch(
        f"/api/bookings/{booking['id']}/status", headers=trainer.headers, json={"status": status, **extra}
    )


# ---------------------------------------------------------------- create


def test_create_booking_returns_every_field(client):
    trainer = open_trainer(client)
    day = future_day(9)
    start = local(day, 10)
    r = client.post(
        "/api/bookings",
        json={
            "trainerId": trainer.id,
            "startTime": start.isoformat(),
            "duration": 60,
            "name": "Cleo Client",
            "email": "Cleo@Example.org",
            "phone": "+1 (555) 010-2000",
            "notes": "Knee injury last year",
            "clientTimezone": "America/New_York",
            "privacyAccepted": True,
        },
    )
    assert r.status_code == 201, r.text
    b = r.json()
    assert CREATED_FIELDS <= set(b)
    assert isinstance(b["id"], str) and b["id"]
    assert b["trainerId"] == trainer.id
    assert b["status"] == "PENDING"
    assert instant(b["startTime"]) == start
    assert instant(b["endTime"]) == start + timedelta(minutes=60)
    # Returned in the client's zone, with its offset.
    ny = ZoneInfo("America/New_York")
    assert instant(b["startTime"]).utcoffset() == start.astimezone(ny).utcoffset()
    assert b["startTime"] == start.astimezone(ny).isoformat()
    assert b["duration"] == 60
    assert b["clientTimezone"] == "America/New_York"
    assert b["client"] == {"name": "Cleo Client", "email": "cleo@example.org", "phone": "+1 (555) 010-2000"}
    assert b["notes"] == "Knee injury last year"
    assert isinstance(b["token"], str) and len(b["token"]) >= 20
    for url in ("rescheduleUrl", "cancelUrl", "icsUrl"):
        assert b["id"] in b[url] and b["token"] in b[url], (url, b[url])
    assert f"/api/bookings/{b['id']}/ics" in b["icsUrl"]
    # The slot is gone.
    assert start not in slot_starts(client, trainer.id, day)


def test_autoconfirm_makes_new_bookings_confirmed(client):
    trainer = open_trainer(client)
    set_prefs(client, trainer, autoConfirm=True)
    b = book(client, trainer.id, local(future_day(9), 10))
    assert b["status"] == "CONFIRMED"
    assert [e["action"] for e in history(client, b)] == ["created"]


def test_client_timezone_defaults_to_the_trainers(client):
    trainer = open_trainer(client)
    body = booking_body(trainer.id, local(future_day(9), 10))
    del body["clientTimezone"]
    r = client.post("/api/bookings", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["clientTimezone"] == TRAINER_TZ


def test_booking_a_taken_slot_is_409_slot_unavailable(client):
    trainer = open_trainer(client)
    start = local(future_day(9), 10)
    first = book(client, trainer.id, start)
    r = client.post("/api/bookings", json=booking_body(trainer.id, start))
    assert_error(r, 409, "slot_unavailable")
    # The same instant written in another offset is the same slot.
    r = client.post("/api/bookings", json=booking_body(trainer.id, start.astimezone(ZoneInfo("Asia/Tokyo"))))
    assert_error(r, 409, "slot_unavailable")
    # An overlapping start is not a slot either.
    r = client.post("/api/bookings", json=booking_body(trainer.id, start + timedelta(minutes=30)))
    assert_error(r, 409, "slot_unavailable")
    r = client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers)
    assert [b["id"] for b in r.json()["items"]] == [first["id"]]


def test_cancelled_booking_frees_its_slot(client):
    trainer = open_trainer(client)
    start = local(future_day(9), 10)
    b = book(client, trainer.id, start)
    assert cancel(client, b, reason="changed plans").status_code == 200
    assert start in slot_starts(client, trainer.id, future_day(9))
    book(client, trainer.id, start)


def test_booking_a_start_never_offered_is_409(client):
    trainer = open_trainer(client)
    day, closed = future_day(9), future_day(10)
    client.put(
        f"/api/trainers/{trainer.id}/overrides/{closed.isoformat()}", headers=trainer.headers, json={"blocks": []}
    )
    for start in (
        local(day, 8),
        local(day, 9, 30),
        local(day, 16, 30),
        local(day, 17),
        local(closed, 10),
        local(future_day(-3), 10),
        local(future_day(800), 10),
    ):
        r = client.post("/api/bookings", json=booking_body(trainer.id, start))
        assert_error(r, 409, "slot_unavailable")
    set_prefs(client, trainer, maxAdvanceDays=5)
    assert_error(client.post("/api/bookings", json=booking_body(trainer.id, local(day, 10))), 409, "slot_unavailable")
    assert client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers).json()["total"] == 0


def test_create_booking_validation(client):
    trainer = open_trainer(client)
    for changes, field in [
        ({"privacyAccepted": None}, "privacyAccepted"),
        ({"privacyAccepted": False}, "privacyAccepted"),
        ({"privacyAccepted": "true"}, "privacyAccepted"),
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"email": None}, "email"),
        ({"email": "nobody"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"notes": "x" * 2001}, "notes"),
        ({"startTime": None}, "startTime"),
        ({"startTime": "2027-03-14T09:00:00"}, "startTime"),
        ({"startTime": "next tuesday"}, "startTime"),
        ({"startTime": 1900000000}, "startTime"),
        ({"duration": None}, "duration"),
        ({"duration": "60"}, "duration"),
        ({"duration": 45}, "duration"),
        ({"duration": 60.0}, "duration"),
        ({"clientTimezone": "Mars/Base"}, "clientTimezone"),
        ({"trainerId": None}, "trainerId"),
    ]:
        body = booking_body(trainer.id, local(future_day(9), 10), **changes)
        r = client.post("/api/bookings", json={k: v for k, v in body.items() if v is not None})
        assert_error(r, 422, "validation", field)
    assert client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers).json()["total"] == 0


def test_create_booking_for_an_unknown_trainer_is_404(client):
    r = client.post("/api/bookings", json=booking_body("no-such-trainer", local(future_day(9), 10)))
    assert_error(r, 404, "not_found")


# ---------------------------------------------------------------- read


def test_get_booking_with_token_or_key(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10), notes="bring a towel")
    by_token = get_booking(client, b)
    by_key = get_booking(client, b, trainer)
    for got in (by_token, by_key):
        assert DETAIL_FIELDS <= set(got)
        assert got["rescheduleCount"] == 0
        assert got["lateCancellation"] is False
        assert "cancellationReason" in got and not got["cancellationReason"]
        assert {k: got[k] for k in BOOKING_FIELDS} == {k: b[k] for k in BOOKING_FIELDS}
        # The token is shown once, at creation.
        assert "token" not in got and b["token"] not in str(got)
    r = client.get(f"/api/bookings/{b['id']}")
    assert_error(r, 401, "unauthorized")


# ---------------------------------------------------------------- .ics


def test_ics_uid_is_stable_and_sequence_grows(client):
    trainer = open_trainer(client)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10))
    first = ics_event(client, b)
    uid = str(first["UID"])
    assert b["id"] in uid
    assert int(first["SEQUENCE"]) == 0
    assert first.decoded("DTSTART") == local(day, 10)
    assert first.decoded("DTEND") == local(day, 11)
    assert str(first["STATUS"]) != "CANCELLED"
    assert str(ics_event(client, b, trainer)["UID"]) == uid

    assert reschedule(client, b, local(day, 14)).status_code == 200
    moved = ics_event(client, b)
    assert str(moved["UID"]) == uid
    assert int(moved["SEQUENCE"]) > 0
    assert moved.decoded("DTSTART") == local(day, 14)

    assert reschedule(client, b, local(day, 15), trainer).status_code == 200
    moved_again = ics_event(client, b, trainer)
    assert str(moved_again["UID"]) == uid
    assert int(moved_again["SEQUENCE"]) > int(moved["SEQUENCE"])

    assert cancel(client, b, reason="sick").status_code == 200
    cancelled = ics_event(client, b)
    assert str(cancelled["UID"]) == uid
    assert int(cancelled["SEQUENCE"]) > int(moved_again["SEQUENCE"])
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_ics_reads_the_same_in_a_second_independent_parser(client):
    """vobject (its own RFC 5545 parser) must read what icalendar wrote: the same event, instants and links."""
    import vobject

    trainer = open_trainer(client)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10))
    r = client.get(f"/api/bookings/{b['id']}/ics", params={"token": b["token"]})
    assert r.headers["content-type"].startswith("text/calendar")
    calendar = vobject.readOne(r.text)
    assert calendar.method.value == "REQUEST"
    [event] = calendar.vevent_list
    assert event.uid.value == str(ics_event(client, b)["UID"])
    assert event.dtstart.value == local(day, 10) and event.dtend.value == local(day, 11)
    assert event.status.value == "TENTATIVE" and int(event.sequence.value) == 0
    assert event.attendee.value == "mailto:" + b["client"]["email"]
    assert f"/cancel/{b['id']}?token=" in event.description.value

    assert cancel(client, b, reason="sick").status_code == 200
    cancelled = vobject.readOne(client.get(f"/api/bookings/{b['id']}/ics", params={"token": b["token"]}).text)
    assert cancelled.method.value == "CANCEL" and cancelled.vevent.status.value == "CANCELLED"
    assert int(cancelled.vevent.sequence.value) == 1


def test_ics_is_cancelled_after_a_trainer_cancels_by_status(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    assert set_status(client, b, trainer, "CANCELLED").status_code == 200
    event = ics_event(client, b, trainer)
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"


# ---------------------------------------------------------------- status


def test_status_confirm_then_invalid_transitions(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    r = set_status(client, b, trainer, "CONFIRMED", notes="See you there")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CONFIRMED"
    assert get_booking(client, b)["status"] == "CONFIRMED"
    # Back to PENDING, to the same status, or done before the start: refused.
    for target in ("PENDING", "CONFIRMED", "COMPLETED", "NO_SHOW"):
        assert_error(set_status(client, b, trainer, target), 422, "invalid_transition")
    assert get_booking(client, b)["status"] == "CONFIRMED"
    assert set_status(client, b, trainer, "CANCELLED").json()["status"] == "CANCELLED"
    # CANCELLED is final.
    for target in ("PENDING", "CONFIRMED", "COMPLETED", "NO_SHOW"):
        assert_error(set_status(client, b, trainer, target), 422, "invalid_transition")
    assert get_booking(client, b)["status"] == "CANCELLED"
    assert [(e["action"], e["actor"]) for e in history(client, b)] == [
        ("created", "client"),
        ("confirmed", "trainer"),
        ("cancelled", "trainer"),
    ]


def test_pending_cannot_be_completed_before_the_start(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    for target in ("COMPLETED", "NO_SHOW"):
        assert_error(set_status(client, b, trainer, target), 422, "invalid_transition")
    assert get_booking(client, b)["status"] == "PENDING"


def test_status_validation(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    for status in ("DONE", "confirmed", "", None, 3, ["CONFIRMED"]):
        assert_error(set_status(client, b, trainer, status), 422, "validation", "status")
    assert_error(set_status(client, b, trainer, "CONFIRMED", notes=["x"]), 422, "validation", "notes")
    assert get_booking(client, b)["status"] == "PENDING"


def test_status_of_an_unknown_booking_is_404(client):
    trainer = open_trainer(client)
    assert_error(set_status(client, {"id": "nope"}, trainer, "CONFIRMED"), 404, "not_found")
    assert_error(client.get("/api/bookings/nope", headers=trainer.headers), 404, "not_found")
    assert_error(client.get("/api/bookings/nope/history", headers=trainer.headers), 404, "not_found")


# ---------------------------------------------------------------- cancel


def test_client_cancel_in_good_time(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    r = cancel(client, b, reason="Travelling")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["id"] == b["id"]
    assert got["status"] == "CANCELLED"
    assert got["lateCancellation"] is False
    assert got["cancellationReason"] == "Travelling"
    assert_error(cancel(client, b, reason="again"), 422, "invalid_transition")


def test_token_may_be_given_as_a_query_parameter(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    r = client.post(f"/api/bookings/{b['id']}/cancel", params={"token": b["token"]}, json={"reason": "x"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED"


def test_late_client_cancellation_needs_acknowledgement(client):
    trainer = all_day_trainer(client)
    set_prefs(client, trainer, cancellationNoticeHours=24)
    b = book(client, trainer.id, soonest_start(client, trainer))
    for ack in (None, False, "yes"):
        body = {"reason": "overslept"} if ack is None else {"reason": "overslept", "acknowledgeLateCancellation": ack}
        error = assert_error(cancel(client, b, **body), 422, "late_cancellation")
        assert "24" in error["message"]
    got = get_booking(client, b)
    assert got["status"] == "PENDING" and got["lateCancellation"] is False
    r = cancel(client, b, reason="overslept", acknowledgeLateCancellation=True)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED"
    assert r.json()["lateCancellation"] is True
    assert get_booking(client, b)["lateCancellation"] is True


def test_trainer_cancellation_is_never_late(client):
    trainer = all_day_trainer(client)
    b = book(client, trainer.id, soonest_start(client, trainer))
    r = cancel(client, b, trainer, reason="trainer ill")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED" and r.json()["lateCancellation"] is False
    assert [(e["action"], e["actor"], e["reason"]) for e in history(client, b)][1] == (
        "cancelled",
        "trainer",
        "trainer ill",
    )


def test_client_cancel_refused_when_the_trainer_disallows_it(client):
    trainer = open_trainer(client)
    set_prefs(client, trainer, allowClientCancel=False)
    b = book(client, trainer.id, local(future_day(9), 10))
    assert_error(cancel(client, b, reason="x"), 422, "policy")
    assert get_booking(client, b)["status"] == "PENDING"
    assert cancel(client, b, trainer, reason="x").status_code == 200


def test_cancel_reason_validation(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    assert_error(cancel(client, b, reason="x" * 501), 422, "validation", "reason")
    assert_error(cancel(client, b, reason=["x"]), 422, "validation", "reason")
    assert get_booking(client, b)["status"] == "PENDING"


# ---------------------------------------------------------------- reschedule


def test_client_reschedule_keeps_the_id_and_counts(client):
    trainer = open_trainer(client)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10), clientTimezone="Asia/Kolkata")
    r = reschedule(client, b, local(day, 14))
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["id"] == b["id"]
    assert instant(moved["startTime"]) == local(day, 14)
    assert instant(moved["endTime"]) == local(day, 15)
    assert moved["startTime"].endswith("+05:30")
    assert moved["rescheduleCount"] == 1
    starts = slot_starts(client, trainer.id, day)
    assert local(day, 10) in starts and local(day, 14) not in starts
    # The trainer moving it does not use up the client's allowance.
    r = reschedule(client, b, local(future_day(10), 9), trainer)
    assert r.status_code == 200, r.text
    assert r.json()["rescheduleCount"] == 1
    assert instant(r.json()["startTime"]) == local(future_day(10), 9)


def test_reschedule_may_overlap_the_bookings_own_time(client):
    trainer = open_trainer(client)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10))
    # The trainer's hours on that date now start at 09:30: the grid is 09:30, 10:30, ...
    r = client.put(
        f"/api/trainers/{trainer.id}/overrides/{day.isoformat()}",
        headers=trainer.headers,
        json={"blocks": [{"startTime": "09:30", "endTime": "17:00"}]},
    )
    assert r.status_code == 200, r.text
    # 09:30-10:30 overlaps the booking itself: free only because a moved booking is not busy for its own move.
    r = reschedule(client, b, local(day, 9, 30))
    assert r.status_code == 200, r.text
    assert instant(r.json()["startTime"]) == local(day, 9, 30)
    assert r.json()["rescheduleCount"] == 1


def test_reschedule_to_a_non_slot_is_409_and_changes_nothing(client):
    trainer = open_trainer(client)
    day, closed = future_day(9), future_day(11)
    b = book(client, trainer.id, local(day, 10))
    book(client, trainer.id, local(day, 13))
    client.put(
        f"/api/trainers/{trainer.id}/overrides/{closed.isoformat()}", headers=trainer.headers, json={"blocks": []}
    )
    for start in (local(day, 13), local(day, 12, 15), local(closed, 10), local(future_day(-2), 10)):
        for who in (None, trainer):
            assert_error(reschedule(client, b, start, who), 409, "slot_unavailable")
    got = get_booking(client, b)
    assert instant(got["startTime"]) == local(day, 10) and got["rescheduleCount"] == 0
    assert [e["action"] for e in history(client, b)] == ["created"]


def test_client_reschedule_policy(client):
    trainer = open_trainer(client)
    set_prefs(client, trainer, maxReschedules=1)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10))
    assert reschedule(client, b, local(day, 11)).status_code == 200
    assert_error(reschedule(client, b, local(day, 12)), 422, "policy")
    got = get_booking(client, b)
    assert instant(got["startTime"]) == local(day, 11) and got["rescheduleCount"] == 1
    # The trainer is bound by availability, not by the client policy.
    assert reschedule(client, b, local(day, 12), trainer).status_code == 200

    set_prefs(client, trainer, maxReschedules=5, allowClientReschedule=False)
    assert_error(reschedule(client, b, local(day, 13)), 422, "policy")
    assert instant(get_booking(client, b)["startTime"]) == local(day, 12)


def test_client_reschedule_inside_the_notice_is_refused(client):
    trainer = all_day_trainer(client)
    set_prefs(client, trainer, rescheduleNoticeHours=24)
    b = book(client, trainer.id, soonest_start(client, trainer))
    target = local(future_day(5), 10)
    assert_error(reschedule(client, b, target), 422, "policy")
    assert get_booking(client, b)["startTime"] == b["startTime"]
    assert reschedule(client, b, target, trainer).status_code == 200


def test_reschedule_of_a_cancelled_booking_is_refused(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    cancel(client, b, reason="x")
    r = reschedule(client, b, local(future_day(9), 12))
    assert_error(r, 422)
    assert get_booking(client, b)["status"] == "CANCELLED"


def test_reschedule_validation(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    for start in ("2027-03-14T10:00:00", "", "soon", None, 5):
        r = client.post(f"/api/bookings/{b['id']}/reschedule", json={"token": b["token"], "startTime": start})
        assert_error(r, 422, "validation", "startTime")
    assert get_booking(client, b)["startTime"] == b["startTime"]


# ---------------------------------------------------------------- history


def test_history_is_oldest_first_with_actions_and_actors(client):
    trainer = open_trainer(client)
    day = future_day(9)
    b = book(client, trainer.id, local(day, 10))
    set_status(client, b, trainer, "CONFIRMED")
    reschedule(client, b, local(day, 14))
    reschedule(client, b, local(day, 15), trainer)
    cancel(client, b, reason="family matters")
    events = history(client, b)
    by_key = client.get(f"/api/bookings/{b['id']}/history", headers=trainer.headers)
    assert by_key.status_code == 200 and by_key.json() == events
    assert [(e["action"], e["actor"]) for e in events] == [
        ("created", "client"),
        ("confirmed", "trainer"),
        ("rescheduled", "client"),
        ("rescheduled", "trainer"),
        ("cancelled", "client"),
    ]
    for e in events:
        assert {"action", "actor", "at", "reason", "fromStartTime", "toStartTime"} <= set(e)
        instant(e["at"])
    stamps = [instant(e["at"]) for e in events]
    assert stamps == sorted(stamps)
    assert instant(events[2]["fromStartTime"]) == local(day, 10)
    assert instant(events[2]["toStartTime"]) == local(day, 14)
    assert instant(events[3]["fromStartTime"]) == local(day, 14)
    assert instant(events[3]["toStartTime"]) == local(day, 15)
    assert events[4]["reason"] == "family matters"


# ---------------------------------------------------------------- a trainer's list, CSV and bulk status


@pytest.fixture
def three_bookings(client):
    """Alice (day 3), Bob Baker (day 4) and Carol (day 5, cancelled; her email matches "bak")."""
    trainer = open_trainer(client)
    days = [future_day(n) for n in (3, 4, 5)]
    alice = book(
        client,
        trainer.id,
        local(days[0], 10),
        name="Alice Able",
        email="alice@example.org",
        notes='=HYPERLINK("http://evil")',
    )
    bob = book(client, trainer.id, local(days[1], 10), name="Bob Baker", email="bob@example.org", phone="")
    carol = book(client, trainer.id, local(days[2], 10), name="Carol Cook", email="carol@bakery.example")
    assert cancel(client, carol, reason="moving away").status_code == 200
    return trainer, days, alice, bob, carol


def listing(client, trainer, **params):
    r = client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"items", "total", "page", "pageSize"}
    return body


def ids(body):
    return [b["id"] for b in body["items"]]


def test_list_views_filters_paging_and_sort(client, three_bookings):
    trainer, days, alice, bob, carol = three_bookings
    everything = listing(client, trainer)
    assert ids(everything) == [alice["id"], bob["id"], carol["id"]]
    assert everything["total"] == 3 and everything["page"] == 1 and everything["pageSize"] == 20
    assert BOOKING_FIELDS <= set(everything["items"][0])
    assert listing(client, trainer, view="all")["total"] == 3
    upcoming = listing(client, trainer, view="upcoming")
    assert ids(upcoming) == [alice["id"], bob["id"]] and upcoming["total"] == 2
    cancelled = listing(client, trainer, view="cancelled")
    assert ids(cancelled) == [carol["id"]] and cancelled["total"] == 1
    past = listing(client, trainer, view="past")
    assert past["items"] == [] and past["total"] == 0
    assert ids(listing(client, trainer, status="PENDING")) == [alice["id"], bob["id"]]
    # q: client name or email, any case.
    assert ids(listing(client, trainer, q="BAK")) == [bob["id"], carol["id"]]
    assert ids(listing(client, trainer, q="alice@")) == [alice["id"]]
    assert listing(client, trainer, q="nobody")["total"] == 0
    # from/to: trainer-local dates, inclusive.
    assert ids(listing(client, trainer, **{"from": days[1].isoformat(), "to": days[1].isoformat()})) == [bob["id"]]
    assert ids(listing(client, trainer, **{"from": days[1].isoformat()})) == [bob["id"], carol["id"]]
    assert ids(listing(client, trainer, to=days[0].isoformat())) == [alice["id"]]
    # sort and pages.
    assert ids(listing(client, trainer, sort="-startTime")) == [carol["id"], bob["id"], alice["id"]]
    page1 = listing(client, trainer, page="1", pageSize="2")
    page2 = listing(client, trainer, page="2", pageSize="2")
    assert ids(page1) == [alice["id"], bob["id"]] and page1["total"] == 3 and page1["pageSize"] == 2
    assert ids(page2) == [carol["id"]] and page2["total"] == 3 and page2["page"] == 2
    assert listing(client, trainer, page="3", pageSize="2")["items"] == []
    combined = listing(client, trainer, view="upcoming", q="example.org", sort="-startTime", pageSize="1")
    assert ids(combined) == [bob["id"]] and combined["total"] == 2


def test_list_validation(client):
    trainer = signup(client)
    for params, field in [
        ({"view": "future"}, "view"),
        ({"sort": "name"}, "sort"),
        ({"status": "DONE"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "201"}, "pageSize"),
        ({"pageSize": "\u00b2"}, "pageSize"),  # "²": a digit to str.isdigit, not to int()
        ({"from": "2027-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2027-03-02", "to": "2027-03-01"}, "to"),
    ]:
        r = client.get(f"/api/trainers/{trainer.id}/bookings", headers=trainer.headers, params=params)
        assert_error(r, 422, "validation", field)
        r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", headers=trainer.headers, params=params)
        if field not in ("page", "pageSize"):
            assert_error(r, 422, "validation", field)


def test_csv_export(client, three_bookings):
    trainer, days, alice, bob, carol = three_bookings
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", headers=trainer.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    header = r.text.splitlines()[0].split(",")
    assert header[:9] == [
        "id",
        "startTime",
        "endTime",
        "duration",
        "status",
        "clientName",
        "clientEmail",
        "clientPhone",
        "notes",
    ]
    assert [row["id"] for row in rows] == [alice["id"], bob["id"], carol["id"]]
    first = rows[0]
    assert instant(first["startTime"]) == local(days[0], 10)
    assert instant(first["endTime"]) == local(days[0], 11)
    assert (first["duration"], first["status"], first["clientName"], first["clientEmail"]) == (
        "60",
        "PENDING",
        "Alice Able",
        "alice@example.org",
    )
    # A leading "+" may be quoted with an apostrophe against spreadsheet formulas (CSV injection).
    assert first["clientPhone"] in ("+49 30 1234", "'+49 30 1234")
    # A formula typed by a client is neutralised for spreadsheets.
    assert not first["notes"].startswith("=") and "HYPERLINK" in first["notes"]
    assert rows[2]["status"] == "CANCELLED"
    # Same filters as the list.
    r = client.get(
        f"/api/trainers/{trainer.id}/bookings.csv",
        headers=trainer.headers,
        params={"view": "upcoming", "q": "bob", "sort": "-startTime"},
    )
    assert [row["id"] for row in csv.DictReader(io.StringIO(r.text))] == [bob["id"]]
    r = client.get(f"/api/trainers/{trainer.id}/bookings.csv", headers=trainer.headers, params={"view": "past"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 1


def test_bulk_status(client, three_bookings):
    trainer, days, alice, bob, carol = three_bookings
    other = open_trainer(client)
    foreign = book(client, other.id, local(days[0], 10))
    r = client.post(
        f"/api/trainers/{trainer.id}/bookings/bulk-status",
        headers=trainer.headers,
        json={"bookingIds": [alice["id"], bob["id"], carol["id"], "no-such-id", foreign["id"]], "status": "CONFIRMED"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["updated"] == [alice["id"], bob["id"]]
    failed = {f["id"]: f["error"] for f in body["failed"]}
    assert set(failed) == {carol["id"], "no-such-id", foreign["id"]}
    assert failed[carol["id"]]["code"] == "invalid_transition"
    for error in failed.values():
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    assert [b["status"] for b in listing(client, trainer)["items"]] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert get_booking(client, foreign)["status"] == "PENDING"


def test_bulk_status_validation(client):
    trainer = open_trainer(client)
    b = book(client, trainer.id, local(future_day(9), 10))
    for body, field in [
        ({"bookingIds": [], "status": "CONFIRMED"}, "bookingIds"),
        ({"bookingIds": "abc", "status": "CONFIRMED"}, "bookingIds"),
        ({"bookingIds": [1, 2], "status": "CONFIRMED"}, "bookingIds"),
        ({"status": "CONFIRMED"}, "bookingIds"),
        ({"bookingIds": [b["id"]], "status": "DONE"}, "status"),
        ({"bookingIds": [b["id"]]}, "status"),
    ]:
        r = client.post(f"/api/trainers/{trainer.id}/bookings/bulk-status", headers=trainer.headers, json=body)
        assert_error(r, 422, "validation", field)
    assert get_booking(client, b)["status"] == "PENDING"
