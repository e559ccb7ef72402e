"""Gaps and overlaps of a team's day (domain.team.coverage)."""

from datetime import datetime, timezone

from trainerdesk.domain.ranges import Range
from trainerdesk.domain.team import coverage


def h(a: str, b: str) -> Range:
    day = "2027-05-03T"
    return Range(
        datetime.fromisoformat(day + a).replace(tzinfo=timezone.utc),
        datetime.fromisoformat(day + b).replace(tzinfo=timezone.utc),
    )


def test_gaps_are_inside_the_team_day_and_overlaps_need_two_trainers():
    gaps, overlaps = coverage(
        {
            "ann": [h("08:00", "12:00"), h("14:00", "18:00")],
            "bob": [h("10:00", "13:00")],
            "cy": [h("17:00", "20:00")],
        }
    )
    assert gaps == [h("13:00", "14:00")]
    assert overlaps == [h("10:00", "12:00"), h("17:00", "18:00")]


def test_nobody_working_means_no_gaps_and_no_overlaps():
    assert coverage({"ann": [], "bob": []}) == ([], [])


def test_touching_hours_are_neither_a_gap_nor_an_overlap():
    assert coverage({"ann": [h("08:00", "12:00")], "bob": [h("12:00", "16:00")]}) == ([], [])
