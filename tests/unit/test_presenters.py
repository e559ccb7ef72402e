"""The dashboard's presenters: model objects and a zone in, typed view models out (no browser, no database)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from trainerdesk.domain.policy import BookingStatus
from trainerdesk.domain.preferences import Preferences
from trainerdesk.domain.ranges import Range
from trainerdesk.models import Booking, BookingEvent, BusyTime, CalendarConnection, Client, Trainer
from trainerdesk.state import presenters as p

UTC = timezone.utc
BERLIN = "Europe/Berlin"


def booking(**changes) -> Booking:
    values = dict(
        id="b1",
        trainer_id="t1",
        client_id="c1",
        start_at=datetime(2027, 3, 16, 13, 30, tzinfo=UTC),  # 14:30 in Berlin (CET)
        end_at=datetime(2027, 3, 16, 14, 30, tzinfo=UTC),
        duration_minutes=60,
        status=BookingStatus.CONFIRMED,
        token_hash="x" * 64,
        client_timezone="America/New_York",
    )
    return Booking(**{**values, **changes})


CLIENT = Client(id="c1", trainer_id="t1", name="Ann Client", email="ann@example.com", phone="+49 30 1234")


def trainer(id_: str, name: str, **changes) -> Trainer:
    return Trainer(
        id=id_, name=name, email=f"{id_}@example.com", password_hash="-", slug=id_, timezone=BERLIN, **changes
    )


def test_the_states_import_without_a_browser():
    for module in ("trainerdesk.state", "trainerdesk.state.auth", "trainerdesk.state.bookings"):
        assert importlib.import_module(module)
    from trainerdesk.state.bookings import BookingDialogsState, BookingFiltersState, BookingsState

    assert BookingFiltersState.get_parent_state() is BookingsState
    assert BookingDialogsState.get_parent_state() is BookingsState


# --------------------------------------------------------------------------- table rows


def test_a_row_is_in_the_trainers_zone_with_the_allowed_actions():
    row = p.booking_row(booking(), CLIENT, zone=BERLIN, trainer_name="Tina", actions={"cancel", "reschedule"})
    assert row == p.BookingRow(
        id="b1",
        trainer="Tina",
        date="Tue, 16 Mar 2027",
        time="14:30–15:30",
        client="Ann Client",
        email="ann@example.com",
        phone="+49 30 1234",
        duration="60 min",
        status="CONFIRMED",
        can_reschedule=True,
        can_cancel=True,
    )
    assert not (row.can_confirm or row.can_complete or row.can_no_show)


@pytest.mark.parametrize("status", list(BookingStatus))
def test_a_row_carries_the_status_code_the_badge_words(status):
    assert p.booking_row(booking(status=status), CLIENT, zone="UTC", trainer_name="", actions=set()).status == (
        status.value
    )


def test_rows_of_a_team_name_each_bookings_trainer():
    names = {"t1": "Tina Primary", "t2": "Sam Sub"}
    rows = [
        p.booking_row(booking(id=i, trainer_id=t), CLIENT, zone=BERLIN, trainer_name=names[t], actions=set())
        for i, t in (("b1", "t1"), ("b2", "t2"))
    ]
    assert [(r.id, r.trainer) for r in rows] == [("b1", "Tina Primary"), ("b2", "Sam Sub")]


def test_upcoming_row_on_the_dashboard_home():
    row = p.upcoming_row(booking(duration_minutes=45), CLIENT, zone=BERLIN)
    assert (row.when, row.client, row.duration, row.status) == (
        "Tue, 16 Mar 2027, 14:30",
        "Ann Client",
        "45 min",
        "CONFIRMED",
    )


def test_new_booking_toast():
    assert p.new_booking_toast(booking(), CLIENT, zone=BERLIN) == "New booking: Ann Client, Tue, 16 Mar 2027, 14:30"


# --------------------------------------------------------------------------- details and history


def test_details_show_both_zones_and_dashes_for_what_is_empty():
    detail = p.booking_detail(booking(late_cancellation=True, reschedule_count=2), CLIENT, zone=BERLIN)
    assert detail.when == "Tue, 16 Mar 2027, 14:30 (Europe/Berlin)"
    assert detail.client_when == "Tue, 16 Mar 2027, 09:30 (America/New_York)"
    assert (detail.duration, detail.reschedules, detail.late) == ("60 minutes", "2", "yes")
    assert (detail.notes, detail.trainer_notes, detail.reason) == ("—", "—", "—")
    assert p.BookingDetail().client == ""  # what the closed dialog holds


def test_history_lines_in_words_with_the_move_from_and_to():
    at = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    events = [
        BookingEvent(booking_id="b1", action="created", actor="client", at=at),
        BookingEvent(
            booking_id="b1",
            action="rescheduled",
            actor="trainer",
            at=at + timedelta(days=1),
            from_start=datetime(2027, 3, 16, 13, 30, tzinfo=UTC),
            to_start=datetime(2027, 3, 17, 9, 0, tzinfo=UTC),
        ),
        BookingEvent(booking_id="b1", action="cancelled", actor="trainer", at=at + timedelta(days=2), reason="ill"),
        BookingEvent(booking_id="b1", action="no_show", actor="trainer", at=at + timedelta(days=3)),
        BookingEvent(booking_id="b1", action="something_new", actor="system", at=at + timedelta(days=4)),
    ]
    lines = p.history_lines(events, zone=BERLIN)
    assert lines[0] == p.HistoryLine(what="Booked", who="client", at="Mon, 1 Mar 2027, 09:00", more="")
    assert lines[1].what == "Rescheduled"
    assert lines[1].more == "Tue, 16 Mar 2027, 14:30 → Wed, 17 Mar 2027, 10:00"
    assert (lines[2].what, lines[2].more) == ("Cancelled", " (ill)")
    assert lines[3].what == "Marked no-show"
    assert lines[4].what == "something_new"  # an action without words shows as it is


def test_only_a_reschedule_shows_from_and_to():
    event = BookingEvent(
        booking_id="b1",
        action="confirmed",
        actor="trainer",
        at=datetime(2027, 3, 1, tzinfo=UTC),
        from_start=datetime(2027, 3, 16, tzinfo=UTC),
        to_start=datetime(2027, 3, 17, tzinfo=UTC),
    )
    assert p.history_lines([event], zone="UTC")[0].more == ""


# --------------------------------------------------------------------------- action dialog


def test_late_cancellation_warning_inside_the_notice_only():
    policy = Preferences(cancellation_notice_hours=24).client_policy
    start = datetime(2027, 3, 16, 13, 30, tzinfo=UTC)
    warning = p.cancellation_warning(policy, start=start, now=start - timedelta(hours=5))
    assert warning.startswith("This session starts within your 24-hour cancellation notice.")
    assert "cancelled at short notice" in warning
    assert p.cancellation_warning(policy, start=start, now=start - timedelta(hours=25)) == ""


def test_free_times_offered_in_the_trainers_zone():
    starts = [datetime(2027, 3, 17, 8, 0, tzinfo=UTC), datetime(2027, 3, 17, 9, 30, tzinfo=UTC)]
    options = p.time_options(starts, zone=BERLIN)
    assert [(o.label, o.start) for o in options] == [
        ("09:00", "2027-03-17T08:00:00+00:00"),
        ("10:30", "2027-03-17T09:30:00+00:00"),
    ]


# --------------------------------------------------------------------------- team page


def test_member_rows_say_who_is_primary():
    me, sub = trainer("t1", "Tina"), trainer("t2", "Sam", primary_trainer_id="t1")
    rows = p.member_rows([me, sub], me=me, booking_url=lambda slug: f"https://td.example/book/{slug}")
    assert [(r.name, r.role, r.url) for r in rows] == [
        ("Tina", "Primary", "https://td.example/book/t1"),
        ("Sam", "Sub-trainer", "https://td.example/book/t2"),
    ]


@dataclass
class Day:  # the shape of services.team.TeamDay
    day: date
    hours: dict = field(default_factory=dict)
    bookings: dict = field(default_factory=dict)
    gaps: list = field(default_factory=list)
    overlaps: list = field(default_factory=list)


def test_team_week_cells_gaps_and_overlaps_in_the_viewers_zone():
    tina, sam = trainer("t1", "Tina"), trainer("t2", "Sam")
    at = lambda h, m=0: datetime(2027, 3, 15, h, m, tzinfo=UTC)  # noqa: E731  (Monday; Berlin is UTC+1)
    day = Day(
        day=date(2027, 3, 15),
        hours={"t1": [Range(at(8), at(12))], "t2": []},
        bookings={"t1": [(at(9), at(10), "Ann Client")], "t2": []},
        gaps=[Range(at(12), at(13))],
        overlaps=[Range(at(10), at(11, 30))],
    )
    columns, days = p.team_week([tina, sam], [day], zone=BERLIN)
    assert columns == [p.TeamColumn(id="t1", name="Tina"), p.TeamColumn(id="t2", name="Sam")]
    assert days == [
        p.TeamWeekDay(
            label="Mon 15 Mar",
            cells=[p.TeamCell(hours="09:00–13:00", bookings="10:00 Ann Client"), p.TeamCell(hours="off", bookings="")],
            gaps="13:00–14:00",
            overlaps="11:00–12:30",
        )
    ]
    assert p.week_label(date(2027, 3, 15)) == "15 Mar – 21 Mar 2027"


# --------------------------------------------------------------------------- availability page


def test_week_bars_sit_at_their_minutes_on_their_day():
    week = p.week_bars([("w1", 0, 9 * 60, 12 * 60 + 30), ("w2", 0, 14 * 60, 18 * 60), ("w3", 6, 0, 1440)])
    assert [len(day) for day in week] == [2, 0, 0, 0, 0, 0, 1]
    assert week[0][0] == p.WeekBar(
        id="w1", day=0, label="09:00–12:30", name="Monday 09:00–12:30", left="37.5000%", width="14.5833%"
    )
    assert (week[6][0].left, week[6][0].width) == ("0.0000%", "100.0000%")


def test_date_rows_say_where_each_days_hours_come_from():
    week = p.week_bars([("w1", 0, 9 * 60, 17 * 60)])
    monday = date(2027, 3, 15)
    overrides = {monday + timedelta(days=7): [], monday + timedelta(days=1): [(8 * 60, 10 * 60), (18 * 60, 20 * 60)]}
    rows = p.date_rows(week, overrides, first=monday, count=8)
    assert rows[0] == p.DateRow(
        iso="2027-03-15", label="Mon 15 Mar", long="Monday 15 March 2027", hours="09:00–17:00", kind="weekly"
    )
    assert (rows[1].hours, rows[1].kind) == ("08:00–10:00, 18:00–20:00", "override")
    assert (rows[2].hours, rows[2].kind) == ("closed", "weekly")
    assert (rows[7].hours, rows[7].kind) == ("closed", "closed")


def busy(start: datetime, end: datetime, summary: str = "", connection: str = "c1", href: str = "") -> BusyTime:
    return BusyTime(
        trainer_id="t1", connection_id=connection, start_at=start, end_at=end, summary=summary, calendar_href=href
    )


CALENDARS = [
    CalendarConnection(id="c1", trainer_id="t1", kind="ics", name="Work", secret="-", url_hint="-"),
    CalendarConnection(
        id="c2",
        trainer_id="t1",
        kind="caldav",
        name="Cloud",
        secret="-",
        url_hint="-",
        calendars=[{"href": "/dav/family/", "name": "Family calendar"}],
    ),
]
MONDAY = date(2027, 3, 15)  # CET (UTC+1) all week


def test_busy_times_sit_at_their_trainer_local_minutes_and_say_where_they_come_from():
    # 16:00 UTC is 17:00 in Berlin: placed at 17:00, not at the UTC time.
    rows = [
        busy(datetime(2027, 3, 16, 16, 0, tzinfo=UTC), datetime(2027, 3, 16, 17, 0, tzinfo=UTC), "Dentist"),
        busy(
            datetime(2027, 3, 19, 7, 0, tzinfo=UTC), datetime(2027, 3, 19, 7, 30, tzinfo=UTC), "", "c2", "/dav/family/"
        ),
        busy(datetime(2027, 3, 21, 9, 0, tzinfo=UTC), datetime(2027, 3, 21, 10, 0, tzinfo=UTC), "Gone", "removed"),
    ]
    week = p.busy_week(rows, CALENDARS, zone=BERLIN, first=MONDAY)
    assert [len(d) for d in week] == [0, 1, 0, 0, 1, 0, 1]
    assert week[1][0] == p.BusyBlock(
        day=1,
        label="Dentist",
        name="Busy (Dentist, from Work calendar): Tue 16 Mar 17:00–18:00",
        left="70.8333%",
        width="4.1667%",
    )
    # A CalDAV account's own calendar names it (already ending in "calendar"); no summary: the times label it.
    assert (week[4][0].name, week[4][0].label) == ("Busy (from Family calendar): Fri 19 Mar 08:00–08:30", "08:00–08:30")
    assert week[6][0].name == "Busy (Gone, from a connected calendar): Sun 21 Mar 10:00–11:00"
    # The same instants read in Tokyo (UTC+9) land a day later in the evening.
    tokyo = p.busy_week(rows[:1], CALENDARS, zone="Asia/Tokyo", first=MONDAY)
    assert tokyo[2][0].name == "Busy (Dentist, from Work calendar): Wed 17 Mar 01:00–02:00"


def test_a_busy_time_across_midnight_shows_on_both_dates_and_only_inside_the_week():
    night = busy(datetime(2027, 3, 16, 21, 0, tzinfo=UTC), datetime(2027, 3, 17, 1, 0, tzinfo=UTC), "Night shift")
    week = p.busy_week([night], CALENDARS, zone=BERLIN, first=MONDAY)
    assert [(b.day, b.name, b.left, b.width) for d in week for b in d] == [
        (1, "Busy (Night shift, from Work calendar): Tue 16 Mar 22:00–24:00", "91.6667%", "8.3333%"),
        (2, "Busy (Night shift, from Work calendar): Wed 17 Mar 00:00–02:00", "0.0000%", "8.3333%"),
    ]
    # Sunday night into the next week's Monday: only Sunday's part belongs to this week.
    late = busy(datetime(2027, 3, 21, 22, 0, tzinfo=UTC), datetime(2027, 3, 22, 2, 0, tzinfo=UTC))
    week = p.busy_week([late], CALENDARS, zone=BERLIN, first=MONDAY)
    assert [(b.day, b.label) for d in week for b in d] == [(6, "23:00–24:00")]
    # A holiday over two whole local dates: "all day" on each.
    away = busy(datetime(2027, 3, 17, 23, 0, tzinfo=UTC), datetime(2027, 3, 19, 23, 0, tzinfo=UTC), "Away")
    week = p.busy_week([away], CALENDARS, zone=BERLIN, first=MONDAY)
    assert [(b.day, b.name.split(": ")[1], b.width) for d in week for b in d] == [
        (3, "Thu 18 Mar all day", "100.0000%"),
        (4, "Fri 19 Mar all day", "100.0000%"),
    ]


def test_a_dst_week_keeps_busy_times_at_their_wall_clock_place():
    # Berlin moves to summer time on Sunday 28 March 2027 (02:00 -> 03:00).
    monday = date(2027, 3, 22)
    rows = [
        busy(datetime(2027, 3, 26, 16, 0, tzinfo=UTC), datetime(2027, 3, 26, 17, 0, tzinfo=UTC)),  # Fri 17:00 CET
        busy(datetime(2027, 3, 28, 15, 0, tzinfo=UTC), datetime(2027, 3, 28, 16, 0, tzinfo=UTC)),  # Sun 17:00 CEST
        # Sun 01:30 CET to 03:30 CEST: one hour long, but 01:30-03:30 on the wall clock.
        busy(datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        # The whole 23-hour Sunday.
        busy(datetime(2027, 3, 27, 23, 0, tzinfo=UTC), datetime(2027, 3, 28, 22, 0, tzinfo=UTC), "Race"),
    ]
    week = p.busy_week(rows, CALENDARS, zone=BERLIN, first=monday)
    assert week[4][0].left == week[6][0].left == "70.8333%"
    assert week[4][0].label == week[6][0].label == "17:00–18:00"
    assert (week[6][1].label, week[6][1].left, week[6][1].width) == ("01:30–03:30", "6.2500%", "8.3333%")
    assert (week[6][2].name.endswith("Sun 28 Mar all day"), week[6][2].width) == (True, "100.0000%")
    # Autumn: 02:30 summer time to 02:30 winter time is an hour that the wall clock shows as none.
    fold = busy(datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC))
    sunday = p.busy_week([fold], CALENDARS, zone=BERLIN, first=date(2027, 10, 25))[6][0]
    assert (sunday.left, sunday.width) == ("10.4167%", "4.1667%")


def test_the_shown_weeks_dates_under_the_day_names():
    assert p.week_dates(MONDAY) == ["15 Mar", "16 Mar", "17 Mar", "18 Mar", "19 Mar", "20 Mar", "21 Mar"]
