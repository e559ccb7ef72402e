"""Query discipline: the slot endpoint, the bookings list and the dashboard's loads issue a fixed, small
number of SQL statements whatever the number of bookings (no N+1 can creep in)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tests.api.helpers import book, get_slots, set_prefs, set_week, signup
from tests.conftest import sql_statements
from trainerdesk.db import session_scope
from trainerdesk.services import bookings, trainers


def _busy_trainer(client, n_bookings: int):
    trainer = signup(client, email=f"busy{n_bookings}@example.com")
    set_week(client, trainer, "06:00", "22:00")
    set_prefs(client, trainer, sessionDurations=[30], minNoticeHours=0, maxAdvanceDays=60)
    made, day = 0, date.today() + timedelta(days=1)
    while made < n_bookings:
        for slot in get_slots(client, trainer.id, day, duration=30)[: n_bookings - made]:
            book(client, trainer.id, slot["startTime"], duration=30)
            made += 1
        day += timedelta(days=1)
    return trainer


def _counts(client, trainer) -> dict[str, int]:
    tid, day = trainer.id, (date.today() + timedelta(days=1)).isoformat()
    out = {}
    with sql_statements() as seen:
        assert (
            client.get("/api/bookings/availability", params={"trainerId": tid, "date": day, "duration": 30}).status_code
            == 200
        )
    out["slots"] = len(seen)
    with sql_statements() as seen:
        page = client.get(f"/api/trainers/{tid}/bookings", params={"pageSize": 50}, headers=trainer.headers)
        assert page.status_code == 200
    out["list"] = len(seen)
    with sql_statements() as seen:  # what the dashboard's bookings page runs on load
        with session_scope() as session:
            me = trainers.get_trainer(session, tid)
            trainers.team_members(session, me)
            bookings.list_bookings(
                session,
                actor=me,
                trainer_ids=[tid],
                spec=bookings.parse_query(view="upcoming"),
                tz=ZoneInfo(me.timezone),
                page=1,
                page_size=20,
            )
    out["dashboard"] = len(seen)
    return out


def test_statement_counts_do_not_grow_with_bookings(client):
    few = _counts(client, _busy_trainer(client, 3))
    many = _counts(client, _busy_trainer(client, 40))
    assert few == many, (few, many)
    # Cold (the bookings just bumped the version): the trainer's key, trainer + preferences, hours + overrides,
    # busy bookings. A later question of the same version: the key alone (tests/services/test_slot_queries.py).
    assert few["slots"] <= 4, few
    assert few["list"] <= 4, few  # API key, trainer, page, count
    assert few["dashboard"] <= 4, few


def _reads_reach(statement: str) -> bool:
    """A statement that reads a trainer's CalDAV accounts or webhook endpoints themselves."""
    return statement.lstrip().startswith(("SELECT calendar_connection.", "SELECT webhook_endpoint."))


def test_a_booking_and_its_changes_run_a_fixed_few_statements(client):
    """A booking is the app's hottest write: one locking read of the trainer (with preferences and
    whom changes reach), the day's hours and busy times, the client upsert, the booking, its history
    line, its email and reminders (one statement), the version bump; on PostgreSQL the live
    announcement too. A trainer with no CalDAV account and no webhook reads neither."""
    trainer = _busy_trainer(client, 3)
    day = date.today() + timedelta(days=2)
    free = get_slots(client, trainer.id, day, duration=30)
    book(client, trainer.id, free[0]["startTime"], duration=30, email="again@example.org")
    with sql_statements() as seen:  # a returning client: the upsert updates the row
        made = book(client, trainer.id, free[2]["startTime"], duration=30, email="again@example.org")
    listening = any("pg_notify" in s for s in seen)
    assert len(seen) - listening <= 9, seen
    assert not any(_reads_reach(s) for s in seen), seen
    with sql_statements() as seen:
        moved = client.post(
            f"/api/bookings/{made['id']}/reschedule",
            params={"token": made["token"]},
            json={"startTime": free[4]["startTime"]},
        )
        assert moved.status_code == 200, moved.text
    assert not any(_reads_reach(s) for s in seen), seen
