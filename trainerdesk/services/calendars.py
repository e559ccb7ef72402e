"""Connected outside calendars (docs/calendars.md): connect, rename, sync now, remove, and the
background refresh that keeps their busy times fresh.

Network calls never happen inside a database transaction: a refresh reads what it needs, ends
the transaction, fetches, then writes the result in a new short one. A refresh is claimed first
(an atomic ``UPDATE ... WHERE claim expired``), so across every process only one fetches a given
calendar at a time. A failed refresh keeps the last good busy times and records the error.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from ..calendars import busy as ical, caldav as dav, fetch as web
from ..calendars.secrets import decrypt, encrypt
from ..config import settings
from ..db import begin_write, session_scope
from ..domain.errors import Unreachable, ValidationFailed
from ..domain.ics import UID_DOMAIN, booking_uid
from ..domain.preferences import check_text
from ..models import Booking, BusyTime, CalendarConnection, Trainer, utcnow
from . import calendar_writes
from .busy import Interval, replace_busy_times
from .trainers import bump_schedule_version, load_preferences, managed_row, managed_trainer

log = logging.getLogger(__name__)

# Busy times are expanded this far past the booking window, so a day of "not modified" answers
# never leaves the end of the window unknown.
HORIZON_MARGIN = timedelta(days=7)
MAX_CONNECTIONS = 20  # per trainer
REFRESH_BATCH = 10


@dataclass(frozen=True)
class Connection:
    """A connection as the API and the dashboard show it (no secret in it)."""

    row: CalendarConnection
    busy_count: int


# ---------------------------------------------------------------- reading


def list_connections(session: Session, *, actor: Trainer, trainer_id: str) -> list[Connection]:
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    counts = dict(
        session.exec(
            select(BusyTime.connection_id, func.count())
            .where(BusyTime.trainer_id == trainer.id)
            .group_by(BusyTime.connection_id)
        ).all()
    )
    rows = session.exec(
        select(CalendarConnection)
        .where(CalendarConnection.trainer_id == trainer.id)
        .order_by(CalendarConnection.created_at, CalendarConnection.id)
    ).all()
    return [Connection(row, counts.get(row.id, 0)) for row in rows]


def _owned(session: Session, actor: Trainer, trainer_id: str, connection_id: str) -> CalendarConnection:
    return managed_row(
        session,
        CalendarConnection,
        connection_id,
        actor=actor,
        trainer_id=trainer_id,
        missing="There is no such connected calendar.",
    )


def get_connection(session: Session, *, actor: Trainer, trainer_id: str, connection_id: str) -> Connection:
    row = _owned(session, actor, trainer_id, connection_id)
    count = session.exec(select(func.count()).select_from(BusyTime).where(BusyTime.connection_id == row.id)).one()
    return Connection(row, count)


# ---------------------------------------------------------------- connecting and changing


def url_hint(url: str) -> str:
    """The host and the end of the path: enough to tell calendars apart, useless to open one."""
    parsed = web.check_url(url)
    path = parsed.path.rstrip("/")
    tail = path.rsplit("/", 1)[-1][-12:] if path else ""
    return f"{parsed.host}/…{tail}" if tail else parsed.host


def _check_name(name: Any, fallback: str) -> str:
    return check_text(name, field="name", limit=120, label="name") or fallback


def connect_calendar(
    session: Session,
    *,
    actor: Trainer,
    trainer_id: str,
    kind: Any,
    url: Any,
    name: Any = None,
    username: Any = None,
    password: Any = None,
    now: Optional[datetime] = None,
) -> Connection:
    """Connect an iCalendar address or a CalDAV account: fetched and read before anything is
    stored (422 otherwise)."""
    now = now or utcnow()
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    if kind not in ("ics", "caldav"):
        raise ValidationFailed(
            'Connect a calendar by its secret iCalendar address (kind "ics") or a CalDAV account (kind "caldav").',
            {"field": "kind"},
        )
    if not isinstance(url, str) or not url.strip() or len(url) > 2000:
        message = (
            "Paste the calendar's secret address (iCal format)."
            if kind == "ics"
            else "Enter your calendar service's CalDAV address."
        )
        raise ValidationFailed(message, {"field": "url"})
    url = url.strip()
    try:
        hint = url_hint(url)
    except web.FetchError as exc:
        raise ValidationFailed(str(exc), {"field": "url"}) from exc
    if kind == "caldav":
        if not isinstance(username, str) or not username.strip() or len(username) > 200:
            raise ValidationFailed("Enter the CalDAV username (at most 200 characters).", {"field": "username"})
        if not isinstance(password, str) or not password or len(password) > 500:
            raise ValidationFailed(
                "Enter the CalDAV password, preferably an app password (at most 500 characters).",
                {"field": "password"},
            )
        username = username.strip()
    label = _check_name(name, hint.split("/", 1)[0])
    count = session.exec(
        select(func.count()).select_from(CalendarConnection).where(CalendarConnection.trainer_id == trainer.id)
    ).one()
    if count >= MAX_CONNECTIONS:
        raise ValidationFailed(f"A trainer can connect at most {MAX_CONNECTIONS} calendars.", {"field": "url"})
    horizon, zone, own = _reading_context(session, trainer, now)
    session.commit()  # no transaction stays open across the fetch
    if kind == "caldav":
        account = dav.Account(url, username, password)
        found = _discover(account)
        if not found:
            raise ValidationFailed(
                "This account has no calendars with events. Create one at your calendar service first.",
                {"field": "url"},
            )
        chosen = [{"href": c.href, "name": c.name, "checkConflicts": True, "writeBookings": False} for c in found]
        intervals = _read_caldav(account, chosen, zone=zone, start=now, end=horizon, own=own)
        begin_write(session)
        trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
        row = CalendarConnection(
            trainer_id=trainer.id,
            kind="caldav",
            name=label,
            secret=encrypt(json.dumps({"url": url, "username": username, "password": password})),
            url_hint=hint,
            calendars=chosen,
            status="ok",
            last_synced_at=now,
            expanded_until=horizon,
            sync_claimed_until=now + timedelta(seconds=settings().calendar_refresh_seconds),
        )
        session.add(row)
        session.flush()
        busy_count = replace_busy_times(session, row, intervals)
        session.commit()
        return Connection(row, busy_count)
    fetched = _fetch(url, etag=None, last_modified=None)
    intervals = _read(fetched.body, zone=zone, start=now, end=horizon, own=own)

    begin_write(session)
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    row = CalendarConnection(
        trainer_id=trainer.id,
        kind="ics",
        name=label,
        secret=encrypt(json.dumps({"url": url})),
        url_hint=hint,
        status="ok",
        last_synced_at=now,
        etag=(fetched.etag or "")[:200],
        last_modified=(fetched.last_modified or "")[:100],
        expanded_until=horizon,
        sync_claimed_until=now + timedelta(seconds=settings().calendar_refresh_seconds),
    )
    session.add(row)
    session.flush()
    busy_count = replace_busy_times(session, row, intervals)
    session.commit()
    return Connection(row, busy_count)


def update_connection(
    session: Session,
    *,
    actor: Trainer,
    trainer_id: str,
    connection_id: str,
    name: Any = None,
    calendars: Any = None,
    now: Optional[datetime] = None,
) -> Connection:
    """Rename, and for a CalDAV account choose its calendars: an unchecked calendar's busy times
    stop counting in this transaction; a newly checked one is read right after it (outside it)."""
    begin_write(session)
    row = _owned(session, actor, trainer_id, connection_id)
    if name is not None:
        row.name = _check_name(name, row.name)
    newly_checked = False
    if calendars is not None:
        if row.kind != "caldav":
            raise ValidationFailed("Only a CalDAV account has calendars to choose from.", {"field": "calendars"})
        chosen = _apply_choices(row.calendars, calendars)
        before = {c["href"] for c in row.calendars if c.get("checkConflicts")}
        after = {c["href"] for c in chosen if c.get("checkConflicts")}
        newly_checked = bool(after - before)
        written_into = calendar_writes.write_calendar(row)
        row.calendars = chosen
        calendar_writes.queue_calendar_change(session, row, before=written_into, now=now or utcnow())
        dropped = before - after
        if dropped:
            session.exec(
                delete(BusyTime).where(BusyTime.connection_id == row.id, col(BusyTime.calendar_href).in_(dropped))
            )
            bump_schedule_version(session, session.get(Trainer, row.trainer_id))
    session.add(row)
    session.commit()
    if newly_checked:
        refresh(row.id, now=now or utcnow(), force=True)
        session.expire_all()
    return get_connection(session, actor=actor, trainer_id=trainer_id, connection_id=connection_id)


def _apply_choices(current: list[dict], changes: Any) -> list[dict]:
    """The account's calendars with ``changes`` ([{href, checkConflicts?, writeBookings?}]) applied."""
    if not isinstance(changes, list) or len(changes) > 100:
        raise ValidationFailed(
            "calendars must be a list of {href, checkConflicts?, writeBookings?}.", {"field": "calendars"}
        )
    chosen = {c["href"]: dict(c) for c in current}
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("href"), str):
            raise ValidationFailed("Each calendar needs its href.", {"field": "calendars"})
        calendar = chosen.get(change["href"])
        if calendar is None:
            raise ValidationFailed("This account has no calendar with that href.", {"field": "calendars"})
        for flag in ("checkConflicts", "writeBookings"):
            if flag in change:
                if not isinstance(change[flag], bool):
                    raise ValidationFailed(f"{flag} must be true or false.", {"field": "calendars"})
                calendar[flag] = change[flag]
    result = [chosen[c["href"]] for c in current]
    if sum(1 for c in result if c.get("writeBookings")) > 1:
        raise ValidationFailed("Bookings can be written into one calendar only.", {"field": "calendars"})
    return result


def remove_connection(session: Session, *, actor: Trainer, trainer_id: str, connection_id: str) -> None:
    """Disconnect: its busy times stop counting at once."""
    begin_write(session)
    row = _owned(session, actor, trainer_id, connection_id)
    replace_busy_times(session, row, [])
    # Events already written into its calendar stay there: without the account we cannot reach them.
    calendar_writes.forget_connection(session, row.id)
    session.delete(row)
    session.commit()


def sync_connection(
    session: Session, *, actor: Trainer, trainer_id: str, connection_id: str, now: Optional[datetime] = None
) -> Connection:
    """Fetch now (the answer says whether it worked: ``status`` and ``lastError``)."""
    row = _owned(session, actor, trainer_id, connection_id)
    session.commit()
    refresh(row.id, now=now or utcnow(), force=True)
    session.expire_all()
    return get_connection(session, actor=actor, trainer_id=trainer_id, connection_id=connection_id)


# ---------------------------------------------------------------- fetching and reading


def _reading_context(session: Session, trainer: Trainer, now: datetime) -> tuple[datetime, ZoneInfo, frozenset[str]]:
    """How far to expand, the zone for all-day and floating times, and our own bookings' UIDs."""
    prefs = load_preferences(session, trainer.id)
    horizon = now + timedelta(days=prefs.max_advance_days) + HORIZON_MARGIN
    ids = session.exec(select(Booking.id).where(Booking.trainer_id == trainer.id, Booking.end_at > now)).all()
    return horizon, ZoneInfo(trainer.timezone), frozenset(booking_uid(i, UID_DOMAIN) for i in ids)


def _fetch(url: str, *, etag: Optional[str], last_modified: Optional[str]) -> web.Fetched | web.NotModified:
    try:
        return web.fetch_calendar(
            url,
            etag=etag,
            last_modified=last_modified,
            allow_private_networks=settings().calendar_allow_private_networks,
        )
    except (web.RefusedUrl, web.TooLarge) as exc:
        raise ValidationFailed(str(exc), {"field": "url"}) from exc
    except web.FetchError as exc:
        raise Unreachable(str(exc), {"field": "url"}) from exc


def _read(body: bytes, *, zone: ZoneInfo, start: datetime, end: datetime, own: frozenset[str]) -> list[Interval]:
    try:
        found = ical.busy_times(body, trainer_zone=zone, start=start, end=end, ignore_uids=own)
    except ical.NotACalendar as exc:
        raise ValidationFailed(str(exc), {"field": "url"}) from exc
    return [Interval(b.start, b.end, b.summary) for b in found]


def _dav_errors(exc: web.FetchError, *, about: str = "") -> Exception:
    """The API error for a CalDAV failure (``about``: the calendar it concerns, named first)."""
    message = f"{about}: {exc}" if about else str(exc)
    if isinstance(exc, dav.WrongCredentials):
        return ValidationFailed(message, {"field": "password"})
    if isinstance(exc, (web.RefusedUrl, web.TooLarge)):
        return ValidationFailed(message, {"field": "url"})
    return Unreachable(message, {"field": "url"})


def _discover(account: dav.Account) -> list[dav.FoundCalendar]:
    try:
        return dav.discover(account, allow_private_networks=settings().calendar_allow_private_networks)
    except web.FetchError as exc:
        raise _dav_errors(exc) from exc


def _read_caldav(
    account: dav.Account,
    chosen: list[dict],
    *,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    own: frozenset[str],
) -> list[Interval]:
    """The busy times of every checked calendar of the account (all read, or an error)."""
    intervals: list[Interval] = []
    for calendar in chosen:
        if calendar.get("checkConflicts"):
            intervals.extend(_read_dav_calendar(account, calendar, zone=zone, start=start, end=end, own=own))
    return intervals


def _read_dav_calendar(
    account: dav.Account, calendar: dict, *, zone: ZoneInfo, start: datetime, end: datetime, own: frozenset[str]
) -> list[Interval]:
    """The busy times of one calendar of the account (an error names the calendar)."""
    try:
        texts = dav.read_events(
            account,
            calendar["href"],
            start=start,
            end=end,
            allow_private_networks=settings().calendar_allow_private_networks,
        )
    except web.FetchError as exc:
        raise _dav_errors(exc, about=calendar.get("name") or "A calendar") from exc
    intervals: list[Interval] = []
    for text in texts:
        try:
            found = ical.busy_times(text, trainer_zone=zone, start=start, end=end, ignore_uids=own)
        except ical.NotACalendar:
            continue  # one unreadable object never fails the whole calendar
        intervals.extend(Interval(b.start, b.end, b.summary, calendar["href"]) for b in found)
    return intervals


def _account(secret: str) -> dav.Account:
    data = json.loads(decrypt(secret))
    return dav.Account(data["url"], data["username"], data["password"])


def refresh(connection_id: str, *, now: datetime, force: bool = False) -> None:
    """Fetch one connection and store what it says; on failure keep the busy times, record why.

    ``force`` skips the conditional request (a trainer's "sync now").
    """
    with session_scope() as session:
        row = session.get(CalendarConnection, connection_id)
        if row is None:
            return
        trainer = session.get(Trainer, row.trainer_id)
        horizon, zone, own = _reading_context(session, trainer, now)
        if row.kind == "caldav":
            account, chosen = _account(row.secret), list(row.calendars)
            session.commit()
            _refresh_caldav(
                session,
                connection_id,
                account,
                chosen,
                zone=zone,
                now=now,
                horizon=horizon,
                own=own,
                # A trainer's "sync now" also forgets calendars the server no longer lists; the
                # background keeps them (with their last good times) in case the listing was a glitch.
                forget_gone=force,
            )
            return
        url = json.loads(decrypt(row.secret))["url"]
        # "Not modified" only helps while the stored expansion still covers the booking window.
        fresh_enough = not force and row.expanded_until is not None and row.expanded_until >= horizon - HORIZON_MARGIN
        etag, modified = (row.etag or None, row.last_modified or None) if fresh_enough else (None, None)
        session.commit()
        try:
            fetched = _fetch(url, etag=etag, last_modified=modified)
            intervals = (
                None
                if isinstance(fetched, web.NotModified)
                else _read(fetched.body, zone=zone, start=now, end=horizon, own=own)
            )
        except (ValidationFailed, Unreachable) as exc:
            _record_failure(session, connection_id, exc.message)
            return
        with _storing_good_read(session, connection_id, now) as row:
            if row is not None:
                if intervals is not None:
                    replace_busy_times(session, row, intervals)
                    row.expanded_until = horizon
                row.etag, row.last_modified = (fetched.etag or "")[:200], (fetched.last_modified or "")[:100]


def _refresh_caldav(
    session: Session,
    connection_id: str,
    account: dav.Account,
    chosen: list[dict],
    *,
    zone: ZoneInfo,
    now: datetime,
    horizon: datetime,
    own: frozenset[str],
    forget_gone: bool = False,
) -> None:
    """Read every checked calendar of an account afresh (CalDAV has no whole-account ETag).

    The account's calendars are listed again first, so one made on the server since joins
    checked (as at connecting) without a "sync now". ``forget_gone`` (a trainer's "sync now")
    also drops the ones the server no longer lists, with their busy times; otherwise they stay
    and their read fails visibly, their last good times kept. Choices are kept.
    """
    try:
        found = _discover(account)
    except (ValidationFailed, Unreachable) as exc:
        _record_failure(session, connection_id, exc.message)
        return
    chosen = _merge_calendars(chosen, found, forget_gone=forget_gone)
    # Each calendar on its own: one that fails keeps its last good times and is named in the
    # error, the others are brought up to date.
    intervals: list[Interval] = []
    failed: dict[str, str] = {}
    for calendar in chosen:
        if not calendar.get("checkConflicts"):
            continue
        try:
            intervals.extend(_read_dav_calendar(account, calendar, zone=zone, start=now, end=horizon, own=own))
        except (ValidationFailed, Unreachable) as exc:
            failed[calendar["href"]] = exc.message
    with _storing_good_read(session, connection_id, now, error="; ".join(failed.values())) as row:
        if row is None:
            return
        before = calendar_writes.write_calendar(row)
        row.calendars = _merge_calendars(row.calendars, found, forget_gone=forget_gone)  # the choices as now
        calendar_writes.queue_calendar_change(session, row, before=before, now=now)
        if failed:
            kept = session.exec(
                select(BusyTime).where(BusyTime.connection_id == row.id, col(BusyTime.calendar_href).in_(list(failed)))
            ).all()
            intervals.extend(Interval(b.start_at, b.end_at, b.summary, b.calendar_href) for b in kept)
        # A calendar unchecked while we read must not come back: keep only what is still checked.
        checked = {c["href"] for c in row.calendars if c.get("checkConflicts")}
        replace_busy_times(session, row, [i for i in intervals if i.calendar in checked])
        if not failed:
            row.expanded_until = horizon


def _merge_calendars(current: list[dict], found: list[dav.FoundCalendar], *, forget_gone: bool) -> list[dict]:
    """The calendars the server lists now, each with the trainer's choices if it had any (and,
    unless ``forget_gone``, the known ones it no longer lists)."""
    known = {c["href"]: c for c in current}
    listed = [
        {**known.get(c.href, {"checkConflicts": True, "writeBookings": False}), "href": c.href, "name": c.name}
        for c in found
    ]
    if forget_gone:
        return listed
    hrefs = {c.href for c in found}
    kept = [c for c in current if c["href"] not in hrefs] + listed
    return sorted(kept, key=lambda c: (c["name"].casefold(), c["href"]))


@contextmanager
def _storing_good_read(
    session: Session, connection_id: str, now: datetime, *, error: str = ""
) -> Iterator[Optional[CalendarConnection]]:
    """The write transaction after a good read: the connection (None when it was removed while we
    read), marked up to date when the block is done (or, with ``error``, a partly good read: what
    could be read is stored, the error is shown)."""
    begin_write(session)
    row = session.get(CalendarConnection, connection_id)
    yield row  # an error in the block propagates uncommitted (the session is rolled back)
    if row is not None:
        if error:
            row.status, row.last_error = "error", error[:500]
        else:
            row.status, row.last_error, row.last_synced_at = "ok", "", now
        session.add(row)
    session.commit()


def _record_failure(session: Session, connection_id: str, message: str) -> None:
    begin_write(session)
    row = session.get(CalendarConnection, connection_id)
    if row is not None:
        row.status, row.last_error = "error", message[:500]
        session.add(row)
    session.commit()


# ---------------------------------------------------------------- the background refresh


def claim_due(session: Session, *, now: datetime) -> list[str]:
    """Connections due for a refresh, each claimed for this process until its next turn.

    The claim is one conditional UPDATE per connection: when several processes race for the same
    connection, exactly one sees its row change.
    """
    due = session.exec(
        select(CalendarConnection.id)
        .where(
            or_(
                col(CalendarConnection.sync_claimed_until).is_(None),
                CalendarConnection.sync_claimed_until <= now,
            )
        )
        .order_by(CalendarConnection.sync_claimed_until)
        .limit(REFRESH_BATCH)
    ).all()
    session.commit()
    claimed = []
    until = now + timedelta(seconds=settings().calendar_refresh_seconds)
    for connection_id in due:
        result = session.exec(
            update(CalendarConnection)
            .where(
                CalendarConnection.id == connection_id,
                or_(
                    col(CalendarConnection.sync_claimed_until).is_(None),
                    CalendarConnection.sync_claimed_until <= now,
                ),
            )
            .values(sync_claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if result.rowcount == 1:
            claimed.append(connection_id)
    return claimed


def refresh_due(*, now: Optional[datetime] = None) -> int:
    """Refresh every connection that is due (and that no other process has claimed)."""
    now = now or utcnow()
    with session_scope() as session:
        claimed = claim_due(session, now=now)
    for connection_id in claimed:
        try:
            refresh(connection_id, now=now)
        except Exception:  # noqa: BLE001 - one broken calendar must not stop the others
            log.exception("refreshing calendar %s failed", connection_id)
    return len(claimed)


async def run_refresher(interval: float = 15.0) -> None:
    """Lifespan task of the app: refresh due calendars every ``interval`` seconds."""
    while True:
        try:
            await asyncio.to_thread(refresh_due)
        except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
            log.exception("calendar refresh round failed")
        await asyncio.sleep(interval)
