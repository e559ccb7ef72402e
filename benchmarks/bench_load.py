"""Load benchmark of the HTTP API against the production server on loopback (not a test).

10 trainers with 1,000 bookings each; slot queries, month-date queries and bookings from 16 and 64
concurrent clients; p50/p95/p99 and errors, on SQLite and on PostgreSQL. Figures go to
docs/performance.md. Run: make bench-load (PostgreSQL part skipped when it does not answer).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from benchmarks.seeding import ZONES, seed_trainers  # noqa: E402
from scripts.live_server import LiveServer, free_port  # noqa: E402

TRAINERS, BOOKINGS_EACH = 10, 1000


async def run(name: str, concurrency: int, total: int, make_request, ok=(200, 201)) -> dict:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    errors = 0
    queue = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def worker():
            nonlocal errors
            for i in queue:
                t0 = time.perf_counter()
                try:
                    response = await make_request(http, i)
                    codes[response.status_code] = codes.get(response.status_code, 0) + 1
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - started
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))]  # noqa: E731
    bad = errors + sum(c for s, c in codes.items() if s not in ok)
    row = {
        "name": name,
        "c": concurrency,
        "n": total,
        "p50": statistics.median(latencies),
        "p95": q(0.95),
        "p99": q(0.99),
        "rps": total / elapsed,
        "codes": dict(sorted(codes.items())),
        "errors": bad,
    }
    print(
        f"  {name:8s} c={concurrency:<3d} n={total:<5d} p50 {row['p50']:7.1f} ms  p95 {row['p95']:7.1f} ms  "
        f"p99 {row['p99']:7.1f} ms  {row['rps']:7.1f} req/s  codes {row['codes']}  errors {bad}",
        flush=True,
    )
    return row


async def scenarios(base: str, trainers: list[dict]) -> list[dict]:
    rng = random.Random(2)
    today = date.today()
    days = [(today + timedelta(days=d)).isoformat() for d in range(1, 60)]
    months = [today.strftime("%Y-%m"), (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")]
    # Free starts to book, fetched once: clients race for them, so honest 409s are expected.
    async with httpx.AsyncClient(timeout=30) as http:
        free = []
        for t in trainers:
            for day in days[:10]:
                r = await http.get(
                    f"{base}/api/bookings/availability", params={"trainerId": t["id"], "date": day, "duration": 30}
                )
                free += [(t["id"], s["startTime"]) for s in r.json()]
    rows = []
    for c in (16, 64):
        rows.append(
            await run(
                "slots",
                c,
                2000,
                lambda http, i: http.get(
                    f"{base}/api/bookings/availability",
                    params={
                        "trainerId": rng.choice(trainers)["id"],
                        "date": rng.choice(days),
                        "duration": rng.choice([30, 60, 90]),
                        "clientTimezone": rng.choice(ZONES),
                    },
                ),
            )
        )
        rows.append(
            await run(
                "dates",
                c,
                500,
                lambda http, i: http.get(
                    f"{base}/api/bookings/availability/dates",
                    params={"trainerId": rng.choice(trainers)["id"], "month": rng.choice(months), "duration": 60},
                ),
            )
        )

        def booking(http, i):
            trainer_id, start = rng.choice(free)
            return http.post(
                f"{base}/api/bookings",
                json={
                    "trainerId": trainer_id,
                    "startTime": start,
                    "duration": 30,
                    "name": f"Load {i}",
                    "email": f"load-{c}-{i}@example.com",
                    "privacyAccepted": True,
                },
            )

        rows.append(await run("bookings", c, 500, booking, ok=(201, 409)))
    return rows


def bench(label: str, db_url: str) -> list[dict]:
    print(f"\n{label}: seeding {TRAINERS} trainers x {BOOKINGS_EACH} bookings ...", flush=True)
    trainers = seed_trainers(db_url, TRAINERS, BOOKINGS_EACH)
    log = Path(tempfile.mkdtemp()) / "server.log"
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0"}
    with LiveServer(free_port(), env, log) as server:
        return asyncio.run(scenarios(server.base, trainers))


def main() -> None:
    """``bench_load.py [sqlite|postgres]``: one backend, or both."""
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; production server (scripts/serve.sh) on loopback")
    if which in ("both", "sqlite"):
        bench("SQLite", f"sqlite:///{tempfile.mkdtemp()}/load.db")
    if which not in ("both", "postgres"):
        return
    try:
        import psycopg

        name = f"trainerdesk_load_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        print(f"\nPostgreSQL skipped: {exc}")
        return
    try:
        bench("PostgreSQL", f"postgresql://postgres@127.0.0.1:5432/{name}")
    finally:
        from trainerdesk.db import engine_for

        engine_for(f"postgresql://postgres@127.0.0.1:5432/{name}").dispose()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
