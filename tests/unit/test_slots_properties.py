"""Property tests: slot generation against a brute-force model of docs/scheduling-rules.md.

The model below shares no code with ``trainerdesk.domain``: it works on a grid
of 5-minute units (every input is a multiple of 5 minutes, and so is every UTC
offset in the zones used, so the grid is exact), represents windows, busy
periods and free time as *sets of units*, and follows the rules word by word:

1. windows: for each trainer-local date, its blocks (override, else weekly)
   turned into instants with ``zoneinfo`` (fold=0); the blocks of one date are
   unioned and every maximal run of consecutive units is one window;
2. busy: ``[start - b, end + b)`` of every booking;
3. free = union of all windows minus busy;
4. pieces = each window minus busy (maximal runs); candidates x, x+(d+b), ...
   while < y; a candidate is a slot when every unit of ``[s, s+d)`` is free;
5. now + notice <= s <= now + advance; then the date / range filter.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from trainerdesk.domain.ranges import Range
from trainerdesk.domain.slots import (
    HoursBlock,
    SlotFinder,
    SlotRules,
    TrainerSchedule,
    WeeklyBlock,
    bookable_dates,
    booking_window,
    generate_slots,
    is_slot,
    slots_on_client_date,
    team_union,
)

UTC = timezone.utc
UNIT = 5  # minutes
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
    "UTC",
    "Asia/Kolkata",
    # DST at midnight (gap or repeat at 00:00 / 24:00) and a two-hour shift:
    "America/Havana",
    "America/Santiago",
    "Asia/Beirut",
    "Antarctica/Troll",
]

PROFILE = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# ============================================================================ the reference model


def unit_of(instant: datetime) -> int:
    """An instant on the 5-minute grid -> its unit number (asserting it is on the grid)."""
    seconds = int(instant.timestamp())
    assert seconds % (UNIT * 60) == 0 and instant.timestamp() == seconds, instant
    return seconds // (UNIT * 60)


def instant_of(unit: int) -> datetime:
    return EPOCH + timedelta(minutes=UNIT * unit)


def wall_unit(day: date, minutes: int, tz: ZoneInfo) -> int:
    """Trainer-local wall time -> unit; fold=0 (datetime's default) is RFC 5545's reading."""
    day = day + timedelta(days=minutes // 1440)
    minutes %= 1440
    return unit_of(datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz))


def runs(units: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive units as half-open [x, y) pairs, ascending."""
    out: list[tuple[int, int]] = []
    for u in sorted(units):
        if out and out[-1][1] == u:
            out[-1] = (out[-1][0], u + 1)
        else:
            out.append((u, u + 1))
    return out


def model_slots(case: dict, duration: int, first: date, last: date, *, now: datetime | None) -> list[datetime]:
    """Every slot start (before the range filter) from trainer dates ``first..last``."""
    tz = ZoneInfo(case["tz"])
    buf = case["buffer"] // UNIT
    d_units = duration // UNIT
    step = (duration + case["buffer"]) // UNIT

    window_runs: list[tuple[int, int]] = []
    day = first
    while day <= last:
        blocks = case["overrides"][day] if day in case["overrides"] else case["weekly"][day.weekday()]
        units: set[int] = set()
        for a, b in blocks:
            units.update(range(wall_unit(day, a, tz), wall_unit(day, b, tz)))
        window_runs.extend(runs(units))
        day += timedelta(days=1)

    busy: set[int] = set()
    for bs, be in case["busy"]:
        busy.update(range(unit_of(bs) - buf, unit_of(be) + buf))

    free: set[int] = set()
    for x, y in window_runs:
        free.update(range(x, y))
    free -= busy

    found: set[int] = set()
    for x, y in window_runs:
        for px, py in runs(set(range(x, y)) - busy):
            s = px
            while s < py:
                if all(u in free for u in range(s, s + d_units)):
                    found.add(s)
                s += step

    starts = [instant_of(u) for u in sorted(found)]
    if now is not None:
        lo = now + timedelta(hours=case["notice"])
        hi = now + timedelta(days=case["advance"])
        starts = [s for s in starts if lo <= s <= hi]
    return starts


def model_free_units(case: dict, first: date, last: date) -> set[int]:
    tz = ZoneInfo(case["tz"])
    free: set[int] = set()
    day = first
    while day <= last:
        blocks = case["overrides"][day] if day in case["overrides"] else case["weekly"][day.weekday()]
        for a, b in blocks:
            free.update(range(wall_unit(day, a, tz), wall_unit(day, b, tz)))
        day += timedelta(days=1)
    for bs, be in case["busy"]:
        free -= set(range(unit_of(bs) - case["buffer"] // UNIT, unit_of(be) + case["buffer"] // UNIT))
    return free


def trainer_dates_around(case: dict, lo: datetime, hi: datetime) -> tuple[date, date]:
    """Trainer-local dates generously around [lo, hi): two days either side."""
    tz = ZoneInfo(case["tz"])
    return lo.astimezone(tz).date() - timedelta(days=2), hi.astimezone(tz).date() + timedelta(days=2)


# ============================================================================ strategies


@cache
def transition_dates(tz_name: str) -> tuple[date, ...]:
    """Local dates in 2027-2028 on which ``tz_name`` changes its UTC offset."""
    tz = ZoneInfo(tz_name)
    out = []
    day = date(2027, 1, 1)
    prev = datetime(2026, 12, 31, 12, tzinfo=tz).utcoffset()
    while day <= date(2028, 12, 31):
        off = datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
        if off != prev:
            # the change happened between yesterday noon and today noon
            out.extend([day - timedelta(days=1), day])
        prev = off
        day += timedelta(days=1)
    return tuple(out)


ALL_TRANSITIONS = sorted({d for z in ZONES for d in transition_dates(z)})
assert len(ALL_TRANSITIONS) > 20  # the zone data really has DST in 2027-2028

# Wall times: a coarse grid (so blocks touch and hit 00:00 / 24:00 often), DST-relevant
# times (02:00, 02:15, 02:30, 02:45, 03:45, 23:00, 24:00) and any multiple of 5.
# (One integer draw into a weighted table: much cheaper to generate than ``one_of``.)
WALL_TABLE = (
    [0, 60, 120, 135, 150, 165, 180, 225, 1380, 1440] * 29
    + [30 * k for k in range(49)] * 6
    + [5 * k for k in range(289)]
)
wall_minutes = st.integers(0, len(WALL_TABLE) - 1).map(WALL_TABLE.__getitem__)


@st.composite
def blocks_of_a_day(draw, max_blocks=3):
    """0..max_blocks non-overlapping (possibly touching) blocks as (start, end) minutes."""
    points = sorted(draw(st.lists(wall_minutes, max_size=2 * max_blocks)))
    return [(points[2 * i], points[2 * i + 1]) for i in range(len(points) // 2) if points[2 * i] < points[2 * i + 1]]


durations = st.one_of(
    st.sampled_from([10, 15, 30, 35, 45, 60, 90, 120, 240, 480]),
    st.integers(2, 24).map(lambda k: 5 * k),
    st.integers(2, 96).map(lambda k: 5 * k),
)
buffers = st.one_of(st.sampled_from([0, 0, 5, 15, 30, 45, 120]), st.integers(0, 24).map(lambda k: 5 * k))


@st.composite
def cases(draw):
    tz_name = draw(st.sampled_from(ZONES))
    own = list(transition_dates(tz_name)) or ALL_TRANSITIONS
    anchor = draw(
        st.one_of(
            st.sampled_from(own), st.sampled_from(ALL_TRANSITIONS), st.dates(date(2027, 1, 1), date(2028, 12, 31))
        )
    )
    weekly = [draw(blocks_of_a_day()) for _ in range(7)]
    # midnight chains: some days run to 24:00 and the next day starts at 00:00
    for dow in draw(st.lists(st.integers(0, 6), max_size=4, unique=True)):
        nxt = (dow + 1) % 7
        last_end = weekly[dow][-1][1] if weekly[dow] else 0
        start = max(last_end, 1440 - 5 * draw(st.integers(1, 60)))
        if start < 1440:
            weekly[dow] = weekly[dow] + [(start, 1440)]
        first_start = weekly[nxt][0][0] if weekly[nxt] else 1440
        end = min(first_start, 5 * draw(st.integers(1, 60)))
        if end > 0:
            weekly[nxt] = [(0, end)] + weekly[nxt]
    override_days = draw(st.lists(st.integers(-2, 3), max_size=3, unique=True))
    overrides = {anchor + timedelta(days=k): draw(blocks_of_a_day(2)) for k in override_days}
    base = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        # mostly on the trainer's hours around the anchor (where they can cut a window)
        local_day = anchor + timedelta(days=draw(st.integers(-1, 2)))
        minute = draw(wall_minutes) - draw(st.sampled_from([0, 0, 30, 60]))
        wall = datetime(local_day.year, local_day.month, local_day.day, tzinfo=ZoneInfo(tz_name)) + timedelta(
            minutes=minute
        )
        start = wall.astimezone(UTC) + timedelta(minutes=5 * draw(st.integers(-12, 12)))
        busy.append((start, start + timedelta(minutes=5 * draw(st.integers(2, 60)))))
    duration = draw(durations)
    return {
        "tz": tz_name,
        "anchor": anchor,
        "weekly": weekly,
        "overrides": overrides,
        "busy": busy,
        "duration": duration,
        "durations": tuple(sorted({duration, *draw(st.lists(durations, max_size=2))})),
        "buffer": draw(buffers),
        "notice": draw(st.one_of(st.just(0), st.integers(0, 12), st.integers(0, 48), st.sampled_from([168, 720]))),
        "advance": draw(st.one_of(st.sampled_from([60, 730]), st.sampled_from([60, 730]), st.integers(1, 4))),
        # any second, mostly a little before the anchor: not on the 5-minute grid on purpose
        "now": base
        + timedelta(
            seconds=draw(
                st.one_of(
                    st.integers(-3 * 86400, 0),
                    st.integers(-4 * 86400, 3 * 86400),
                    st.integers(-864, 288).map(lambda k: 300 * k),
                )
            )
        ),
    }


def to_schedule(case: dict, trainer_id: str = "t1") -> TrainerSchedule:
    return TrainerSchedule(
        trainer_id=trainer_id,
        timezone=ZoneInfo(case["tz"]),
        weekly=[WeeklyBlock(dow, a, b) for dow, blocks in enumerate(case["weekly"]) for a, b in blocks],
        overrides={d: [HoursBlock(a, b) for a, b in blocks] for d, blocks in case["overrides"].items()},
        busy=[Range(a, b) for a, b in case["busy"]],
        rules=SlotRules(case["durations"], case["buffer"], case["notice"], case["advance"]),
    )


def client_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A loose UTC bracket around a client date (the exact filter is by local date)."""
    mid = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return mid - timedelta(days=2), mid + timedelta(days=2)


def draw_range(data, case: dict) -> tuple[datetime, datetime]:
    """A query range near the anchor: any length, or ending late in a trainer-local evening
    (where a session may still run on past midnight into the next date's window)."""
    base = datetime(case["anchor"].year, case["anchor"].month, case["anchor"].day, tzinfo=UTC)
    start = base + timedelta(minutes=data.draw(st.integers(-1440, 2880), label="start_min"))
    if data.draw(st.booleans(), label="late evening end"):
        day = case["anchor"] + timedelta(days=data.draw(st.integers(-1, 2), label="end day"))
        wall = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(case["tz"])) + timedelta(
            minutes=5 * data.draw(st.integers(264, 287), label="end minute / 5")
        )
        end = wall.astimezone(UTC)
        start = min(start, end - timedelta(minutes=5))
    else:
        end = start + timedelta(minutes=data.draw(st.integers(1, 3 * 1440), label="length_min"))
    return start, end


# ============================================================================ properties


@PROFILE
@given(case=cases(), offset=st.integers(-1, 2), data=st.data())
def test_slots_on_client_date_match_the_model(case, offset, data):
    # often the trainer's own zone: the range then ends at a trainer-local midnight
    client = data.draw(st.one_of(st.just(case["tz"]), st.sampled_from(ZONES)), label="client")
    client_tz = ZoneInfo(client)
    day = case["anchor"] + timedelta(days=offset)
    d = case["duration"]
    lo, hi = client_day_bounds(day, client_tz)
    first, last = trainer_dates_around(case, lo, hi)
    expected = [s for s in model_slots(case, d, first, last, now=case["now"]) if s.astimezone(client_tz).date() == day]

    got = slots_on_client_date(to_schedule(case), duration=d, now=case["now"], day=day, client_tz=client_tz)

    assert [s.start for s in got] == expected
    assert all(s.end == s.start + timedelta(minutes=d) and s.trainer_ids == ("t1",) for s in got)


@PROFILE
@given(case=cases(), data=st.data())
def test_generate_slots_over_any_range_match_the_model(case, data):
    start, end = draw_range(data, case)
    d = case["duration"]
    first, last = trainer_dates_around(case, start, end)
    expected = [s for s in model_slots(case, d, first, last, now=case["now"]) if start <= s < end]

    got = generate_slots(to_schedule(case), duration=d, now=case["now"], start=start, end=end)

    assert [s.start for s in got] == expected


@PROFILE
@given(case=cases(), data=st.data())
def test_grid_without_now_matches_the_model_and_booking_window_filters_it(case, data):
    """SlotFinder without ``now`` yields the bare grid; booking_window then applies rule 4."""
    start, end = draw_range(data, case)
    d = case["duration"]
    first, last = trainer_dates_around(case, start, end)
    grid = [s for s in model_slots(case, d, first, last, now=None) if start <= s < end]

    sch = to_schedule(case)
    got = SlotFinder(sch, start=start, end=end).starts(d)
    assert got == grid

    window = booking_window(sch.rules, case["now"])
    filtered = [s for s in got if window.start <= s < window.end]
    assert filtered == [s.start for s in generate_slots(sch, duration=d, now=case["now"], start=start, end=end)]


@PROFILE
@given(case=cases(), data=st.data())
def test_is_slot_agrees_with_the_model(case, data):
    d = case["duration"]
    base = datetime(case["anchor"].year, case["anchor"].month, case["anchor"].day, tzinfo=UTC)
    first, last = trainer_dates_around(case, base - timedelta(days=1), base + timedelta(days=3))
    offered = model_slots(case, d, first, last, now=case["now"])
    candidates = st.builds(lambda k: base + timedelta(minutes=5 * k), st.integers(-288, 3 * 288))
    if offered:
        candidates = st.one_of(st.sampled_from(offered), candidates)
    tz = ZoneInfo(case["tz"])
    crossing = [s for s in offered if (s + timedelta(minutes=d - 1)).astimezone(tz).date() != s.astimezone(tz).date()]
    if crossing:  # sessions running on past midnight into the next date's window
        candidates = st.one_of(st.sampled_from(crossing), candidates)
    start = data.draw(candidates, label="start")
    # only judge starts whose neighbouring trainer dates the model fully covered
    assume(first + timedelta(days=2) <= start.astimezone(ZoneInfo(case["tz"])).date() <= last - timedelta(days=2))
    expected = start in offered

    sch = to_schedule(case)
    assert is_slot(sch, duration=d, now=case["now"], start=start) is expected
    # a duration the trainer does not offer is never a slot
    other = next(x for x in range(10, 485, 5) if x not in case["durations"])
    assert is_slot(sch, duration=other, now=case["now"], start=start) is False


@PROFILE
@given(case=cases(), data=st.data())
def test_invariants_sorted_unique_free_and_clear_of_busy(case, data):
    start, end = draw_range(data, case)
    d = case["duration"]
    buf = timedelta(minutes=case["buffer"])
    got = generate_slots(to_schedule(case), duration=d, now=case["now"], start=start, end=end)
    starts = [s.start for s in got]

    assert starts == sorted(set(starts)), "ascending and unique"
    first, last = trainer_dates_around(case, start, end)
    free = model_free_units(case, first, last)
    for s in got:
        assert start <= s.start < end
        assert case["now"] + timedelta(hours=case["notice"]) <= s.start <= case["now"] + timedelta(days=case["advance"])
        assert s.end - s.start == timedelta(minutes=d)
        # the session lies in free time ...
        assert all(u in free for u in range(unit_of(s.start), unit_of(s.end)))
        # ... which means it overlaps no busy period widened by the buffer
        for bs, be in case["busy"]:
            assert s.end <= bs - buf or s.start >= be + buf, (s, bs, be)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(a=cases(), b=cases(), client=st.sampled_from(ZONES), offset=st.integers(-1, 2))
def test_team_union_is_the_union_of_each_trainers_slots(a, b, client, offset):
    b = dict(
        b,
        anchor=a["anchor"],
        now=a["now"],
        duration=a["duration"],
        durations=tuple(sorted({a["duration"], *b["durations"]})),
    )
    client_tz = ZoneInfo(client)
    day = a["anchor"] + timedelta(days=offset)
    per = [
        slots_on_client_date(to_schedule(c, tid), duration=a["duration"], now=a["now"], day=day, client_tz=client_tz)
        for c, tid in ((a, "alice"), (b, "bob"))
    ]
    got = team_union(per)

    who: dict[datetime, set[str]] = {}
    for c, tid in ((a, "alice"), (b, "bob")):
        lo, hi = client_day_bounds(day, client_tz)
        first, last = trainer_dates_around(c, lo, hi)
        for s in model_slots(c, a["duration"], first, last, now=a["now"]):
            if s.astimezone(client_tz).date() == day:
                who.setdefault(s, set()).add(tid)
    assert [(s.start, s.trainer_ids) for s in got] == [(s, tuple(sorted(ids))) for s, ids in sorted(who.items())]


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(case=cases(), client=st.sampled_from(ZONES))
def test_bookable_dates_match_the_model(case, client):
    client_tz = ZoneInfo(client)
    month_first = case["anchor"].replace(day=1)
    next_month = (month_first + timedelta(days=32)).replace(day=1)
    lo = datetime(month_first.year, month_first.month, 1, tzinfo=UTC) - timedelta(days=1)
    hi = datetime(next_month.year, next_month.month, 1, tzinfo=UTC) + timedelta(days=1)
    first, last = trainer_dates_around(case, lo, hi)
    expected: set[date] = set()
    for d in case["durations"]:
        for s in model_slots(case, d, first, last, now=case["now"]):
            local = s.astimezone(client_tz).date()
            if month_first <= local < next_month:
                expected.add(local)

    got = bookable_dates(
        to_schedule(case), durations=case["durations"], now=case["now"], month_first=month_first, client_tz=client_tz
    )
    assert got == sorted(expected)


@PROFILE
@given(case=cases(), client=st.sampled_from(ZONES), offset=st.integers(-1, 2), data=st.data())
def test_now_is_an_instant_whatever_its_zone(case, client, offset, data):
    # mostly the trainer's own zone, whose DST change the notice window often spans
    zone_for_now = data.draw(st.one_of(st.just(case["tz"]), st.sampled_from(ZONES)), label="zone_for_now")
    sch = to_schedule(case)
    day = case["anchor"] + timedelta(days=offset)
    local_now = case["now"].astimezone(ZoneInfo(zone_for_now))
    a = slots_on_client_date(sch, duration=case["duration"], now=case["now"], day=day, client_tz=ZoneInfo(client))
    b = slots_on_client_date(sch, duration=case["duration"], now=local_now, day=day, client_tz=ZoneInfo(client))
    assert a == b


offsets = st.one_of(
    st.just(timedelta(0)),
    st.sampled_from([timedelta(microseconds=-1), timedelta(microseconds=1)]),
    st.integers(-120, 120).map(lambda m: timedelta(minutes=m)),
)


@PROFILE
@given(case=cases(), data=st.data())
def test_notice_and_advance_bounds_are_inclusive_and_counted_in_real_time(case, data):
    """Put ``now`` right at / around ``s - notice`` and ``s - advance`` for a real grid slot ``s``,
    expressed in a zone with DST: only the instant may matter."""
    d = case["duration"]
    tz = ZoneInfo(case["tz"])
    base = datetime(case["anchor"].year, case["anchor"].month, case["anchor"].day, tzinfo=UTC)
    first, last = trainer_dates_around(case, base - timedelta(days=1), base + timedelta(days=3))
    grid = [
        s
        for s in model_slots(case, d, first, last, now=None)
        if first + timedelta(days=2) <= s.astimezone(tz).date() <= last - timedelta(days=2)
    ]
    assume(grid)
    s = data.draw(st.sampled_from(grid), label="slot")
    zone = ZoneInfo(data.draw(st.one_of(st.just(case["tz"]), st.sampled_from(ZONES)), label="zone of now"))
    notice, advance = timedelta(hours=case["notice"]), timedelta(days=case["advance"])
    sch = to_schedule(case)

    delta = data.draw(offsets, label="delta")
    now = s - notice + delta
    expected = delta <= timedelta(0) and s <= now + advance
    assert is_slot(sch, duration=d, now=now.astimezone(zone), start=s) is expected

    delta = data.draw(offsets, label="delta2")
    now = s - advance + delta
    expected = delta >= timedelta(0) and now + notice <= s
    assert is_slot(sch, duration=d, now=now.astimezone(zone), start=s) is expected
