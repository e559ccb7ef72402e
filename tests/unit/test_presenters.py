"""The dashboard's presenters: model objects and a zone in, typed view models out (no browser, no database)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from trainerdesk.domain.policy import BookingStatus
from trainerdesk.domain.preferences import Preferences
from trainerdesk.domain.ranges import Range
from trainerdesk.models import Booking, BookingEvent, Client, Trainer
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
