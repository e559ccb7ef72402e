"""Teams: a primary trainer and sub-trainers booked as one ("any trainer"), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.services.svc_helpers import (
    MONDAY,
    active_bookings,
    book,
    local,
    make_trainer,
    overlapping_active_pairs,
    race,
    slot_starts,
)
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import NotFound, SlotUnavailable, ValidationFailed
from trainerdesk.services import trainers

T = local(MONDAY, "10:00")


@pytest.fixture
def team(db_url):
    primary = make_trainer(name="Primary")
    subs = [make_trainer(name=f"Sub {i}", primary=primary) for i in (1, 2)]
    return primary, subs


def test_sub_trainers_belong_to_the_primary(db_url, team):
    primary, subs = team
    with session_scope() as s:
        assert [t.id for t in trainers.list_sub_trainers(s, actor=primary, primary_id=primary.id)] == [
            t.id for t in subs
        ]
        assert trainers.team_member_ids(s, primary) == [primary.id, *(t.id for t in subs)]


def test_team_booking_takes_a_free_trainer_and_refuses_when_all_are_busy(db_url, team):
    primary, (sub1, sub2) = team
    book(primary, T)
    book(sub1, T)
    assert T in slot_starts(primary.id, MONDAY, 60, team=True)  # sub 2 can still take it

    nb = book(primary, T, team=True)
    assert nb.trainer.id == sub2.id
    assert nb.booking.trainer_id == sub2.id and nb.client.trainer_id == sub2.id
    assert T not in slot_starts(primary.id, MONDAY, 60, team=True)
    with pytest.raises(SlotUnavailable):
        book(primary, T, team=True)
    assert sorted(b.trainer_id for b in active_bookings() if b.start_at == T) == sorted([primary.id, sub1.id, sub2.id])


def test_team_bookings_spread_over_the_trainers_in_team_order(db_url, team):
    primary, (sub1, sub2) = team
    assigned = [
        book(primary, local(MONDAY, hhmm), team=True).trainer.id for hhmm in ("09:00", "11:00", "13:00", "15:00")
    ]
    # Fewest bookings that day first, ties broken by the team's order (primary, then subs).
    assert assigned == [primary.id, sub1.id, sub2.id, primary.id]


def test_team_booking_respects_each_trainers_durations(db_url):
    primary = make_trainer(name="Primary")
    make_trainer(name="Sixty", primary=primary)
    ninety = make_trainer(name="Ninety", primary=primary, session_durations=[90])
    nb = book(primary, local(MONDAY, "09:30"), 90, team=True)
    assert nb.trainer.id == ninety.id
    with pytest.raises(ValidationFailed):  # nobody offers 45 minutes
        book(primary, T, 45, team=True)


def test_a_sub_trainer_id_is_not_a_team(db_url, team):
    _, (sub1, _) = team
    with pytest.raises(NotFound):
        book(sub1, T, team=True)
    assert active_bookings() == []


@pytest.mark.parametrize("racers", [4, 12])
def test_k_clients_racing_for_k_free_trainers_all_get_one_and_the_next_is_refused(db_url, team, racers):
    primary, subs = team
    members = {primary.id, *(t.id for t in subs)}

    outcome = race([lambda: book(primary, T, team=True) for _ in range(racers)])

    unexpected = [e for e in outcome.errors if not isinstance(e, SlotUnavailable)]
    assert not unexpected, unexpected
    assert len(outcome.ok) == len(members)
    assert len(outcome.errors) == racers - len(members)
    assert {nb.trainer.id for nb in outcome.ok} == members  # one each, nobody twice
    active = active_bookings()
    assert len(active) == len(members) and {b.trainer_id for b in active} == members
    assert overlapping_active_pairs() == []
    assert T not in slot_starts(primary.id, MONDAY, 60, team=True)


def test_team_race_when_only_some_trainers_are_free(db_url, team):
    primary, (sub1, sub2) = team
    book(sub1, T)  # sub 1 is taken at T already

    outcome = race([lambda: book(primary, T, team=True) for _ in range(6)])

    assert all(isinstance(e, SlotUnavailable) for e in outcome.errors), outcome.errors
    assert {nb.trainer.id for nb in outcome.ok} == {primary.id, sub2.id}
    assert len(outcome.ok) == 2
    assert overlapping_active_pairs() == []


def test_team_and_direct_bookings_racing_for_the_same_trainers(db_url, team):
    primary, (sub1, sub2) = team
    direct = [lambda t=t: book(t, T) for t in (primary, sub1, sub2)]
    via_team = [lambda: book(primary, T, team=True) for _ in range(3)]

    outcome = race(direct + via_team)

    assert all(isinstance(e, SlotUnavailable) for e in outcome.errors), outcome.errors
    assert len(outcome.ok) == 3  # three trainers, three sessions at T, whoever asked
    assert {b.trainer_id for b in active_bookings()} == {primary.id, sub1.id, sub2.id}
    assert overlapping_active_pairs() == []
