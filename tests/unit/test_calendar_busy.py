"""Busy times from outside calendars: every reading rule of CALENDARS.md, a named case each.

The corpus in tests/fixtures/calendars/ imitates what the calendar services really
export (Google with X-WR-TIMEZONE, Apple iCloud with VTIMEZONE, Outlook with Windows
zone names and CRLF folded lines, Nextcloud's Sabre, a free/busy publication), with
the expected instants written out in UTC.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from icalendar import Calendar

from trainerdesk.calendars.busy import BusyTime, NotACalendar, _busy_times, busy_times, merge_busy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
YEAR = (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc))
OWN_BOOKING = "booking-1234@trainerdesk.localhost"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def read(name: str, zone: ZoneInfo = BERLIN, window=YEAR, **kwargs) -> list[BusyTime]:
    return busy_times((FIXTURES / name).read_bytes(), trainer_zone=zone, start=window[0], end=window[1], **kwargs)


def spans(busy: list[BusyTime], uid: str | None = None) -> list[tuple[datetime, datetime]]:
    return [(b.start, b.end) for b in busy if uid is None or b.uid == uid]


def calendar(*events: str, header: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\nDTSTAMP:20260101T000000Z\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{header}{body}END:VCALENDAR\n".encode()


# --- Google: X-WR-TIMEZONE, UTC and floating times ------------------------------------------


def test_google_weekly_utc_rule_keeps_its_wall_clock_in_x_wr_timezone_across_march_dst():
    busy = read("google.ics", ignore_uids={OWN_BOOKING})
    # 10:00 Berlin every Thursday: 09:00Z in winter time, 08:00Z after 29 March.
    assert spans(busy, "0a1b2c3d4e5f@google.com") == [
        (utc(2026, 3, 5, 9), utc(2026, 3, 5, 10)),
        (utc(2026, 3, 12, 9), utc(2026, 3, 12, 10)),
        (utc(2026, 3, 19, 9), utc(2026, 3, 19, 10)),
        (utc(2026, 3, 26, 9), utc(2026, 3, 26, 10)),
        (utc(2026, 4, 2, 8), utc(2026, 4, 2, 9)),
        (utc(2026, 4, 9, 8), utc(2026, 4, 9, 9)),
    ]


def test_floating_time_is_read_in_x_wr_timezone_not_the_trainers():
    busy = read("google.ics", zone=NEW_YORK)
    assert spans(busy, "floating-dinner@google.com") == [(utc(2026, 3, 10, 17), utc(2026, 3, 10, 18))]


def test_all_day_event_on_the_spring_dst_day_is_23_hours_in_the_trainers_zone():
    busy = read("google.ics")
    assert spans(busy, "allday-dst@google.com") == [(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))]


def test_all_day_event_follows_the_trainers_zone_not_the_calendars():
    busy = read("google.ics", zone=NEW_YORK)
    assert spans(busy, "allday-dst@google.com") == [(utc(2026, 3, 29, 4), utc(2026, 3, 30, 4))]


def test_transparent_and_cancelled_events_are_not_busy():
    uids = {b.uid for b in read("google.ics")}
    assert "free-lunch@google.com" not in uids
    assert "cancelled-call@google.com" not in uids


def test_trainerdesks_own_bookings_are_not_read_back():
    assert OWN_BOOKING in {b.uid for b in read("google.ics")}
    assert OWN_BOOKING not in {b.uid for b in read("google.ics", ignore_uids=[OWN_BOOKING])}


def test_unknown_x_wr_timezone_falls_back_to_the_trainers_zone():
    ics = calendar("UID:f\nDTSTART:20260701T090000\nDTEND:20260701T100000", header="X-WR-TIMEZONE:Not/AZone\n")
    assert spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 7, 1, 7), utc(2026, 7, 1, 8))
    ]


# --- Apple iCloud: VTIMEZONE, RRULE with EXDATE and RDATE across November DST ----------------


def test_icloud_weekly_rule_with_exdate_and_rdate_across_new_york_autumn_dst():
    busy = read("icloud.ics")
    # Thursdays 18:00 New York: 22:00Z in summer time, 23:00Z from 1 November;
    # 29 October is excluded, Saturday 31 October 10:00 added (RDATE, same length).
    assert spans(busy, "7F3C1D2E-0000-4B7A-9C11-FOOTBALL") == [
        (utc(2026, 10, 22, 22), utc(2026, 10, 22, 23)),
        (utc(2026, 10, 31, 14), utc(2026, 10, 31, 15)),
        (utc(2026, 11, 5, 23), utc(2026, 11, 6, 0)),
        (utc(2026, 11, 12, 23), utc(2026, 11, 13, 0)),
    ]


def test_icloud_weekly_rule_across_new_york_spring_dst():
    assert spans(read("icloud.ics"), "6A8E2F11-0000-4C2D-8E55-SPRING") == [
        (utc(2026, 3, 5, 11, 30), utc(2026, 3, 5, 12, 30)),
        (utc(2026, 3, 12, 10, 30), utc(2026, 3, 12, 11, 30)),
    ]


# --- Outlook: Windows zone names, custom VTIMEZONE, RECURRENCE-ID overrides ------------------

OUTLOOK_SERIES = (
    "040000008200E00074C5B7101A82E00800000000D0F1E0A2B3C4DC0100000000000000001000000086A0F1E2D3C4B5A69788796A5B4C3D2E"
)


def test_outlook_series_with_one_instance_moved_and_shortened_and_one_cancelled_across_october_dst():
    busy = read("outlook.ics")
    assert spans(busy, OUTLOOK_SERIES) == [
        (utc(2026, 10, 12, 6), utc(2026, 10, 12, 7)),  # 08:00 CEST
        (utc(2026, 10, 20, 12), utc(2026, 10, 20, 12, 30)),  # 19 Oct moved to Tue 14:00-14:30
        # 26 October cancelled by its override
        (utc(2026, 11, 2, 7), utc(2026, 11, 2, 8)),  # 08:00 CET, the UNTIL instant itself
    ]
    assert [b.summary for b in busy if b.uid == OUTLOOK_SERIES][1] == "Team meeting at the club (moved, shorter)"


def test_outlook_windows_zone_name_eastern_standard_time():
    assert spans(read("outlook.ics"), "outlook-new-york-call") == [(utc(2026, 11, 3, 14), utc(2026, 11, 3, 15))]


def test_outlook_custom_vtimezone():
    assert spans(read("outlook.ics"), "outlook-custom-zone") == [(utc(2026, 11, 4, 11, 30), utc(2026, 11, 4, 13))]


def test_outlook_free_item_is_not_busy():
    assert "outlook-free" not in {b.uid for b in read("outlook.ics")}


def test_windows_zone_name_without_a_vtimezone_block():
    ics = calendar(
        "UID:w\nDTSTART;TZID=W. Europe Standard Time:20260105T100000\n"
        "DTEND;TZID=W. Europe Standard Time:20260105T110000"
    )
    assert spans(busy_times(ics, trainer_zone=NEW_YORK, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 1, 5, 9), utc(2026, 1, 5, 10))
    ]


# --- Zones defined by each calendar (icalendar keeps one zone per TZID for the process) ---------


def custom_zone(tzid: str, offset: str) -> str:
    """A one-observance VTIMEZONE as Outlook writes for a "Customized Time Zone"."""
    return (
        f"BEGIN:VTIMEZONE\nTZID:{tzid}\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
        f"TZOFFSETFROM:{offset}\nTZOFFSETTO:{offset}\nEND:STANDARD\nEND:VTIMEZONE\n"
    )


def zoned_event(uid: str, tzid: str) -> str:
    return f"UID:{uid}\nDTSTART;TZID={tzid}:20260601T090000\nDTEND;TZID={tzid}:20260601T100000"


# 09:00-10:00 on 1 June 2026 in each calendar's own zone.
INDIA, BRAZIL = ("+0530", utc(2026, 6, 1, 3, 30)), ("-0300", utc(2026, 6, 1, 12))


@pytest.mark.parametrize("order", [(INDIA, BRAZIL), (BRAZIL, INDIA)], ids=["india-first", "brazil-first"])
def test_two_calendars_defining_one_tzid_differently_each_keep_their_own_zone(order, request):
    tzid = f"Customized Time Zone {request.node.callspec.id}"  # fresh per case: the bug is process-wide
    for offset, expected in [*order, order[0]]:  # and the first one again after the second
        ics = calendar(zoned_event("custom", tzid), header=custom_zone(tzid, offset))
        busy = busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
        assert spans(busy) == [(expected, expected + timedelta(hours=1))], offset


def test_a_windows_name_without_vtimezone_is_the_tz_databases_after_a_calendar_defined_it_otherwise():
    tzid = "Eastern Standard Time"
    bogus = calendar(zoned_event("bogus", tzid), header=custom_zone(tzid, "+0100"))
    assert spans(busy_times(bogus, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 6, 1, 8), utc(2026, 6, 1, 9))
    ]
    plain = calendar(zoned_event("plain", "Eastern Standard Time"))
    assert spans(busy_times(plain, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 6, 1, 13), utc(2026, 6, 1, 14))  # 09:00 EDT
    ]


def test_an_undefined_custom_tzid_stays_floating_after_another_calendar_defined_it():
    defined = calendar(zoned_event("defined", "Office Zone X"), header=custom_zone("Office Zone X", "+0530"))
    busy_times(defined, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    Calendar.from_ical(defined)  # as any other icalendar user in the process may: caches the bare name
    undefined = calendar(zoned_event("undefined", "Office Zone X"))
    assert spans(busy_times(undefined, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 6, 1, 7), utc(2026, 6, 1, 8))  # floating: 09:00 in Berlin
    ]


def test_quoted_and_folded_tzid_parameters_and_escaped_names_are_followed():
    tzid = "(UTC-03:00) Brasilia; custom, zone"
    escaped = tzid.replace(";", "\\;").replace(",", "\\,")
    header = custom_zone(escaped, "-0300")
    event = f'UID:q\nDTSTART;TZID="{tzid}":20260601T090000\nDTEND;X-A=1;TZ\n ID="{tzid}":20260601T100000'
    other = calendar(
        f'UID:o\nDTSTART;TZID="{tzid}":20260601T090000\nDURATION:PT1H', header=custom_zone(escaped, "+0900")
    )
    busy_times(other, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    busy = busy_times(calendar(event, header=header), trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    assert spans(busy) == [(utc(2026, 6, 1, 12), utc(2026, 6, 1, 13))]


def test_calendars_read_in_parallel_threads_keep_their_own_zones():
    tzid = "Customized Time Zone (threads)"
    bodies = {
        offset: calendar(zoned_event("t", tzid), header=custom_zone(tzid, offset)) for offset, _ in (INDIA, BRAZIL)
    }
    expected = dict((INDIA, BRAZIL))

    def read_one(offset: str) -> bool:
        busy = busy_times(bodies[offset], trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
        return spans(busy) == [(expected[offset], expected[offset] + timedelta(hours=1))]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(read_one, [INDIA[0], BRAZIL[0]] * 40))


# --- Nextcloud (Sabre): DURATION, all-day, zero-length, tentative ----------------------------


def test_nextcloud_weekly_rule_across_berlin_march_dst():
    assert spans(read("nextcloud.ics"), "nc-weekly-march") == [
        (utc(2026, 3, 23, 6), utc(2026, 3, 23, 7)),
        (utc(2026, 3, 30, 5), utc(2026, 3, 30, 6)),
        (utc(2026, 4, 6, 5), utc(2026, 4, 6, 6)),
    ]


def test_duration_instead_of_dtend():
    assert spans(read("nextcloud.ics"), "nc-duration") == [(utc(2026, 6, 15, 7, 30), utc(2026, 6, 15, 9))]


def test_multi_day_all_day_event_dtend_is_exclusive():
    assert spans(read("nextcloud.ics"), "nc-holiday") == [(utc(2026, 7, 9, 22), utc(2026, 7, 12, 22))]


def test_all_day_without_dtend_is_one_day_25_hours_on_the_autumn_dst_day():
    assert spans(read("nextcloud.ics"), "nc-birthday") == [(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))]


def test_timed_event_without_end_or_duration_blocks_nothing():
    assert "nc-reminder" not in {b.uid for b in read("nextcloud.ics")}


def test_tentative_event_is_busy():
    assert spans(read("nextcloud.ics"), "nc-tentative") == [(utc(2026, 6, 17, 10), utc(2026, 6, 17, 11))]


# --- VFREEBUSY -----------------------------------------------------------------------------


def test_freebusy_periods_busy_unless_fbtype_free():
    assert spans(read("freebusy.ics")) == [
        (utc(2026, 6, 2, 8), utc(2026, 6, 2, 9, 30)),  # FBTYPE=BUSY
        (utc(2026, 6, 3, 8), utc(2026, 6, 3, 10)),  # the second period of the same line, by duration
        (utc(2026, 6, 4, 10), utc(2026, 6, 4, 11)),  # no FBTYPE
        (utc(2026, 6, 5, 10), utc(2026, 6, 5, 11)),  # BUSY-TENTATIVE counts (our choice)
        (utc(2026, 6, 6), utc(2026, 6, 7)),  # BUSY-UNAVAILABLE
    ]  # FBTYPE=FREE on 8 June is not there


# --- Floating times and unknown zones ------------------------------------------------------


def test_floating_time_without_x_wr_timezone_is_read_in_the_trainers_zone():
    assert spans(read("floating.ics"), "floating-no-zone") == [(utc(2026, 7, 1, 7), utc(2026, 7, 1, 8))]
    assert spans(read("floating.ics", zone=NEW_YORK), "floating-no-zone") == [
        (utc(2026, 7, 1, 13), utc(2026, 7, 1, 14))
    ]


def test_unknown_tzid_is_read_as_floating():
    assert spans(read("floating.ics"), "unknown-tzid") == [(utc(2026, 7, 2, 7), utc(2026, 7, 2, 8))]


# --- Broken input --------------------------------------------------------------------------


def test_broken_events_are_skipped_and_the_good_ones_kept():
    assert [b.uid for b in read("broken.ics")] == ["good-before", "good-after"]


@pytest.mark.parametrize(
    "body",
    [
        (FIXTURES / "not_a_calendar.html").read_bytes(),
        b"",
        b"   \n",
        b'{"events": []}',
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Anna\nEND:VCARD\n",
        b"\xff\xfe\x00garbage",
    ],
    ids=["html", "empty", "blank", "json", "vcard", "binary"],
)
def test_a_body_that_is_not_a_calendar_raises(body):
    with pytest.raises(NotACalendar) as info:
        busy_times(body, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    assert "calendar" in str(info.value)


def test_an_empty_calendar_has_no_busy_times():
    assert busy_times(calendar(), trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1]) == []


def test_byte_order_mark_and_str_input_are_accepted():
    ics = calendar("UID:x\nDTSTART:20260701T090000Z\nDTEND:20260701T100000Z")
    expected = [(utc(2026, 7, 1, 9), utc(2026, 7, 1, 10))]
    assert spans(busy_times(b"\xef\xbb\xbf" + ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == expected
    assert spans(busy_times(ics.decode(), trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == expected


# --- The window ----------------------------------------------------------------------------


def test_results_are_clipped_to_the_window_and_recurrences_expanded_only_inside_it():
    ics = calendar("UID:daily\nDTSTART:20260101T080000Z\nDTEND:20260101T100000Z\nRRULE:FREQ=DAILY")
    busy = busy_times(ics, trainer_zone=BERLIN, start=utc(2026, 5, 1, 9), end=utc(2026, 5, 3, 9))
    assert spans(busy) == [
        (utc(2026, 5, 1, 9), utc(2026, 5, 1, 10)),
        (utc(2026, 5, 2, 8), utc(2026, 5, 2, 10)),
        (utc(2026, 5, 3, 8), utc(2026, 5, 3, 9)),
    ]


def test_an_endless_rule_is_expanded_over_the_whole_horizon():
    ics = calendar("UID:weekly\nDTSTART;TZID=Europe/Berlin:20200106T100000\nDURATION:PT1H\nRRULE:FREQ=WEEKLY")
    busy = busy_times(ics, trainer_zone=BERLIN, start=utc(2026, 1, 1), end=utc(2026, 12, 31))
    assert len(busy) == 52
    assert {b.start.astimezone(BERLIN).time() for b in busy} == {time(10)}


def test_naive_window_is_refused():
    with pytest.raises(ValueError):
        busy_times(calendar(), trainer_zone=BERLIN, start=datetime(2026, 1, 1), end=datetime(2026, 2, 1))


def test_merge_busy_joins_overlapping_and_touching_intervals():
    busy = [
        BusyTime(utc(2026, 1, 1, 9), utc(2026, 1, 1, 10), "a"),
        BusyTime(utc(2026, 1, 1, 9, 30), utc(2026, 1, 1, 11), "b"),
        BusyTime(utc(2026, 1, 1, 11), utc(2026, 1, 1, 12), "c"),
        BusyTime(utc(2026, 1, 1, 13), utc(2026, 1, 1, 14), "d"),
    ]
    assert merge_busy(reversed(busy)) == [
        (utc(2026, 1, 1, 9), utc(2026, 1, 1, 12)),
        (utc(2026, 1, 1, 13), utc(2026, 1, 1, 14)),
    ]


# --- Properties ----------------------------------------------------------------------------

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def _exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time exists on that day in that zone (not in a DST gap)."""
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_name=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    wall=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=1, max_value=240),
    weeks=st.integers(min_value=1, max_value=60),
)
def test_a_weekly_event_keeps_its_wall_clock_time_in_every_occurrence(zone_name, first, wall, minutes, weeks):
    zone = ZoneInfo(zone_name)
    start = datetime.combine(first, wall)
    ics = calendar(
        f"UID:prop\nDTSTART;TZID={zone_name}:{start:%Y%m%dT%H%M%S}\nDURATION:PT{minutes}M\n"
        f"RRULE:FREQ=WEEKLY;COUNT={weeks}"
    )
    window = (datetime.combine(first - timedelta(days=1), time(0), tzinfo=timezone.utc), utc(2030, 1, 1))
    busy = busy_times(ics, trainer_zone=BERLIN, start=window[0], end=window[1])
    days = [first + timedelta(weeks=k) for k in range(weeks)]
    assert len(busy) == weeks
    for day, b in zip(days, busy, strict=True):
        if _exists(day, wall, zone):
            assert b.start.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, wall)
        assert b.end - b.start == timedelta(minutes=minutes)


_instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(_instants, st.integers(min_value=0, max_value=3000), st.booleans(), st.sampled_from(["", "WEEKLY"])),
        max_size=8,
    ),
    window_start=_instants,
    window_days=st.integers(min_value=1, max_value=120),
    zone_name=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]),
)
def test_results_are_inside_the_window_sorted_and_merge_without_overlap(events, window_start, window_days, zone_name):
    lines = []
    for i, (at, minutes, all_day, freq) in enumerate(events):
        if all_day:
            times = f"DTSTART;VALUE=DATE:{at:%Y%m%d}\nDTEND;VALUE=DATE:{at + timedelta(days=1 + minutes % 3):%Y%m%d}"
        else:
            times = f"DTSTART:{at:%Y%m%dT%H%M%S}\nDURATION:PT{minutes}M"  # floating: the trainer's zone
        lines.append(f"UID:e{i}\n{times}" + (f"\nRRULE:FREQ={freq};COUNT=5" if freq else ""))
    start = window_start.replace(tzinfo=timezone.utc)
    end = start + timedelta(days=window_days)
    busy = busy_times(calendar(*lines), trainer_zone=ZoneInfo(zone_name), start=start, end=end)
    assert busy == sorted(busy)
    assert len(set(busy)) == len(busy)
    for b in busy:
        assert start <= b.start < b.end <= end
        assert b.start.tzinfo == timezone.utc and b.end.tzinfo == timezone.utc
    merged = merge_busy(busy)
    for (_, a_end), (b_start, _) in zip(merged, merged[1:], strict=False):
        assert a_end < b_start


def test_reading_busy_times_reads_no_clock_and_no_environment():
    from tests.unit.test_domain_purity import violations

    path = Path(__file__).resolve().parents[2] / "trainerdesk" / "calendars" / "busy.py"
    assert violations(path.read_text(), str(path)) == []


def test_yearly_all_day_event_recurs_on_its_date_in_the_trainers_zone():
    ics = calendar("UID:bday\nDTSTART;VALUE=DATE:20200229\nRRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1\nSUMMARY:Birthday")
    busy = busy_times(ics, trainer_zone=NEW_YORK, start=YEAR[0], end=YEAR[1])
    assert spans(busy) == [(utc(2026, 3, 1, 5), utc(2026, 3, 2, 5))]


def test_an_event_overlapping_the_window_start_is_clipped_not_dropped():
    ics = calendar("UID:long\nDTSTART;VALUE=DATE:20251229\nDTEND;VALUE=DATE:20260103\nSUMMARY:Holidays")
    busy = busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    assert spans(busy) == [(YEAR[0], utc(2026, 1, 2, 23))]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Pacific/Kiritimati", [(utc(2026, 5, 1), utc(2026, 5, 1, 10)), (utc(2026, 5, 1), utc(2026, 5, 1, 10))]),
        ("Pacific/Pago_Pago", [(utc(2026, 5, 1), utc(2026, 5, 1, 11)), (utc(2026, 5, 1), utc(2026, 5, 1, 11))]),
    ],
)
def test_one_off_events_at_the_window_edge_in_far_zones_are_kept(zone, expected):
    """One-off events far outside the window are dropped before expansion; those whose
    zone brings them into it (all-day or floating, +14 h or -11 h) must not be."""
    day = "20260501" if zone == "Pacific/Kiritimati" else "20260430"
    ics = calendar(
        f"UID:allday\nDTSTART;VALUE=DATE:{day}",
        f"UID:floating\nDTSTART:{day}T000000\nDURATION:P1D",
        "UID:far\nDTSTART:20260101T000000Z\nDURATION:PT1H",
    )
    busy = busy_times(ics, trainer_zone=ZoneInfo(zone), start=utc(2026, 5, 1), end=utc(2026, 6, 1))
    assert spans(busy) == expected


# --- Lengths across DST: exact for DTEND and hours, nominal for days (RFC 5545 3.8.5.3) ------


def test_duration_in_hours_is_exact_across_the_dst_change():
    ics = calendar("UID:night\nDTSTART;TZID=Europe/Berlin:20260322T013000\nDURATION:PT3H\nRRULE:FREQ=WEEKLY;COUNT=2")
    assert spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 3, 22, 0, 30), utc(2026, 3, 22, 3, 30)),
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 3, 30)),  # 01:30 CET to 05:30 CEST: three hours
    ]


def test_duration_in_days_is_nominal_across_the_dst_change():
    ics = calendar("UID:camp\nDTSTART;TZID=Europe/Berlin:20260328T100000\nDURATION:P1D")
    assert spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 3, 28, 9), utc(2026, 3, 29, 8))  # 10:00 to 10:00 the next day: 23 hours
    ]


def test_an_instance_at_a_time_the_dst_change_skips_keeps_its_length():
    ics = calendar(
        "UID:gap\nDTSTART;TZID=Europe/Berlin:20260322T023000\nDTEND;TZID=Europe/Berlin:20260322T033000\n"
        "RRULE:FREQ=WEEKLY;COUNT=2"
    )
    assert spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 3, 22, 1, 30), utc(2026, 3, 22, 2, 30)),
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30)),  # 02:30 does not exist that night
    ]


def test_an_override_keeps_its_own_length():
    ics = calendar(
        "UID:s\nDTSTART;TZID=Europe/Berlin:20260323T100000\nDTEND;TZID=Europe/Berlin:20260323T110000\n"
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "UID:s\nRECURRENCE-ID;TZID=Europe/Berlin:20260330T100000\nDTSTART;TZID=Europe/Berlin:20260330T120000\n"
        "DURATION:PT15M",
    )
    assert spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])) == [
        (utc(2026, 3, 23, 9), utc(2026, 3, 23, 10)),
        (utc(2026, 3, 30, 10), utc(2026, 3, 30, 10, 15)),
    ]


def test_unrelated_events_sharing_a_uid_keep_their_own_lengths():
    ics = calendar(
        "UID:dup\nDTSTART:20260401T100000Z\nDTEND:20260401T110000Z",
        "UID:dup\nDTSTART:20260402T100000Z\nDTEND:20260402T130000Z",
    )
    busy = spans(busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1]))
    assert (utc(2026, 4, 2, 10), utc(2026, 4, 2, 13)) in busy
    assert (utc(2026, 4, 1, 10), utc(2026, 4, 1, 11)) in busy
    assert {b.uid for b in busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])} == {"dup"}
    assert busy_times(ics, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1], ignore_uids={"dup"}) == []


def test_several_calendars_in_one_body_are_all_read():
    first = calendar("UID:a\nDTSTART:20260401T100000Z\nDTEND:20260401T110000Z")
    second = calendar("UID:b\nDTSTART:20260402T100000Z\nDTEND:20260402T110000Z")
    busy = busy_times(first + second, trainer_zone=BERLIN, start=YEAR[0], end=YEAR[1])
    assert [b.uid for b in busy] == ["a", "b"]


# --- The fast path reads what the library's full expansion reads ------------------------------

FAST_WINDOW = (utc(2026, 3, 1), utc(2026, 5, 1))  # over the March DST change in both zones below


@st.composite
def fast_path_events(draw) -> list[str]:
    """VEVENTs of every kind the fast path treats apart: one-offs (timed in a zone, in UTC,
    floating, all-day, with DURATION), TRANSPARENT and CANCELLED ones, series with EXDATE,
    UNTIL or COUNT, their RECURRENCE-ID overrides (moved or cancelled), inside the window,
    around it and far before or after it."""
    events = []
    for n in range(draw(st.integers(1, 8))):
        day = date(2026, 3, 1) + timedelta(days=draw(st.integers(-400, 120)))
        hour, minutes = draw(st.integers(0, 23)), draw(st.sampled_from([0, 30, 45, 90, 24 * 60]))
        kind = draw(st.sampled_from(["zoned", "utc", "floating", "allday", "duration"]))
        wall = datetime.combine(day, time(hour))
        fmt = "%Y%m%dT%H%M%S"
        if kind == "allday":
            lines = [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1 + minutes // 60 % 3):%Y%m%d}",
            ]
        elif kind == "duration":
            lines = [f"DTSTART;TZID=Europe/Berlin:{wall:{fmt}}", f"DURATION:PT{max(minutes, 15)}M"]
        else:
            prefix = {"zoned": ";TZID=Europe/Berlin", "utc": "", "floating": ""}[kind]
            z = "Z" if kind == "utc" else ""
            lines = [f"DTSTART{prefix}:{wall:{fmt}}{z}", f"DTEND{prefix}:{wall + timedelta(minutes=minutes):{fmt}}{z}"]
        extra = draw(st.sampled_from(["", "TRANSP:TRANSPARENT", "STATUS:CANCELLED", "TRANSP:OPAQUE", "SEQUENCE:2"]))
        uid = f"e{n}"
        recurring = kind != "allday" and draw(st.booleans())
        if recurring:
            end = draw(st.sampled_from(["", f";COUNT={draw(st.integers(1, 20))}", ";UNTIL=20260320T000000Z"]))
            lines.append(f"RRULE:FREQ={draw(st.sampled_from(['DAILY', 'WEEKLY']))}{end}")
            if kind != "utc" and draw(st.booleans()):
                skip = wall + timedelta(days=7 * draw(st.integers(0, 3)))
                tz = ";TZID=Europe/Berlin" if kind in ("zoned", "duration") else ""
                lines.append(f"EXDATE{tz}:{skip:{fmt}}")
        events.append("\n".join([f"UID:{uid}", *lines, *([extra] if extra else []), f"SUMMARY:{kind} {n}"]))
        if recurring and kind in ("zoned", "duration") and draw(st.booleans()):
            which = wall + timedelta(days=draw(st.sampled_from([0, 1, 7])))
            moved = which + timedelta(hours=draw(st.integers(-3, 3)))
            status = draw(st.sampled_from(["", "STATUS:CANCELLED", "TRANSP:TRANSPARENT"]))
            events.append(
                f"UID:{uid}\nRECURRENCE-ID;TZID=Europe/Berlin:{which:{fmt}}\nSEQUENCE:3\n"
                f"DTSTART;TZID=Europe/Berlin:{moved:{fmt}}\n"
                f"DTEND;TZID=Europe/Berlin:{moved + timedelta(minutes=20):{fmt}}" + (f"\n{status}" if status else "")
            )
        if draw(st.integers(0, 9)) == 0:  # an unrelated event reusing the UID
            events.append(f"UID:{uid}\nDTSTART:{wall + timedelta(days=2):{fmt}}Z\nDURATION:PT1H")
    return events


@given(
    events=fast_path_events(),
    zone_name=st.sampled_from(["Europe/Berlin", "America/New_York"]),
    x_wr=st.sampled_from(["", "X-WR-TIMEZONE:America/New_York\n"]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_fast_path_gives_the_busy_times_of_the_full_library_expansion(events, zone_name, x_wr):
    ics = calendar(*events, header=x_wr)
    zone = ZoneInfo(zone_name)
    fast = _busy_times(ics, zone, *FAST_WINDOW, {"e1"}, fast=True)
    full = _busy_times(ics, zone, *FAST_WINDOW, {"e1"}, fast=False)
    assert fast == full
