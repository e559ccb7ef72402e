"""Named, table-driven cases of docs/scheduling-rules.md's slot rules, each with an explicit ``now``.

Expected slots are written by hand as ISO 8601 instants with the offset in
force at that moment (so a DST shift is visible in the table itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from trainerdesk.domain.errors import Overlap, ValidationFailed
from trainerdesk.domain.ranges import Range
from trainerdesk.domain.slots import (
    HoursBlock,
    Slot,
    SlotRules,
    TrainerSchedule,
    WeeklyBlock,
    bookable_dates,
    check_no_overlap,
    check_no_overlap_hours,
    format_wall_time,
    generate_slots,
    is_slot,
    local_day_range,
    lookaround,
    parse_wall_time,
    slots_on_client_date,
    team_union,
    wall_to_instant,
    windows,
)

UTC = timezone.utc
Z = ZoneInfo
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
ALL_DAYS = range(7)


def iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    assert dt.tzinfo is not None, text
    return dt.astimezone(UTC)


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def weekly(*spec: tuple[int | range, str, str]) -> list[WeeklyBlock]:
    out = []
    for days, a, b in spec:
        for d in days if isinstance(days, range) else [days]:
            out.append(WeeklyBlock(d, hm(a), hm(b)))
    return out


def schedule(
    tz: str, weekly_blocks, *, overrides=None, busy=(), durations=(60,), buffer=0, notice=0, advance=60, trainer_id="t1"
) -> TrainerSchedule:
    return TrainerSchedule(
        trainer_id=trainer_id,
        timezone=Z(tz),
        weekly=weekly_blocks,
        overrides={d: [HoursBlock(hm(a), hm(b)) for a, b in blocks] for d, blocks in (overrides or {}).items()},
        busy=[Range(iso(a), iso(b)) for a, b in busy],
        rules=SlotRules(tuple(durations), buffer, notice, advance),
    )


@dataclass
class Case:
    name: str
    tz: str
    weekly: list
    day: date  # client date asked for
    duration: int
    expected: list[str]  # slot starts, ISO with offsets
    client_tz: str | None = None  # default: the trainer's zone
    now: str = "2027-01-01T00:00:00+00:00"
    overrides: dict = field(default_factory=dict)
    busy: tuple = ()
    buffer: int = 0
    notice: int = 0
    advance: int = 730


CASES = [
    # ---------------------------------------------------------------- America/New_York
    Case(
        "ny-spring-forward-01-04",
        "America/New_York",
        weekly((SUN, "01:00", "04:00")),
        date(2027, 3, 14),
        60,
        # 01:00 EST .. 04:00 EDT is only two real hours: 02:00-03:00 does not exist.
        ["2027-03-14T01:00-05:00", "2027-03-14T03:00-04:00"],
    ),
    Case(
        "ny-spring-forward-30min",
        "America/New_York",
        weekly((SUN, "01:00", "04:00")),
        date(2027, 3, 14),
        30,
        ["2027-03-14T01:00-05:00", "2027-03-14T01:30-05:00", "2027-03-14T03:00-04:00", "2027-03-14T03:30-04:00"],
    ),
    Case(
        "ny-block-starting-in-gap",
        "America/New_York",
        weekly((SUN, "02:30", "05:00")),
        date(2027, 3, 14),
        30,
        # RFC 5545: 02:30 does not exist and is read with the EST offset, i.e. 03:30 EDT.
        ["2027-03-14T03:30-04:00", "2027-03-14T04:00-04:00", "2027-03-14T04:30-04:00"],
    ),
    Case(
        "ny-block-ending-in-gap",
        "America/New_York",
        weekly((SUN, "00:00", "02:30")),
        date(2027, 3, 14),
        60,
        # 02:30 (gap) as an end is 03:30 EDT = 07:30Z; 00:00 EST = 05:00Z: 2.5 real hours, two 60-min slots.
        ["2027-03-14T00:00-05:00", "2027-03-14T01:00-05:00"],
    ),
    Case(
        "ny-fall-back-01-04",
        "America/New_York",
        weekly((SUN, "01:00", "04:00")),
        date(2027, 11, 7),
        60,
        # 01:00 is its first occurrence (EDT); 04:00 EST: four real hours, 01:00 offered twice.
        ["2027-11-07T01:00-04:00", "2027-11-07T01:00-05:00", "2027-11-07T02:00-05:00", "2027-11-07T03:00-05:00"],
    ),
    Case(
        "ny-fall-back-block-in-repeated-hour",
        "America/New_York",
        weekly((SUN, "01:30", "02:00")),
        date(2027, 11, 7),
        60,
        # 01:30 first occurrence (EDT, 05:30Z) .. 02:00 EST (07:00Z): 90 real minutes.
        ["2027-11-07T01:30-04:00"],
    ),
    Case(
        "ny-normal-day",
        "America/New_York",
        weekly((MON, "09:00", "12:00")),
        date(2027, 3, 15),
        60,
        ["2027-03-15T09:00-04:00", "2027-03-15T10:00-04:00", "2027-03-15T11:00-04:00"],
    ),
    # ---------------------------------------------------------------- Europe/Berlin
    Case(
        "berlin-spring-forward-01-04",
        "Europe/Berlin",
        weekly((SUN, "01:00", "04:00")),
        date(2027, 3, 28),
        60,
        ["2027-03-28T01:00+01:00", "2027-03-28T03:00+02:00"],
    ),
    Case(
        "berlin-block-starting-in-gap",
        "Europe/Berlin",
        weekly((SUN, "02:30", "04:00")),
        date(2027, 3, 28),
        30,
        ["2027-03-28T03:30+02:00"],
    ),
    Case(
        "berlin-block-starting-in-gap-too-short",
        "Europe/Berlin",
        weekly((SUN, "02:30", "04:00")),
        date(2027, 3, 28),
        45,
        [],
    ),
    Case(
        "berlin-block-inside-gap-is-empty", "Europe/Berlin", weekly((SUN, "02:00", "03:00")), date(2027, 3, 28), 10, []
    ),
    Case(
        "berlin-fall-back-01-04",
        "Europe/Berlin",
        weekly((SUN, "01:00", "04:00")),
        date(2027, 10, 31),
        90,
        # 01:00 CEST (23:00Z) .. 04:00 CET (03:00Z), buffer 30: step 2h -> 23:00Z and 01:00Z (= the second 02:00).
        ["2027-10-31T01:00+02:00", "2027-10-31T02:00+01:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        30,
    ),
    Case(
        "berlin-fall-back-repeated-half-hour",
        "Europe/Berlin",
        weekly((SUN, "02:30", "03:00")),
        date(2027, 10, 31),
        90,
        # 02:30 first occurrence (CEST, 00:30Z) .. 03:00 CET (02:00Z)
        ["2027-10-31T02:30+02:00"],
    ),
    # ---------------------------------------------------------------- Australia/Lord_Howe (30-minute DST)
    Case(
        "lord-howe-fall-back",
        "Australia/Lord_Howe",
        weekly((SUN, "01:00", "03:00")),
        date(2027, 4, 4),
        30,
        # 02:00 (+11) falls back to 01:30 (+10:30): 01:00 +11 .. 03:00 +10:30 is 2.5 real hours.
        [
            "2027-04-04T01:00+11:00",
            "2027-04-04T01:30+11:00",
            "2027-04-04T01:30+10:30",
            "2027-04-04T02:00+10:30",
            "2027-04-04T02:30+10:30",
        ],
    ),
    Case(
        "lord-howe-spring-forward",
        "Australia/Lord_Howe",
        weekly((SUN, "01:30", "03:30")),
        date(2027, 10, 3),
        30,
        # 02:00 (+10:30) jumps to 02:30 (+11): 01:30 .. 03:30 is 1.5 real hours.
        ["2027-10-03T01:30+10:30", "2027-10-03T02:30+11:00", "2027-10-03T03:00+11:00"],
    ),
    Case(
        "lord-howe-block-starting-in-gap",
        "Australia/Lord_Howe",
        weekly((SUN, "02:15", "03:00")),
        date(2027, 10, 3),
        15,
        # 02:15 does not exist: read with +10:30 it is 02:45 +11.
        ["2027-10-03T02:45+11:00"],
    ),
    # ---------------------------------------------------------------- Pacific/Chatham (+12:45 / +13:45)
    Case(
        "chatham-spring-forward",
        "Pacific/Chatham",
        weekly((SUN, "02:00", "05:00")),
        date(2027, 9, 26),
        60,
        # 02:45 (+12:45) jumps to 03:45 (+13:45): two real hours.
        ["2027-09-26T02:00+12:45", "2027-09-26T04:00+13:45"],
    ),
    Case(
        "chatham-block-starting-in-gap",
        "Pacific/Chatham",
        weekly((SUN, "03:00", "05:00")),
        date(2027, 9, 26),
        60,
        ["2027-09-26T04:00+13:45"],
    ),
    Case(
        "chatham-fall-back",
        "Pacific/Chatham",
        weekly((SUN, "02:00", "04:00")),
        date(2027, 4, 4),
        90,
        # 03:45 (+13:45) falls back to 02:45 (+12:45): three real hours.
        ["2027-04-04T02:00+13:45", "2027-04-04T03:30+13:45"],
    ),
    Case(
        "chatham-normal",
        "Pacific/Chatham",
        weekly((MON, "09:00", "11:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T09:00+12:45", "2027-06-07T10:00+12:45"],
    ),
    # ---------------------------------------------------------------- Asia/Kathmandu (+05:45)
    Case(
        "kathmandu-buffer-15",
        "Asia/Kathmandu",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T09:00+05:45", "2027-06-07T10:15+05:45"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        15,
    ),
    Case(
        "kathmandu-seen-from-utc",
        "Asia/Kathmandu",
        weekly((MON, "04:00", "07:00")),
        date(2027, 6, 6),
        60,
        # Monday 04:00 +05:45 is Sunday 22:15Z: a UTC client sees it on Sunday.
        ["2027-06-06T22:15+00:00", "2027-06-06T23:15+00:00"],
        "UTC",
    ),
    # ---------------------------------------------------------------- midnight chain
    Case(
        "midnight-chain-buffer-30",
        "Europe/Berlin",
        weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")),
        date(2027, 6, 7),
        60,
        # Monday's grid: 22:00, 23:30 (runs on into Tuesday's touching window).
        ["2027-06-07T22:00+02:00", "2027-06-07T23:30+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        30,
    ),
    Case(
        "midnight-chain-next-date",
        "Europe/Berlin",
        weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")),
        date(2027, 6, 8),
        60,
        # Tuesday's own window restarts the grid at 00:00; 01:30 would run past 02:00.
        ["2027-06-08T00:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        30,
    ),
    Case(
        "midnight-no-chain-without-next-window",
        "Europe/Berlin",
        weekly((MON, "22:00", "24:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T22:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        30,
    ),
    Case(
        "midnight-chain-240",
        "Europe/Berlin",
        weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")),
        date(2027, 6, 7),
        240,
        ["2027-06-07T22:00+02:00"],
    ),
    Case(
        "midnight-chain-on-spring-forward-night",
        "America/New_York",
        weekly((SAT, "23:00", "24:00"), (SUN, "00:00", "04:00")),
        date(2027, 3, 13),
        120,
        # Sat 23:00 EST .. Sun 04:00 EDT = 4 real hours; a 2h session at 23:00 runs to 02:00 EST = 03:00 EDT.
        ["2027-03-13T23:00-05:00"],
    ),
    # ---------------------------------------------------------------- date line
    Case(
        "dateline-one-client-date-two-trainer-dates",
        "Pacific/Kiritimati",
        weekly((TUE, "09:00", "10:00"), (WED, "00:00", "01:00")),
        date(2027, 6, 7),
        60,
        # Pago Pago Monday 7 June = Kiritimati Tue 8 01:00 .. Wed 9 01:00.
        ["2027-06-08T09:00+14:00", "2027-06-09T00:00+14:00"],
        "Pacific/Pago_Pago",
    ),
    Case(
        "dateline-next-client-date",
        "Pacific/Kiritimati",
        weekly((TUE, "09:00", "10:00"), (WED, "00:00", "01:00")),
        date(2027, 6, 8),
        60,
        [],
        "Pacific/Pago_Pago",
    ),
    Case(
        "dateline-reverse",
        "Pacific/Pago_Pago",
        weekly((MON, "20:00", "22:00")),
        date(2027, 6, 8),
        60,
        # Pago Pago Monday 20:00 -11 is Tuesday 07:00Z = Tuesday 21:00 +14 (a Kiritimati client sees it Tuesday).
        ["2027-06-08T21:00+14:00", "2027-06-08T22:00+14:00"],
        "Pacific/Kiritimati",
    ),
    # ---------------------------------------------------------------- durations
    Case(
        "35-minute-session",
        "UTC",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        35,
        [f"2027-06-07T{(540 + 35 * k) // 60:02d}:{(540 + 35 * k) % 60:02d}+00:00" for k in range(13)],
    ),
    Case(
        "240-minute-session",
        "Asia/Kolkata",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        240,
        ["2027-06-07T09:00+05:30", "2027-06-07T13:00+05:30"],
    ),
    Case(
        "240-minute-session-buffer-15",
        "Asia/Kolkata",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        240,
        ["2027-06-07T09:00+05:30"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (),
        15,
    ),
    Case(
        "480-minute-session-fills-day",
        "America/St_Johns",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        480,
        ["2027-06-07T09:00-02:30"],
    ),
    Case("session-longer-than-window", "America/St_Johns", weekly((MON, "09:00", "10:00")), date(2027, 6, 7), 90, []),
    # ---------------------------------------------------------------- buffers and busy periods
    Case(
        "grid-restarts-after-busy-plus-buffer",
        "UTC",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        60,
        # busy 11:10-12:10 with buffer 15 occupies [10:55, 12:25); 10:15 would end 11:15 (inside it).
        ["2027-06-07T09:00+00:00", "2027-06-07T12:25+00:00", "2027-06-07T13:40+00:00", "2027-06-07T14:55+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (("2027-06-07T11:10+00:00", "2027-06-07T12:10+00:00"),),
        15,
    ),
    Case(
        "busy-touching-without-buffer",
        "UTC",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T09:00+00:00", "2027-06-07T11:00+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (("2027-06-07T10:00+00:00", "2027-06-07T11:00+00:00"),),
    ),
    Case(
        "busy-buffer-before-session",
        "UTC",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        # busy 10:30-11:00 + buffer 30 occupies [10:00, 11:30): 09:00 (ends 10:00) fits, nothing after.
        ["2027-06-07T09:00+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (("2027-06-07T10:30+00:00", "2027-06-07T11:00+00:00"),),
        30,
    ),
    Case(
        "busy-from-previous-evening-buffer",
        "UTC",
        weekly((MON, "00:00", "02:00")),
        date(2027, 6, 7),
        60,
        # a Sunday booking ending 23:45 with buffer 30 blocks Monday until 00:15: the grid starts there.
        ["2027-06-07T00:15+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (("2027-06-06T23:00+00:00", "2027-06-06T23:45+00:00"),),
        30,
    ),
    Case(
        "busy-across-midnight-chain",
        "UTC",
        weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")),
        date(2027, 6, 7),
        60,
        # Tuesday 00:30-00:45 + buffer 30 occupies [00:00, 01:15): 23:30 can no longer run on past midnight.
        ["2027-06-07T22:00+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {},
        (("2027-06-08T00:30+00:00", "2027-06-08T00:45+00:00"),),
        30,
    ),
    # ---------------------------------------------------------------- date overrides
    Case(
        "override-replaces-hours",
        "Europe/Berlin",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T14:00+02:00", "2027-06-07T15:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 7): [("14:00", "16:00")]},
    ),
    Case(
        "override-empty-is-holiday",
        "Europe/Berlin",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        [],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 7): []},
    ),
    Case(
        "override-on-other-date-no-effect",
        "Europe/Berlin",
        weekly((MON, "09:00", "11:00")),
        date(2027, 6, 14),
        60,
        ["2027-06-14T09:00+02:00", "2027-06-14T10:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 7): []},
    ),
    Case(
        "override-adds-hours-on-free-day",
        "Europe/Berlin",
        weekly((MON, "09:00", "11:00")),
        date(2027, 6, 13),
        60,
        ["2027-06-13T10:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 13): [("10:00", "11:00")]},
    ),
    Case(
        "override-touching-blocks-merge",
        "Europe/Berlin",
        [],
        date(2027, 6, 13),
        60,
        # 10:00-10:30 + 10:30-11:30 is one window: one grid from 10:00.
        ["2027-06-13T10:00+02:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 13): [("10:00", "10:30"), ("10:30", "11:30")]},
    ),
    Case(
        "override-holiday-breaks-midnight-chain",
        "UTC",
        weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T22:00+00:00"],
        None,
        "2027-01-01T00:00:00+00:00",
        {date(2027, 6, 8): []},
        (),
        30,
    ),
    Case(
        "weekly-touching-blocks-merge",
        "UTC",
        weekly((MON, "09:00", "09:40"), (MON, "09:40", "11:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T09:00+00:00", "2027-06-07T10:00+00:00"],
    ),
    Case(
        "weekly-separate-blocks-separate-grids",
        "UTC",
        weekly((MON, "09:00", "10:10"), (MON, "10:20", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T09:00+00:00", "2027-06-07T10:20+00:00"],
    ),
    # ---------------------------------------------------------------- notice and advance
    Case(
        "min-notice-cuts-morning",
        "UTC",
        weekly((MON, "09:00", "13:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T11:00+00:00", "2027-06-07T12:00+00:00"],
        None,
        "2027-06-07T08:30:00+00:00",
        notice=2,
    ),
    Case(
        "min-notice-boundary-inclusive",
        "UTC",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T10:00+00:00", "2027-06-07T11:00+00:00"],
        None,
        "2027-06-07T08:00:00+00:00",
        notice=2,
    ),
    Case(
        "notice-keeps-grid-not-now",
        "UTC",
        weekly((MON, "09:00", "17:00")),
        date(2027, 6, 7),
        60,
        # the grid stays 09:00, 10:15, ...; it is not restarted at now.
        [
            "2027-06-07T10:15+00:00",
            "2027-06-07T11:30+00:00",
            "2027-06-07T12:45+00:00",
            "2027-06-07T14:00+00:00",
            "2027-06-07T15:15+00:00",
        ],
        None,
        "2027-06-07T09:20:00+00:00",
        buffer=15,
    ),
    Case(
        "now-zero-notice-excludes-past",
        "UTC",
        weekly((MON, "09:00", "12:00")),
        date(2027, 6, 7),
        60,
        ["2027-06-07T10:00+00:00", "2027-06-07T11:00+00:00"],
        None,
        "2027-06-07T09:00:00.000001+00:00",
    ),
    Case(
        "max-advance-boundary-inclusive",
        "UTC",
        weekly((TUE, "09:00", "12:00")),
        date(2027, 6, 8),
        60,
        ["2027-06-08T09:00+00:00", "2027-06-08T10:00+00:00"],
        None,
        "2027-06-07T10:00:00+00:00",
        advance=1,
    ),
    Case(
        "max-advance-excludes-far-date",
        "UTC",
        weekly((WED, "09:00", "12:00")),
        date(2027, 6, 9),
        60,
        [],
        None,
        "2027-06-07T10:00:00+00:00",
        advance=1,
    ),
    Case(
        "long-notice-720h",
        "UTC",
        weekly((ALL_DAYS, "09:00", "10:00")),
        date(2027, 7, 7),
        60,
        [],
        None,
        "2027-06-07T09:00:01+00:00",
        notice=720,
    ),
    Case(
        "long-notice-720h-boundary",
        "UTC",
        weekly((ALL_DAYS, "09:00", "10:00")),
        date(2027, 7, 7),
        60,
        ["2027-07-07T09:00+00:00"],
        None,
        "2027-06-07T09:00:00+00:00",
        notice=720,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_named_case(case: Case):
    sch = schedule(
        case.tz,
        case.weekly,
        overrides=case.overrides,
        busy=case.busy,
        durations=(case.duration,),
        buffer=case.buffer,
        notice=case.notice,
        advance=case.advance,
    )
    client_tz = Z(case.client_tz or case.tz)
    got = slots_on_client_date(sch, duration=case.duration, now=iso(case.now), day=case.day, client_tz=client_tz)
    expected = [iso(s) for s in case.expected]
    assert [s.start for s in got] == expected
    assert all(s.end - s.start == timedelta(minutes=case.duration) for s in got)
    assert all(s.trainer_ids == ("t1",) for s in got)
    assert all(s.start.utcoffset() == timedelta(0) for s in got), "slots are UTC instants"
    # every listed slot passes the booking-time check, and nothing else on the grid does
    for s in got:
        assert is_slot(sch, duration=case.duration, now=iso(case.now), start=s.start)


def test_case_table_names_are_unique():
    assert len({c.name for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------- midnight chain, in detail


def test_midnight_chain_allows_2330_session_with_buffer_30():
    sch = schedule("Europe/Berlin", weekly((MON, "22:00", "24:00"), (TUE, "00:00", "02:00")), buffer=30)
    now = iso("2027-06-01T00:00+00:00")
    start = iso("2027-06-07T23:30+02:00")
    assert is_slot(sch, duration=60, now=now, start=start)
    got = generate_slots(
        sch, duration=60, now=now, start=iso("2027-06-07T00:00+02:00"), end=iso("2027-06-09T00:00+02:00")
    )
    assert [s.start for s in got] == [
        iso("2027-06-07T22:00+02:00"),
        iso("2027-06-07T23:30+02:00"),
        iso("2027-06-08T00:00+02:00"),
    ]
    # without Tuesday's window the session cannot run on past midnight
    alone = schedule("Europe/Berlin", weekly((MON, "22:00", "24:00")), buffer=30)
    assert not is_slot(alone, duration=60, now=now, start=start)


def test_dateline_client_date_draws_on_two_trainer_dates():
    sch = schedule("Pacific/Kiritimati", weekly((ALL_DAYS, "00:00", "02:00")))
    got = slots_on_client_date(
        sch, duration=60, now=iso("2027-06-01T00:00+00:00"), day=date(2027, 6, 7), client_tz=Z("Pacific/Pago_Pago")
    )
    trainer_dates = [s.start.astimezone(Z("Pacific/Kiritimati")).date() for s in got]
    assert trainer_dates == [date(2027, 6, 8), date(2027, 6, 9)]
    assert all(s.start.astimezone(Z("Pacific/Pago_Pago")).date() == date(2027, 6, 7) for s in got)
    assert [s.start for s in got] == [iso("2027-06-08T01:00+14:00"), iso("2027-06-09T00:00+14:00")]


# --------------------------------------------------------------------------- generate_slots ranges


def test_generate_slots_range_is_half_open():
    sch = schedule("UTC", weekly((MON, "09:00", "12:00")))
    now = iso("2027-06-01T00:00+00:00")
    got = generate_slots(
        sch, duration=60, now=now, start=iso("2027-06-07T10:00+00:00"), end=iso("2027-06-07T11:00+00:00")
    )
    assert [s.start for s in got] == [iso("2027-06-07T10:00+00:00")]
    assert (
        generate_slots(
            sch, duration=60, now=now, start=iso("2027-06-07T10:00:01+00:00"), end=iso("2027-06-07T11:00+00:00")
        )
        == []
    )


def test_generate_slots_range_start_between_grid_points_keeps_grid():
    sch = schedule("UTC", weekly((MON, "09:00", "17:00")), buffer=15)
    got = generate_slots(
        sch,
        duration=60,
        now=iso("2027-06-01T00:00+00:00"),
        start=iso("2027-06-07T09:01+00:00"),
        end=iso("2027-06-07T12:00+00:00"),
    )
    assert [s.start for s in got] == [iso("2027-06-07T10:15+00:00"), iso("2027-06-07T11:30+00:00")]


def test_generate_slots_when_notice_is_after_range_end():
    sch = schedule("UTC", weekly((ALL_DAYS, "09:00", "17:00")), notice=48)
    assert (
        generate_slots(
            sch,
            duration=60,
            now=iso("2027-06-07T00:00+00:00"),
            start=iso("2027-06-07T00:00+00:00"),
            end=iso("2027-06-08T00:00+00:00"),
        )
        == []
    )


def test_generate_slots_multiple_durations_same_schedule():
    sch = schedule("UTC", weekly((MON, "09:00", "11:00")), durations=(30, 60, 120))
    now = iso("2027-06-01T00:00+00:00")
    day = date(2027, 6, 7)
    starts = {
        d: [
            s.start.strftime("%H:%M")
            for s in slots_on_client_date(sch, duration=d, now=now, day=day, client_tz=Z("UTC"))
        ]
        for d in (30, 60, 120)
    }
    assert starts == {30: ["09:00", "09:30", "10:00", "10:30"], 60: ["09:00", "10:00"], 120: ["09:00"]}


def test_now_in_a_local_zone_means_the_same_instant():
    """``now`` is an instant: passing it in a DST zone must not change the notice window.

    (2027-03-13 12:00 EST + 24 real hours is 2027-03-14 13:00 EDT, not 12:00.)
    """
    ny = Z("America/New_York")
    sch = schedule("America/New_York", weekly((ALL_DAYS, "09:00", "17:00")), notice=24)
    now_local = datetime(2027, 3, 13, 12, 0, tzinfo=ny)
    now_utc = now_local.astimezone(UTC)
    day = date(2027, 3, 14)
    a = slots_on_client_date(sch, duration=60, now=now_local, day=day, client_tz=ny)
    b = slots_on_client_date(sch, duration=60, now=now_utc, day=day, client_tz=ny)
    assert a == b
    assert a[0].start == iso("2027-03-14T13:00-04:00")
    assert not is_slot(sch, duration=60, now=now_local, start=iso("2027-03-14T12:00-04:00"))


# --------------------------------------------------------------------------- is_slot


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        ("2027-06-07T09:00+00:00", 60, True),
        ("2027-06-07T10:15+00:00", 60, True),
        ("2027-06-07T09:30+00:00", 60, False),  # off the grid
        ("2027-06-07T09:00:30+00:00", 60, False),
        ("2027-06-07T16:30+00:00", 60, False),  # grid point but runs past 17:00
        ("2027-06-07T09:00+00:00", 45, False),  # not one of the durations
        ("2027-06-07T08:00+00:00", 60, False),  # before the window
        ("2027-06-08T09:00+00:00", 60, False),  # Tuesday: no hours
        ("2027-06-07T09:00+00:00", 30, True),
        ("2027-06-07T09:45+00:00", 30, True),  # 30-min grid with buffer 15: 09:00, 09:45, 10:30
        ("2027-06-07T09:30+00:00", 30, False),
    ],
)
def test_is_slot(start, duration, expected):
    sch = schedule("UTC", weekly((MON, "09:00", "17:00")), durations=(30, 60), buffer=15)
    assert is_slot(sch, duration=duration, now=iso("2027-06-01T00:00+00:00"), start=iso(start)) is expected


def test_is_slot_respects_busy_notice_and_advance():
    sch = schedule(
        "UTC",
        weekly((MON, "09:00", "12:00")),
        busy=(("2027-06-07T10:00+00:00", "2027-06-07T11:00+00:00"),),
        notice=1,
        advance=1,
    )
    now = iso("2027-06-06T09:30+00:00")
    assert not is_slot(sch, duration=60, now=now, start=iso("2027-06-07T10:00+00:00"))  # busy
    assert is_slot(sch, duration=60, now=now, start=iso("2027-06-07T09:00+00:00"))  # within 1 day
    assert is_slot(sch, duration=60, now=now, start=iso("2027-06-07T11:00+00:00")) is False  # beyond 1 day
    later = iso("2027-06-07T08:30+00:00")
    assert not is_slot(sch, duration=60, now=later, start=iso("2027-06-07T09:00+00:00"))  # notice
    assert is_slot(sch, duration=60, now=later, start=iso("2027-06-07T11:00+00:00"))


def test_is_slot_in_gap_start_block():
    sch = schedule("America/New_York", weekly((SUN, "02:30", "05:00")), durations=(30,))
    now = iso("2027-03-01T00:00+00:00")
    assert is_slot(sch, duration=30, now=now, start=iso("2027-03-14T03:30-04:00"))
    assert not is_slot(sch, duration=30, now=now, start=iso("2027-03-14T03:00-04:00"))


# --------------------------------------------------------------------------- team_union


def _slot(start: str, minutes: int, *ids: str) -> Slot:
    s = iso(start)
    return Slot(s, s + timedelta(minutes=minutes), tuple(ids))


def test_team_union_names_every_trainer_once_and_sorts():
    a = [_slot("2027-06-07T09:00+00:00", 60, "b"), _slot("2027-06-07T11:00+00:00", 60, "b")]
    b = [_slot("2027-06-07T10:00+00:00", 60, "a"), _slot("2027-06-07T09:00+00:00", 60, "a")]
    c = [_slot("2027-06-07T09:00+00:00", 60, "a")]  # duplicate of a's
    d = [_slot("2027-06-07T09:00+00:00", 30, "c")]  # same start, other length: a different slot
    got = team_union([a, b, c, d])
    assert got == [
        _slot("2027-06-07T09:00+00:00", 30, "c"),
        _slot("2027-06-07T09:00+00:00", 60, "a", "b"),
        _slot("2027-06-07T10:00+00:00", 60, "a"),
        _slot("2027-06-07T11:00+00:00", 60, "b"),
    ]


def test_team_union_empty():
    assert team_union([]) == []
    assert team_union([[], []]) == []


def test_team_union_of_generated_slots_across_zones():
    ber = schedule("Europe/Berlin", weekly((MON, "09:00", "11:00")), trainer_id="berlin")
    lon = schedule("Europe/London", weekly((MON, "08:00", "10:00")), trainer_id="london")
    now = iso("2027-06-01T00:00+00:00")
    per = [slots_on_client_date(s, duration=60, now=now, day=date(2027, 6, 7), client_tz=Z("UTC")) for s in (ber, lon)]
    got = team_union(per)
    assert [(s.start, s.trainer_ids) for s in got] == [
        (iso("2027-06-07T07:00+00:00"), ("berlin", "london")),
        (iso("2027-06-07T08:00+00:00"), ("berlin", "london")),
    ]


# --------------------------------------------------------------------------- bookable_dates


def test_bookable_dates_month():
    sch = schedule("UTC", weekly((MON, "09:00", "10:00"), (WED, "09:00", "10:00")), overrides={date(2027, 6, 14): []})
    got = bookable_dates(
        sch, durations=[60], now=iso("2027-06-01T00:00+00:00"), month_first=date(2027, 6, 1), client_tz=Z("UTC")
    )
    assert got == [date(2027, 6, d) for d in (2, 7, 9, 16, 21, 23, 28, 30)]


def test_bookable_dates_in_client_zone_shift_back_a_day():
    sch = schedule("UTC", weekly((MON, "09:00", "10:00"), (WED, "09:00", "10:00")), advance=730)
    got = bookable_dates(
        sch,
        durations=[60],
        now=iso("2027-05-01T00:00+00:00"),
        month_first=date(2027, 6, 1),
        client_tz=Z("Pacific/Pago_Pago"),
    )
    # 09:00Z is 22:00 the previous day in Pago Pago (-11): Sundays and Tuesdays;
    # Wed 2 June 09:00Z is Tue 1 June 22:00 there; Mon 31 May 09:00Z is in May for the client.
    assert got == [date(2027, 6, d) for d in (1, 6, 8, 13, 15, 20, 22, 27, 29)]


def test_bookable_dates_notice_advance_and_durations():
    sch = schedule("UTC", weekly((ALL_DAYS, "09:00", "10:00")), durations=(60, 120), notice=24, advance=5)
    got = bookable_dates(
        sch, durations=[60, 120], now=iso("2027-06-10T12:00+00:00"), month_first=date(2027, 6, 1), client_tz=Z("UTC")
    )
    # earliest 11 June 12:00 (so not the 11th's 09:00), latest 15 June 12:00
    assert got == [date(2027, 6, d) for d in (12, 13, 14, 15)]
    assert (
        bookable_dates(
            sch, durations=[120], now=iso("2027-06-10T12:00+00:00"), month_first=date(2027, 6, 1), client_tz=Z("UTC")
        )
        == []
    )


def test_bookable_dates_december_rolls_to_january():
    sch = schedule("UTC", weekly((ALL_DAYS, "09:00", "10:00")), advance=730)
    got = bookable_dates(
        sch, durations=[60], now=iso("2027-12-30T00:00+00:00"), month_first=date(2027, 12, 1), client_tz=Z("UTC")
    )
    assert got == [date(2027, 12, 30), date(2027, 12, 31)]


# --------------------------------------------------------------------------- overlap checks


@pytest.mark.parametrize(
    "blocks, refused",
    [
        pytest.param([(MON, "09:00", "12:00"), (MON, "12:00", "15:00")], False, id="touching-ok"),
        pytest.param([(MON, "09:00", "12:00"), (MON, "11:59", "15:00")], True, id="overlap-by-a-minute"),
        pytest.param([(MON, "09:00", "12:00"), (MON, "10:00", "11:00")], True, id="contained"),
        pytest.param([(MON, "09:00", "12:00"), (MON, "09:00", "12:00")], True, id="identical"),
        pytest.param([(MON, "09:00", "12:00"), (TUE, "09:00", "12:00")], False, id="other-day"),
        pytest.param(
            [(MON, "14:00", "15:00"), (MON, "09:00", "12:00"), (MON, "11:00", "13:00")], True, id="unsorted-overlap"
        ),
        pytest.param([(SUN, "22:00", "24:00"), (SUN, "00:00", "02:00")], False, id="whole-day-ends"),
        pytest.param([], False, id="empty"),
    ],
)
def test_check_no_overlap(blocks, refused):
    wb = [WeeklyBlock(d, hm(a), hm(b)) for d, a, b in blocks]
    if refused:
        with pytest.raises(Overlap) as err:
            check_no_overlap(wb)
        assert err.value.code == "overlap"
        assert "Monday" in err.value.message and "overlaps" in err.value.message
        assert err.value.details["dayOfWeek"] == MON
    else:
        assert check_no_overlap(wb) is None


@pytest.mark.parametrize(
    "blocks, refused",
    [
        ([("09:00", "12:00"), ("12:00", "13:00")], False),
        ([("09:00", "12:00"), ("11:00", "13:00")], True),
        ([("11:00", "13:00"), ("09:00", "11:30")], True),
        ([("09:00", "10:00")], False),
        ([], False),
    ],
)
def test_check_no_overlap_hours(blocks, refused):
    hb = [HoursBlock(hm(a), hm(b)) for a, b in blocks]
    if refused:
        with pytest.raises(Overlap) as err:
            check_no_overlap_hours(hb, day_label="2027-06-07")
        assert "2027-06-07" in err.value.message
        assert err.value.details["date"] == "2027-06-07"
    else:
        assert check_no_overlap_hours(hb, day_label="2027-06-07") is None


@pytest.mark.parametrize(
    "start, end",
    [(600, 600), (600, 540), (-5, 60), (1440, 1445), (0, 1445), (0, 0)],
)
def test_hours_block_refuses_bad_bounds(start, end):
    with pytest.raises(ValidationFailed):
        HoursBlock(start, end)
    with pytest.raises(ValidationFailed):
        WeeklyBlock(MON, start, end)


@pytest.mark.parametrize("day", [-1, 7, "1", 1.0, None])
def test_weekly_block_refuses_bad_day(day):
    with pytest.raises(ValidationFailed) as err:
        WeeklyBlock(day, 540, 600)
    assert err.value.details == {"field": "dayOfWeek"}


def test_blocks_labels_and_hours():
    b = WeeklyBlock(SUN, 0, 1440)
    assert b.hours == HoursBlock(0, 1440)
    assert b.hours.label == "00:00-24:00"
    assert HoursBlock(570, 605).label == "09:30-10:05"


# --------------------------------------------------------------------------- wall times


@pytest.mark.parametrize(
    "text, minutes",
    [("00:00", 0), ("00:05", 5), ("09:30", 570), ("12:00", 720), ("19:59", 1199), ("23:59", 1439), ("24:00", 1440)],
)
def test_parse_wall_time(text, minutes):
    assert parse_wall_time(text) == minutes
    assert format_wall_time(minutes) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9:30",
        "09:3",
        "0930",
        "09.30",
        "24:01",
        "24:30",
        "25:00",
        "29:00",
        "12:60",
        "-1:00",
        "09:30:00",
        " 09:30",
        "09:30 ",
        "09:30\n",
        "\n09:30",
        "ab:cd",
        "0\u0669:30",
        "\uff10\uff19:30",
        None,
        930,
        9.5,
        b"09:30",
    ],
)
def test_parse_wall_time_refuses(text):
    with pytest.raises(ValidationFailed) as err:
        parse_wall_time(text, field_name="startTime")
    assert err.value.code == "validation"
    assert err.value.details == {"field": "startTime"}
    assert "09:30" in err.value.message


def test_parse_wall_time_24_only_as_end():
    with pytest.raises(ValidationFailed) as err:
        parse_wall_time("24:00", field_name="startTime", allow_24=False)
    assert "24:00" not in err.value.message
    assert parse_wall_time("23:55", allow_24=False) == 1435


def test_format_parse_round_trip_every_minute():
    for m in range(0, 1441):
        assert parse_wall_time(format_wall_time(m)) == m


# --------------------------------------------------------------------------- instants of wall times


@pytest.mark.parametrize(
    "tz, day, wall, expected",
    [
        ("America/New_York", date(2027, 3, 14), "02:30", "2027-03-14T03:30-04:00"),  # gap: offset before
        ("America/New_York", date(2027, 3, 14), "03:00", "2027-03-14T03:00-04:00"),
        ("America/New_York", date(2027, 11, 7), "01:30", "2027-11-07T01:30-04:00"),  # repeated: first one
        ("Europe/Berlin", date(2027, 3, 28), "02:00", "2027-03-28T03:00+02:00"),
        ("Europe/Berlin", date(2027, 10, 31), "02:59", "2027-10-31T02:59+02:00"),
        ("Australia/Lord_Howe", date(2027, 10, 3), "02:10", "2027-10-03T02:40+11:00"),
        ("Australia/Lord_Howe", date(2027, 4, 4), "01:45", "2027-04-04T01:45+11:00"),
        ("Pacific/Chatham", date(2027, 9, 26), "03:00", "2027-09-26T04:00+13:45"),
        ("Asia/Kathmandu", date(2027, 6, 7), "00:00", "2027-06-07T00:00+05:45"),
        ("UTC", date(2027, 12, 31), "24:00", "2028-01-01T00:00+00:00"),
        ("America/St_Johns", date(2027, 3, 13), "24:00", "2027-03-14T00:00-03:30"),
        ("America/Havana", date(2027, 3, 14), "00:30", "2027-03-14T01:30-04:00"),  # midnight gap
        ("America/Havana", date(2027, 11, 7), "00:30", "2027-11-07T00:30-04:00"),  # midnight repeated
    ],
)
def test_wall_to_instant(tz, day, wall, expected):
    got = wall_to_instant(day, hm(wall), Z(tz))
    assert got == iso(expected)
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    "tz, day, hours",
    [
        ("America/New_York", date(2027, 3, 14), 23),
        ("America/New_York", date(2027, 11, 7), 25),
        ("America/New_York", date(2027, 6, 7), 24),
        ("Australia/Lord_Howe", date(2027, 10, 3), 23.5),
        ("Australia/Lord_Howe", date(2027, 4, 4), 24.5),
        ("Pacific/Chatham", date(2027, 9, 26), 23),
        ("America/Havana", date(2027, 3, 14), 23),
        ("Asia/Beirut", date(2027, 10, 30), 25),
        ("Asia/Kathmandu", date(2027, 6, 7), 24),
    ],
)
def test_local_day_range_length(tz, day, hours):
    r = local_day_range(day, Z(tz))
    assert r.end - r.start == timedelta(hours=hours)
    zi = Z(tz)
    assert r.start.astimezone(zi).date() == day
    assert (r.end - timedelta(microseconds=1)).astimezone(zi).date() == day
    assert r.end.astimezone(zi).date() == day + timedelta(days=1)


def test_lookaround_covers_a_date_either_side():
    tz = Z("Pacific/Kiritimati")
    first, last = lookaround(iso("2027-06-07T11:00+00:00"), iso("2027-06-08T11:00+00:00"), tz)
    assert (first, last) == (date(2027, 6, 7), date(2027, 6, 10))


def test_windows_merge_touching_blocks_per_date_only():
    sch = schedule("UTC", weekly((MON, "20:00", "22:00"), (MON, "22:00", "24:00"), (TUE, "00:00", "01:00")))
    got = windows(sch, date(2027, 6, 7), date(2027, 6, 8))
    assert got == [
        Range(iso("2027-06-07T20:00+00:00"), iso("2027-06-08T00:00+00:00")),
        Range(iso("2027-06-08T00:00+00:00"), iso("2027-06-08T01:00+00:00")),
    ]


def test_blocks_on_prefers_override():
    sch = schedule("UTC", weekly((MON, "09:00", "10:00")), overrides={date(2027, 6, 7): [("13:00", "14:00")]})
    assert list(sch.blocks_on(date(2027, 6, 7))) == [HoursBlock(780, 840)]
    assert list(sch.blocks_on(date(2027, 6, 14))) == [HoursBlock(540, 600)]
    assert list(sch.blocks_on(date(2027, 6, 8))) == []


# --------------------------------------------------------------------------- booking window / bare grid


def test_booking_window_is_inclusive_and_in_utc():
    from trainerdesk.domain.slots import booking_window

    rules = SlotRules((60,), 0, 12, 30)
    now = datetime(2027, 3, 13, 12, 0, tzinfo=Z("America/New_York"))  # 17:00Z, the day before spring-forward
    w = booking_window(rules, now)
    assert w.start == iso("2027-03-14T05:00+00:00")  # 12 real hours later
    assert w.end == iso("2027-04-12T17:00:00.000001+00:00")  # 30 days later, inclusive


def test_grid_without_now_ignores_notice_and_advance():
    from trainerdesk.domain.slots import SlotFinder

    sch = schedule("UTC", weekly((MON, "09:00", "11:00")), notice=720, advance=1)
    finder = SlotFinder(sch, start=iso("2027-06-07T00:00+00:00"), end=iso("2027-06-08T00:00+00:00"))
    assert finder.starts(60) == [iso("2027-06-07T09:00+00:00"), iso("2027-06-07T10:00+00:00")]
    assert [s.trainer_ids for s in finder.slots(60)] == [("t1",), ("t1",)]
    assert (
        generate_slots(
            sch,
            duration=60,
            now=iso("2027-06-07T00:00+00:00"),
            start=iso("2027-06-07T00:00+00:00"),
            end=iso("2027-06-08T00:00+00:00"),
        )
        == []
    )
