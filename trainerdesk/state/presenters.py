"""View models of the dashboard and the pure presenters that build them.

A view model is what a page shows, already in words and in the viewer's time zone: a frozen dataclass
with typed fields (Reflex state vars hold them, and components read ``row.client`` instead of
``row["client"]``). A presenter turns domain and model objects plus a zone into view models (``zone``
is a zone name, or a ``formatting.Reader``: the zone with the reader's locale and clock); it needs
no Reflex, no database and no clock (``now`` is passed in), so unit tests call it directly
(tests/unit/test_presenters.py). The states load, call a presenter, and store its result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain.policy import ClientPolicy, client_cancellation_is_late
from ..domain.ranges import Range
from ..domain.slots import DAY_NAMES, format_wall_time, wall_to_instant
from ..formatting import Reader
from ..models import Booking, BookingEvent, BusyTime, CalendarConnection, Client, Trainer

HISTORY_WORDS = {
    "created": "Booked",
    "confirmed": "Confirmed",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "no_show": "Marked no-show",
    "status_changed": "Status changed",
}


Zone = str | Reader


def _reader(zone: Zone) -> Reader:
    """A zone name reads as the default locale with its own clock (the tests' and the old format)."""
    return zone if isinstance(zone, Reader) else Reader(zone)


# --------------------------------------------------------------------------- bookings table


@dataclass(frozen=True)
class BookingRow:
    """One row of the bookings table, and which row actions the lifecycle rules allow now."""

    id: str
    trainer: str  # shown in the "all trainers" view
    date: str
    time: str
    client: str
    email: str
    phone: str
    duration: str
    status: str  # the status code; components.status words and colours it
    can_confirm: bool = False
    can_complete: bool = False
    can_no_show: bool = False
    can_reschedule: bool = False
    can_cancel: bool = False


def booking_row(booking: Booking, client: Client, *, zone: Zone, trainer_name: str, actions: set[str]) -> BookingRow:
    """A table row; ``actions`` as ``services.bookings.allowed_actions`` names them."""
    r = _reader(zone)
    return BookingRow(
        id=booking.id,
        trainer=trainer_name,
        date=r.day(booking.start_at),
        time=r.span(booking.start_at, booking.end_at),
        client=client.name,
        email=client.email,
        phone=client.phone,
        duration=f"{booking.duration_minutes} min",
        status=str(booking.status),
        can_confirm="confirm" in actions,
        can_complete="complete" in actions,
        can_no_show="no_show" in actions,
        can_reschedule="reschedule" in actions,
        can_cancel="cancel" in actions,
    )


@dataclass(frozen=True)
class BookingDetail:
    """The details dialog of one booking (empty when none is open)."""

    id: str = ""
    client: str = ""
    email: str = ""
    phone: str = ""
    when: str = ""  # in the trainer's zone, with the zone's name
    client_when: str = ""  # in the client's zone, with the zone's name
    duration: str = ""
    status: str = ""
    notes: str = ""
    trainer_notes: str = ""
    reschedules: str = ""
    late: str = ""
    reason: str = ""
    # the actions the lifecycle rules allow now, offered in the dialog (the calendar's keyboard path)
    can_confirm: bool = False
    can_complete: bool = False
    can_no_show: bool = False
    can_reschedule: bool = False
    can_cancel: bool = False


def booking_detail(booking: Booking, client: Client, *, zone: Zone, actions: Iterable[str] = ()) -> BookingDetail:
    """The dialog's words; ``actions`` as ``services.bookings.allowed_actions`` names them."""
    r = _reader(zone)
    client_zone = booking.client_timezone
    return BookingDetail(
        id=booking.id,
        client=client.name,
        email=client.email,
        phone=client.phone,
        when=f"{r.when(booking.start_at)} ({r.zone})",
        client_when=f"{r.in_zone(client_zone).when(booking.start_at)} ({client_zone})",
        duration=f"{booking.duration_minutes} minutes",
        status=str(booking.status),
        notes=booking.notes or "—",
        trainer_notes=booking.trainer_notes or "—",
        reschedules=str(booking.reschedule_count),
        late="yes" if booking.late_cancellation else "no",
        reason=booking.cancellation_reason or "—",
        can_confirm="confirm" in actions,
        can_complete="complete" in actions,
        can_no_show="no_show" in actions,
        can_reschedule="reschedule" in actions,
        can_cancel="cancel" in actions,
    )


@dataclass(frozen=True)
class HistoryLine:
    """ "Rescheduled by trainer, <when>, <from> → <to> (<reason>)"."""

    what: str
    who: str
    at: str
    more: str


def history_lines(events: Iterable[BookingEvent], *, zone: Zone) -> list[HistoryLine]:
    r = _reader(zone)
    lines = []
    for e in events:
        moved = e.action == "rescheduled"
        ends = [r.when(t) for t in (e.from_start, e.to_start) if t and moved]
        lines.append(
            HistoryLine(
                what=HISTORY_WORDS.get(e.action, e.action),
                who=e.actor,
                at=r.when(e.at),
                more=" → ".join(ends) + (f" ({e.reason})" if e.reason else ""),
            )
        )
    return lines


@dataclass(frozen=True)
class TimeOption:
    """A free start time offered in the reschedule dialog."""

    start: str  # ISO instant, sent back when picked
    label: str


def time_options(starts: Iterable[datetime], *, zone: Zone) -> list[TimeOption]:
    r = _reader(zone)
    return [TimeOption(start=s.isoformat(), label=r.time(s)) for s in starts]


def cancellation_warning(policy: ClientPolicy, *, start: datetime, now: datetime) -> str:
    """The action dialog's warning before a trainer cancels a session inside the client's cancellation
    notice, by the domain's lateness rule ('' when the cancellation is not late)."""
    if not client_cancellation_is_late(policy, start=start, now=now):
        return ""
    return (
        f"This session starts within your {policy.cancellation_notice_hours}-hour "
        "cancellation notice. The client will be told it is cancelled at short notice."
    )


def new_booking_toast(booking: Booking, client: Client, *, zone: Zone) -> str:
    return f"New booking: {client.name}, {_reader(zone).when(booking.start_at)}"


# --------------------------------------------------------------------------- dashboard home


@dataclass(frozen=True)
class UpcomingRow:
    id: str
    when: str
    client: str
    email: str
    duration: str
    status: str


def upcoming_row(booking: Booking, client: Client, *, zone: Zone) -> UpcomingRow:
    return UpcomingRow(
        id=booking.id,
        when=_reader(zone).when(booking.start_at),
        client=client.name,
        email=client.email,
        duration=f"{booking.duration_minutes} min",
        status=str(booking.status),
    )


# --------------------------------------------------------------------------- team page


@dataclass(frozen=True)
class MemberRow:
    id: str
    name: str
    email: str
    zone: str
    url: str
    role: str


def member_rows(members: Sequence[Trainer], *, me: Trainer, booking_url) -> list[MemberRow]:
    """The team table; ``booking_url(slug)`` builds each booking page's address."""
    return [
        MemberRow(
            id=t.id,
            name=t.name,
            email=t.email,
            zone=t.timezone,
            url=booking_url(t.slug),
            role="Primary" if t.id == me.id else "Sub-trainer",
        )
        for t in members
    ]


@dataclass(frozen=True)
class TeamColumn:
    id: str
    name: str


@dataclass(frozen=True)
class TeamCell:
    hours: str  # "09:00–17:00" or "off"
    bookings: str  # "10:00 Ann Client; 14:00 Bob" ('' when none)


@dataclass(frozen=True)
class TeamWeekDay:
    label: str
    cells: list[TeamCell] = field(default_factory=list)  # one per column, in order
    gaps: str = ""
    overlaps: str = ""


def spans(ranges: Iterable[Range], zone: Zone) -> str:
    # Each end on its own: a span to midnight reads "18:00–00:00", not as two dates.
    r = _reader(zone)
    return ", ".join(f"{r.time(x.start)}–{r.time(x.end)}" for x in ranges)


def week_label(start: date) -> str:
    return f"{start.strftime('%d %b')} – {(start + timedelta(days=6)).strftime('%d %b %Y')}"


def team_week(
    members: Sequence[Trainer],
    days: Iterable,
    *,
    zone: Zone,
) -> tuple[list[TeamColumn], list[TeamWeekDay]]:
    """The side-by-side week from ``services.team.week_overview``'s members and days, in ``zone``."""
    columns = [TeamColumn(id=t.id, name=t.name) for t in members]
    rows = []
    for d in days:
        hours: Mapping[str, Sequence[Range]] = d.hours
        booked: Mapping[str, Sequence[tuple[datetime, datetime, str]]] = d.bookings
        rows.append(
            TeamWeekDay(
                label=d.day.strftime("%a %d %b"),
                cells=[
                    TeamCell(
                        hours=spans(hours[t.id], zone) or "off",
                        bookings="; ".join(f"{_reader(zone).time(s)} {name}" for s, _, name in booked[t.id]),
                    )
                    for t in members
                ],
                gaps=spans(d.gaps, zone),
                overlaps=spans(d.overlaps, zone),
            )
        )
    return columns, rows


# --------------------------------------------------------------------------- availability page


@dataclass(frozen=True)
class WeekBar:
    """One weekly block on the availability grid, placed at its exact minutes."""

    id: str
    day: int  # 0 = Monday
    label: str  # "09:00–12:30"
    name: str  # "Monday 09:00–12:30"
    left: str  # CSS percentages of the day
    width: str


def week_bar(block_id: str, day: int, start: int, end: int) -> WeekBar:
    """A bar for the block from minute ``start`` to minute ``end`` of weekday ``day``."""
    label = f"{format_wall_time(start)}–{format_wall_time(end)}"
    return WeekBar(
        id=block_id,
        day=day,
        label=label,
        name=f"{DAY_NAMES[day]} {label}",
        left=f"{start / 1440 * 100:.4f}%",
        width=f"{(end - start) / 1440 * 100:.4f}%",
    )


def week_bars(blocks: Iterable[tuple[str, int, int, int]]) -> list[list[WeekBar]]:
    """Bars per weekday (Monday first) from (id, weekday, start minute, end minute)."""
    week: list[list[WeekBar]] = [[] for _ in range(7)]
    for block_id, day, start, end in blocks:
        week[day].append(week_bar(block_id, day, start, end))
    return week


@dataclass(frozen=True)
class DateRow:
    """One of the next days on the availability page, and where its hours come from."""

    iso: str
    label: str  # "Mon 15 Mar"
    long: str  # "Monday 15 March 2027", for accessible names
    hours: str  # "09:00–17:00, 18:00–20:00" or "closed"
    kind: str  # "weekly", "override" (special hours) or "closed" (blocked)


def date_rows(
    week: Sequence[Sequence[WeekBar]], overrides: Mapping[date, Sequence[tuple[int, int]]], *, first: date, count: int
) -> list[DateRow]:
    """``count`` days from ``first``: the weekly hours, unless the date has an override (none = blocked)."""
    weekly = [", ".join(b.label for b in week[d]) or "closed" for d in range(7)]
    rows = []
    for n in range(count):
        day = first + timedelta(days=n)
        override = overrides.get(day)
        if override is None:
            hours, kind = weekly[day.weekday()], "weekly"
        else:
            hours = ", ".join(f"{format_wall_time(a)}–{format_wall_time(b)}" for a, b in override) or "closed"
            kind = "closed" if not override else "override"
        rows.append(
            DateRow(
                iso=day.isoformat(),
                label=day.strftime("%a %d %b"),
                long=day.strftime("%A %d %B %Y"),
                hours=hours,
                kind=kind,
            )
        )
    return rows


@dataclass(frozen=True)
class BusyBlock:
    """A busy time of an outside calendar on one date of the shown week, greyed over the grid."""

    day: int  # 0 = Monday of the shown week
    label: str  # what fits on the block: the event's summary, else the times
    name: str  # "Busy (Dentist, from Work calendar): Tue 16 Mar 17:00–18:00", also the tooltip
    left: str  # CSS percentages of the day, like WeekBar's
    width: str


def _source(connection: CalendarConnection | None, href: str) -> str:
    """The calendar a busy time comes from: a CalDAV account's own calendar by name, else the connection."""
    if connection is None:
        return "a connected calendar"
    named = next((c.get("name") for c in connection.calendars if c.get("href") == href and c.get("name")), None)
    name = named or connection.name
    return name if name.lower().endswith("calendar") else f"{name} calendar"


def _minute_of(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def busy_week(
    rows: Iterable[BusyTime], connections: Iterable[CalendarConnection], *, zone: str, first: date
) -> list[list[BusyBlock]]:
    """Busy blocks per date of the week from ``first`` (a Monday), at their wall-clock place in ``zone``.

    The grid is one row of 24 wall-clock hours per date, so an interval is cut at each local midnight
    (a night shift shows on both dates) and placed by its local times: on a DST date the wall clock, not
    the elapsed time, decides where it sits, as the weekly hours do."""
    tz = ZoneInfo(zone)
    by_id = {c.id: c for c in connections}
    week: list[list[BusyBlock]] = [[] for _ in range(7)]
    for row in rows:
        for n in range(7):
            day = first + timedelta(days=n)
            day_start, day_end = wall_to_instant(day, 0, tz), wall_to_instant(day + timedelta(days=1), 0, tz)
            start, end = max(row.start_at, day_start), min(row.end_at, day_end)
            if end <= start:
                continue
            a = 0 if start == day_start else _minute_of(start, tz)
            b = 1440 if end == day_end else _minute_of(end, tz)
            if b <= a:  # inside the repeated hour of an autumn change: as long as it really lasts
                b = min(1440, a + max(1, int((end - start).total_seconds() // 60)))
            times = "all day" if (a, b) == (0, 1440) else f"{format_wall_time(a)}–{format_wall_time(b)}"
            what = ", ".join(
                x
                for x in (row.summary.strip(), f"from {_source(by_id.get(row.connection_id), row.calendar_href)}")
                if x
            )
            week[n].append(
                BusyBlock(
                    day=n,
                    label=row.summary.strip() or times,
                    name=f"Busy ({what}): {day.strftime('%a %d %b')} {times}",
                    left=f"{a / 1440 * 100:.4f}%",
                    width=f"{(b - a) / 1440 * 100:.4f}%",
                )
            )
    return week


def week_dates(first: date) -> list[str]:
    """The seven dates of the shown week under the grid's day names: "16 Mar"."""
    return [(first + timedelta(days=n)).strftime("%d %b") for n in range(7)]
