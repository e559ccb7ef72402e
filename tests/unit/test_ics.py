"""A booking as an iCalendar event (trainerdesk/domain/ics.py), read back with a parser."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from trainerdesk.domain.ics import CalendarEntry, booking_calendar

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def entry(**changes) -> CalendarEntry:
    base = dict(
        booking_id="b-42",
        sequence=0,
        status="CONFIRMED",
        start=datetime(2027, 3, 28, 3, 0, tzinfo=BERLIN),  # the morning Berlin springs forward (01:00Z)
        end=datetime(2027, 3, 28, 4, 0, tzinfo=BERLIN),
        trainer_name="Tina Trainer",
        trainer_email="tina@example.com",
        client_name="Carl Client",
        client_email="carl@example.com",
        notes="Knee; bring a mat, please",
        manage_links=(("Reschedule", "https://td.example/m/abc"),),
    )
    base.update(changes)
    return CalendarEntry(**base)


def event_of(data: bytes):
    cal = Calendar.from_ical(data)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return cal, events[0]


STAMP = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_event_fields():
    data = booking_calendar(entry(), stamp=STAMP)
    assert isinstance(data, bytes)
    cal, ev = event_of(data)
    assert str(cal["version"]) == "2.0" and str(cal["method"]) == "REQUEST"
    assert str(ev["uid"]) == "booking-b-42@trainerdesk.localhost"
    assert int(ev["sequence"]) == 0
    assert ev.decoded("dtstart") == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert ev.decoded("dtend") == datetime(2027, 3, 28, 2, 0, tzinfo=UTC)
    assert ev.decoded("dtstamp") == STAMP
    assert b"DTSTART:20270328T010000Z" in data  # written in UTC, no VTIMEZONE needed
    assert b"VTIMEZONE" not in data
    assert str(ev["status"]) == "CONFIRMED"
    assert "Tina Trainer" in str(ev["summary"])
    description = str(ev["description"])
    assert description.splitlines() == [
        "Session with Tina Trainer for Carl Client.",
        "Notes: Knee; bring a mat, please",
        "Reschedule: https://td.example/m/abc",
    ]
    assert str(ev["organizer"]) == "mailto:tina@example.com"
    assert ev["organizer"].params["CN"] == "Tina Trainer"
    assert str(ev["attendee"]) == "mailto:carl@example.com"
    assert ev["attendee"].params["CN"] == "Carl Client"


@pytest.mark.parametrize(
    "status, ics_status, method",
    [
        ("PENDING", "TENTATIVE", "REQUEST"),
        ("CONFIRMED", "CONFIRMED", "REQUEST"),
        ("CANCELLED", "CANCELLED", "CANCEL"),
        ("COMPLETED", "CONFIRMED", "REQUEST"),
        ("NO_SHOW", "CONFIRMED", "REQUEST"),
        ("SOMETHING_ELSE", "TENTATIVE", "REQUEST"),
    ],
)
def test_status_and_method(status, ics_status, method):
    cal, ev = event_of(booking_calendar(entry(status=status), stamp=STAMP))
    assert str(ev["status"]) == ics_status
    assert str(cal["method"]) == method


def test_uid_is_stable_and_sequence_grows_for_a_reschedule():
    first = event_of(booking_calendar(entry(), stamp=STAMP))[1]
    moved = entry(
        sequence=1, start=datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN), end=datetime(2027, 3, 29, 10, 0, tzinfo=BERLIN)
    )
    second = event_of(booking_calendar(moved, stamp=STAMP + timedelta(days=1)))[1]
    assert str(first["uid"]) == str(second["uid"])
    assert int(second["sequence"]) == 1
    assert second.decoded("dtstart") == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def test_without_notes_or_links():
    ev = event_of(booking_calendar(entry(notes="", manage_links=(), domain="example.org"), stamp=STAMP))[1]
    assert str(ev["description"]) == "Session with Tina Trainer for Carl Client."
    assert str(ev["uid"]).endswith("@example.org")
