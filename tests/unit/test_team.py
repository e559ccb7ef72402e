"""Team coverage of one day (trainerdesk/domain/team.py): gaps nobody covers, overlaps of two or more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from trainerdesk.domain.ranges import Range
from trainerdesk.domain.team import coverage

BASE = datetime(2027, 6, 7, tzinfo=timezone.utc)


def R(a: str, b: str) -> Range:
    def at(s):
        h, m = s.split(":")
        return BASE + timedelta(hours=int(h), minutes=int(m))

    return Range(at(a), at(b))


@pytest.mark.parametrize(
    "hours, gaps, overlaps",
    [
        pytest.param({}, [], [], id="nobody"),
        pytest.param({"a": []}, [], [], id="nobody-works"),
        pytest.param({"a": [R("09:00", "12:00")]}, [], [], id="one-trainer"),
        pytest.param(
            {"a": [R("09:00", "12:00"), R("13:00", "17:00")]}, [R("12:00", "13:00")], [], id="one-trainer-lunch"
        ),
        pytest.param({"a": [R("09:00", "12:00")], "b": [R("12:00", "15:00")]}, [], [], id="hand-over-touching"),
        pytest.param({"a": [R("09:00", "12:00")], "b": [R("11:00", "15:00")]}, [], [R("11:00", "12:00")], id="overlap"),
        pytest.param({"a": [R("09:00", "10:00")], "b": [R("11:00", "12:00")]}, [R("10:00", "11:00")], [], id="gap"),
        pytest.param(
            {"a": [R("09:00", "17:00")], "b": [R("10:00", "11:00")], "c": [R("10:30", "12:00")]},
            [],
            [R("10:00", "12:00")],
            id="three-overlaps-merge",
        ),
        pytest.param(
            {"a": [R("09:00", "10:00"), R("14:00", "15:00")], "b": [R("09:30", "10:30")], "c": [R("16:00", "17:00")]},
            [R("10:30", "14:00"), R("15:00", "16:00")],
            [R("09:30", "10:00")],
            id="mixed",
        ),
    ],
)
def test_coverage(hours, gaps, overlaps):
    assert coverage(hours) == (gaps, overlaps)
