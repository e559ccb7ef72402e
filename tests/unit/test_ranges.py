"""Interval arithmetic (trainerdesk/domain/ranges.py): named cases plus a set model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from trainerdesk.domain.ranges import Range, containing, intersect, merge, subtract

BASE = datetime(2027, 6, 7, tzinfo=timezone.utc)


def t(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


def R(a: int, b: int) -> Range:
    return Range(t(a), t(b))


def RS(*pairs: tuple[int, int]) -> list[Range]:
    return [R(a, b) for a, b in pairs]


# --------------------------------------------------------------------------- merge


@pytest.mark.parametrize(
    "given_, expected",
    [
        pytest.param([], [], id="empty"),
        pytest.param([(0, 10)], [(0, 10)], id="single"),
        pytest.param([(0, 10), (10, 20)], [(0, 20)], id="touching-merge"),
        pytest.param([(0, 10), (5, 20)], [(0, 20)], id="overlapping-merge"),
        pytest.param([(0, 30), (5, 10)], [(0, 30)], id="contained"),
        pytest.param([(0, 10), (11, 20)], [(0, 10), (11, 20)], id="gap-kept"),
        pytest.param([(20, 30), (0, 10)], [(0, 10), (20, 30)], id="unsorted-input"),
        pytest.param([(5, 5), (7, 3)], [], id="empty-and-inverted-dropped"),
        pytest.param([(0, 10), (10, 10), (10, 20)], [(0, 20)], id="empty-between-touching"),
        pytest.param([(0, 10), (20, 30), (9, 21)], [(0, 30)], id="bridge"),
        pytest.param([(0, 10), (0, 5)], [(0, 10)], id="same-start"),
    ],
)
def test_merge(given_, expected):
    assert merge(RS(*given_)) == RS(*expected)


# --------------------------------------------------------------------------- subtract


@pytest.mark.parametrize(
    "ranges, holes, expected",
    [
        pytest.param([(0, 60)], [], [(0, 60)], id="no-holes"),
        pytest.param([(0, 60)], [(20, 30)], [(0, 20), (30, 60)], id="middle"),
        pytest.param([(0, 60)], [(0, 10)], [(10, 60)], id="at-start"),
        pytest.param([(0, 60)], [(50, 60)], [(0, 50)], id="at-end"),
        pytest.param([(0, 60)], [(-10, 70)], [], id="covering"),
        pytest.param([(0, 60)], [(60, 70), (-10, 0)], [(0, 60)], id="touching-holes-cut-nothing"),
        pytest.param([(0, 60)], [(10, 20), (15, 30), (40, 45)], [(0, 10), (30, 40), (45, 60)], id="overlapping-holes"),
        pytest.param([(0, 60)], [(10, 20), (20, 30)], [(0, 10), (30, 60)], id="touching-holes"),
        pytest.param([(0, 30), (30, 60)], [], [(0, 30), (30, 60)], id="touching-ranges-stay-separate"),
        pytest.param([(0, 30), (30, 60)], [(25, 35)], [(0, 25), (35, 60)], id="hole-across-touching-ranges"),
        pytest.param([(0, 10), (20, 30), (40, 50)], [(5, 45)], [(0, 5), (45, 50)], id="hole-across-three"),
        pytest.param([(100, 200)], [(0, 10), (20, 30), (150, 160)], [(100, 150), (160, 200)], id="early-holes-skipped"),
        pytest.param([(100, 200)], [(0, 120)], [(120, 200)], id="hole-starting-long-before"),
        pytest.param([(5, 5)], [(0, 10)], [], id="empty-range"),
        pytest.param(
            [(0, 100), (10, 30)], [(50, 60)], [(0, 50), (10, 30), (60, 100)], id="overlapping-ranges-cut-alone"
        ),
    ],
)
def test_subtract(ranges, holes, expected):
    got = subtract(RS(*ranges), RS(*holes))
    assert got == sorted(RS(*expected))
    assert got == sorted(got), "subtract must return its pieces sorted by start"


# --------------------------------------------------------------------------- intersect


@pytest.mark.parametrize(
    "a, b, expected",
    [
        pytest.param([(0, 10)], [(5, 15)], [(5, 10)], id="overlap"),
        pytest.param([(0, 10)], [(10, 20)], [], id="touching-is-empty"),
        pytest.param([(0, 100)], [(10, 20), (30, 40)], [(10, 20), (30, 40)], id="one-covers-two"),
        pytest.param([(0, 10), (10, 20)], [(5, 15)], [(5, 15)], id="touching-inputs-merged"),
        pytest.param([], [(0, 10)], [], id="empty"),
        pytest.param([(0, 10), (20, 30)], [(5, 25)], [(5, 10), (20, 25)], id="two-pieces"),
    ],
)
def test_intersect(a, b, expected):
    assert intersect(RS(*a), RS(*b)) == RS(*expected)
    assert intersect(RS(*b), RS(*a)) == RS(*expected)


# --------------------------------------------------------------------------- containing


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (0, 10, True),  # exactly the first range
        (2, 8, True),
        (-1, 5, False),  # starts before any range
        (5, 11, False),  # runs past the end
        (10, 20, False),  # in the gap
        (20, 40, True),
        (25, 40, True),  # ends exactly at the end
        (30, 41, False),
        (40, 41, False),  # after everything
        (9, 21, False),  # spans the gap
    ],
)
def test_containing(start, end, expected):
    merged = merge(RS((0, 10), (20, 40)))
    assert containing(merged, [r.start for r in merged], t(start), t(end)) is expected


def test_containing_on_nothing():
    assert containing([], [], t(0), t(1)) is False


# --------------------------------------------------------------------------- set model


def _points(rs):
    out: set[int] = set()
    for a, b in rs:
        out.update(range(a, b))
    return out


def _runs(points: set[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for p in sorted(points):
        if out and out[-1][1] == p:
            out[-1] = (out[-1][0], p + 1)
        else:
            out.append((p, p + 1))
    return out


def _ints(rs: list[Range]) -> list[tuple[int, int]]:
    return [(int((r.start - BASE) / timedelta(minutes=1)), int((r.end - BASE) / timedelta(minutes=1))) for r in rs]


pairs = st.lists(st.tuples(st.integers(-5, 60), st.integers(0, 30)).map(lambda p: (p[0], p[0] + p[1])), max_size=7)


@settings(max_examples=200, deadline=None, database=None)
@given(rs=pairs)
def test_merge_is_the_union_in_disjoint_nontouching_pieces(rs):
    got = _ints(merge(RS(*rs)))
    assert got == _runs(_points(rs))


@settings(max_examples=200, deadline=None, database=None)
@given(rs=pairs, holes=pairs)
def test_subtract_cuts_each_range_alone(rs, holes):
    hole_points = _points(holes)
    expected = sorted(piece for a, b in rs for piece in _runs(set(range(a, b)) - hole_points))
    assert _ints(subtract(RS(*rs), RS(*holes))) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(a=pairs, b=pairs)
def test_intersect_is_the_common_points(a, b):
    assert _ints(intersect(RS(*a), RS(*b))) == _runs(_points(a) & _points(b))


@settings(max_examples=200, deadline=None, database=None)
@given(rs=pairs, start=st.integers(-10, 100), length=st.integers(1, 40))
def test_containing_means_every_point_is_inside_one_range(rs, start, length):
    merged = merge(RS(*rs))
    expected = set(range(start, start + length)) <= _points(rs)
    assert containing(merged, [r.start for r in merged], t(start), t(start + length)) is expected
