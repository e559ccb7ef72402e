"""Connected calendars end to end below the API: a real HTTP server on this machine serves .ics
files; connecting, refreshing (ETag, failures keeping the last good times), claiming across
workers, removing, and our own bookings read back. Both databases, explicit ``now``."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.calendar_server import CalendarServer, ics, vevent
from tests.services.svc_helpers import MONDAY, NOW, book, local, make_trainer, slot_starts
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import Unreachable, ValidationFailed
from trainerdesk.domain.ics import UID_DOMAIN, booking_uid
from trainerdesk.models import BusyTime, CalendarConnection
from trainerdesk.services import calendars

pytestmark = pytest.mark.usefixtures("db_url")


# Monday 1 March 2027, Berlin = UTC+1: 10:00-11:00 local is 09:00-10:00Z.
DENTIST = vevent("dentist@test", "20270301T090000Z", "20270301T100000Z", "Dentist")
PHYSIO = vevent("physio@test", "20270301T130000Z", "20270301T140000Z", "Physio")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", "1")
    s = CalendarServer()
    yield s
    s.httpd.shutdown()


def connect(trainer, url: str, name: str = "Home") -> calendars.Connection:
    with session_scope() as s:
        return calendars.connect_calendar(
            s, actor=trainer, trainer_id=trainer.id, kind="ics", url=url, name=name, now=NOW
        )


def stored(connection_id: str) -> tuple[CalendarConnection, list[str]]:
    with session_scope() as s:
        row = s.get(CalendarConnection, connection_id)
        s.expunge(row)
        summaries = list(s.exec(select(BusyTime.summary).where(BusyTime.connection_id == connection_id)))
        return row, sorted(summaries)


def test_connecting_reads_the_calendar_and_its_events_take_their_slots(server):
    trainer = make_trainer()
    server.files["/cal.ics"] = (200, ics(DENTIST, PHYSIO))
    made = connect(trainer, server.url("/cal.ics"))
    assert made.busy_count == 2 and made.row.status == "ok" and made.row.url_hint.startswith("127.0.0.1/")
    assert "/cal.ics" not in made.row.url_hint and "cal.ics" in made.row.url_hint
    starts = slot_starts(trainer.id, MONDAY, 60)
    assert local(MONDAY, "10:00") not in starts and local(MONDAY, "14:00") not in starts
    assert local(MONDAY, "11:00") in starts
    # The address is stored encrypted, never in clear.
    row, _ = stored(made.row.id)
    assert server.url("/cal.ics") not in row.secret and "127.0.0.1" not in row.secret


@pytest.mark.parametrize(
    "path, body, error",
    [
        ("/html", (200, b"<html>Sign in</html>"), ValidationFailed),
        ("/missing", None, Unreachable),
    ],
)
def test_a_bad_calendar_is_refused_and_nothing_is_stored(server, path, body, error):
    trainer = make_trainer()
    if body:
        server.files[path] = body
    with pytest.raises(error):
        connect(trainer, server.url(path))
    with session_scope() as s:
        assert calendars.list_connections(s, actor=trainer, trainer_id=trainer.id) == []


def test_internal_addresses_are_refused_unless_allowed(monkeypatch):
    monkeypatch.delenv("CALENDAR_ALLOW_PRIVATE_NETWORKS", raising=False)
    trainer = make_trainer()
    for url in ("http://127.0.0.1:9/x.ics", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"):
        with pytest.raises(ValidationFailed):
            connect(trainer, url)


def test_a_refresh_follows_changes_uses_etags_and_keeps_the_last_good_times_on_failure(server):
    trainer = make_trainer()
    server.files["/cal.ics"] = (200, ics(DENTIST))
    made = connect(trainer, server.url("/cal.ics"))
    later = NOW + timedelta(minutes=10)

    calendars.refresh(made.row.id, now=later)  # unchanged: a conditional request, answered 304
    assert server.requests[-1]["if_none_match"] is not None
    assert stored(made.row.id)[1] == ["Dentist"]

    server.files["/cal.ics"] = (200, ics(PHYSIO))  # the trainer moved things around
    calendars.refresh(made.row.id, now=later)
    row, summaries = stored(made.row.id)
    assert summaries == ["Physio"] and row.status == "ok"
    assert local(MONDAY, "10:00") in slot_starts(trainer.id, MONDAY, 60)

    server.files["/cal.ics"] = (500, b"oops")
    calendars.refresh(made.row.id, now=later)
    row, summaries = stored(made.row.id)
    assert row.status == "error" and row.last_error and summaries == ["Physio"]
    assert local(MONDAY, "14:00") not in slot_starts(trainer.id, MONDAY, 60)


def test_each_due_calendar_is_claimed_by_one_worker_only(server):
    trainer = make_trainer()
    server.files["/cal.ics"] = (200, ics(DENTIST))
    ids = {connect(trainer, server.url("/cal.ics"), name=f"C{n}").row.id for n in range(3)}
    due = NOW + timedelta(hours=1)
    results: list[list[str]] = []

    def worker():
        with session_scope() as s:
            results.append(calendars.claim_due(s, now=due))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [c for r in results for c in r]
    assert sorted(claimed) == sorted(ids)  # every one claimed, none twice
    with session_scope() as s:
        assert calendars.claim_due(s, now=due) == []  # not due again before its next turn


def test_removing_frees_the_time_and_our_own_bookings_are_not_read_back(server):
    trainer = make_trainer()
    made = book(trainer, local(MONDAY, "09:00"))
    ours = vevent(booking_uid(made.booking.id, UID_DOMAIN), "20270301T080000Z", "20270301T090000Z", "Client")
    server.files["/cal.ics"] = (200, ics(ours, DENTIST))
    connection = connect(trainer, server.url("/cal.ics"))
    assert stored(connection.row.id)[1] == ["Dentist"]
    with session_scope() as s:
        calendars.remove_connection(s, actor=trainer, trainer_id=trainer.id, connection_id=connection.row.id)
    assert local(MONDAY, "10:00") in slot_starts(trainer.id, MONDAY, 60)
    with session_scope() as s:
        assert s.get(CalendarConnection, connection.row.id) is None
