"""Slot queries: overrides and bookings are honoured, the cache is never stale, and the SQL stays small."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import inspect

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


def test_at_most_four_selects_and_one_when_cached(db_url):
    """Cold: the trainer's key (version, zone, team), the trainer with preferences, and the schedule's two
    reads. Cached: the key alone."""
    trainer = _trainer()
    with sql_statements(reads_only=True) as seen:
        assert _starts(trainer.id, date(2027, 1, 4)) == ["09:00", "10:00", "11:00"]
    assert len(seen) <= 4, seen
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


def test_answers_cut_from_week_blocks_are_the_domains_for_any_zone_date_and_month(db_url):
    """Grids are computed per block of seven UTC days and cut to the question (services/availability.py):
    every client date and month, in zones either side of UTC, across DST changes and a block that runs
    past midnight, equals the domain's own computation over exactly that range, cold or warm."""
    from trainerdesk.domain.slots import bookable_dates, slots_on_client_date

    with session_scope() as session:
        trainer, _ = trainers.signup(
            session, email="b@example.com", password="long-enough", name="Blake", timezone="Europe/Berlin"
        )
        week = [WeeklyBlock(d, 6 * 60, 9 * 60 + 30) for d in range(7)] + [WeeklyBlock(4, 20 * 60, 24 * 60)]
        week += [WeeklyBlock(5, 0, 2 * 60)]  # Friday 20:00 runs on into Saturday 02:00
        # Sunday 22:00 into Monday 02:00, Berlin: across a block's edge (Monday 00:00 UTC)
        week += [WeeklyBlock(6, 22 * 60, 24 * 60), WeeklyBlock(0, 0, 2 * 60)]
        availability.replace_week(session, actor=trainer, trainer_id=trainer.id, blocks=week)
        trainers.update_preferences(
            session,
            actor=trainer,
            trainer_id=trainer.id,
            changes={"min_notice_hours": 0, "session_durations": (45, 90), "buffer_minutes": 10},
        )
    now = at("2027-03-10T12:00:00Z")
    for start in ("2027-03-26T06:00:00+01:00", "2027-03-26T22:45:00+01:00", "2027-04-02T20:55:00+02:00"):
        with session_scope() as session:
            bookings.create_booking(
                session,
                trainer_id=trainer.id,
                start_time=start,
                duration=45,
                name="C",
                email="c@example.com",
                privacy_accepted=True,
                now=now,
            )
    zones = [ZoneInfo(z) for z in ("Pacific/Kiritimati", "Asia/Tokyo", "Europe/Berlin", "America/New_York")]
    zones.append(ZoneInfo("Pacific/Pago_Pago"))
    for warm in (False, True):
        if not warm:
            availability.grid_cache.clear()
        for zone in zones:
            for day in (date(2027, 3, d) for d in range(24, 32)):  # Europe's spring change on 28 March
                with session_scope() as session:
                    row, prefs = availability.trainer_with_preferences(session, trainer.id)
                    _, per = availability.slots_for_date(
                        session, trainer_id=trainer.id, day=day, client_tz=zone, duration=None, now=now
                    )
                    span = availability.local_day_range(day, zone)
                    schedule = availability.load_schedule(session, row, prefs, start=span.start, end=span.end)
                for d in (45, 90):
                    direct = slots_on_client_date(schedule, duration=d, now=now, day=day, client_tz=zone)
                    assert [s.start for s in per[d]] == [s.start for s in direct], (zone, day, d, warm)
            with session_scope() as session:
                found = availability.dates_with_slots(
                    session, trainer_id=trainer.id, month_first=date(2027, 3, 1), client_tz=zone, duration=90, now=now
                )
                row, prefs = availability.trainer_with_preferences(session, trainer.id)
                first, last = availability.month_range(date(2027, 3, 1), zone)
                schedule = availability.load_schedule(session, row, prefs, start=first, end=last)
            assert found == bookable_dates(
                schedule, durations=[90], now=now, month_first=date(2027, 3, 1), client_tz=zone
            )


def test_the_trainer_behind_slot_reads_is_read_again_exactly_when_it_changed(db_url, monkeypatch):
    """``slot_owner`` keeps the trainer and preferences per version, zone and team: a change of any is seen
    by the very next read; the kept trainer is in no session, so no session's rollback can expire it."""
    trainer = _trainer()
    reads = []
    real = availability.trainer_with_preferences
    monkeypatch.setattr(availability, "trainer_with_preferences", lambda s, t: reads.append(t) or real(s, t))
    day = date(2027, 1, 4)
    assert _starts(trainer.id, day) == _starts(trainer.id, day) == ["09:00", "10:00", "11:00"]
    assert len(reads) == 1
    with session_scope() as session:
        owner, _ = availability.slot_owner(session, trainer.id)
        session.rollback()
    assert inspect(owner).transient and owner.timezone == "Europe/Berlin"

    with session_scope() as session:  # preferences: 90-minute sessions only
        trainers.update_preferences(session, actor=trainer, trainer_id=trainer.id, changes={"session_durations": (90,)})
    with session_scope() as session:
        _, per = availability.slots_for_date(
            session, trainer_id=trainer.id, day=day, client_tz=BERLIN, duration=None, now=NOW
        )
    assert list(per) == [90] and len(reads) == 2

    with session_scope() as session:  # the trainer's zone: the same hours, now in London
        trainers.update_preferences(
            session,
            actor=trainer,
            trainer_id=trainer.id,
            changes={"session_durations": (60,)},
            timezone="Europe/London",
        )
    assert _starts(trainer.id, day) == ["10:00", "11:00", "12:00"] and len(reads) == 3
    assert _starts(trainer.id, day) == ["10:00", "11:00", "12:00"] and len(reads) == 3
