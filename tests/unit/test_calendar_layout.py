"""The calendar's layout maths: shown dates and headings, positions on the wall clock (DST days too),
side-by-side lanes for overlaps, the month's "+N more", team columns, and the drop time's parsing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from trainerdesk.domain.errors import ValidationFailed
from trainerdesk.domain.policy import BookingStatus
from trainerdesk.domain.ranges import Range
from trainerdesk.domain.slots import HoursBlock, local_day_range
from trainerdesk.formatting import Reader
from trainerdesk.models import Booking, Client, Trainer
from trainerdesk.services.calendar import CalendarData
from trainerdesk.state import calendar_layout as cal
from trainerdesk.state.calendar import parse_wall_start

UTC = timezone.utc
BERLIN, LA = "Europe/Berlin", "America/Los_Angeles"
GB = Reader(BERLIN, "en_GB")


def trainer(id_: str, name: str, zone: str = BERLIN) -> Trainer:
    return Trainer(id=id_, name=name, email=f"{id_}@example.com", password_hash="-", slug=id_, timezone=zone)


def local(day: date, hh: int, mm: int = 0, zone: str = BERLIN) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def booking(id_: str, start: datetime, minutes: int = 60, *, trainer_id: str = "t1", status=BookingStatus.CONFIRMED):
    return Booking(
        id=id_,
        trainer_id=trainer_id,
        client_id="c-" + id_,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        duration_minutes=minutes,
        status=status,
        token_hash="x" * 64,
        client_timezone=BERLIN,
    )


def client(name: str, id_: str = "") -> Client:
    return Client(id=id_ or "c", trainer_id="t1", name=name, email="c@example.com")


def data(rows, trainers=None, hours=None, overrides=None) -> CalendarData:
    trainers = trainers or [trainer("t1", "Tina")]
    return CalendarData(trainers=trainers, sessions=rows, hours=hours or {}, overrides=overrides or {})


NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # before every shown session: all movable


# --------------------------------------------------------------------------- ranges and headings


def test_a_week_starts_on_the_locales_first_day_and_steps_by_seven():
    assert cal.shown_dates("week", date(2026, 11, 25)) == [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    sunday_first = cal.shown_dates("week", date(2026, 11, 25), first_weekday=6)
    assert sunday_first[0] == date(2026, 11, 22) and sunday_first[-1] == date(2026, 11, 28)
    assert cal.step("week", date(2026, 11, 25), 1) == date(2026, 12, 2)
    assert cal.step("day", date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert cal.step("month", date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert cal.step("month", date(2026, 1, 31), -1) == date(2025, 12, 1)


def test_a_month_shows_whole_weeks_around_it():
    days = cal.shown_dates("month", date(2026, 11, 10))
    assert days[0] == date(2026, 10, 26) and days[-1] == date(2026, 12, 6)
    assert len(days) % 7 == 0 and date(2026, 11, 1) in days and date(2026, 11, 30) in days


def test_headings_read_in_the_locale():
    week = cal.shown_dates("week", date(2026, 11, 25))
    assert cal.range_heading("week", week, date(2026, 11, 25), "en_GB") == "23–29 Nov 2026"
    across = cal.shown_dates("week", date(2026, 12, 30))
    assert cal.range_heading("week", across, date(2026, 12, 30), "en_GB") == "28 Dec 2026 – 3 Jan 2027"
    assert cal.range_heading("day", [date(2026, 11, 25)], date(2026, 11, 25), "en_GB") == "Wednesday, 25 November 2026"
    assert cal.range_heading("month", [], date(2026, 11, 25), "de_DE") == "November 2026"


@pytest.mark.parametrize(
    "anchor, hours",
    [
        (date(2026, 10, 21), 7 * 24 + 1),  # the week of the last Sunday of October: a 25-hour day
        (date(2026, 3, 25), 7 * 24 - 1),  # the last Sunday of March: a 23-hour day
        (date(2026, 11, 25), 7 * 24),
    ],
)
def test_a_weeks_instants_follow_the_zones_midnights(anchor, hours):
    span = cal.instant_span(cal.shown_dates("week", anchor), BERLIN)
    assert span.end - span.start == timedelta(hours=hours)


# --------------------------------------------------------------------------- positions


def test_sessions_sit_at_their_wall_clock_time_also_on_a_25_hour_day():
    sunday = date(2026, 10, 25)  # clocks go back at 03:00 in Berlin
    week = cal.shown_dates("week", sunday)
    rows = [
        (booking("late", local(sunday, 10)), client("Kenji Test")),
        (booking("mon", local(week[0], 9)), client("Ann")),
    ]
    grid = cal.time_grid(week, data(rows), zone=GB, now=NOW)
    assert (grid.first, grid.span) == (8 * 60, 10 * 60)  # 08:00-18:00 by default
    [late] = grid.columns[6].sessions
    # 10:00 on the wall clock is 2 h down a 10 h grid, whatever the day's length
    assert (late.top, late.height, late.left, late.width) == ("20.0000%", "10.0000%", "0.0000%", "100.0000%")
    assert late.name == "Kenji Test, 10:00–11:00, Confirmed" and late.movable
    assert [s.id for s in grid.columns[0].sessions] == ["mon"]
    assert [h.label for h in grid.hours][:3] == ["08:00", "09:00", "10:00"]


def test_the_grid_widens_to_early_sessions_and_working_hours():
    day = date(2026, 11, 24)
    rows = [(booking("early", local(day, 6, 30), 30), client("Early Bird"))]
    hours = {"t1": [Range(local(day, 7), local(day, 20, 30))]}
    grid = cal.time_grid([day], data(rows, hours=hours), zone=GB, now=NOW)
    # an hour to spare either side: 05:00-22:00
    assert (grid.first, grid.first + grid.span) == (5 * 60, 22 * 60)
    [shade] = grid.columns[0].shades
    assert shade.top == f"{120 / 1020 * 100:.4f}%"
    assert grid.height == f"{17 * cal.PX_PER_HOUR}px"


def test_overlapping_sessions_share_the_width_and_touching_ones_do_not():
    assert cal.lanes([(0, 60), (30, 90), (60, 120), (200, 230)]) == [(0, 2), (1, 2), (0, 2), (0, 1)]
    assert cal.lanes([(0, 60), (60, 120)]) == [(0, 1), (0, 1)]
    assert cal.lanes([(0, 120), (10, 20), (30, 40), (35, 50)]) == [(0, 3), (1, 3), (1, 3), (2, 3)]
    day = date(2026, 11, 24)
    rows = [(booking("a", local(day, 10)), client("A")), (booking("b", local(day, 10, 30)), client("B"))]
    a, b = cal.time_grid([day], data(rows), zone=GB, now=NOW).columns[0].sessions
    assert (a.left, a.width, b.left, b.width) == ("0.0000%", "50.0000%", "50.0000%", "50.0000%")


def test_a_session_across_the_repeated_autumn_hour_keeps_its_length():
    sunday = date(2026, 10, 25)
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first 02:30
    top, bottom = cal.day_minutes(start, start + timedelta(minutes=60), sunday, BERLIN)
    assert (top, bottom) == (150, 210)  # 02:30, and one hour long (the wall clock says 02:30 again)


def test_the_now_line_is_on_today_only_and_past_sessions_do_not_move():
    day = date(2026, 11, 24)
    now = local(day, 13)
    rows = [(booking("past", local(day, 9)), client("Past")), (booking("soon", local(day, 15)), client("Soon"))]
    grid = cal.time_grid(cal.shown_dates("week", day), data(rows), zone=GB, now=now)
    assert [c.now_top for c in grid.columns] == ["", "50.0000%", "", "", "", "", ""]
    assert [c.today for c in grid.columns] == [False, True, False, False, False, False, False]
    assert [(s.id, s.movable) for s in grid.columns[1].sessions] == [("past", False), ("soon", True)]


def test_a_zone_reads_its_own_wall_clock():
    day = date(2026, 11, 24)
    rows = [(booking("la", local(day, 9, zone=LA)), client("Coast Client"))]
    grid = cal.time_grid([day], data(rows), zone=Reader(LA, "en_US"), now=NOW)
    [s] = grid.columns[0].sessions
    assert s.top == "10.0000%" and s.name == "Coast Client, 9:00\u2009–\u200910:00\u00a0AM, Confirmed"


def test_overrides_and_blocked_dates_are_marked():
    week = cal.shown_dates("week", date(2026, 11, 25))
    overrides = {"t1": {week[1]: [], week[2]: [HoursBlock(600, 840)]}}
    grid = cal.time_grid(week, data([], overrides=overrides), zone=GB, now=NOW)
    assert [(c.kind, c.note) for c in grid.columns[:3]] == [
        ("weekly", ""),
        ("closed", "Blocked"),
        ("override", "Special hours 10:00–14:00"),
    ]


# --------------------------------------------------------------------------- teams


def test_all_trainers_day_has_a_column_per_trainer_with_gaps_and_overlaps():
    day = date(2026, 11, 24)
    team = [trainer("t1", "Lead"), trainer("t2", "Bea")]
    hours = {"t1": [Range(local(day, 9), local(day, 12))], "t2": [Range(local(day, 11), local(day, 14))]}
    rows = [(booking("x", local(day, 11), trainer_id="t2"), client("Team Client"))]
    grid = cal.time_grid([day], data(rows, team, hours), zone=GB, now=NOW, by_trainer=True)
    assert [(c.label, c.trainer_id) for c in grid.columns] == [("Lead", "t1"), ("Bea", "t2")]
    assert grid.columns[0].sessions == [] and [s.id for s in grid.columns[1].sessions] == ["x"]
    assert grid.columns[1].sessions[0].name == "Team Client, 11:00–12:00, Confirmed, with Bea"
    assert grid.overlaps == "11:00–12:00" and grid.gaps == ""
    week = cal.time_grid(cal.shown_dates("week", day), data(rows, team, hours), zone=GB, now=NOW)
    marked = week.columns[1].sessions[0]
    assert (marked.trainer, marked.trainer_color) == ("Bea", "var(--teal-9)")


# --------------------------------------------------------------------------- month


def test_a_month_day_lists_three_sessions_and_says_how_many_more():
    anchor = date(2026, 11, 10)
    dates = cal.shown_dates("month", anchor)
    rows = [(booking(f"b{n}", local(anchor, 8 + n)), client(f"Client {n}")) for n in range(5)]
    weeks = cal.month_days(dates, anchor, data(rows), zone=GB, now=NOW)
    cell = next(d for week in weeks for d in week if d.iso == "2026-11-10")
    assert [(s.time, s.client) for s in cell.sessions] == [
        ("08:00", "Client 0"),
        ("09:00", "Client 1"),
        ("10:00", "Client 2"),
    ]
    assert cell.more == "+2 more" and cell.in_month and cell.long == "Tuesday, 10 November 2026"
    assert cell.sessions[0].name == "Client 0, 08:00–09:00, Confirmed"
    outside = weeks[0][0]
    assert outside.iso == "2026-10-26" and not outside.in_month and outside.more == ""


# --------------------------------------------------------------------------- the drop


def test_a_drop_time_is_a_wall_time_of_the_trainers_zone():
    assert parse_wall_start("2026-11-24T17:15", BERLIN) == datetime(2026, 11, 24, 16, 15, tzinfo=UTC)
    # the repeated 02:30 of the autumn night is its first occurrence (RFC 5545)
    assert parse_wall_start("2026-10-25T02:30", BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_wall_start("2026-11-24T09:00", LA) == local(date(2026, 11, 24), 9, zone=LA)
    for bad in ("", "2026-11-24", "2026-11-24T25:00", "nonsense", "99999-01-01T10:00", None):
        with pytest.raises(ValidationFailed):
            parse_wall_start(bad, BERLIN)
    assert local_day_range(date(2026, 10, 25), ZoneInfo(BERLIN)).end - local_day_range(
        date(2026, 10, 25), ZoneInfo(BERLIN)
    ).start == timedelta(hours=25)
