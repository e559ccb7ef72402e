"""Rules with one home in the domain: "any trainer", the dates of a month view, and the words for statuses."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from trainerdesk.domain.errors import InvalidTransition
from trainerdesk.domain.policy import STATUS_WORDS, BookingStatus, check_transition
from trainerdesk.domain.slots import client_dates, pick_any_trainer

UTC = timezone.utc


# --------------------------------------------------------------------------- "any trainer"


def test_any_trainer_is_the_one_with_the_fewest_bookings_that_day():
    assert (
        pick_any_trainer(["a", "b", "c"], bookings_that_day={"a": 3, "b": 1, "c": 2}, team_order=["a", "b", "c"]) == "b"
    )


def test_any_trainer_ties_go_to_the_team_order_not_the_order_given():
    load = {"a": 1, "b": 1, "c": 1}
    assert pick_any_trainer(["c", "b", "a"], bookings_that_day=load, team_order=["b", "a", "c"]) == "b"


def test_any_trainer_only_picks_among_the_free_ones():
    load = {"a": 0, "b": 5}
    assert pick_any_trainer(["b"], bookings_that_day=load, team_order=["a", "b"]) == "b"


def test_any_trainer_needs_someone_free():
    with pytest.raises(ValueError):
        pick_any_trainer([], bookings_that_day={}, team_order=["a"])


# --------------------------------------------------------------------------- dates of a month view


def test_client_dates_are_the_dates_in_the_clients_zone_sorted_and_unique():
    tokyo = ZoneInfo("Asia/Tokyo")
    starts = [
        datetime(2027, 6, 2, 16, 0, tzinfo=UTC),  # June 3rd 01:00 in Tokyo
        datetime(2027, 6, 2, 9, 0, tzinfo=UTC),  # June 2nd 18:00
        datetime(2027, 6, 2, 10, 0, tzinfo=UTC),
    ]  # June 2nd 19:00
    assert client_dates(starts, tokyo) == [date(2027, 6, 2), date(2027, 6, 3)]
    assert client_dates(starts, ZoneInfo("UTC")) == [date(2027, 6, 2)]
    assert client_dates([], tokyo) == []


# --------------------------------------------------------------------------- status words


def test_every_status_has_its_words():
    assert set(STATUS_WORDS) == set(BookingStatus)
    for words in STATUS_WORDS.values():
        assert words.label and words.phrase and words.for_client


def test_the_badge_words_and_their_order():
    assert [w.label for w in STATUS_WORDS.values()] == ["Pending", "Confirmed", "Completed", "Cancelled", "No-show"]
    assert STATUS_WORDS[BookingStatus.NO_SHOW].for_client == "Missed"


def test_transition_errors_speak_with_the_same_words():
    start = datetime(2027, 6, 7, 10, 0, tzinfo=UTC)
    with pytest.raises(InvalidTransition) as refused:
        check_transition(BookingStatus.NO_SHOW, BookingStatus.NO_SHOW, start=start, now=start)
    assert STATUS_WORDS[BookingStatus.NO_SHOW].phrase in refused.value.message
