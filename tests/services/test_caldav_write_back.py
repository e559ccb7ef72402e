"""CalDAV write-back against a real CalDAV server (Radicale): bookings created, moved, confirmed and
cancelled in the calendar the trainer chose, one event per booking addressed by its UID, through
the outbox (a server that is down loses nothing), never read back as busy, and moved out when the
trainer picks another calendar. Both databases, explicit ``now``."""

from __future__ import annotations

import threading
from datetime import timedelta

import icalendar
import pytest
from sqlmodel import select

from tests.caldav_server import CaldavServer
from tests.services.svc_helpers import MONDAY, NOW, book, connect_caldav, local, make_trainer, slot_starts
from trainerdesk.db import session_scope
from trainerdesk.domain.ics import UID_DOMAIN, booking_uid
from trainerdesk.models import BusyTime, CalendarConnection, CalendarWrite
from trainerdesk.services import bookings, calendar_writes, calendars

pytestmark = pytest.mark.usefixtures("db_url")

PASSWORDS = {"alice": "alice-app-password"}
WHILE = NOW + timedelta(minutes=1)  # the writer runs a moment after the change


@pytest.fixture
def dav(monkeypatch, tmp_path):
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "1")
    server = CaldavServer(tmp_path, PASSWORDS)
    server.home = server.make_calendar("alice", "home", "Home")
    server.work = server.make_calendar("alice", "work", "Work")
    yield server
    server.stop()


def events_in(server: CaldavServer, path: str) -> dict[str, icalendar.Event]:
    return server.events("alice", path)


def connect_writing_into(trainer, server: CaldavServer, name: str = "Work") -> str:
    made = connect_caldav(trainer, server.url("/"), "alice", PASSWORDS["alice"])
    with session_scope() as s:
        href = next(c["href"] for c in made.row.calendars if c["name"] == name)
        calendars.update_connection(
            s,
            actor=trainer,
            trainer_id=trainer.id,
            connection_id=made.row.id,
            calendars=[{"href": href, "writeBookings": True}],
            now=NOW,
        )
        return made.row.id


def choose(trainer, connection_id: str, changes: list[dict]) -> None:
    with session_scope() as s:
        calendars.update_connection(
            s, actor=trainer, trainer_id=trainer.id, connection_id=connection_id, calendars=changes, now=NOW
        )


def href_of(connection_id: str, name: str) -> str:
    with session_scope() as s:
        return next(c["href"] for c in s.get(CalendarConnection, connection_id).calendars if c["name"] == name)


def uid(booking_id: str) -> str:
    return booking_uid(booking_id, UID_DOMAIN)


def test_a_booking_lives_as_one_event_through_its_whole_life(dav):
    trainer = make_trainer()
    connect_writing_into(trainer, dav)
    made = book(trainer, local(MONDAY, "10:00"), name="Kenji Test", email="kenji@example.com")
    assert calendar_writes.write_pending(now=WHILE) == 1
    event = events_in(dav, dav.work)[uid(made.booking.id)]
    assert str(event["SUMMARY"]) == "Kenji Test (pending)"
    assert event.decoded("DTSTART") == local(MONDAY, "10:00")
    # No participants: a server doing implicit scheduling would otherwise email the client.
    assert "ATTENDEE" not in event and "ORGANIZER" not in event
    assert events_in(dav, dav.home) == {}

    with session_scope() as s:
        bookings.change_status(s, booking_id=made.booking.id, trainer=trainer, status="CONFIRMED", now=NOW)
        bookings.reschedule_booking(
            s,
            booking_id=made.booking.id,
            caller=bookings.Caller(trainer=trainer),
            start_time=local(MONDAY, "14:00").isoformat(),
            now=NOW,
        )
    # Two changes, one pending write: the newest state is what is sent.
    with session_scope() as s:
        pending = s.exec(select(CalendarWrite).where(CalendarWrite.done_at.is_(None))).all()
        assert len(pending) == 1 and pending[0].revision == 1
    assert calendar_writes.write_pending(now=WHILE) == 1
    written = events_in(dav, dav.work)
    assert list(written) == [uid(made.booking.id)]  # moved in place, not a second event
    assert written[uid(made.booking.id)].decoded("DTSTART") == local(MONDAY, "14:00")
    assert str(written[uid(made.booking.id)]["SUMMARY"]) == "Kenji Test"
    assert str(written[uid(made.booking.id)]["STATUS"]) == "CONFIRMED"

    with session_scope() as s:
        bookings.cancel_booking(s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), now=NOW)
    assert calendar_writes.write_pending(now=WHILE) == 1
    assert events_in(dav, dav.work) == {}
    assert calendar_writes.write_pending(now=WHILE + timedelta(hours=1)) == 0  # nothing left to do


def test_choosing_a_calendar_writes_the_upcoming_sessions_and_our_events_are_never_busy(dav):
    trainer = make_trainer()
    early = book(trainer, local(MONDAY, "09:00"))
    connection_id = connect_writing_into(trainer, dav)
    calendar_writes.write_pending(now=WHILE)
    assert list(events_in(dav, dav.work)) == [uid(early.booking.id)]
    # The calendar written into is also checked for conflicts: reading it back finds only our own
    # event, which is not busy time (the booking already counts).
    calendars.refresh(connection_id, now=WHILE, force=True)
    with session_scope() as s:
        assert s.exec(select(BusyTime).where(BusyTime.connection_id == connection_id)).all() == []
        assert s.get(CalendarConnection, connection_id).status == "ok"
    with session_scope() as s:
        bookings.cancel_booking(s, booking_id=early.booking.id, caller=bookings.Caller(trainer=trainer), now=NOW)
    assert local(MONDAY, "09:00") in slot_starts(trainer.id, MONDAY, 60)  # even before the delete went out


def test_picking_another_calendar_moves_the_events_and_turning_it_off_removes_them(dav):
    trainer = make_trainer()
    connection_id = connect_writing_into(trainer, dav, "Work")
    one = book(trainer, local(MONDAY, "10:00"))
    two = book(trainer, local(MONDAY, "12:00"))
    calendar_writes.write_pending(now=WHILE)
    assert set(events_in(dav, dav.work)) == {uid(one.booking.id), uid(two.booking.id)}

    choose(
        trainer,
        connection_id,
        [
            {"href": href_of(connection_id, "Home"), "writeBookings": True},
            {"href": href_of(connection_id, "Work"), "writeBookings": False},
        ],
    )
    calendar_writes.write_pending(now=WHILE)
    assert events_in(dav, dav.work) == {}
    assert set(events_in(dav, dav.home)) == {uid(one.booking.id), uid(two.booking.id)}

    choose(trainer, connection_id, [{"href": href_of(connection_id, "Home"), "writeBookings": False}])
    calendar_writes.write_pending(now=WHILE)
    assert events_in(dav, dav.home) == {}


def test_a_server_that_is_down_loses_nothing_and_the_error_is_shown_until_it_works(dav):
    trainer = make_trainer()
    connection_id = connect_writing_into(trainer, dav)
    dav.stop()
    made = book(trainer, local(MONDAY, "10:00"))
    assert calendar_writes.write_pending(now=WHILE) == 0
    with session_scope() as s:
        row = s.exec(select(CalendarWrite).where(CalendarWrite.booking_id == made.booking.id)).one()
        assert row.done_at is None and row.attempts == 1 and row.last_error
        assert row.next_attempt_at > WHILE  # backed off, not hammered
        assert "could not be written" in s.get(CalendarConnection, connection_id).write_error
    dav.start()
    assert calendar_writes.write_pending(now=WHILE) == 0  # not due yet
    assert calendar_writes.write_pending(now=WHILE + timedelta(minutes=5)) == 1
    assert list(events_in(dav, dav.work)) == [uid(made.booking.id)]
    with session_scope() as s:
        assert s.get(CalendarConnection, connection_id).write_error == ""


def test_a_change_while_its_write_is_on_the_wire_is_sent_after_it(dav, monkeypatch):
    trainer = make_trainer()
    connect_writing_into(trainer, dav)
    made = book(trainer, local(MONDAY, "10:00"))
    real_send = calendar_writes._send
    cancelled = []

    def send_then_cancel(job):
        real_send(job)  # the PUT of the booking as it was when claimed
        if not cancelled:
            with session_scope() as s:
                bookings.cancel_booking(s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), now=NOW)
            cancelled.append(True)

    monkeypatch.setattr(calendar_writes, "_send", send_then_cancel)
    calendar_writes.write_pending(now=WHILE)
    assert uid(made.booking.id) in events_in(dav, dav.work)  # written before the cancellation
    calendar_writes.write_pending(now=WHILE)  # the newer revision goes out next
    assert events_in(dav, dav.work) == {}


def test_two_writers_at_once_send_each_write_once(dav):
    trainer = make_trainer()
    connect_writing_into(trainer, dav)
    for hour in ("09:00", "11:00", "13:00", "15:00"):
        book(trainer, local(MONDAY, hour))
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(calendar_writes.write_pending(now=WHILE))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(results) == 4
    with session_scope() as s:
        assert [r.attempts for r in s.exec(select(CalendarWrite)).all()] == [1, 1, 1, 1]
    assert len(events_in(dav, dav.work)) == 4


def test_removing_the_account_drops_its_pending_writes(dav):
    trainer = make_trainer()
    connection_id = connect_writing_into(trainer, dav)
    book(trainer, local(MONDAY, "10:00"))
    with session_scope() as s:
        calendars.remove_connection(s, actor=trainer, trainer_id=trainer.id, connection_id=connection_id)
    with session_scope() as s:
        assert s.exec(select(CalendarWrite)).all() == []
    assert calendar_writes.write_pending(now=WHILE) == 0
