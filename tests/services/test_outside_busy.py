"""Busy times from outside calendars count everywhere a booking counts: slots (with the buffer), the
month's dates, the booking commit, reschedules and "any trainer"; a refresh moves the schedule
version; replacing them with nothing frees the time at once. Both databases, explicit ``now``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.svc_helpers import BERLIN, MONDAY, NOW, book, local, make_trainer, schedule_version, slot_starts
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import SlotUnavailable
from trainerdesk.models import CalendarConnection
from trainerdesk.services import availability, bookings
from trainerdesk.services.busy import Interval, busy_between, replace_busy_times

pytestmark = pytest.mark.usefixtures("db_url")


def connect(trainer, *intervals: Interval) -> str:
    """A connected calendar of ``trainer`` whose busy times are ``intervals``."""
    with session_scope() as s:
        connection = CalendarConnection(trainer_id=trainer.id, kind="ics", name="Home", secret="x", url_hint="h")
        s.add(connection)
        s.flush()
        replace_busy_times(s, connection, intervals)
        s.commit()
        return connection.id


def refresh(connection_id: str, *intervals: Interval) -> None:
    with session_scope() as s:
        replace_busy_times(s, s.get(CalendarConnection, connection_id), intervals)
        s.commit()


def hours(starts) -> list[str]:
    return [s.astimezone(local(MONDAY, "00:00").tzinfo).strftime("%H:%M") for s in starts]


def test_an_outside_event_takes_its_slots_and_the_buffer_around_it():
    trainer = make_trainer(buffer_minutes=15)
    assert hours(slot_starts(trainer.id, MONDAY, 60))[:5] == ["08:00", "09:15", "10:30", "11:45", "13:00"]
    connect(trainer, Interval(local(MONDAY, "12:00"), local(MONDAY, "12:30"), "Dentist"))
    # 11:45 would end after 12:00 - 15 min; the first start after 12:30 + 15 min is 12:45.
    assert hours(slot_starts(trainer.id, MONDAY, 60))[:5] == ["08:00", "09:15", "10:30", "12:45", "14:00"]


def test_the_commit_refuses_a_busy_time_and_a_reschedule_into_one():
    trainer = make_trainer()
    kept = book(trainer, local(MONDAY, "09:00"))
    connect(trainer, Interval(local(MONDAY, "14:00"), local(MONDAY, "16:00"), "Class at the other gym"))
    with pytest.raises(SlotUnavailable):
        book(trainer, local(MONDAY, "15:00"))
    with session_scope() as s, pytest.raises(SlotUnavailable):
        bookings.reschedule_booking(
            s,
            booking_id=kept.booking.id,
            caller=bookings.Caller(trainer=trainer),
            start_time=local(MONDAY, "14:00").isoformat(),
            now=NOW,
        )
    book(trainer, local(MONDAY, "16:00"))  # touching the end is fine


def test_a_day_long_event_removes_the_date_from_the_month():
    trainer = make_trainer()

    def dates():
        with session_scope() as s:
            return availability.dates_with_slots(
                s, trainer_id=trainer.id, month_first=MONDAY, client_tz=None, duration=60, now=NOW
            )

    assert MONDAY in dates()
    connect(trainer, Interval(local(MONDAY, "00:00"), local(MONDAY + timedelta(days=1), "00:00"), "Holiday"))
    assert MONDAY not in dates() and MONDAY + timedelta(days=1) in dates()


def test_any_trainer_goes_to_the_one_whose_calendar_is_free():
    primary = make_trainer(name="Pia Primary")
    sub = make_trainer(name="Sam Sub", primary=primary)
    connect(primary, Interval(local(MONDAY, "10:00"), local(MONDAY, "11:00"), "Physio"))
    made = book(primary, local(MONDAY, "10:00"), team=True)
    assert made.booking.trainer_id == sub.id
    connect(sub, Interval(local(MONDAY, "11:00"), local(MONDAY, "12:00"), "Lunch"))
    team_starts = slot_starts(primary.id, MONDAY, 60, team=True)
    assert local(MONDAY, "10:00") not in team_starts and local(MONDAY, "11:00") in team_starts
    assert book(primary, local(MONDAY, "11:00"), team=True).booking.trainer_id == primary.id


def test_a_refresh_moves_the_version_and_an_empty_one_frees_the_time():
    trainer = make_trainer()
    version = schedule_version(trainer.id)
    connection = connect(trainer, Interval(local(MONDAY, "09:00"), local(MONDAY, "10:00")))
    assert schedule_version(trainer.id) > version
    assert local(MONDAY, "09:00") not in slot_starts(trainer.id, MONDAY, 60)
    refresh(connection)
    assert local(MONDAY, "09:00") in slot_starts(trainer.id, MONDAY, 60)


def test_busy_between_lists_a_trainers_own_outside_times_only():
    ann, bob = make_trainer(), make_trainer()
    connect(ann, Interval(local(MONDAY, "09:00"), local(MONDAY, "10:00"), "Ann's dentist"))
    connect(bob, Interval(local(MONDAY, "09:00"), local(MONDAY, "10:00"), "Bob's dentist"))
    with session_scope() as s:
        rows = busy_between(s, actor=ann, trainer_id=ann.id, first=MONDAY, last=MONDAY)
        assert [r.summary for r in rows] == ["Ann's dentist"]
        assert busy_between(s, actor=ann, trainer_id=ann.id, first=MONDAY + timedelta(days=1), last=MONDAY) == []
        from trainerdesk.domain.errors import Forbidden

        with pytest.raises(Forbidden):
            busy_between(s, actor=ann, trainer_id=bob.id, first=MONDAY, last=MONDAY)


assert BERLIN  # the zone every local() above is in
