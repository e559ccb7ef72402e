"""Slot generation: the one implementation of docs/scheduling-rules.md's calendar rules.

A pure function of a trainer's schedule (weekly blocks, date overrides, busy
bookings, rules), a duration, ``now`` and a range; no clock, no database. The
service layer loads rows and calls into this module; the API, the booking page
and the dashboard all get their slots from here.

Vocabulary (docs/scheduling-rules.md):
- a *window* is one trainer-local date's blocks turned into instants, with the
  blocks of that date that touch merged;
- *free time* is the union of all windows minus the busy periods;
- a *piece* is one window minus the busy periods; the candidate grid of step
  ``duration + buffer`` starts at each piece's start;
- a candidate is a *slot* when the whole session lies in free time (it may run
  past midnight into the next date's touching window) and it is inside the
  notice / advance window.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

from .errors import Overlap, ValidationFailed
from .inputs import SUPPORTED_INSTANTS, clamp_instant
from .ranges import Range, containing, merge, subtract

UTC = timezone.utc
MINUTES_PER_DAY = 24 * 60
_EARLIEST = datetime.min.replace(tzinfo=UTC)  # stand-ins for instants before/after what datetime holds
_LATEST = datetime.max.replace(tzinfo=UTC)
_WALL_TIME = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")  # fullmatch: ASCII digits, no trailing "\n"


# --------------------------------------------------------------------------
# Wall-clock times
# --------------------------------------------------------------------------


def parse_wall_time(text: str, *, field_name: str = "time", allow_24: bool = True) -> int:
    """``"HH:MM"`` -> minutes after midnight; ``"24:00"`` (an end) -> 1440."""
    m = _WALL_TIME.fullmatch(text) if isinstance(text, str) else None
    minutes = int(m.group(1)) * 60 + int(m.group(2)) if m else -1
    if not m or minutes > MINUTES_PER_DAY or (minutes == MINUTES_PER_DAY and not allow_24):
        raise ValidationFailed(
            f"{field_name} must be a time like 09:30" + (" (24:00 allowed as an end)" if allow_24 else ""),
            {"field": field_name},
        )
    return minutes


def format_wall_time(minutes: int) -> str:
    """Minutes after midnight -> ``"HH:MM"`` (1440 -> ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wall_to_instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """A trainer-local wall-clock time on ``day`` as a UTC instant.

    RFC 5545 3.3.5: a time in a spring-forward gap takes the offset from
    before the gap, a repeated time means its first occurrence; ``fold=0`` is
    exactly that in ``zoneinfo``. ``minutes == 1440`` is 00:00 of the next day.

    At the very ends of ``datetime`` (0001-01-01 east of UTC, 9999-12-31's end)
    the instant does not exist; the earliest or latest one stands in for it.
    """
    try:
        if minutes >= MINUTES_PER_DAY:
            day, minutes = day + timedelta(days=minutes // MINUTES_PER_DAY), minutes % MINUTES_PER_DAY
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
        return local.astimezone(UTC)
    except OverflowError:
        return _EARLIEST if day.year < 5000 else _LATEST


def local_day_range(day: date, tz: ZoneInfo) -> Range:
    """The instants of one calendar date in ``tz``: ``[day 00:00, day+1 00:00)``."""
    return Range(wall_to_instant(day, 0, tz), wall_to_instant(day, MINUTES_PER_DAY, tz))


def month_range(month_first: date, tz: ZoneInfo) -> Range:
    """The instants of one calendar month in ``tz``: ``[first 00:00, next month's first 00:00)``."""
    first = month_first.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    return Range(wall_to_instant(first, 0, tz), wall_to_instant(last, MINUTES_PER_DAY, tz))


# --------------------------------------------------------------------------
# Schedule inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class HoursBlock:
    """Wall-clock hours within one date: ``start`` < ``end``, in minutes (end may be 1440)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < MINUTES_PER_DAY and 0 < self.end <= MINUTES_PER_DAY):
            raise ValidationFailed("A block must lie between 00:00 and 24:00.", {"field": "startTime"})
        if self.end <= self.start:
            raise ValidationFailed("A block must end after it starts.", {"field": "endTime"})

    @property
    def label(self) -> str:
        return f"{format_wall_time(self.start)}-{format_wall_time(self.end)}"


@dataclass(frozen=True, order=True)
class WeeklyBlock:
    """Recurring hours on one day of the week (0 = Monday .. 6 = Sunday)."""

    day_of_week: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (type(self.day_of_week) is int and 0 <= self.day_of_week <= 6):
            raise ValidationFailed("dayOfWeek must be 0 (Monday) to 6 (Sunday).", {"field": "dayOfWeek"})
        HoursBlock(self.start, self.end)  # same bounds

    @property
    def hours(self) -> HoursBlock:
        return HoursBlock(self.start, self.end)


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def check_no_overlap(blocks: Iterable[WeeklyBlock]) -> None:
    """Refuse blocks of one day that overlap (touching is fine)."""
    by_day: dict[int, list[WeeklyBlock]] = {}
    for b in blocks:
        by_day.setdefault(b.day_of_week, []).append(b)
    for day, day_blocks in by_day.items():
        day_blocks.sort()
        for a, b in pairwise(day_blocks):
            if b.start < a.end:
                raise Overlap(
                    f"{DAY_NAMES[day]} {b.hours.label} overlaps {a.hours.label}; "
                    "blocks of one day may touch but not overlap.",
                    {"dayOfWeek": day, "conflictsWith": a.hours.label},
                )


def check_no_overlap_hours(blocks: Iterable[HoursBlock], *, day_label: str) -> None:
    """Same rule for the blocks of one date override."""
    ordered = sorted(blocks)
    for a, b in pairwise(ordered):
        if b.start < a.end:
            raise Overlap(
                f"On {day_label}, {b.label} overlaps {a.label}; blocks may touch but not overlap.",
                {"date": day_label, "conflictsWith": a.label},
            )


@dataclass(frozen=True)
class SlotRules:
    """The preferences that shape slots (docs/scheduling-rules.md's table).

    No defaults here: ``domain/preferences.py`` declares each preference and its default once.
    """

    session_durations: tuple[int, ...]
    buffer_minutes: int
    min_notice_hours: int
    max_advance_days: int


@dataclass(frozen=True)
class TrainerSchedule:
    """Everything slot generation needs to know about one trainer.

    ``busy`` holds the [start, end) of every PENDING or CONFIRMED booking in and
    around the range asked for (without buffer; the rules add it).
    """

    trainer_id: str
    timezone: ZoneInfo
    weekly: Sequence[WeeklyBlock]
    rules: SlotRules
    overrides: Mapping[date, Sequence[HoursBlock]] = field(default_factory=dict)
    busy: Sequence[Range] = ()

    def blocks_on(self, day: date) -> Sequence[HoursBlock]:
        """The wall-clock blocks of one trainer-local date: its override, else the week's."""
        if day in self.overrides:
            return self.overrides[day]
        return [b.hours for b in self.weekly if b.day_of_week == day.weekday()]


@dataclass(frozen=True, order=True)
class Slot:
    """An offered session ``[start, end)`` in UTC, with the trainers who can take it."""

    start: datetime
    end: datetime
    trainer_ids: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------


def lookaround(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """Trainer-local dates whose windows can yield or complete a slot in [start, end).

    One date either side: a previous date's window may start its grid before
    ``start``, and a session may run on into the next date's window. Only
    dates around ``inputs.SUPPORTED_INSTANTS`` are ever looked at: beyond it
    there are no slots (and no dates to compute with, near year 1 or 9999).
    """
    first = clamp_instant(start).astimezone(tz).date() - timedelta(days=1)
    last = clamp_instant(end).astimezone(tz).date() + timedelta(days=1)
    return first, last


def windows(schedule: TrainerSchedule, first: date, last: date) -> list[Range]:
    """Each date's blocks as instants, touching blocks of one date merged (sorted)."""
    out: list[Range] = []
    tz = schedule.timezone
    day = first
    while day <= last:
        out.extend(
            merge(
                Range(wall_to_instant(day, b.start, tz), wall_to_instant(day, b.end, tz))
                for b in schedule.blocks_on(day)
            )
        )
        day += timedelta(days=1)
    out.sort()
    return out


def booking_window(rules: SlotRules, now: datetime) -> Range:
    """docs/scheduling-rules.md rule 4: starts from ``now + minNotice`` up to and including ``now + maxAdvance``."""
    now = now.astimezone(UTC)  # instant arithmetic: in a DST zone, aware now + 24h would be wall-clock
    return Range(
        _later(now, timedelta(hours=rules.min_notice_hours)),
        _later(now, timedelta(days=rules.max_advance_days, microseconds=1)),
    )


def _later(instant: datetime, delta: timedelta) -> datetime:
    """``instant + delta`` (``delta`` >= 0), or the latest instant there is."""
    try:
        return instant + delta
    except OverflowError:
        return _LATEST


class SlotFinder:
    """Slots of one trainer over a range of instants, for any of their durations.

    Built once per request: windows and busy periods are computed once and each
    duration then only walks its grid (a month for five durations stays cheap).
    Without ``now`` it yields every grid slot in the range; the notice and
    advance limits then apply through :func:`booking_window`, which lets the
    service cache grid slots and still filter with the exact current time.
    """

    def __init__(self, schedule: TrainerSchedule, *, start: datetime, end: datetime, now: datetime | None = None):
        self.schedule = schedule
        self.buffer = timedelta(minutes=schedule.rules.buffer_minutes)
        self.start, self.latest = start, (end - timedelta(microseconds=1) if end > _EARLIEST else end)
        if now is not None:
            allowed = booking_window(schedule.rules, now)
            self.start = max(self.start, allowed.start)
            self.latest = min(self.latest, allowed.end - timedelta(microseconds=1))
        first, last = lookaround(start, end, schedule.timezone)
        day_windows = windows(schedule, first, last)
        busy = [Range(b.start - self.buffer, b.end + self.buffer) for b in schedule.busy]
        self.pieces = subtract(day_windows, busy)
        self.free = subtract(merge(day_windows), busy)
        self._free_starts = [r.start for r in self.free]

    def starts(self, duration: int) -> list[datetime]:
        """Slot starts for ``duration`` minutes inside the range, ascending and unique."""
        if self.start > self.latest:
            return []
        length = timedelta(minutes=duration)
        step = length + self.buffer
        found: set[datetime] = set()
        for x, y in self.pieces:
            if y <= self.start or x > self.latest:
                continue
            s = x
            if s < self.start:  # jump straight to the first grid point not before the range
                s += step * -((x - self.start) // step)
            while s < y and s <= self.latest:
                if containing(self.free, self._free_starts, s, s + length):
                    found.add(s)
                s += step
        return sorted(found)

    def slots(self, duration: int) -> list[Slot]:
        length = timedelta(minutes=duration)
        tid = (self.schedule.trainer_id,)
        return [Slot(s, s + length, tid) for s in self.starts(duration)]


def generate_slots(
    schedule: TrainerSchedule, *, duration: int, now: datetime, start: datetime, end: datetime
) -> list[Slot]:
    """Slots of ``duration`` minutes starting in ``[start, end)``, ascending."""
    return SlotFinder(schedule, start=start, end=end, now=now).slots(duration)


def slots_on_client_date(
    schedule: TrainerSchedule, *, duration: int, now: datetime, day: date, client_tz: ZoneInfo
) -> list[Slot]:
    """docs/scheduling-rules.md rule 5: slots whose start lies on ``day`` in the client's zone."""
    span = local_day_range(day, client_tz)
    return generate_slots(schedule, duration=duration, now=now, start=span.start, end=span.end)


def is_slot(schedule: TrainerSchedule, *, duration: int, now: datetime, start: datetime) -> bool:
    """Whether ``start`` is offered for ``duration`` (the check made before every booking write)."""
    if duration not in schedule.rules.session_durations:
        return False
    if not SUPPORTED_INSTANTS[0] <= start < SUPPORTED_INSTANTS[1]:
        return False
    found = generate_slots(schedule, duration=duration, now=now, start=start, end=start + timedelta(minutes=1))
    return any(s.start == start for s in found)


def team_union(per_trainer: Iterable[Sequence[Slot]]) -> list[Slot]:
    """docs/scheduling-rules.md rule 6: the union of trainers' slots, each naming who can take it."""
    who: dict[tuple[datetime, datetime], list[str]] = {}
    for slots in per_trainer:
        for s in slots:
            who.setdefault((s.start, s.end), []).extend(s.trainer_ids)
    return [Slot(start, end, tuple(sorted(set(ids)))) for (start, end), ids in sorted(who.items())]


def pick_any_trainer(
    free_ids: Sequence[str], *, bookings_that_day: Mapping[str, int], team_order: Sequence[str]
) -> str:
    """The "any trainer" choice: of the trainers free for a slot, the one with the fewest bookings
    that day, ties going to the one first in the team's stable order."""
    if not free_ids:
        raise ValueError("pick_any_trainer needs at least one free trainer")
    rank = {tid: n for n, tid in enumerate(team_order)}
    return min(free_ids, key=lambda tid: (bookings_that_day[tid], rank[tid]))


def bookable_dates(
    schedule: TrainerSchedule, *, durations: Sequence[int], now: datetime, month_first: date, client_tz: ZoneInfo
) -> list[date]:
    """Client-zone dates of the month starting ``month_first`` with at least one slot."""
    span = month_range(month_first, client_tz)
    finder = SlotFinder(schedule, start=span.start, end=span.end, now=now)
    return client_dates((s for d in durations for s in finder.starts(d)), client_tz)


def client_dates(starts: Iterable[datetime], client_tz: ZoneInfo) -> list[date]:
    """The client-zone dates on which these slot starts lie, ascending and unique (what a month view highlights)."""
    return sorted({s.astimezone(client_tz).date() for s in starts})
