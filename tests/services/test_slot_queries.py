"""Slot queries: overrides and bookings are honoured, the cache is never stale, and the SQL stays small."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from tests.conftest import at, sql_statements
from trainerdesk.db import session_scope
from trainerdesk.domain.slots import HoursBlock, WeeklyBlock
from trainerdesk.services import availability, bookings, trainers

NOW = at("2027-01-01T00:00:00Z")
BERLIN = ZoneInfo("Europe/Berlin")


def _trainer():
    with session_scope() as session:
        trainer, _ = trainers.signup(
            session, email="q@example.com", password="long-enough", name="Quinn", timezone="Europe/Berlin"
        )
        availability.replace_week(
            session, actor=trainer, trainer_id=trainer.id, blocks=[WeeklyBlock(d, 9 * 60, 12 * 60) for d in range(7)]
        )
        trainers.update_preferences(
            session, actor=trainer, trainer_id=trainer.id, changes={"min_notice_hours": 0, "session_durations": (60,)}
        )
        return trainer


def _starts(trainer_id: str, day: date) -> list[str]:
    with session_scope() as session:
        _, per = availability.slots_for_date(
            session, trainer_id=trainer_id, day=day, client_tz=BERLIN, duration=60, now=NOW
        )
    return [s.start.astimezone(BERLIN).strftime("%H:%M") for s in per[60]]


def test_at_most_three_selects_and_one_when_cached(db_url):
    trainer = _trainer()
    with sql_statements(reads_only=True) as seen:
        assert _starts(trainer.id, date(2027, 1, 4)) == ["09:00", "10:00", "11:00"]
    assert len(seen) <= 3, seen
    with sql_statements(reads_only=True) as seen:
        _starts(trainer.id, date(2027, 1, 4))
    assert len(seen) == 1, seen


def test_overrides_replace_or_close_a_date_and_the_cache_follows(db_url):
    trainer = _trainer()
    assert _starts(trainer.id, date(2027, 1, 5)) == ["09:00", "10:00", "11:00"]
    with session_scope() as session:
        availability.set_override(
            session, actor=trainer, trainer_id=trainer.id, day=date(2027, 1, 5), blocks=[HoursBlock(14 * 60, 16 * 60)]
        )
    assert _starts(trainer.id, date(2027, 1, 5)) == ["14:00", "15:00"]
    with session_scope() as session:
        availability.set_override(session, actor=trainer, trainer_id=trainer.id, day=date(2027, 1, 5), blocks=[])
    assert _starts(trainer.id, date(2027, 1, 5)) == []
    with session_scope() as session:
        availability.delete_override(session, actor=trainer, trainer_id=trainer.id, day=date(2027, 1, 5))
    assert _starts(trainer.id, date(2027, 1, 5)) == ["09:00", "10:00", "11:00"]


def test_a_booking_removes_its_slot_immediately_even_when_cached(db_url):
    trainer = _trainer()
    assert _starts(trainer.id, date(2027, 1, 6)) == ["09:00", "10:00", "11:00"]
    with session_scope() as session:
        made = bookings.create_booking(
            session,
            trainer_id=trainer.id,
            start_time="2027-01-06T10:00:00+01:00",
            duration=60,
            name="A",
            email="a@example.com",
            privacy_accepted=True,
            now=NOW,
        )
    assert _starts(trainer.id, date(2027, 1, 6)) == ["09:00", "11:00"]
    with session_scope() as session:
        bookings.cancel_booking(
            session, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), reason="moved away", now=NOW
        )
    assert _starts(trainer.id, date(2027, 1, 6)) == ["09:00", "10:00", "11:00"]
