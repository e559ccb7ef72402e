"""Benchmark: reading, storing and querying two outside calendars of 2,000 events each (issue 14).

Generates two realistic .ics exports (a Google one with X-WR-TIMEZONE and an Outlook one with a
Windows-named VTIMEZONE), each of 2,000 VEVENTs: one-off timed events over the booking window and
some history, weekly and daily RRULEs with EXDATEs, RECURRENCE-ID overrides (moved and cancelled),
all-day events, TRANSPARENT and TENTATIVE ones. Measures (a) parse + expand
(``calendars.busy.busy_times``), (b) storing the result (``replace_busy_times`` in a committed write
transaction, on a migrated database) and a whole refresh from a local HTTP server, and (c) slot
queries of one trainer before and after connecting both calendars: SQL statements and median
time, cold and warm slot cache. SQLite, and PostgreSQL when it answers at 127.0.0.1:5432.
Figures go to docs/performance.md. Run: make bench-calendars
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_slots import DURATIONS, NOW, TZ  # noqa: E402
from trainerdesk.domain.slots import WeeklyBlock, wall_to_instant  # noqa: E402

UTC = timezone.utc
EVENTS = 2000
WINDOW_DAYS = 90  # the trainer's booking window (maxAdvanceDays); a refresh expands 7 days more
REPEAT = 5  # runs per timing of the heavy steps (parse, store, refresh)
QUERY_REPEAT = 40  # runs per slot query timing
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

# How the 2,000 VEVENTs of one calendar are made up (series and overrides count as one event each).
MIX = {
    "one-off, in the booking window": 1100,
    "one-off, last year (history)": 400,
    "weekly RRULE running through the window (2 EXDATEs)": 80,
    "weekly RRULE ended last year": 140,
    "daily RRULE in the window (COUNT, 2 EXDATEs)": 10,
    "daily RRULE ended last year": 30,
    "RECURRENCE-ID override of a running weekly (1 in 4 cancelled)": 100,
    "all-day, 1-4 days (half TRANSPARENT)": 140,
}
assert sum(MIX.values()) == EVENTS

NEW_YORK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:{daylight}
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:{standard}
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
"""
FLAVOURS = {
    # Google: IANA TZID, X-WR-TIMEZONE, a VTIMEZONE block as Google writes it.
    "google": {
        "tzid": "America/New_York",
        "header": "PRODID:-//Google Inc//Google Calendar 70.9054//EN\nX-WR-CALNAME:Personal\n"
        "X-WR-TIMEZONE:America/New_York\n",
        "vtimezone": NEW_YORK_VTIMEZONE.format(
            tzid="America/New_York", daylight="19700308T020000", standard="19701101T020000"
        ),
    },
    # Outlook: a Windows zone name whose meaning is only in the VTIMEZONE block.
    "outlook": {
        "tzid": "Eastern Standard Time",
        "header": "METHOD:PUBLISH\nPRODID:Microsoft Exchange Server 2010\nX-WR-CALNAME:Calendar\n",
        "vtimezone": NEW_YORK_VTIMEZONE.format(
            tzid="Eastern Standard Time", daylight="16010101T020000", standard="16010101T020000"
        ),
    },
}


def _wall(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def calendar_text(flavour: str, seed: int) -> str:
    """A 2,000-event calendar as its service would export it; the same seed gives the same text."""
    spec, rng = FLAVOURS[flavour], random.Random(seed)
    tzid, today = spec["tzid"], NOW.astimezone(TZ).date()
    stamp = "DTSTAMP:20270215T120000Z\n"
    events: list[str] = []
    made = Counter()

    def local(day: date, minute: int) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)

    def event(kind: str, uid: str, lines: list[str], summary: str, transp: str = "OPAQUE") -> None:
        made[kind] += 1
        extra = [f"LOCATION:{rng.choice(['Gym', 'Club house', 'Home', 'Office'])}"] if rng.random() < 0.5 else []
        body = [
            f"UID:{uid}@{flavour}.example.com",
            stamp.strip(),
            *lines,
            f"SUMMARY:{summary}",
            f"TRANSP:{transp}",
            "SEQUENCE:0",
            "CREATED:20260101T090000Z",
            "LAST-MODIFIED:20270101T090000Z",
            *extra,
        ]
        events.append("BEGIN:VEVENT\n" + "\n".join(body) + "\nEND:VEVENT\n")

    def timed(start: datetime, minutes: int) -> list[str]:
        if rng.random() < 0.1:  # some exporters write UTC times for one-offs
            first = start.replace(tzinfo=TZ).astimezone(UTC)
            return [f"DTSTART:{_wall(first)}Z", f"DTEND:{_wall(first + timedelta(minutes=minutes))}Z"]
        return series(start, minutes)

    def series(start: datetime, minutes: int) -> list[str]:
        end = start + timedelta(minutes=minutes)
        return [f"DTSTART;TZID={tzid}:{_wall(start)}", f"DTEND;TZID={tzid}:{_wall(end)}"]

    def some_minute() -> int:
        return rng.randrange(6 * 4, 21 * 4) * 15  # 06:00-20:45, quarter hours

    kind = "one-off, in the booking window"
    for n in range(MIX[kind]):
        status = rng.choices(["", "STATUS:TENTATIVE", "STATUS:CANCELLED"], [93, 5, 2])[0]
        lines = timed(local(today + timedelta(days=rng.randrange(WINDOW_DAYS)), some_minute()), rng.choice(DURATIONS))
        transp = "TRANSPARENT" if rng.random() < 0.1 else "OPAQUE"
        event(kind, f"single-{seed}-{n}", [*lines, *([status] if status else [])], "Appointment", transp)
    kind = "one-off, last year (history)"
    for n in range(MIX[kind]):
        day = today - timedelta(days=rng.randrange(1, 365))
        event(kind, f"past-{seed}-{n}", timed(local(day, some_minute()), rng.choice(DURATIONS)), "Old appointment")

    running: list[tuple[str, datetime, int, set[int]]] = []  # uid, first in window, minutes, skipped weeks
    kind = "weekly RRULE running through the window (2 EXDATEs)"
    for n in range(MIX[kind]):
        first = local(today - timedelta(days=rng.randrange(7, 300)), some_minute())
        minutes, uid = rng.choice(DURATIONS), f"weekly-{seed}-{n}"
        days = sorted({first.strftime("%a")[:2].upper(), rng.choice(["MO", "TU", "WE", "TH", "FR", "SA"])})
        in_window = first + timedelta(weeks=(today - first.date()).days // 7 + 1)
        skipped = set(rng.sample(range(12), 2))
        exdate = f"EXDATE;TZID={tzid}:" + ",".join(_wall(in_window + timedelta(weeks=k)) for k in sorted(skipped))
        rule = f"RRULE:FREQ=WEEKLY;BYDAY={','.join(days)};WKST=MO"
        event(kind, uid, [*series(first, minutes), rule, exdate], "Weekly class")
        running.append((uid, in_window, minutes, skipped))
    kind = "weekly RRULE ended last year"
    for n in range(MIX[kind]):
        first = local(today - timedelta(days=rng.randrange(400, 700)), some_minute())
        until = (first + timedelta(weeks=rng.randrange(10, 40))).replace(tzinfo=TZ).astimezone(UTC)
        rule = f"RRULE:FREQ=WEEKLY;UNTIL={_wall(until)}Z"
        event(kind, f"oldweekly-{seed}-{n}", [*series(first, 60), rule], "Old weekly class")
    kind = "daily RRULE in the window (COUNT, 2 EXDATEs)"
    for n in range(MIX[kind]):
        first = local(today + timedelta(days=rng.randrange(0, 30)), some_minute())
        skipped = [first + timedelta(days=k) for k in sorted(rng.sample(range(1, 30), 2))]
        exdate = f"EXDATE;TZID={tzid}:" + ",".join(_wall(s) for s in skipped)
        rule = f"RRULE:FREQ=DAILY;COUNT={rng.randrange(20, 60)}"
        event(kind, f"daily-{seed}-{n}", [*series(first, 30), rule, exdate], "Daily block")
    kind = "daily RRULE ended last year"
    for n in range(MIX[kind]):
        first = local(today - timedelta(days=rng.randrange(200, 700)), some_minute())
        rule = f"RRULE:FREQ=DAILY;COUNT={rng.randrange(5, 30)}"
        event(kind, f"olddaily-{seed}-{n}", [*series(first, 30), rule], "Old daily block")
    kind = "RECURRENCE-ID override of a running weekly (1 in 4 cancelled)"
    for n in range(MIX[kind]):
        uid, in_window, minutes, skipped = running[n % len(running)]
        week = rng.choice([k for k in range(12) if k not in skipped])
        skipped.add(week)  # one override per occurrence
        occurrence = in_window + timedelta(weeks=week)
        moved = occurrence + timedelta(hours=rng.choice([-2, -1, 1, 2]))
        status = ["STATUS:CANCELLED"] if n % 4 == 0 else []
        lines = [f"RECURRENCE-ID;TZID={tzid}:{_wall(occurrence)}", *series(moved, minutes), *status]
        event(kind, uid, lines, "Moved class")
    kind = "all-day, 1-4 days (half TRANSPARENT)"
    for n in range(MIX[kind]):
        day = today + timedelta(days=rng.randrange(-30, WINDOW_DAYS))
        end = day + timedelta(days=rng.choice([1, 1, 1, 2, 4]))
        lines = [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
        event(kind, f"allday-{seed}-{n}", lines, "Away", "TRANSPARENT" if n % 2 else "OPAQUE")

    assert dict(made) == MIX, made
    rng.shuffle(events)  # exports are not sorted by kind
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nCALSCALE:GREGORIAN\n" + spec["header"] + spec["vtimezone"]
    return (head + "".join(events) + "END:VCALENDAR\n").replace("\n", "\r\n")


# ---------------------------------------------------------------- measuring


def timeit(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


@contextmanager
def statements():
    """The SQL statements the app's engine runs inside the block (transaction control left out), as
    tests/conftest.py counts them."""
    from sqlalchemy import event

    from trainerdesk.db import get_engine

    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


ROWS: list[tuple[str, str, str, str, str]] = []  # (backend, what, median, min, note) for the final table


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def record(backend: str, what: str, samples: list[float], note: str = "") -> float:
    median = statistics.median(samples)
    ROWS.append((backend, what, _ms(median), _ms(min(samples)), note))
    print(f"  {backend:10s} {what:52s} median {median:8.2f} ms  min {min(samples):8.2f}  (n={len(samples)}) {note}")
    return median


def horizon() -> datetime:
    from trainerdesk.services.calendars import HORIZON_MARGIN

    return NOW + timedelta(days=WINDOW_DAYS) + HORIZON_MARGIN


def bench_parse(bodies: dict[str, bytes]) -> dict[str, float]:
    """(a) parse + expand each calendar over the refresh window, as a refresh calls it."""
    from trainerdesk.calendars import busy

    medians = {}
    for flavour, body in bodies.items():
        found = busy.busy_times(body, trainer_zone=TZ, start=NOW, end=horizon())
        samples = timeit(lambda b=body: busy.busy_times(b, trainer_zone=TZ, start=NOW, end=horizon()), REPEAT)
        note = f"{len(body) / 1024:.0f} KiB -> {len(found)} busy intervals"
        medians[flavour] = record("-", f"parse + expand, {flavour} calendar", samples, note)
    return medians


def bookings(n: int = 1000, seed: int = 7) -> list[tuple[datetime, datetime]]:
    """Four bookings a day from 1 January 2027 inside the blocks, as bench_slots makes them, but at
    most 60 minutes on hourly starts, so they never overlap (PostgreSQL refuses overlaps)."""
    rng, out, day = random.Random(seed), [], date(2027, 1, 1)
    while len(out) < n:
        for hour in sorted(rng.sample([6, 7, 8, 11, 12, 16, 17, 18, 19], 4)):
            start = wall_to_instant(day, hour * 60, TZ)
            out.append((start, start + timedelta(minutes=rng.choice((30, 45, 60)))))
        day += timedelta(days=1)
    return out[:n]


def seed_trainer(email: str) -> str:
    """The bench_slots trainer (America/New_York, three blocks a day, 15 min buffer, 1,000 bookings)."""
    from trainerdesk.db import session_scope
    from trainerdesk.models import Booking, Client
    from trainerdesk.services import availability, trainers

    weekly = [WeeklyBlock(d, s * 60, e * 60) for d in range(7) for s, e in ((6, 10), (11, 14), (16, 21))]
    with session_scope() as session:
        trainer, _ = trainers.signup(session, email=email, password="long-enough", name="Bench", timezone=TZ.key)
        availability.replace_week(session, actor=trainer, trainer_id=trainer.id, blocks=weekly)
        trainers.update_preferences(
            session,
            actor=trainer,
            trainer_id=trainer.id,
            changes={
                "session_durations": DURATIONS,
                "buffer_minutes": 15,
                "min_notice_hours": 2,
                "max_advance_days": WINDOW_DAYS,
            },
        )
        client = Client(trainer_id=trainer.id, email="c@example.com", name="C")
        session.add(client)
        session.flush()
        session.add_all(
            Booking(
                trainer_id=trainer.id,
                client_id=client.id,
                start_at=start,
                end_at=end,
                duration_minutes=int((end - start).total_seconds() // 60),
                status="CONFIRMED",
                token_hash=f"x{n}",
                client_timezone=TZ.key,
            )
            for n, (start, end) in enumerate(bookings())
        )
        session.commit()
        return trainer.id


QUERIES = {
    "one day, 60 min": "day",
    "month of dates, 5 durations": "month",
}


def slot_queries(backend: str, plain_id: str, busy_id: str, label: str) -> dict:
    """(c) Statements and median time of each slot query, cold and warm cache, for the trainer
    without calendars and its twin with them: {(query, cold): {"without": (n, ms), "with": (n, ms)}}.

    The twins' runs alternate, so a machine busy with other work slows both alike and the
    ratio stays fair."""
    from trainerdesk.db import session_scope
    from trainerdesk.services import availability

    def run(trainer_id: str, kind: str, cold: bool) -> None:
        if cold:
            availability.grid_cache.clear()
        with session_scope() as session:
            if kind == "day":
                availability.slots_for_date(
                    session, trainer_id=trainer_id, day=date(2027, 3, 10), client_tz=TZ, duration=60, now=NOW
                )
            else:
                availability.dates_with_slots(
                    session, trainer_id=trainer_id, month_first=date(2027, 3, 1), client_tz=TZ, duration=None, now=NOW
                )

    out = {}
    for name, kind in QUERIES.items():
        for cold in (True, False):
            cache = "cold" if cold else "warm"
            counts, samples = {}, {"without": [], "with": []}
            for which, tid in (("without", plain_id), ("with", busy_id)):
                run(tid, kind, cold)  # warms the cache (and the connection pool) for the warm case
                with statements() as seen:
                    run(tid, kind, cold)
                counts[which] = len(seen)
            for _ in range(QUERY_REPEAT):
                for which, tid in (("without", plain_id), ("with", busy_id)):
                    samples[which] += timeit(lambda t=tid, k=kind, c=cold: run(t, k, c), 1)
            out[(name, cold)] = {}
            for which, what in (("without", "no calendars"), ("with", label)):
                median = record(backend, f"slots {name}, {cache} cache, {what}", samples[which], f"{counts[which]} SQL")
                out[(name, cold)][which] = (counts[which], median)
    return out


def bench_backend(backend: str, db_url: str, bodies: dict[str, bytes]) -> dict:
    """(b) and (c) on one database: twin trainers, the second with both calendars connected."""
    os.environ["DATABASE_URL"] = db_url
    from tests.calendar_server import CalendarServer
    from trainerdesk.calendars import busy
    from trainerdesk.db import begin_write, session_scope
    from trainerdesk.migrations import upgrade
    from trainerdesk.models import BusyTime, CalendarConnection, Trainer
    from trainerdesk.services import calendars
    from trainerdesk.services.busy import Interval, replace_busy_times

    upgrade(db_url)
    plain_id, trainer_id = seed_trainer("plain@example.com"), seed_trainer("busy@example.com")

    server = CalendarServer()
    try:
        ids = []
        for flavour, body in bodies.items():
            server.files[f"/{flavour}.ics"] = (200, body)
            with session_scope() as session:
                trainer = session.get(Trainer, trainer_id)
                made = calendars.connect_calendar(
                    session,
                    actor=trainer,
                    trainer_id=trainer_id,
                    kind="ics",
                    url=server.url(f"/{flavour}.ics"),
                    name=flavour,
                    now=NOW,
                )
                ids.append(made.row.id)
        store = {}
        for (flavour, body), connection_id in zip(bodies.items(), ids, strict=True):
            found = busy.busy_times(body, trainer_zone=TZ, start=NOW, end=horizon())
            intervals = [Interval(b.start, b.end, b.summary) for b in found]

            def store_once(cid=connection_id, rows=intervals) -> None:
                # As a refresh does: a write transaction that replaces the connection's rows, committed.
                with session_scope() as session:
                    begin_write(session)
                    replace_busy_times(session, session.get(CalendarConnection, cid), rows)
                    session.commit()

            with statements() as seen:
                store_once()
            samples = timeit(store_once, REPEAT)
            note = f"{len(intervals)} rows replaced, {len(seen)} SQL"
            store[flavour] = record(backend, f"store (replace_busy_times + commit), {flavour}", samples, note)
        refresh = {}
        for flavour, connection_id in zip(bodies, ids, strict=True):
            samples = timeit(lambda cid=connection_id: calendars.refresh(cid, now=NOW, force=True), REPEAT)
            refresh[flavour] = record(backend, f"refresh end to end (local HTTP), {flavour}", samples)
    finally:
        server.httpd.shutdown()
    with session_scope() as session:
        from sqlmodel import func, select

        stored = session.exec(select(func.count()).select_from(BusyTime).where(BusyTime.trainer_id == trainer_id)).one()
    queries = slot_queries(backend, plain_id, trainer_id, f"2 calendars ({stored} busy rows)")
    return {"store": store, "refresh": refresh, "queries": queries}


def postgres_database():
    """A throw-away database on the local PostgreSQL server, or None when it does not answer."""
    try:
        import psycopg

        name = f"trainerdesk_cal_{os.getpid()}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return name
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
        print(f"PostgreSQL skipped: {exc}")
        return None


def drop_postgres(name: str) -> None:
    import psycopg

    from trainerdesk.db import engine_for

    engine_for(f"{PG_SERVER}/{name}").dispose()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def verdict(parse: dict[str, float], results: dict[str, dict]) -> None:
    print("\nAgainst issue 14's targets:")
    for backend, r in results.items():
        for flavour in parse:
            total = parse[flavour] + r["store"][flavour]
            ok = "met" if total < 1000 else "MISSED"
            print(
                f"  {backend:10s} {flavour:8s} parse + store {total:7.1f} ms "
                f"(refresh end to end {r['refresh'][flavour]:7.1f} ms) < 1 s: {ok}"
            )
        for key, pair in r["queries"].items():
            (n_without, ms_without), (n_with, ms_with) = pair["without"], pair["with"]
            ratio = ms_with / ms_without
            ok = "met" if n_with <= n_without and ratio <= 2 else "MISSED"
            cache = "cold" if key[1] else "warm"
            print(
                f"  {backend:10s} slots {key[0]:28s} {cache}: SQL {n_without} -> {n_with}, "
                f"time x{ratio:.2f} (<= 2x, no more SQL): {ok}"
            )


def main() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    # The calendars are served by a local HTTP server, which production refuses (private address).
    os.environ["CALENDAR_ALLOW_PRIVATE_NETWORKS"] = "1"
    bodies = {flavour: calendar_text(flavour, seed).encode() for seed, flavour in enumerate(FLAVOURS, start=1)}
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; now = {NOW.isoformat()}, trainer in {TZ.key}, "
        f"booking window {WINDOW_DAYS} days (expanded to {horizon().date()}); 2 calendars x {EVENTS} VEVENTs:"
    )
    for kind, count in MIX.items():
        print(f"  {count:5d}  {kind}")
    parse = bench_parse(bodies)
    results = {"SQLite": bench_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/calendars.db", bodies)}
    name = postgres_database()
    if name:
        try:
            results["PostgreSQL"] = bench_backend("PostgreSQL", f"{PG_SERVER}/{name}", bodies)
        finally:
            drop_postgres(name)
    print("\n| backend | what | median | min | note |\n| --- | --- | ---: | ---: | --- |")
    for row in ROWS:
        print("| " + " | ".join(cell.strip() for cell in row) + " |")
    verdict(parse, results)


if __name__ == "__main__":
    main()
