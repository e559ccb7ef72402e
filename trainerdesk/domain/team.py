"""How a team's hours fit together on one day: gaps nobody covers, and times several trainers cover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from .ranges import Range, intersect, merge, subtract


def coverage(hours_by_trainer: Mapping[str, Sequence[Range]]) -> tuple[list[Range], list[Range]]:
    """(gaps, overlaps) of one day.

    Gaps: times between the team's first start and last end when no trainer
    works. Overlaps: times when two or more trainers work at once.
    """
    everyone = merge(r for ranges in hours_by_trainer.values() for r in ranges)
    if not everyone:
        return [], []
    span = Range(everyone[0].start, everyone[-1].end)
    gaps = subtract([span], everyone)
    overlaps = merge(r for a, b in combinations(hours_by_trainer.values(), 2) for r in intersect(a, b))
    return gaps, overlaps
