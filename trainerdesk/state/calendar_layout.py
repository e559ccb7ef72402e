"""The calendar page's view models and the pure maths that builds them: shown dates, headings, positions, overlaps.

Model objects, a zone (a ``formatting.Reader``) and ``now`` in; frozen dataclasses out. No Reflex, no
database, no clock, so ``tests/unit/test_calendar_layout.py`` calls every function directly (DST days
included). The vertical axis of the time grid is the wall clock of the reader's zone: a session at
10:00 sits at 10:00 on a 23- or 25-hour day too, as in every calendar app.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton

from ..domain.policy import STATUS_WORDS
from ..domain.ranges import Range, intersect, merge
from ..domain.slots import HoursBlock, local_day_range
from ..domain.team import coverage
from ..formatting import Reader, _locale, date_text, month_text
from ..models import Booking, Client, Trainer
from .presenters import spans

if TYPE_CHECKING:  # the loaded data's shape; presenters import nothing that touches a database
    from ..services.calendar import CalendarData

VIEWS = ("day", "week", "month")
MINUTES_PER_DAY = 1440
SNAP_MINUTES = 15  # a drag lands on the quarter hour
MONTH_ITEMS = 3  # sessions listed in a month cell before "+N more"
# The hours a grid always shows, widened to every session and working hour of the shown days.
DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE = 8 * 60, 18 * 60
PX_PER_HOUR = 64  # a 30-minute session is 32 px: its name and time fit on a laptop
# Radix colours marking each trainer of a team (in team order), distinct from the status colours' hues.
TRAINER_COLORS = ("iris", "teal", "amber", "crimson", "grass", "cyan", "plum", "brown")
STATUS_LABELS = {status.value: words.label for status, words in STATUS_WORDS.items()}


# --------------------------------------------------------------------------- ranges of dates


def week_start(day: date, first_weekday: int) -> date:
    """The first day of ``day``'s week, weeks starting on ``first_weekday`` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def shown_dates(view: str, anchor: date, first_weekday: int = 0) -> list[date]:
    """The dates a view shows around ``anchor``: one day, a week, or the whole weeks covering a month."""
    if view == "day":
        return [anchor]
    if view == "month":
        cal = _calendar.Calendar(firstweekday=first_weekday)
        return [d for week in cal.monthdatescalendar(anchor.year, anchor.month) for d in week]
    first = week_start(anchor, first_weekday)
    return [first + timedelta(days=n) for n in range(7)]


def step(view: str, anchor: date, direction: int) -> date:
    """The anchor after "Previous" (-1) or "Next" (+1): a day, a week or a month on (a month's 1st)."""
    if view == "day":
        return anchor + timedelta(days=direction)
    if view == "month":
        month = anchor.month - 1 + direction
        return date(anchor.year + month // 12, month % 12 + 1, 1)
    return anchor + timedelta(days=7 * direction)


def instant_span(dates: Sequence[date], zone: str) -> Range:
    """The instants of the shown dates in ``zone``: their local midnights (a DST day is 23 or 25 hours)."""
    tz = ZoneInfo(zone)
    return Range(local_day_range(dates[0], tz).start, local_day_range(dates[-1], tz).end)


def range_heading(view: str, dates: Sequence[date], anchor: date, locale: str) -> str:
    """ "23–29 Nov 2026" (week), "Monday, 23 November 2026" (day), "November 2026" (month), in the locale's words."""
    if view == "day":
        return date_text(anchor, locale)
    if view == "month":
        return month_text(anchor, locale)
    first, last = dates[0], dates[-1]
    return format_interval(first, last, "yMMMd", locale=_locale(locale)).replace("\u2009", " ")


# --------------------------------------------------------------------------- positions in a day


def wall_minute(instant: datetime, day: date, zone: str) -> int:
    """Minutes from ``day``'s midnight on the wall clock of ``zone`` (0 before the day, 1440 after it)."""
    local = instant.astimezone(ZoneInfo(zone))
    if local.date() < day:
        return 0
    if local.date() > day:
        return MINUTES_PER_DAY
    return local.hour * 60 + local.minute


def day_minutes(start: datetime, end: datetime, day: date, zone: str) -> tuple[int, int]:
    """Where a span sits on ``day``'s wall clock. The part of a session in a repeated autumn hour keeps
    its real length (the wall clock would go backwards there)."""
    top = wall_minute(start, day, zone)
    bottom = wall_minute(end, day, zone)
    if bottom <= top:
        bottom = min(MINUTES_PER_DAY, top + max(1, int((end - start).total_seconds() // 60)))
    return top, bottom


def lanes(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Side-by-side lanes for overlapping spans, as calendars draw them: (lane, lanes in its cluster) per
    span, in input order. Spans that touch (one ends as the next starts) do not overlap."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    out: list[tuple[int, int]] = [(0, 1)] * len(spans)
    cluster: list[int] = []
    ends: list[int] = []  # per lane of the current cluster: where its last span ends
    cluster_end = None

    def close() -> None:
        for i in cluster:
            out[i] = (out[i][0], len(ends))

    for i in order:
        start, end = spans[i]
        if cluster_end is not None and start >= cluster_end:
            close()
            cluster, ends = [], []
        lane = next((n for n, e in enumerate(ends) if e <= start), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        out[i] = (lane, 0)
        cluster.append(i)
        cluster_end = end if cluster_end is None or start >= cluster_end else max(cluster_end, end)
    close()
    return out


def grid_bounds(spans: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The minutes a time grid shows: 08:00-18:00 at least, widened to whole hours around every span with an
    hour to spare, so the time outside working hours is always in sight (and a drop target)."""
    first, last = DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE
    for top, bottom in spans:
        first, last = min(first, top // 60 * 60 - 60), max(last, -(-bottom // 60) * 60 + 60)
    return max(0, first), min(MINUTES_PER_DAY, last)


def _pct(value: float) -> str:
    return f"{value:.4f}%"


# --------------------------------------------------------------------------- view models


@dataclass(frozen=True)
class CalendarSession:
    """One session block of a time grid, or one line of a month cell."""

    id: str
    client: str
    time: str  # "17:00–17:30"
    status: str  # the status code; the page colours it like the bookings table's badge
    name: str  # what a screen reader says: "Kenji Test, 17:00–17:30, Confirmed" (+ trainer in a team)
    trainer: str = ""  # the trainer's name, in "all trainers" views
    trainer_color: str = ""  # a CSS colour marking the trainer ('' for one trainer)
    trainer_id: str = ""
    movable: bool = False  # can be dragged to another time now
    minutes: int = 0  # its length, for the drag preview
    top: str = ""  # CSS percentages of the column
    height: str = ""
    left: str = ""
    width: str = ""


@dataclass(frozen=True)
class Shade:
    """Working hours drawn behind a column."""

    top: str
    height: str


@dataclass(frozen=True)
class CalendarColumn:
    """A day (week and day views), or a trainer's day ("all trainers" day view)."""

    key: str
    label: str  # "Mon 23" / a trainer's name
    long: str  # "Monday, 23 November 2026" (+ trainer), for the column's accessible name
    day: str  # ISO date, for the drag script
    trainer_id: str = ""  # only sessions of this trainer may be dropped here ('' = any)
    today: bool = False
    note: str = ""  # "Special hours 10:00–14:00" / "Blocked" for a date override
    kind: str = "weekly"  # weekly | override | closed
    shades: list[Shade] = field(default_factory=list)
    sessions: list[CalendarSession] = field(default_factory=list)
    now_top: str = ""  # the "now" line ('' when now is not in this column)


@dataclass(frozen=True)
class HourMark:
    label: str
    top: str


@dataclass(frozen=True)
class TimeGrid:
    columns: list[CalendarColumn] = field(default_factory=list)
    hours: list[HourMark] = field(default_factory=list)
    first: int = DEFAULT_FIRST_MINUTE  # minutes of the day at the grid's top and bottom
    span: int = DEFAULT_LAST_MINUTE - DEFAULT_FIRST_MINUTE
    height: str = "640px"
    gaps: str = ""  # "all trainers" day: times inside the team's day when nobody works
    overlaps: str = ""  # ... and when two or more do


@dataclass(frozen=True)
class MonthDay:
    iso: str
    number: str  # "23"
    long: str  # "Monday, 23 November 2026"
    in_month: bool
    today: bool
    note: str = ""
    sessions: list[CalendarSession] = field(default_factory=list)  # the first MONTH_ITEMS
    more: str = ""  # "+2 more" ('' when all fit)


def trainer_colors(trainers: Sequence[Trainer]) -> dict[str, str]:
    return {t.id: f"var(--{TRAINER_COLORS[n % len(TRAINER_COLORS)]}-9)" for n, t in enumerate(trainers)}


def session_name(client: str, time: str, status: str, trainer: str = "") -> str:
    words = [client, time, STATUS_LABELS.get(status, status)]
    return ", ".join(words + ([f"with {trainer}"] if trainer else []))


def _session(
    booking: Booking, client: Client, r: Reader, *, team: Mapping[str, tuple[str, str]], now: datetime
) -> CalendarSession:
    status = str(booking.status)
    trainer, color = team.get(booking.trainer_id, ("", ""))
    time = r.span(booking.start_at, booking.end_at)
    return CalendarSession(
        id=booking.id,
        client=client.name,
        time=time,
        status=status,
        name=session_name(client.name, time, status, trainer),
        trainer=trainer,
        trainer_color=color,
        trainer_id=booking.trainer_id,
        movable=status in ("PENDING", "CONFIRMED") and booking.start_at > now,
        minutes=booking.duration_minutes,
    )


def _override_note(blocks: Sequence[HoursBlock] | None, r: Reader, day: date) -> tuple[str, str]:
    if blocks is None:
        return "", "weekly"
    if not blocks:
        return "Blocked", "closed"
    tz = ZoneInfo(r.zone)
    # The override's hours are wall times of its trainer's date; written through the reader like every time.
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    text = ", ".join(
        f"{r.time(start + timedelta(minutes=b.start))}–{r.time(start + timedelta(minutes=b.end))}" for b in blocks
    )
    return f"Special hours {text}", "override"


def time_grid(
    dates: Sequence[date], data: CalendarData, *, zone: Reader, now: datetime, by_trainer: bool = False
) -> TimeGrid:
    """The week or day grid: a column per date (or, ``by_trainer``, per trainer on ``dates[0]``), each
    with its working hours, override note, positioned sessions and the now line."""
    r, tz = zone, ZoneInfo(zone.zone)
    several = len(data.trainers) > 1
    colors = trainer_colors(data.trainers) if several else {}
    team = {t.id: (t.name if several else "", colors.get(t.id, "")) for t in data.trainers}
    today = now.astimezone(tz).date()
    # (key, label, accessible name, trainer ids, date) of each column
    if by_trainer:
        plans = [(t.id, t.name, f"{t.name}, {date_text(dates[0], r.locale)}", [t.id], dates[0]) for t in data.trainers]
    else:
        ids = [t.id for t in data.trainers]
        plans = [(d.isoformat(), date_text_short(d, r.locale), date_text(d, r.locale), ids, d) for d in dates]
    raw = []
    every_span: list[tuple[int, int]] = []
    for key, label, long, ids, day in plans:
        span = local_day_range(day, tz)
        hours = merge(h for t in ids for h in intersect(data.hours.get(t, []), [span]))
        shade_spans = [day_minutes(h.start, h.end, day, r.zone) for h in hours]
        items = [
            (b, c) for b, c in data.sessions if b.trainer_id in ids and b.start_at < span.end and b.end_at > span.start
        ]
        item_spans = [day_minutes(b.start_at, b.end_at, day, r.zone) for b, _ in items]
        every_span += shade_spans + item_spans
        notes = [data.overrides.get(t, {}).get(day) for t in ids] if len(ids) == 1 else [None]
        note, kind = _override_note(notes[0], r, day)
        raw.append((key, label, long, ids, day, shade_spans, items, item_spans, note, kind))
    first, last = grid_bounds(every_span)
    height = last - first

    def y(minute: int) -> float:
        return (min(max(minute, first), last) - first) / height * 100

    columns = []
    for key, label, long, ids, day, shade_spans, items, item_spans, note, kind in raw:
        placed = lanes(item_spans)
        sessions = []
        for (b, c), (top, bottom), (lane, count) in zip(items, item_spans, placed, strict=True):
            s = _session(b, c, r, team=team, now=now)
            sessions.append(
                replace(
                    s,
                    top=_pct(y(top)),
                    height=_pct(y(bottom) - y(top)),
                    left=_pct(lane / count * 100),
                    width=_pct(100 / count),
                )
            )
        now_top = ""
        if day == today:
            now_minute = wall_minute(now, day, r.zone)
            if first <= now_minute <= last:
                now_top = _pct(y(now_minute))
        columns.append(
            CalendarColumn(
                key=key,
                label=label,
                long=long,
                day=day.isoformat(),
                trainer_id=ids[0] if by_trainer else "",
                today=day == today,
                note=note,
                kind=kind,
                shades=[Shade(top=_pct(y(a)), height=_pct(y(b) - y(a))) for a, b in shade_spans],
                sessions=sessions,
                now_top=now_top,
            )
        )
    midnight = datetime.combine(dates[0], datetime.min.time())
    marks = [
        HourMark(label=r.time((midnight + timedelta(minutes=m)).replace(tzinfo=tz)), top=_pct(y(m)))
        for m in range(first, last, 60)
    ]
    gaps = overlaps = ""
    if by_trainer and several:
        span = local_day_range(dates[0], tz)
        worked = {t.id: intersect(data.hours.get(t.id, []), [span]) for t in data.trainers}
        gap_ranges, overlap_ranges = coverage(worked)
        gaps, overlaps = spans(gap_ranges, r), spans(overlap_ranges, r)
    return TimeGrid(
        columns=columns,
        hours=marks,
        first=first,
        span=height,
        height=f"{height * PX_PER_HOUR // 60}px",
        gaps=gaps,
        overlaps=overlaps,
    )


def date_text_short(day: date, locale: str) -> str:
    """ "Mon 23 Nov" as the locale writes a weekday, a day and a month."""
    return format_skeleton("MMMEd", datetime(day.year, day.month, day.day), locale=_locale(locale))


def month_days(
    dates: Sequence[date], anchor: date, data: CalendarData, *, zone: Reader, now: datetime
) -> list[list[MonthDay]]:
    """The month's weeks; each day lists its sessions by start time, the first MONTH_ITEMS and "+N more"."""
    r, tz = zone, ZoneInfo(zone.zone)
    several = len(data.trainers) > 1
    colors = trainer_colors(data.trainers) if several else {}
    team = {t.id: (t.name if several else "", colors.get(t.id, "")) for t in data.trainers}
    today = now.astimezone(tz).date()
    by_day: dict[date, list[tuple[Booking, Client]]] = {}
    for b, c in sorted(data.sessions, key=lambda row: (row[0].start_at, row[0].id)):
        by_day.setdefault(b.start_at.astimezone(tz).date(), []).append((b, c))
    only = data.trainers[0].id if len(data.trainers) == 1 else None
    days = []
    for d in dates:
        rows = by_day.get(d, [])
        note, _ = _override_note(data.overrides.get(only, {}).get(d) if only else None, r, d)
        # A month cell is narrow: a session reads by its start time.
        shown = [replace(_session(b, c, r, team=team, now=now), time=r.time(b.start_at)) for b, c in rows[:MONTH_ITEMS]]
        hidden = len(rows) - len(shown)
        days.append(
            MonthDay(
                iso=d.isoformat(),
                number=str(d.day),
                long=date_text(d, r.locale),
                in_month=d.month == anchor.month,
                today=d == today,
                note=note,
                sessions=shown,
                more=f"+{hidden} more" if hidden else "",
            )
        )
    return [days[n : n + 7] for n in range(0, len(days), 7)]
