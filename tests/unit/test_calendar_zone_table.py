"""The precomputed zone of busy.py (:class:`_ListedZone`) answers exactly as dateutil's own zone
built from the same ``VTIMEZONE`` does, for the blocks Outlook really writes, and busy times do
not change with it.

The reference is a fresh ``dateutil.tz.tzical`` zone (icalendar's builder, without any of
busy.py's speed-ups): every method a datetime uses (``utcoffset``, ``dst``, ``tzname``,
``fromutc``) and dateutil's ``is_ambiguous`` are compared, for both folds, at every transition of
1970-2100 (exhaustively, around each) and at random instants of those years (hypothesis).
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dateutil.tz import tzical
from hypothesis import HealthCheck, given, settings, strategies as st
from icalendar.timezone import tzp

from trainerdesk.calendars import busy

# As Outlook / Exchange write them (observances from 1601, Windows names).
W_EUROPE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""
EASTERN = """BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""
# Southern hemisphere: daylight time spans the new year.
AUS_EASTERN = """BEGIN:VTIMEZONE
TZID:AUS Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=10
END:DAYLIGHT
END:VTIMEZONE
"""
# No DST: Exchange writes both observances with the same offset and onset (a tie).
INDIA = """BEGIN:VTIMEZONE
TZID:India Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:DAYLIGHT
END:VTIMEZONE
"""
# No DST, one observance only.
SINGLE = """BEGIN:VTIMEZONE
TZID:Singapore Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0800
TZOFFSETTO:+0800
END:STANDARD
END:VTIMEZONE
"""
# Outlook's "Customized Time Zone" (a user-edited zone): Brazil without DST, written as two
# observances with the same onset and different offsets, so only dateutil's tie rule decides.
CUSTOM_TIE = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:-0200
TZOFFSETTO:-0300
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:-0300
TZOFFSETTO:-0200
END:DAYLIGHT
END:VTIMEZONE
"""
# A "Customized Time Zone" with rules, DAYLIGHT first, a 30-minute change (Lord Howe-like) and
# a DST onset at midnight.
CUSTOM_RULES = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:+1030
TZOFFSETTO:+1100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=10
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:+1100
TZOFFSETTO:+1030
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4
END:STANDARD
END:VTIMEZONE
"""
BLOCKS = {
    "W. Europe": W_EUROPE,
    "Eastern": EASTERN,
    "AUS Eastern": AUS_EASTERN,
    "India (no DST)": INDIA,
    "Singapore (one observance)": SINGLE,
    "Customized (tie)": CUSTOM_TIE,
    "Customized (rules)": CUSTOM_RULES,
}
FIRST, LAST = datetime(1970, 1, 1), datetime(2100, 12, 31, 23, 59, 59)


def dateutil_zone(block: str):
    """The zone icalendar builds from ``block`` (dateutil's tzical), untouched by busy.py."""
    return tzical(io.StringIO(block)).get()


def listed_zone(block: str):
    """The zone busy.py reads the block's times in: the calendar's, after its own preparation."""
    tzid = block.split("TZID:", 1)[1].split("\n", 1)[0]
    text = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:Microsoft Exchange Server 2010\n"
        + block
        + f"BEGIN:VEVENT\nUID:x\nDTSTART;TZID={tzid}:20270301T090000\nDTEND;TZID={tzid}:20270301T100000\n"
        + "END:VEVENT\nEND:VCALENDAR\n"
    )
    (calendar,) = busy.parse_calendar(text.replace("\n", "\r\n"))
    busy._index_zone_onsets(calendar)
    zone = calendar.walk("VEVENT")[0].start.tzinfo
    assert type(zone) is busy._ListedZone, zone
    return zone


ZONES = {name: (listed_zone(block), dateutil_zone(block)) for name, block in BLOCKS.items()}


def transitions(zone) -> list[datetime]:
    """The wall-clock onsets (as the block writes them) of every observance in 1970-2100."""
    return sorted(t for comp in zone._comps for t in comp.rrule.between(FIRST, LAST, inc=True))


def assert_same_wall(ours, theirs, wall: datetime) -> None:
    for fold in (0, 1):
        a, b = wall.replace(tzinfo=ours, fold=fold), wall.replace(tzinfo=theirs, fold=fold)
        assert (a.utcoffset(), a.dst(), a.tzname()) == (b.utcoffset(), b.dst(), b.tzname()), (wall, fold)
    assert ours.is_ambiguous(wall) == theirs.is_ambiguous(wall), wall


def assert_same_instant(ours, theirs, instant: datetime) -> None:
    a, b = instant.astimezone(ours), instant.astimezone(theirs)  # fromutc
    assert (a.replace(tzinfo=None), a.fold, a.utcoffset()) == (b.replace(tzinfo=None), b.fold, b.utcoffset()), instant
    assert a.astimezone(timezone.utc) == b.astimezone(timezone.utc) == instant


@pytest.mark.parametrize("name", BLOCKS)
def test_every_transition_both_folds(name: str) -> None:
    """Around every onset of 1970-2100: the wall times on both sides of it and across the hour
    it skips or repeats (both folds), and the UTC instants about it."""
    ours, theirs = ZONES[name]
    edges = [timedelta(microseconds=m) for m in (-1, 0, 1)]
    steps = [timedelta(minutes=m) for m in (-120, -90, -61, -60, -59, -31, -30, -29, -1, 1, 29, 30, 31, 59, 60, 61, 90)]
    onsets = transitions(theirs)
    if "DST" in name or "one observance" in name or "tie" in name:
        assert not onsets  # only the 1601 onset
    else:
        assert len(onsets) == 2 * 131
    for onset in onsets or [datetime(2027, 3, 1)]:
        for step in [*edges, *steps]:
            assert_same_wall(ours, theirs, onset + step)
        for comp in theirs._comps:  # the instant the onset is, read in the offset it comes from
            instant = (onset - comp.tzoffsetfrom).replace(tzinfo=timezone.utc)
            for step in [*edges, *steps]:
                assert_same_instant(ours, theirs, instant + step)


# Random instants, uniform in 1970-2100 or within three hours of a transition.
ANY_WALL = st.datetimes(min_value=FIRST, max_value=LAST)
NEAR = st.tuples(st.integers(0, 2 * 131 - 1), st.integers(-3 * 3600 * 10**6, 3 * 3600 * 10**6))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(list(BLOCKS)), wall=ANY_WALL, near=NEAR, near_transition=st.booleans())
def test_random_instants_agree(name: str, wall: datetime, near: tuple[int, int], near_transition: bool) -> None:
    ours, theirs = ZONES[name]
    onsets = transitions(theirs)
    if near_transition and onsets:
        wall = onsets[near[0] % len(onsets)] + timedelta(microseconds=near[1])
    assert_same_wall(ours, theirs, wall)
    assert_same_instant(ours, theirs, wall.replace(tzinfo=timezone.utc))


def test_outside_the_table_dateutil_answers() -> None:
    """Before the first onset and past the listed ones (2200 on), the lookup is dateutil's own."""
    ours, theirs = ZONES["Eastern"]
    for wall in (datetime(1500, 6, 1), datetime(1601, 1, 1, 1), datetime(2250, 7, 1, 12), datetime(2300, 11, 1, 1, 30)):
        assert_same_wall(ours, theirs, wall)
    assert ours._find_comp(datetime(2250, 7, 1, 12, tzinfo=ours)).isdst  # DST in July, from the rule itself


def test_naive_and_time_arguments() -> None:
    ours, theirs = ZONES["W. Europe"]
    naive = datetime(2027, 10, 31, 2, 30)
    assert ours.utcoffset(naive) == theirs.utcoffset(naive) == timedelta(hours=2)
    assert ours.utcoffset(None) is None


def test_pickles_as_dateutil_zone() -> None:
    import pickle

    ours, theirs = ZONES["AUS Eastern"]
    again = pickle.loads(pickle.dumps(ours))
    assert_same_wall(again, theirs, datetime(2027, 4, 4, 2, 30))


# --- busy times do not change ------------------------------------------------------------


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks import bench_calendars

    return bench_calendars


@pytest.mark.parametrize("flavour", ["google", "outlook"])
def test_benchmark_calendars_same_busy_times(bench, flavour: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's two 2,000-event calendars give the same busy times, interval by interval,
    with the table and without it (dateutil's zone, as before). Google's zone is an IANA one
    (zoneinfo), so only Outlook's is concerned; both are checked."""
    seed = list(bench.FLAVOURS).index(flavour) + 1
    body = bench.calendar_text(flavour, seed).encode()
    window = {"trainer_zone": bench.TZ, "start": bench.NOW, "end": bench.horizon()}
    with_table = busy.busy_times(body, **window)
    (calendar,) = busy.parse_calendar(body)
    zone = tzp.timezone(str(calendar.walk("VTIMEZONE")[0]["TZID"]))
    assert (type(zone) is busy._ListedZone) == (flavour == "outlook"), zone
    # Before: zone names of their own (so icalendar builds and caches new zones), left as dateutil's.
    monkeypatch.setattr(busy, "_OWN", " ~trainerdesk-test-before-")
    monkeypatch.setattr(busy, "_tables", lambda zone: None)
    without_table = busy.busy_times(body, **window)
    assert len(with_table) > 3000
    assert with_table == without_table
