"""Real races on real databases (SQLite file and PostgreSQL): docs/scheduling-rules.md "Accepting a booking".

Every racer is a thread (or a spawned process) with its own session and
connection, lined up on a barrier, calling the service exactly as the API
does. The assertions are about outcomes (who won, what the database holds),
never about timing.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.services.mp_worker import mp_create_worker
from tests.services.svc_helpers import (
    MONDAY,
    NOW,
    active_bookings,
    book,
    events,
    fetch,
    iso,
    local,
    make_trainer,
    outbox,
    overlapping_active_pairs,
    race,
    schedule_version,
    slot_starts,
)
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import SlotUnavailable
from trainerdesk.models import Booking, Client
from trainerdesk.services import bookings
from trainerdesk.services.bookings import Caller


def _only_slot_unavailable(outcome) -> None:
    unexpected = [e for e in outcome.errors if not isinstance(e, SlotUnavailable)]
    assert not unexpected, f"racers failed with something other than SlotUnavailable: {unexpected!r}"


def test_many_clients_racing_for_one_start_exactly_one_wins(db_url, trainer):
    start = local(MONDAY, "10:00")
    assert start in slot_starts(trainer.id, MONDAY, 60)
    version = schedule_version(trainer.id)
    n = 30

    outcome = race([lambda i=i: book(trainer, start, email=f"racer{i}@example.com") for i in range(n)])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1
    assert len(outcome.errors) == n - 1
    winner = outcome.ok[0].booking
    active = active_bookings(trainer.id)
    assert [b.id for b in active] == [winner.id]
    assert active[0].start_at == start
    with session_scope() as s:  # the losers left nothing behind: no booking, no client, no message
        assert s.exec(select(func.count()).select_from(Booking)).one() == 1
        assert s.exec(select(func.count()).select_from(Client)).one() == 1
    assert [m.event for m in outbox()] == ["created"]
    assert [e.action for e in events(winner.id)] == ["created"]
    assert schedule_version(trainer.id) == version + 1
    # The slot is gone for everyone else.
    assert start not in slot_starts(trainer.id, MONDAY, 60)


def test_overlapping_durations_racing_only_one_of_a_mutually_overlapping_set_wins(db_url):
    # Grid from 08:00: 30 every 30 min, 60 hourly, 90 at 08:00, 09:30, 11:00.
    trainer = make_trainer(hours=[(0, "08:00", "12:30")], session_durations=[30, 60, 90])
    # Every one of these contains 10:00-10:30, so at most one can ever be active.
    contenders = [(30, local(MONDAY, "10:00")), (60, local(MONDAY, "10:00")), (90, local(MONDAY, "09:30"))]
    for duration, start in contenders:
        assert start in slot_starts(trainer.id, MONDAY, duration)

    outcome = race([lambda c=c: book(trainer, c[1], c[0]) for c in contenders * 10])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1
    assert len(outcome.errors) == len(contenders) * 10 - 1
    active = active_bookings(trainer.id)
    assert len(active) == 1
    assert (active[0].duration_minutes, active[0].start_at) in contenders
    assert overlapping_active_pairs() == []


@pytest.mark.parametrize("buffer", [0, 15])
def test_racing_every_offered_start_of_every_duration_never_overlaps(db_url, buffer):
    trainer = make_trainer(hours=[(0, "08:00", "13:00")], session_durations=[30, 45, 60, 90], buffer_minutes=buffer)
    offered = [(d, s) for d in (30, 45, 60, 90) for s in slot_starts(trainer.id, MONDAY, d)]
    assert len(offered) > 12

    outcome = race([lambda c=c: book(trainer, c[1], c[0]) for c in offered * 2])

    _only_slot_unavailable(outcome)
    assert outcome.ok
    assert overlapping_active_pairs() == []
    active = active_bookings(trainer.id)
    assert len(active) == len(outcome.ok)
    gap = timedelta(minutes=buffer)
    for earlier, later in pairwise(active):  # sorted by start: neighbours keep the buffer
        assert earlier.end_at + gap <= later.start_at, (earlier.start_at, later.start_at)
    for b in active:
        assert (b.duration_minutes, b.start_at) in offered


def test_one_client_booking_many_slots_at_once_gets_them_all_and_one_client_row(db_url, trainer):
    starts = [local(MONDAY, f"{h:02d}:00") for h in range(9, 17)]
    version = schedule_version(trainer.id)

    outcome = race([lambda s=s: book(trainer, s, email="same@example.com") for s in starts])

    assert outcome.errors == []
    assert sorted(b.booking.start_at for b in outcome.ok) == starts
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Client)).one() == 1
    # Every committed booking bumped the schedule version (none lost to a stale read),
    # so the slot cache can never mistake a newer schedule for an older one.
    assert schedule_version(trainer.id) == version + len(starts)
    assert not set(starts) & set(slot_starts(trainer.id, MONDAY, 60))


def test_slot_readers_racing_writers_never_leave_a_booked_start_offered(db_url, trainer):
    starts = [local(MONDAY, f"{h:02d}:00") for h in range(8, 20)]
    writers = [lambda s=s: book(trainer, s) for s in starts]
    readers = [lambda: slot_starts(trainer.id, MONDAY, 60) for _ in range(12)]

    outcome = race([c for pair in zip(writers, readers, strict=True) for c in pair])

    assert outcome.errors == []
    # Whatever the readers cached meanwhile, the answer now reflects every booking.
    assert slot_starts(trainer.id, MONDAY, 60) == []


def test_two_reschedules_racing_into_one_free_slot(db_url, trainer):
    a = book(trainer, local(MONDAY, "09:00"))
    b = book(trainer, local(MONDAY, "11:00"))
    target = local(MONDAY, "15:00")
    callers = {a.booking.id: Caller(token=a.token), b.booking.id: Caller(trainer=trainer)}

    def move(booking_id):
        with session_scope() as s:
            return bookings.reschedule_booking(
                s, booking_id=booking_id, caller=callers[booking_id], start_time=iso(target), now=NOW
            )

    outcome = race([lambda: move(a.booking.id), lambda: move(b.booking.id)])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1 and len(outcome.errors) == 1
    winner_id = outcome.ok[0].id
    loser = b if winner_id == a.booking.id else a
    assert fetch(winner_id).start_at == target
    assert fetch(loser.booking.id).start_at == loser.booking.start_at  # untouched
    assert fetch(loser.booking.id).ics_sequence == 0
    assert [e.action for e in events(loser.booking.id)] == ["created"]
    assert [m.event for m in outbox(loser.booking.id)] == ["created"]
    assert [m.event for m in outbox(winner_id)] == ["created", "rescheduled"]
    assert overlapping_active_pairs() == []


def test_many_reschedules_racing_into_one_slot(db_url, trainer):
    moved = [book(trainer, local(MONDAY, f"{h:02d}:00")) for h in (8, 9, 10, 11, 12, 13)]
    target = local(MONDAY, "18:00")

    def move(nb):
        with session_scope() as s:
            return bookings.reschedule_booking(
                s, booking_id=nb.booking.id, caller=Caller(token=nb.token), start_time=iso(target), now=NOW
            )

    outcome = race([lambda nb=nb: move(nb) for nb in moved])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1
    assert [b.start_at for b in active_bookings(trainer.id)].count(target) == 1
    assert len(active_bookings(trainer.id)) == len(moved)
    assert overlapping_active_pairs() == []


def test_a_reschedule_racing_new_bookings_for_the_same_slot(db_url, trainer):
    original = local(MONDAY, "09:00")
    target = local(MONDAY, "14:00")
    mover = book(trainer, original)

    def move():
        with session_scope() as s:
            return bookings.reschedule_booking(
                s, booking_id=mover.booking.id, caller=Caller(token=mover.token), start_time=iso(target), now=NOW
            )

    outcome = race([move] + [lambda: book(trainer, target) for _ in range(8)])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1
    holders = [b for b in active_bookings(trainer.id) if b.start_at == target]
    assert len(holders) == 1
    moved = fetch(mover.booking.id)
    if isinstance(outcome.ok[0], Booking):  # the reschedule won
        assert holders[0].id == mover.booking.id and moved.reschedule_count == 1
    else:  # a new booking won; the mover stays where it was
        assert holders[0].id == outcome.ok[0].booking.id
        assert moved.start_at == original and moved.reschedule_count == 0
    assert overlapping_active_pairs() == []


def test_cancel_racing_a_rebooking_of_the_same_start(db_url, trainer):
    start = local(MONDAY, "10:00")
    first = book(trainer, start)

    def cancel():
        with session_scope() as s:
            return bookings.cancel_booking(s, booking_id=first.booking.id, caller=Caller(trainer=trainer), now=NOW)

    outcome = race([cancel] + [lambda: book(trainer, start) for _ in range(6)])

    _only_slot_unavailable(outcome)
    assert fetch(first.booking.id).status == "CANCELLED"
    # Either nobody rebooked (all tried before the cancel committed) or exactly one did.
    assert len(outcome.ok) in (1, 2)
    assert len([b for b in active_bookings(trainer.id) if b.start_at == start]) == len(outcome.ok) - 1


def test_separate_processes_racing_for_one_start_exactly_one_wins(db_url, trainer):
    start = local(MONDAY, "16:00")
    ctx = multiprocessing.get_context("spawn")
    n = 4
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=mp_create_worker, args=(barrier, results, trainer.id, iso(start), 60, i, iso(NOW)))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    outcomes = []
    try:
        for _ in range(n):
            outcomes.append(results.get(timeout=150))
    except queue_module.Empty:
        pytest.fail(f"only {len(outcomes)} of {n} processes reported: {outcomes}")
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok"] + ["slot_unavailable"] * (n - 1), outcomes
    winner_id = next(bid for kind, bid in outcomes if kind == "ok")
    assert [b.id for b in active_bookings(trainer.id)] == [winner_id]
    assert fetch(winner_id).start_at == start


def test_without_the_trainer_lock_the_database_still_refuses_a_double_booking(db_url, trainer, monkeypatch):
    """Defence in depth: were the row lock ever skipped (a new code path, a bug), the loser must
    still get SlotUnavailable, never a raw database error: on PostgreSQL the exclusion constraint
    refuses the overlap, on SQLite ``BEGIN IMMEDIATE`` already serialises the writers."""
    monkeypatch.setattr(bookings, "_LOCK_TRAINERS", bookings._TRAINERS_FOR_CHANGE)  # the same read, no FOR UPDATE
    start = local(MONDAY, "13:00")

    outcome = race([lambda: book(trainer, start) for _ in range(12)])

    _only_slot_unavailable(outcome)
    assert len(outcome.ok) == 1
    assert [b.start_at for b in active_bookings(trainer.id)] == [start]
    assert len(outbox()) == 1
