"""Weekly hours, date overrides and slot queries: loads the rows a question needs and asks ``domain.slots``.

Slot answers are cached per process, keyed on the trainer's
``schedule_version``, which every write to bookings, hours, overrides or
preferences bumps in its own transaction. The version is read fresh on every
request, so a cached answer is never stale, whichever process made the change;
only the grid is cached, the notice and advance limits apply with the exact
``now`` each time.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from itertools import chain
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, Integer, bindparam, cast, literal, null, union_all
from sqlmodel import Session, col, delete, select

from ..db import begin_write, plain_copy
from ..domain.errors import NotFound, ValidationFailed
from ..domain.inputs import check_date, check_month
from ..domain.policy import ACTIVE_STATUSES
from ..domain.preferences import Preferences
from ..domain.ranges import Range
from ..domain.slots import (
    HoursBlock,
    Slot,
    SlotFinder,
    TrainerSchedule,
    WeeklyBlock,
    booking_window,
    check_no_overlap,
    check_no_overlap_hours,
    client_dates,
    local_day_range,
    lookaround,
    month_range,
    parse_wall_time,
    team_union,
    wall_to_instant,
)
from ..lru import LruCache
from ..models import AvailabilityBlock, Booking, BookingPreferences, BusyTime, DateOverride, Trainer
from .trainers import (
    bump_schedule_version,
    managed_row,
    managed_trainer,
    preferences_from_row,
    team_member_ids,
    unknown_trainer,
)

MAX_DURATION = timedelta(minutes=480)


# ---------------------------------------------------------------- parsing


def parse_weekly_block(day_of_week: Any, start_time: Any, end_time: Any) -> WeeklyBlock:
    if not isinstance(day_of_week, int) or isinstance(day_of_week, bool):
        raise ValidationFailed("dayOfWeek must be a number from 0 (Monday) to 6 (Sunday).", {"field": "dayOfWeek"})
    start = parse_wall_time(start_time, field_name="startTime", allow_24=False)
    end = parse_wall_time(end_time, field_name="endTime")
    return WeeklyBlock(day_of_week, start, end)


def parse_hours_block(start_time: Any, end_time: Any) -> HoursBlock:
    start = parse_wall_time(start_time, field_name="startTime", allow_24=False)
    end = parse_wall_time(end_time, field_name="endTime")
    return HoursBlock(start, end)


def _domain_block(row: AvailabilityBlock) -> WeeklyBlock:
    return WeeklyBlock(row.day_of_week, row.start_minute, row.end_minute)


# ---------------------------------------------------------------- weekly hours


def list_weekly(session: Session, trainer_id: str) -> list[AvailabilityBlock]:
    return list(
        session.exec(
            select(AvailabilityBlock)
            .where(AvailabilityBlock.trainer_id == trainer_id)
            .order_by(AvailabilityBlock.day_of_week, AvailabilityBlock.start_minute)
        ).all()
    )


def add_weekly_block(session: Session, *, actor: Trainer, trainer_id: str, block: WeeklyBlock) -> AvailabilityBlock:
    """Add one block; :class:`Overlap` if it overlaps a block of the same day."""
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    existing = [_domain_block(r) for r in list_weekly(session, trainer.id)]
    check_no_overlap([*existing, block])
    row = AvailabilityBlock(
        trainer_id=trainer.id, day_of_week=block.day_of_week, start_minute=block.start, end_minute=block.end
    )
    session.add(row)
    bump_schedule_version(session, trainer)
    session.commit()
    return row


def replace_week(
    session: Session, *, actor: Trainer, trainer_id: str, blocks: Sequence[WeeklyBlock]
) -> list[AvailabilityBlock]:
    """Replace the whole week at once; on any error nothing changes."""
    check_no_overlap(blocks)
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    session.exec(delete(AvailabilityBlock).where(AvailabilityBlock.trainer_id == trainer.id))
    for b in sorted(blocks):
        session.add(
            AvailabilityBlock(trainer_id=trainer.id, day_of_week=b.day_of_week, start_minute=b.start, end_minute=b.end)
        )
    bump_schedule_version(session, trainer)
    session.commit()
    return list_weekly(session, trainer.id)


def delete_weekly_block(session: Session, *, actor: Trainer, trainer_id: str, block_id: str) -> None:
    begin_write(session)
    row = managed_row(
        session,
        AvailabilityBlock,
        block_id,
        actor=actor,
        trainer_id=trainer_id,
        missing="No availability block with this id.",
    )
    session.delete(row)
    bump_schedule_version(session, session.get(Trainer, row.trainer_id))
    session.commit()


# ---------------------------------------------------------------- date overrides


def list_overrides(
    session: Session, trainer_id: str, first: Optional[date] = None, last: Optional[date] = None
) -> list[DateOverride]:
    query = select(DateOverride).where(DateOverride.trainer_id == trainer_id)
    if first:
        query = query.where(DateOverride.day >= check_date(first, field="from"))
    if last:
        query = query.where(DateOverride.day <= check_date(last, field="to"))
    return list(session.exec(query.order_by(DateOverride.day)).all())


def set_override(
    session: Session, *, actor: Trainer, trainer_id: str, day: date, blocks: Sequence[HoursBlock]
) -> DateOverride:
    """Hours for one date that replace the weekly ones; no blocks closes the date."""
    check_date(day, field="date")
    check_no_overlap_hours(blocks, day_label=day.isoformat())
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = session.exec(
        select(DateOverride).where(DateOverride.trainer_id == trainer.id, DateOverride.day == day)
    ).first()
    row = row or DateOverride(trainer_id=trainer.id, day=day)
    row.blocks = [[b.start, b.end] for b in sorted(blocks)]
    session.add(row)
    bump_schedule_version(session, trainer)
    session.commit()
    return row


def delete_override(session: Session, *, actor: Trainer, trainer_id: str, day: date) -> None:
    check_date(day, field="date")
    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = session.exec(
        select(DateOverride).where(DateOverride.trainer_id == trainer.id, DateOverride.day == day)
    ).first()
    if row is None:
        raise NotFound(f"There is no override for {day.isoformat()}.")
    session.delete(row)
    bump_schedule_version(session, trainer)
    session.commit()


# ---------------------------------------------------------------- schedules and slots


# The statements of ``load_schedule``, built once with bind parameters: building one costs several
# times what running it does (it is on every booking's slot re-check and every uncached slot query).
_WEEKLY_AND_OVERRIDES = union_all(
    select(
        literal("w").label("kind"),
        AvailabilityBlock.day_of_week,
        AvailabilityBlock.start_minute,
        AvailabilityBlock.end_minute,
        cast(null(), Date).label("day"),
        cast(null(), JSON).label("blocks"),
    ).where(AvailabilityBlock.trainer_id == bindparam("trainer_id")),
    select(
        literal("o"),
        cast(null(), Integer),
        cast(null(), Integer),
        cast(null(), Integer),
        DateOverride.day,
        DateOverride.blocks,
    ).where(
        DateOverride.trainer_id == bindparam("trainer_id"),
        DateOverride.day >= bindparam("first"),
        DateOverride.day <= bindparam("last"),
    ),
)


def _busy_statement(*, excluding: bool):
    """Busy periods that can touch ``[span_start, span_end)``: active bookings and outside calendars' events."""
    bookings = select(Booking.start_at, Booking.end_at).where(
        Booking.trainer_id == bindparam("trainer_id"),
        col(Booking.status).in_([s.value for s in ACTIVE_STATUSES]),
        Booking.start_at < bindparam("span_end"),
        Booking.start_at > bindparam("scan_from"),  # keeps the scan on the (trainer, status, start) index
        Booking.end_at > bindparam("span_start"),
    )
    if excluding:
        bookings = bookings.where(Booking.id != bindparam("exclude_booking_id"))
    # The trainer's outside calendars count like bookings, read in the same statement. Their events
    # can be long (a week away), so the scan is bounded by end time instead.
    outside = select(BusyTime.start_at, BusyTime.end_at).where(
        BusyTime.trainer_id == bindparam("trainer_id"),
        BusyTime.end_at > bindparam("span_start"),
        BusyTime.start_at < bindparam("span_end"),
    )
    return union_all(bookings, outside)


_BUSY = {excluding: _busy_statement(excluding=excluding) for excluding in (False, True)}


def load_schedule(
    session: Session,
    trainer: Trainer,
    prefs: Preferences,
    *,
    start: datetime,
    end: datetime,
    exclude_booking_id: Optional[str] = None,
) -> TrainerSchedule:
    """The rows slot generation needs for starts in ``[start, end)``: hours, overrides, busy bookings."""
    tz = ZoneInfo(trainer.timezone)
    first, last = lookaround(start, end, tz)
    weekly, overrides = _hours(session, trainer.id, first, last)
    # Busy periods that can touch any window of those dates (plus buffer).
    span_start = wall_to_instant(first, 0, tz) - timedelta(minutes=prefs.buffer_minutes)
    span_end = wall_to_instant(last + timedelta(days=1), 0, tz) + timedelta(minutes=prefs.buffer_minutes)
    params = {
        "trainer_id": trainer.id,
        "span_start": span_start,
        "span_end": span_end,
        "scan_from": span_start - MAX_DURATION,
    }
    if exclude_booking_id:
        params["exclude_booking_id"] = exclude_booking_id
    rows = session.execute(_BUSY[bool(exclude_booking_id)], params).all()
    busy = [Range(s, e) for s, e in rows]
    return TrainerSchedule(trainer.id, tz, weekly, prefs.slot_rules, overrides=overrides, busy=busy)


def _hours(
    session: Session, trainer_id: str, first: date, last: date
) -> tuple[list[WeeklyBlock], dict[date, list[HoursBlock]]]:
    """Weekly blocks and the overrides of ``first..last`` in one round trip (UNION ALL)."""
    weekly: list[WeeklyBlock] = []
    overrides: dict[date, list[HoursBlock]] = {}
    rows = session.execute(_WEEKLY_AND_OVERRIDES, {"trainer_id": trainer_id, "first": first, "last": last}).all()
    for kind, dow, start, end, day, blocks in rows:
        if kind == "w":
            weekly.append(WeeklyBlock(dow, start, end))
        else:
            if isinstance(day, str):  # SQLite hands back the ISO text of a NULL-typed union column
                day = date.fromisoformat(day)
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            overrides[day] = [HoursBlock(a, b) for a, b in blocks]
    return weekly, overrides


# Grid slot starts keyed by (trainer, version, ...): a changed schedule is a new key, never a stale hit.
grid_cache: LruCache[tuple, tuple[datetime, ...]] = LruCache(4096)

# Grids are computed and kept per block of seven UTC days, not per question: a client's date (in any zone)
# or month is cut out of the blocks it touches, so the same trainer's days asked from five zones, or a day
# after its month, are one computation. Exact, because a range's slots are the trainer's one set of grid
# slots cut to that range (``domain.slots.SlotFinder``; tests/unit/test_slots_properties.py).
GRID_BLOCK = timedelta(days=7)
_BLOCKS_FROM = datetime(2000, 1, 3, tzinfo=timezone.utc)  # a Monday: blocks run Monday to Monday, UTC


def grid_blocks(start: datetime, end: datetime) -> list[datetime]:
    """The starts of the grid blocks that cover ``[start, end)``."""
    first = _BLOCKS_FROM + GRID_BLOCK * ((start - _BLOCKS_FROM) // GRID_BLOCK)
    out = []
    while first < end:
        out.append(first)
        first += GRID_BLOCK
    return out


class Horizon:
    """Until when an answer computed at ``now`` stays the same while only time passes (its data unchanged).

    Time enters a slot answer only through the booking window, ``[now + minNotice, now + maxAdvance]``,
    which slides forward: the first start shown drops out once ``now + minNotice`` passes it, and the
    first grid start beyond the window comes in once ``now + maxAdvance`` reaches it. ``valid_until``
    is the earliest such instant over every grid the answer used (None: no instant changes it); an
    answer may be reused while ``now < valid_until`` and the trainer's ``schedule_version`` is the same.
    """

    def __init__(self) -> None:
        self.valid_until: Optional[datetime] = None
        self.versions: dict[str, int] = {}  # trainer id -> the schedule_version the answer was computed from

    def until(self, instant: datetime) -> None:
        if self.valid_until is None or instant < self.valid_until:
            self.valid_until = instant

    def grid(self, grids, *, lo: datetime, hi: datetime, window: Range, now: datetime) -> None:
        notice, advance = window.start - now, window.end - now
        for grid in grids:
            shown = min((s for s in grid if lo <= s < hi), default=None)
            if shown is not None:
                self.until(shown - notice)
            beyond = min((s for s in grid if s >= hi), default=None)
            if beyond is not None and hi == window.end:
                self.until(beyond - advance)


# Built once (with a bind parameter): most requests start with it.
_TRAINER_WITH_PREFERENCES = (
    select(Trainer, BookingPreferences)
    .join(BookingPreferences, BookingPreferences.trainer_id == Trainer.id, isouter=True)
    .where(Trainer.id == bindparam("trainer_id"))
)


def trainer_with_preferences(session: Session, trainer_id: str) -> tuple[Trainer, Preferences]:
    row = (
        session.exec(_TRAINER_WITH_PREFERENCES, params={"trainer_id": trainer_id}).first()
        if isinstance(trainer_id, str)
        else None
    )
    if row is None:
        raise unknown_trainer()
    trainer, prefs_row = row
    return trainer, preferences_from_row(prefs_row)


# The trainer and preferences behind slot reads, kept per trainer and per what slots depend on of the
# trainer row: its ``schedule_version`` (every change of hours, preferences or bookings bumps it), time zone
# and team. A cold slot read spent most of its time in the ORM read of both (docs/performance.md, round
# four); now it reads three columns and finds the rest here. Read-only copies, shared between requests.
_SLOT_OWNER_KEY = select(
    Trainer.__table__.c.schedule_version, Trainer.__table__.c.timezone, Trainer.__table__.c.primary_trainer_id
).where(Trainer.__table__.c.id == bindparam("trainer_id"))
slot_owners: LruCache[tuple, tuple[Trainer, Preferences]] = LruCache(4096)


def slot_owner(session: Session, trainer_id: Any) -> tuple[Trainer, Preferences]:
    """:func:`trainer_with_preferences` for slot reads: the same pair, read again only when the trainer's
    schedule version, time zone or team changed (never a stale one: the key is read on every call)."""
    row = session.execute(_SLOT_OWNER_KEY, {"trainer_id": trainer_id}).first() if isinstance(trainer_id, str) else None
    if row is None:
        raise unknown_trainer()
    owner = slot_owners.get((trainer_id, *row))
    if owner is None:
        trainer, prefs = trainer_with_preferences(session, trainer_id)
        owner = (plain_copy(trainer), prefs)  # (Preferences is immutable)
        # Keyed on the row as read with it (a change committed between the two reads gets a key of its own).
        slot_owners.put((trainer_id, trainer.schedule_version, trainer.timezone, trainer.primary_trainer_id), owner)
    return owner


def _members(
    session: Session, lead: Trainer, prefs: Preferences, *, is_team: bool
) -> list[tuple[Trainer, Preferences]]:
    """The trainers whose slots answer a question: one trainer, or a whole team."""
    if not is_team:
        return [(lead, prefs)]
    if lead.primary_trainer_id is not None:
        raise NotFound("No team with this id; use the primary trainer's id.")
    return [slot_owner(session, tid) for tid in team_member_ids(session, lead)]


def check_duration(prefs: Preferences, duration: Optional[int]) -> None:
    if duration is not None and duration not in prefs.session_durations:
        offered = ", ".join(str(d) for d in prefs.session_durations)
        raise ValidationFailed(f"This trainer offers sessions of {offered} minutes.", {"field": "duration"})


def trainer_slots(
    session: Session,
    trainer: Trainer,
    prefs: Preferences,
    *,
    durations: Sequence[int],
    start: datetime,
    end: datetime,
    now: datetime,
    exclude_booking_id: Optional[str] = None,
    horizon: Optional[Horizon] = None,
) -> dict[int, list[Slot]]:
    """Bookable slots per duration with starts in ``[start, end)``, served from the grid cache when possible.

    ``horizon``, when given, is told until when the answer stays the same as time passes (see :class:`Horizon`).
    """
    if horizon is not None:
        horizon.versions[trainer.id] = trainer.schedule_version
    window = booking_window(prefs.slot_rules, now)
    lo, hi = max(start, window.start), min(end, window.end)
    if lo >= hi:
        if horizon is not None and window.end <= start:  # too far ahead today; starts come into reach later
            horizon.until(start - (window.end - now))
        return {d: [] for d in durations}

    def key(d: int, block: datetime) -> tuple:
        return (trainer.id, trainer.schedule_version, trainer.timezone, d, block, exclude_booking_id)

    blocks = grid_blocks(start, end)
    per_block = {(d, block): grid_cache.get(key(d, block)) for d in durations for block in blocks}
    missing = [block for (_, block), grid in per_block.items() if grid is None]
    if missing:
        # One read and one finder for the span of the missing blocks, and from it the grids of every length
        # of session the trainer offers: a later question for another length, or another date of the
        # span, is then a hit (reading and cutting the schedule cost far more than walking one grid).
        span_start, span_end = min(missing), max(missing) + GRID_BLOCK
        schedule = load_schedule(
            session, trainer, prefs, start=span_start, end=span_end, exclude_booking_id=exclude_booking_id
        )
        finder = SlotFinder(schedule, start=span_start, end=span_end)
        for d in sorted({*durations, *prefs.session_durations}):
            starts = finder.starts(d)
            for block in grid_blocks(span_start, span_end):
                grid = tuple(starts[bisect_left(starts, block) : bisect_left(starts, block + GRID_BLOCK)])
                grid_cache.put(key(d, block), grid)
                per_block[(d, block)] = grid
    grids: dict[int, tuple[datetime, ...]] = {}
    for d in durations:
        joined = tuple(chain.from_iterable(per_block[(d, block)] for block in blocks))
        grids[d] = joined[bisect_left(joined, start) : bisect_left(joined, end)]
    if horizon is not None:
        horizon.grid(grids.values(), lo=lo, hi=hi, window=window, now=now)
    return {
        d: [Slot(s, s + timedelta(minutes=d), (trainer.id,)) for s in grid if lo <= s < hi] for d, grid in grids.items()
    }


def slots_for_date(
    session: Session,
    *,
    trainer_id: Optional[str] = None,
    team_id: Optional[str] = None,
    day: date,
    client_tz: Optional[ZoneInfo],
    duration: Optional[int],
    now: datetime,
    exclude_booking_id: Optional[str] = None,
    horizon: Optional[Horizon] = None,
) -> tuple[ZoneInfo, dict[int, list[Slot]]]:
    """Slots on one client date, per duration, for a trainer or a team (their union).

    Returns the zone used (the client's, else the trainer's) and, per
    duration, the slots in order. ``day`` must lie in ``inputs.SUPPORTED_DATES``.
    """
    check_date(day, field="date")
    lead, prefs = slot_owner(session, team_id or trainer_id)
    zone = client_tz or ZoneInfo(lead.timezone)
    span = local_day_range(day, zone)
    members = _members(session, lead, prefs, is_team=bool(team_id))
    wanted = [duration] if duration else sorted({d for _, p in members for d in p.session_durations})
    if duration and not any(duration in p.session_durations for _, p in members):
        check_duration(prefs, duration)
    per_duration: dict[int, list[list[Slot]]] = {d: [] for d in wanted}
    for trainer, p in members:
        offered = [d for d in wanted if d in p.session_durations]
        for d, slots in trainer_slots(
            session,
            trainer,
            p,
            durations=offered,
            start=span.start,
            end=span.end,
            now=now,
            exclude_booking_id=exclude_booking_id,
            horizon=horizon,
        ).items():
            per_duration[d].append(slots)
    return zone, {d: team_union(lists) for d, lists in per_duration.items()}


def dates_with_slots(
    session: Session,
    *,
    trainer_id: Optional[str] = None,
    team_id: Optional[str] = None,
    month_first: date,
    client_tz: Optional[ZoneInfo],
    duration: Optional[int],
    now: datetime,
    exclude_booking_id: Optional[str] = None,
    horizon: Optional[Horizon] = None,
) -> list[date]:
    """Client-zone dates of a month (in ``inputs.SUPPORTED_DATES``) with at least one slot."""
    month_first = check_month(month_first, field="month")
    lead, prefs = slot_owner(session, team_id or trainer_id)
    zone = client_tz or ZoneInfo(lead.timezone)
    start, end = month_range(month_first, zone)
    members = _members(session, lead, prefs, is_team=bool(team_id))
    if not team_id and duration:
        check_duration(prefs, duration)
    starts: list[datetime] = []
    for trainer, p in members:
        offered = [duration] if duration in p.session_durations else ([] if duration else list(p.session_durations))
        for slots in trainer_slots(
            session,
            trainer,
            p,
            durations=offered,
            start=start,
            end=end,
            now=now,
            exclude_booking_id=exclude_booking_id,
            horizon=horizon,
        ).values():
            starts.extend(s.start for s in slots)
    # The cached grids give the same starts as domain.slots.bookable_dates' finder; the domain turns them into dates.
    return client_dates(starts, zone)


def schedule_version(session: Session, trainer_ids: Sequence[str]) -> int:
    """One number that grows whenever any of these trainers' schedules changes (versions only grow, so
    their sum does too): open pages poll it and refresh the moment anything changed."""
    versions = session.exec(select(Trainer.schedule_version).where(col(Trainer.id).in_(list(trainer_ids)))).all()
    return sum(versions) if versions else -1
