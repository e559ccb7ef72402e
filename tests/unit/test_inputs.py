"""The supported calendar (``domain.inputs.SUPPORTED_DATES``), its parsers, and slot rules that never overflow.

Typed dates, months and instants outside 1900-01-01 .. 2999-12-31 are refused
with a ValidationFailed naming the field; whole numbers are length-checked
before Python parses them. The slot rules themselves take any date or instant
``datetime`` can hold, in any zone, without an OverflowError: beyond the
supported calendar they simply find no slots.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from trainerdesk.domain.errors import ValidationFailed
from trainerdesk.domain.inputs import (
    MAX_NUMBER_DIGITS,
    SUPPORTED_DATES,
    SUPPORTED_INSTANTS,
    check_date,
    check_instant,
    check_month,
    parse_date,
    parse_instant,
    parse_month,
    parse_whole_number,
)
from trainerdesk.domain.slots import (
    SlotFinder,
    SlotRules,
    TrainerSchedule,
    WeeklyBlock,
    bookable_dates,
    generate_slots,
    is_slot,
    local_day_range,
    lookaround,
    month_range,
    slots_on_client_date,
    wall_to_instant,
    windows,
)

# The ends of the offsets (UTC+14, UTC-12), zones with odd historical offsets (LMT in 1900), and UTC.
ZONES = [
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "Etc/GMT-14",
    "Pacific/Pago_Pago",
    "Europe/Berlin",
    "Asia/Kolkata",
    "America/St_Johns",
    "UTC",
]
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def field_of(call) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.details["field"]


def open_all_day(tz: str, durations=(60,), advance=60) -> TrainerSchedule:
    return TrainerSchedule(
        "t1",
        ZoneInfo(tz),
        [WeeklyBlock(d, 0, 1440) for d in range(7)],
        rules=SlotRules(tuple(durations), 0, 0, advance),
    )


# ---------------------------------------------------------------- the range rule


def test_the_supported_calendar():
    assert (SUPPORTED_DATES.first, SUPPORTED_DATES.last) == (date(1900, 1, 1), date(2999, 12, 31))
    assert date(1900, 1, 1) in SUPPORTED_DATES and date(2999, 12, 31) in SUPPORTED_DATES
    assert date(1899, 12, 31) not in SUPPORTED_DATES and date(3000, 1, 1) not in SUPPORTED_DATES
    assert date.min not in SUPPORTED_DATES and date.max not in SUPPORTED_DATES
    assert "not a date" not in SUPPORTED_DATES
    # Every local date of the calendar, in any zone, and the date either side, lies in SUPPORTED_INSTANTS.
    low, high = SUPPORTED_INSTANTS
    assert low <= datetime(1899, 12, 30, 0, tzinfo=UTC) and datetime(3000, 1, 2, tzinfo=UTC) <= high


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(2027, 3, 14), date(2999, 12, 31)])
def test_dates_inside_are_kept(day):
    assert check_date(day) == day and parse_date(day.isoformat()) == day
    assert check_month(day) == day.replace(day=1) and parse_month(day.isoformat()[:7]) == day.replace(day=1)


@pytest.mark.parametrize("day", [date.min, date(1899, 12, 31), date(3000, 1, 1), date.max])
def test_dates_outside_are_refused_naming_the_field_and_the_range(day):
    for call, field in (
        (lambda: check_date(day, field="from"), "from"),
        (lambda: parse_date(day.isoformat(), field="to"), "to"),
        (lambda: check_month(day), "month"),
        (lambda: parse_month(day.isoformat()[:7]), "month"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.details["field"] == field
        assert "1900-01" in caught.value.message and "2999-12" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2027-3-14",
        "2027-03-14 ",
        "2027-03-14\n",
        "20270314",
        "2027-W11-1",
        "2027-02-30",
        "２０２７-03-14",
        "0000-01-01",
        "10000-01-01",
        "2027-03",
    ],
)
def test_dates_not_written_yyyy_mm_dd_are_refused(text):
    assert field_of(lambda: parse_date(text, field="date")) == "date"


@pytest.mark.parametrize("value", [None, 20270314, ["2027-03-14"], date(2027, 3, 14)])
def test_dates_that_are_not_text_are_refused(value):
    assert field_of(lambda: parse_date(value, field="date")) == "date"
    assert field_of(lambda: parse_month(value)) == "month"
    assert field_of(lambda: parse_instant(value)) == "startTime"


@pytest.mark.parametrize("text", ["", "2027-3", "2027-13", "2027-00", "202703", "2027-03-01", "0000-01", "9999-13"])
def test_months_not_written_yyyy_mm_are_refused(text):
    assert field_of(lambda: parse_month(text)) == "month"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2027-03-14T09:00:00-04:00", datetime(2027, 3, 14, 13, tzinfo=UTC)),
        ("2027-03-14T09:00:00Z", datetime(2027, 3, 14, 9, tzinfo=UTC)),
        ("1900-01-01T00:00:00+14:00", datetime(1899, 12, 31, 10, tzinfo=UTC)),
        ("2999-12-31T23:59:59-12:00", datetime(3000, 1, 1, 11, 59, 59, tzinfo=UTC)),
    ],
)
def test_instants_inside_are_parsed_to_utc(text, expected):
    parsed = parse_instant(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59+14:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+01:00",
        "3000-01-01T00:00:00Z",
        "1899-12-31T23:59:59+14:00",
    ],
)
def test_instants_outside_are_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_instant(text, field="startTime")
    assert caught.value.details["field"] == "startTime" and "2999-12-31" in caught.value.message
    with pytest.raises(ValidationFailed):
        check_instant(datetime.fromisoformat(text))


@pytest.mark.parametrize("text", ["2027-03-14T09:00:00", "2027-03-14", "soon", "", "2027-03-14T25:00:00Z"])
def test_instants_without_an_offset_or_not_instants_are_refused(text):
    assert field_of(lambda: parse_instant(text, field="when")) == "when"


@pytest.mark.parametrize(
    "text,expected", [("1", 1), ("60", 60), ("0060", 60), ("0" * (MAX_NUMBER_DIGITS - 2) + "60", 60)]
)
def test_whole_numbers(text, expected):
    assert parse_whole_number(text, field="n", low=1, high=1440) == expected


@pytest.mark.parametrize(
    "text",
    [
        "9" * 4301,
        "1" + "0" * 5000,
        "0" * 4400 + "60",
        "9" * 1_000_000,
        "0" * (MAX_NUMBER_DIGITS - 1) + "60",
        "0",
        "1441",
        "-1",
        "+60",
        " 60",
        "60 ",
        "6e1",
        "60.0",
        "²",
        "٣",
        "",
        None,
        60,
        60.0,
    ],
)
def test_whole_numbers_of_any_length_or_form_are_refused_without_parsing(text):
    assert field_of(lambda: parse_whole_number(text, field="page", low=1, high=1440)) == "page"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=0, max_size=6000))
def test_whole_numbers_never_raise_anything_but_validation(text):
    try:
        n = parse_whole_number(text, field="n", low=1, high=10**6)
    except ValidationFailed as exc:
        assert exc.details == {"field": "n"}
    else:
        assert 1 <= n <= 10**6 and n == int(text)


# ---------------------------------------------------------------- the slot rules at datetime's ends


@pytest.mark.parametrize("tz", ZONES)
def test_wall_clock_at_the_ends_of_datetime_saturates(tz):
    zone = ZoneInfo(tz)
    for day in (date.min, date.max):
        for minutes in (0, 720, 1440):
            instant = wall_to_instant(day, minutes, zone)
            assert EARLIEST <= instant <= LATEST
        span = local_day_range(day, zone)
        assert span.start <= span.end
        assert month_range(day, zone).start <= month_range(day, zone).end
    assert wall_to_instant(date.max, 1440, zone) == LATEST


@pytest.mark.parametrize("tz", ZONES)
def test_lookaround_and_windows_at_the_ends_of_datetime(tz):
    zone = ZoneInfo(tz)
    for start, end in ((EARLIEST, EARLIEST + timedelta(days=1)), (LATEST - timedelta(days=1), LATEST)):
        first, last = lookaround(start, end, zone)
        assert first <= last and (last - first).days <= 4
        assert windows(open_all_day(tz), first, last)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("client", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
def test_no_slots_and_no_overflow_at_the_ends_of_datetime(tz, client):
    sch = open_all_day(tz, durations=(60, 480), advance=10**6)  # the rule's limit is 730; the domain copes
    client_tz = ZoneInfo(client)
    for now in (EARLIEST, datetime(2027, 6, 1, tzinfo=UTC), LATEST - timedelta(days=1)):
        for day in (date.min, date.min + timedelta(days=1), date.max - timedelta(days=1), date.max):
            assert slots_on_client_date(sch, duration=60, now=now, day=day, client_tz=client_tz) == []
        for month_first in (date(1, 1, 1), date(9999, 12, 1)):
            assert bookable_dates(sch, durations=[60, 480], now=now, month_first=month_first, client_tz=client_tz) == []
        for start in (EARLIEST, EARLIEST + timedelta(hours=1), LATEST - timedelta(minutes=30), LATEST):
            assert is_slot(sch, duration=60, now=now, start=start) is False
        assert generate_slots(sch, duration=60, now=now, start=LATEST - timedelta(days=2), end=LATEST) == []
        assert generate_slots(sch, duration=60, now=now, start=EARLIEST, end=EARLIEST + timedelta(days=2)) == []
    assert SlotFinder(sch, start=LATEST - timedelta(days=2), end=LATEST).starts(480) == []
    assert SlotFinder(sch, start=EARLIEST, end=EARLIEST).starts(60) == []


@pytest.mark.parametrize("tz", ZONES)
def test_slots_are_found_up_to_the_ends_of_the_supported_calendar(tz):
    """The last and first supported dates are ordinary dates: slots there, also running past their midnight."""
    zone = ZoneInfo(tz)
    sch = open_all_day(tz, durations=(60,), advance=400)
    last = date(2999, 12, 31)
    found = slots_on_client_date(sch, duration=60, now=datetime(2999, 12, 1, tzinfo=UTC), day=last, client_tz=zone)
    assert found and all(s.start.astimezone(zone).date() == last for s in found)
    assert found[-1].end.astimezone(zone).date() == date(3000, 1, 1)
    assert (
        bookable_dates(
            sch, durations=[60], now=datetime(2999, 12, 1, tzinfo=UTC), month_first=date(2999, 12, 1), client_tz=zone
        )[-1]
        == last
    )
    assert is_slot(sch, duration=60, now=datetime(2999, 12, 1, tzinfo=UTC), start=found[-1].start)
    first = date(1900, 1, 1)
    found = slots_on_client_date(sch, duration=60, now=datetime(1899, 12, 1, tzinfo=UTC), day=first, client_tz=zone)
    assert found and all(s.start.astimezone(zone).date() == first for s in found)


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(), tz=st.sampled_from(ZONES), client=st.sampled_from(ZONES), now=st.datetimes(timezones=st.just(UTC))
)
def test_any_date_any_zone_any_now_never_overflows(day, tz, client, now):
    sch = open_all_day(tz, durations=(60, 120), advance=730)
    client_tz = ZoneInfo(client)
    found = slots_on_client_date(sch, duration=60, now=now, day=day, client_tz=client_tz)
    if day not in SUPPORTED_DATES:
        assert found == []
    assert all(s.start.astimezone(client_tz).date() == day for s in found)
    dates = bookable_dates(sch, durations=[60, 120], now=now, month_first=day.replace(day=1), client_tz=client_tz)
    assert all(d.year == day.year and d.month == day.month for d in dates)
    start = datetime.combine(day, datetime.min.time(), UTC)
    assert is_slot(sch, duration=60, now=now, start=start) in (True, False)
