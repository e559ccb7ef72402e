"""Benchmark: a month of slots for the five standard durations (pure function), and the service with SQL.

Trainer with three blocks a day and 1,000 bookings. Prints median and p95
timings; results are recorded in docs/performance.md. Run: make bench
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainerdesk.domain.ranges import Range  # noqa: E402
from trainerdesk.domain.slots import (  # noqa: E402
    SlotFinder,
    SlotRules,
    TrainerSchedule,
    WeeklyBlock,
    wall_to_instant,
)

UTC = timezone.utc
DURATIONS = (30, 45, 60, 90, 120)
TZ = ZoneInfo("America/New_York")
NOW = datetime(2027, 2, 20, tzinfo=UTC)


def schedule_with_bookings(n: int = 1000, seed: int = 7) -> TrainerSchedule:
    rng = random.Random(seed)
    weekly = [WeeklyBlock(d, s * 60, e * 60) for d in range(7) for s, e in ((6, 10), (11, 14), (16, 21))]
    busy, day = [], date(2027, 1, 1)
    while len(busy) < n:  # ~ four a day over a year, on the hour inside the blocks
        for hour in rng.sample([6, 7, 8, 11, 12, 16, 17, 18, 19], 4):
            start = wall_to_instant(day, hour * 60, TZ)
            busy.append(Range(start, start + timedelta(minutes=rng.choice(DURATIONS))))
        day += timedelta(days=1)
    return TrainerSchedule("t", TZ, weekly, SlotRules(DURATIONS, 15, 2, 365), busy=busy[:n])


def month_of_slots(schedule: TrainerSchedule) -> int:
    start, end = wall_to_instant(date(2027, 3, 1), 0, TZ), wall_to_instant(date(2027, 4, 1), 0, TZ)
    finder = SlotFinder(schedule, start=start, end=end, now=NOW)
    return sum(len(finder.starts(d)) for d in DURATIONS)


def timeit(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:58s} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})")


def bench_service() -> None:
    """The same month through the service: SQL + cache, cold (new version) and warm."""
    import os

    tmp = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    from trainerdesk.db import session_scope
    from trainerdesk.migrations import upgrade
    from trainerdesk.models import Booking, Client
    from trainerdesk.services import availability, trainers

    upgrade()
    schedule = schedule_with_bookings()
    with session_scope() as session:
        trainer, _ = trainers.signup(
            session, email="bench@example.com", password="long-enough", name="Bench", timezone=TZ.key
        )
        availability.replace_week(session, actor=trainer, trainer_id=trainer.id, blocks=schedule.weekly)
        trainers.update_preferences(
            session,
            actor=trainer,
            trainer_id=trainer.id,
            changes={
                "session_durations": DURATIONS,
                "buffer_minutes": 15,
                "min_notice_hours": 2,
                "max_advance_days": 365,
            },
        )
        client = Client(trainer_id=trainer.id, email="c@example.com", name="C")
        session.add(client)
        session.flush()
        for b in schedule.busy:
            session.add(
                Booking(
                    trainer_id=trainer.id,
                    client_id=client.id,
                    start_at=b.start,
                    end_at=b.end,
                    duration_minutes=int((b.end - b.start).total_seconds() // 60),
                    status="CONFIRMED",
                    token_hash="x",
                    client_timezone=TZ.key,
                )
            )
        session.commit()
        trainer_id = trainer.id

    def month(clear: bool):
        if clear:
            availability.grid_cache.clear()
        with session_scope() as session:
            availability.dates_with_slots(
                session, trainer_id=trainer_id, month_first=date(2027, 3, 1), client_tz=TZ, duration=None, now=NOW
            )

    def day(clear: bool):
        if clear:
            availability.grid_cache.clear()
        with session_scope() as session:
            availability.slots_for_date(
                session, trainer_id=trainer_id, day=date(2027, 3, 10), client_tz=TZ, duration=60, now=NOW
            )

    report("service: month dates, 5 durations, SQLite, cold cache", timeit(lambda: month(True), 50))
    report("service: month dates, 5 durations, SQLite, warm cache", timeit(lambda: month(False), 200))
    report("service: one day, 60 min, SQLite, cold cache", timeit(lambda: day(True), 200))
    report("service: one day, 60 min, SQLite, warm cache", timeit(lambda: day(False), 500))


def main() -> None:
    schedule = schedule_with_bookings()
    count = month_of_slots(schedule)
    print(
        f"Python {sys.version.split()[0]}; a month (March 2027, America/New_York) of slots for durations "
        f"{DURATIONS}: {count} slots; 3 blocks a day; {len(schedule.busy)} bookings"
    )
    report("pure: SlotFinder, month x 5 durations, 1,000 bookings", timeit(lambda: month_of_slots(schedule), 200))
    bench_service()


if __name__ == "__main__":
    main()
