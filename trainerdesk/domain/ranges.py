"""Interval arithmetic on half-open ``[start, end)`` ranges of instants.

Kept apart from the slot rules (as Cal.com keeps ``date-ranges.ts`` apart from
``slots.ts``) so each operation is small, obviously right and tested alone.
Every function takes and returns lists sorted by start; empty ranges are
dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple


class Range(NamedTuple):
    """A half-open interval ``[start, end)`` of timezone-aware instants."""

    start: datetime
    end: datetime


def merge(ranges: Iterable[Range]) -> list[Range]:
    """Union of ``ranges``: overlapping or touching ranges become one."""
    out: list[Range] = []
    for r in sorted(r for r in ranges if r.end > r.start):
        if out and r.start <= out[-1].end:
            if r.end > out[-1].end:
                out[-1] = Range(out[-1].start, r.end)
        else:
            out.append(r)
    return out


def subtract(ranges: Iterable[Range], holes: Iterable[Range]) -> list[Range]:
    """``ranges`` minus the union of ``holes``, as a sorted list of pieces.

    ``ranges`` need not be disjoint: each is cut on its own, so pieces of two
    ranges that touch stay separate (the slot grid restarts at each window).
    """
    holes = merge(holes)
    out: list[Range] = []
    hole_starts = [h.start for h in holes]
    for r in sorted(ranges):
        cursor = r.start
        # Only holes that end after r.start can cut r; begin just before the
        # first hole starting after r.start.
        i = max(bisect_right(hole_starts, r.start) - 1, 0)
        while i < len(holes) and holes[i].start < r.end:
            h = holes[i]
            if h.end > cursor:
                if h.start > cursor:
                    out.append(Range(cursor, h.start))
                cursor = max(cursor, h.end)
            i += 1
            if cursor >= r.end:
                break
        if cursor < r.end:
            out.append(Range(cursor, r.end))
    out.sort()  # pieces of overlapping ranges would otherwise come out of order
    return out


def intersect(a: Iterable[Range], b: Iterable[Range]) -> list[Range]:
    """Instants that lie in both unions."""
    a, b = merge(a), merge(b)
    out: list[Range] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i].start, b[j].start)
        end = min(a[i].end, b[j].end)
        if start < end:
            out.append(Range(start, end))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out


def containing(merged: list[Range], starts: list[datetime], start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` lies inside one range of ``merged``.

    ``merged`` must come from :func:`merge` and ``starts`` be its starts (passed
    in so a caller checking many candidates builds it once).
    """
    i = bisect_right(starts, start) - 1
    return i >= 0 and merged[i].end >= end
