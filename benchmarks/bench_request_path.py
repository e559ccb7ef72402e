"""The request path's fixed cost: server CPU per request against the production server (not a test).

Measured as process CPU time (user + system) of the whole server process tree (serve.sh, reflex,
granian and its workers), read with psutil before and after N requests and divided by N: that is
independent of the load generator and of whatever else the machine runs. Each figure is repeated.

1. Server CPU per request, SQLite, one backend process: a warm slot query (its grid is in the slot
   cache), a warm month-dates query, and a booking (every one a 201 on its own free start; the rate
   limiter on, with a limit high enough never to refuse, so its counting is part of the cost).
2. p50/p95/p99 at 16 clients on SQLite: the mix of ``bench_load.py`` (random trainer, date,
   duration and zone: mostly cache misses), warm slot queries, and bookings.
3. Slot throughput with Redis (``REFLEX_REDIS_URL``) and ``GRANIAN_WORKERS`` = 1 and 2, both servers
   running at once and measured in turn: warm queries (wrk), and the all-cold mix (a fixed list of distinct
   queries after a booking per trainer, answered once and timed).
4. ``compare --app-dir DIR``: two production servers at once, this checkout and DIR (e.g. the commit
   before a change), in turn: batches of bookings (server CPU per booking, p95 at 16 clients), then
   the slot mix of distinct queries with wrk right after a booking of every trainer (all cold).
   This VM's speed drifts by tens of percent within minutes, so runs of the script minutes apart do not
   compare a change; batches seconds apart do.

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio (a few microseconds of Python
per request, much less than httpx), but it still runs on the same two cores as the server; the slot
latencies are also measured with ``wrk`` (``benchmarks/wrk.py``, installed from Debian's packages when
missing), whose cost per request is a small fraction of the server's.

Run: ``make bench-request-path`` (``python benchmarks/bench_request_path.py [--app-dir DIR]``: DIR is
another checkout to serve, e.g. the commit before a change, for a before/after comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from benchmarks import wrk  # noqa: E402
from benchmarks.process_tree import cpu_seconds  # noqa: E402
from benchmarks.seeding import ZONES, seed_trainers  # noqa: E402
from scripts.live_server import ROOT, LiveServer, free_port  # noqa: E402

TRAINERS, BOOKINGS_EACH = 10, 1000
REPEATS = 3
MIX_REQUESTS = 4000  # distinct queries of the all-cold mix in bench_request_path redis


# ---------------------------------------------------------------- a cheap HTTP/1.1 client


class Connection:
    """One keep-alive HTTP/1.1 connection; ``request`` returns (status, body)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"{method} {target} HTTP/1.1\r\nHost: localhost:{self.port}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            data = b"".join(parts)
        else:
            data = b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def slot_target(trainer_id: str, day: str, duration: int, zone: str) -> str:
    query = {"trainerId": trainer_id, "date": day, "duration": duration, "clientTimezone": zone}
    return "/api/bookings/availability?" + urlencode(query)


def every_query(trainers: list[dict], days: list[str]) -> list[tuple[str, str, None]]:
    """Every slot query of the ``bench_load`` mix (trainer, date, duration, zone) once, in order."""
    return [
        ("GET", slot_target(t["id"], day, duration, zone), None)
        for t in trainers
        for day in days
        for duration in (30, 60, 90)
        for zone in ZONES
    ]


def dates_target(trainer_id: str, month: str, duration: int) -> str:
    return "/api/bookings/availability/dates?" + urlencode(
        {"trainerId": trainer_id, "month": month, "duration": duration}
    )


async def drive(port: int, clients: int, requests: list[tuple[str, str, bytes | None]], ok=(200, 201)) -> dict:
    """Send ``requests`` (method, target, body) from ``clients`` concurrent connections; latencies and codes."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    queue = iter(requests)

    async def worker():
        conn = Connection(port)
        try:
            for method, target, body in queue:
                t0 = time.perf_counter()
                status, _ = await conn.request(method, target, body)
                latencies.append((time.perf_counter() - t0) * 1000)
                codes[status] = codes.get(status, 0) + 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(clients)])
    elapsed = time.perf_counter() - started
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))]  # noqa: E731
    return {
        "n": len(requests),
        "p50": statistics.median(latencies),
        "p95": q(0.95),
        "p99": q(0.99),
        "rps": len(requests) / elapsed,
        "codes": dict(sorted(codes.items())),
        "bad": sum(c for s, c in codes.items() if s not in ok),
    }


# ---------------------------------------------------------------- server CPU


def cpu_per_request(pid: int, port: int, requests, *, clients: int = 4, ok=(200, 201)) -> tuple[float, dict]:
    """Server CPU (ms) per request while ``requests`` are served by ``clients`` connections."""
    before = cpu_seconds([pid])
    row = asyncio.run(drive(port, clients, requests, ok=ok))
    used = cpu_seconds([pid]) - before
    return used * 1000 / len(requests), row


def booking_cpu(pid: int, port: int, requests, idle: float) -> tuple[float, float]:
    """Server CPU (ms) per booking: (while the requests are served, until their deliveries are done too).

    Each booking queues its confirmation email, which the outbox sender renders and delivers in the
    background of the same process a moment later: that is part of what a booking costs, so the second
    figure waits until the server is idle again (0.5 s windows at its idle rate) and takes the idle
    rate out of the whole span.
    """
    started, before = time.perf_counter(), cpu_seconds([pid])
    row = asyncio.run(drive(port, 4, requests, ok=(201,)))
    assert row["codes"] == {201: len(requests)}, row
    during = (cpu_seconds([pid]) - before) * 1000 / len(requests)
    deadline = time.time() + 60
    while time.time() < deadline:
        window = cpu_seconds([pid])
        time.sleep(0.5)
        if (cpu_seconds([pid]) - window) * 1000 / 0.5 <= idle + 10:
            break
    elapsed = time.perf_counter() - started
    total = ((cpu_seconds([pid]) - before) * 1000 - idle * elapsed) / len(requests)
    return during, total


def idle_cpu(pid: int, seconds: float = 5.0) -> float:
    """Server CPU (ms) per second while no request arrives (its background tasks)."""
    before = cpu_seconds([pid])
    time.sleep(seconds)
    return (cpu_seconds([pid]) - before) * 1000 / seconds


def spread(values: list[float], unit: str = "ms") -> str:
    digits = 0 if unit == "req/s" else 3
    runs = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{statistics.median(values):6.{digits}f} {unit}  (runs: {runs})"


# ---------------------------------------------------------------- the workloads


def free_starts(port: int, trainers: list[dict], days: list[str]) -> list[tuple[str, str]]:
    """Free 30-minute starts (trainer, startTime) of the given days, each booked at most once later."""
    found = []

    async def fetch():
        conn = Connection(port)
        for t in trainers:
            for day in days:
                status, body = await conn.request("GET", slot_target(t["id"], day, 30, t["zone"]))
                assert status == 200, (status, body[:200])
                taken_hours = set()
                for s in json.loads(body):
                    # One start per hour: a 30-minute booking never overlaps another one we make.
                    if s["startTime"][:13] not in taken_hours:
                        taken_hours.add(s["startTime"][:13])
                        found.append((t["id"], s["startTime"]))
        conn.close()

    asyncio.run(fetch())
    return found


def booking_request(trainer_id: str, start: str, i: int) -> tuple[str, str, bytes]:
    body = {
        "trainerId": trainer_id,
        "startTime": start,
        "duration": 30,
        "name": f"Bench {i}",
        "email": f"bench-{i}@example.com",
        "privacyAccepted": True,
    }
    return "POST", "/api/bookings", json.dumps(body).encode()


def sqlite_part(app_dir: Path) -> None:
    db_url = f"sqlite:///{tempfile.mkdtemp()}/reqpath.db"
    print(f"\nSQLite: seeding {TRAINERS} trainers x {BOOKINGS_EACH} bookings ...", flush=True)
    trainers = seed_trainers(db_url, TRAINERS, BOOKINGS_EACH)
    log = Path(tempfile.mkdtemp()) / "server.log"
    # The limiter counts every booking; the limit is high enough never to refuse one.
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "1000000000"}
    env.pop("REFLEX_REDIS_URL", None)
    env.pop("GRANIAN_WORKERS", None)
    port = free_port()
    today = date.today()
    days = [(today + timedelta(days=d)).isoformat() for d in range(1, 60)]
    month = today.strftime("%Y-%m")
    next_month = (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    with LiveServer(port, env, log, app_dir=app_dir) as server:
        pid = server.proc.pid
        warm = [("GET", slot_target(t["id"], days[k], 60, t["zone"]), None) for t in trainers for k in (3, 10, 20, 40)]
        warm_dates = [("GET", dates_target(t["id"], m, 60), None) for t in trainers for m in (month, next_month)]
        asyncio.run(drive(port, 1, warm + warm_dates))  # fill the slot cache
        # Starts far enough ahead not to touch the warm days' answers (their cache stays warm).
        starts = free_starts(port, trainers, days[45:55])
        random.Random(3).shuffle(starts)
        idle = idle_cpu(pid)
        print(f"  server idle: {idle:.2f} ms CPU per second (background tasks)", flush=True)

        print("\n  server CPU per request (median of runs; 4 client connections, one backend process):", flush=True)
        slot_runs, dates_runs, during_runs, booking_runs = [], [], [], []
        booked = 0
        for _ in range(REPEATS):
            ms, row = cpu_per_request(pid, port, warm * 150)
            assert row["bad"] == 0, row
            slot_runs.append(ms)
            ms, row = cpu_per_request(pid, port, warm_dates * 150)
            assert row["bad"] == 0, row
            dates_runs.append(ms)
            batch = [booking_request(t, s, booked + i) for i, (t, s) in enumerate(starts[booked : booked + 150])]
            booked += len(batch)
            during, total = booking_cpu(pid, port, batch, idle)
            during_runs.append(during)
            booking_runs.append(total)
        print(f"    warm slot query                          {spread(slot_runs)}")
        print(f"    warm month dates                         {spread(dates_runs)}")
        print(f"    booking (201), while the requests ran    {spread(during_runs)}")
        print(f"    booking (201), with its email delivered  {spread(booking_runs)}", flush=True)

        print("\n  latency at 16 clients (SQLite):", flush=True)
        rng = random.Random(2)
        mixed = [
            (
                "GET",
                slot_target(rng.choice(trainers)["id"], rng.choice(days), rng.choice([30, 60, 90]), rng.choice(ZONES)),
                None,
            )
            for _ in range(2000)
        ]
        racing = [booking_request(*rng.choice(starts[booked:]), 10_000 + i) for i in range(500)]
        # Slots twice: with wrk (C, a few microseconds a request: what the server's clients would see) and with
        # the Python generator (which takes about as much CPU per warm request as the server, on the same cores).
        # Every (trainer, date, duration, zone) of the mix once, shuffled: more than 5 s of requests, all distinct.
        every = every_query(trainers, days)
        rng.shuffle(every)
        for name, requests in (
            ("slots, bench_load mix (distinct), wrk", every),
            ("slots, warm, wrk", warm),
        ):
            row = wrk.run(port, requests, seconds=5)
            print(
                f"    {name:44s} n={row['n']:<5d} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                f"p99 {row['p99']:6.1f} ms  {row['rps']:6.0f} req/s  codes {row['codes']}",
                flush=True,
            )
        for name, requests, ok in (
            ("slots, bench_load mix, Python generator", mixed, (200,)),
            ("slots, warm, Python generator", warm * 50, (200,)),
            ("bookings, racing for free starts", racing, (201, 409)),
        ):
            row = asyncio.run(drive(port, 16, requests, ok=ok))
            print(
                f"    {name:44s} n={row['n']:<5d} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                f"p99 {row['p99']:6.1f} ms  {row['rps']:6.0f} req/s  codes {row['codes']}  bad {row['bad']}",
                flush=True,
            )


def redis_part(app_dir: Path, rounds: int = 4) -> None:
    """Slot throughput with Redis, ``GRANIAN_WORKERS`` = 1 against 2: both servers run at once (on one
    database and one Redis) and take their measurements in turn, seconds apart, so the machine's drift
    and the disk cache's warming fall on both alike."""
    db_url = f"sqlite:///{tempfile.mkdtemp()}/reqpath-redis.db"
    print(f"\nRedis + SQLite: seeding {TRAINERS} trainers x {BOOKINGS_EACH} bookings ...", flush=True)
    trainers = seed_trainers(db_url, TRAINERS, BOOKINGS_EACH)
    today = date.today()
    warm = [
        ("GET", slot_target(t["id"], (today + timedelta(days=k)).isoformat(), 60, t["zone"]), None)
        for t in trainers
        for k in (3, 10, 20, 40)
    ]
    days = [(today + timedelta(days=d)).isoformat() for d in range(30, 59)]
    # Every (trainer, date, duration, zone) of the next 59 days; each round sends MIX_REQUESTS of them.
    mixed = every_query(trainers, [(today + timedelta(days=d)).isoformat() for d in range(1, 60)])
    figures = {workers: {"warm": [], "mix": [], "warm cpu": [], "mix cpu": []} for workers in (1, 2)}
    with contextlib.ExitStack() as stack:
        servers = {}
        for workers in (1, 2):
            env = {
                **os.environ,
                "DATABASE_URL": db_url,
                "RATE_LIMIT_PER_MINUTE": "0",
                "REFLEX_REDIS_URL": "redis://127.0.0.1:6379/0",
                "GRANIAN_WORKERS": str(workers),
            }
            port = free_port()
            server = stack.enter_context(
                LiveServer(port, env, Path(tempfile.mkdtemp()) / "server.log", app_dir=app_dir)
            )
            servers[workers] = (port, server.proc.pid)
            # Every worker fills its own cache: enough rounds that each has seen every query.
            asyncio.run(drive(port, 16, warm * 10))
        starts = free_starts(servers[1][0], trainers, days)
        random.Random(4).shuffle(starts)
        for r in range(rounds):
            for workers, (port, pid) in servers.items():
                before = cpu_seconds([pid])
                # wrk: the Python generator (even two processes of it) tops out near one worker's warm rate.
                row = wrk.run(port, warm, seconds=4)
                assert set(row["codes"]) == {"200"}, row
                figures[workers]["warm"].append(row["rps"])
                figures[workers]["warm cpu"].append((cpu_seconds([pid]) - before) * 1000 / row["n"])
            for workers, (port, pid) in servers.items():
                # The mix, all cold: a booking of every trainer first (a new schedule version each).
                firsts = {}
                for t, start in starts[(2 * r + workers) * 40 : (2 * r + workers + 1) * 40]:
                    firsts.setdefault(t, start)
                made = [
                    booking_request(t, st, 70_000 + 100 * (2 * r + workers) + i)
                    for i, (t, st) in enumerate(firsts.items())
                ]
                asyncio.run(drive(port, 1, made, ok=(201,)))
                order = list(mixed)
                random.Random(r).shuffle(order)
                order = order[:MIX_REQUESTS]
                before = cpu_seconds([pid])
                # The same list for both, answered once and timed (the Python generator: wrk runs for a set
                # time): a run of fixed length would give the faster server more of it, and a longer run is
                # cheaper per request (a trainer's week of slots is computed once, then cut for the other
                # dates, lengths and zones).
                row = asyncio.run(drive(port, 16, order))
                assert set(row["codes"]) == {200}, row
                figures[workers]["mix"].append(row["rps"])
                figures[workers]["mix cpu"].append((cpu_seconds([pid]) - before) * 1000 / row["n"])
    for workers, got in figures.items():
        print(f"  GRANIAN_WORKERS={workers}")
        print(f"    warm slot query: throughput       {spread(got['warm'], 'req/s')}")
        print(f"    warm slot query: server CPU       {spread(got['warm cpu'])}")
        print(f"    slot mix (all cold): throughput   {spread(got['mix'], 'req/s')}")
        print(f"    slot mix (all cold): server CPU   {spread(got['mix cpu'])}")
    ratio = {k: statistics.median(figures[2][k]) / statistics.median(figures[1][k]) for k in ("warm", "mix")}
    print(
        f"  2 workers / 1 worker (medians of {rounds} rounds, in turn): warm {ratio['warm']:.2f}x, "
        f"all-cold mix {ratio['mix']:.2f}x\n"
        f"  Bounded on this machine: {os.cpu_count()} cores shared by both workers and the load generator.",
        flush=True,
    )


def compare_part(other: Path, rounds: int = 8, clients: int = 16) -> None:
    """Bookings on this checkout's server and ``other``'s, both running, one batch each in turn."""
    print(f"\nBookings, this checkout against {other}, {rounds} rounds of 150 each, {clients} clients:", flush=True)
    today = date.today()
    days = [(today + timedelta(days=d)).isoformat() for d in range(30, 59)]
    figures: dict[str, dict[str, list[float]]] = {}
    trainers_of: dict[str, list[dict]] = {}
    with contextlib.ExitStack() as stack:
        servers = {}
        for name, app_dir in (("this checkout", ROOT), (str(other), other)):
            db_url = f"sqlite:///{tempfile.mkdtemp()}/compare.db"
            trainers = seed_trainers(db_url, TRAINERS, 300)
            env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "1000000000"}
            env.pop("REFLEX_REDIS_URL", None)
            env.pop("GRANIAN_WORKERS", None)
            port = free_port()
            log = Path(tempfile.mkdtemp()) / "server.log"
            server = stack.enter_context(LiveServer(port, env, log, app_dir=app_dir))
            starts = free_starts(port, trainers, days)
            random.Random(3).shuffle(starts)
            servers[name] = (port, server.proc.pid, starts)
            trainers_of[name] = trainers
            figures[name] = {"cpu": [], "p95": [], "mix cpu": [], "mix p95": []}
        for r in range(rounds):
            for name, (port, pid, starts) in servers.items():
                batch = [booking_request(t, s, r * 150 + i) for i, (t, s) in enumerate(starts[r * 150 : (r + 1) * 150])]
                before = cpu_seconds([pid])
                row = asyncio.run(drive(port, clients, batch, ok=(201,)))
                time.sleep(1.5)  # the batch's emails go out (the sender's next round)
                figures[name]["cpu"].append((cpu_seconds([pid]) - before) * 1000 / len(batch))
                figures[name]["p95"].append(row["p95"])
        # The slot mix, all cold: a booking of every trainer first (each on a start no batch took).
        for r in range(rounds):
            for name, (port, pid, starts) in servers.items():
                spare = starts[rounds * 150 :]
                firsts = {}
                for t, start in spare[r * 40 : (r + 1) * 40]:
                    firsts.setdefault(t, start)
                made = [booking_request(t, start, 90_000 + r * 100 + i) for i, (t, start) in enumerate(firsts.items())]
                asyncio.run(drive(port, 1, made, ok=(201,)))
                every = every_query(trainers_of[name], days)
                random.Random(r).shuffle(every)
                before = cpu_seconds([pid])
                row = wrk.run(port, every, seconds=5)
                figures[name]["mix cpu"].append((cpu_seconds([pid]) - before) * 1000 / max(row["n"], 1))
                figures[name]["mix p95"].append(row["p95"])
    for name, got in figures.items():
        print(f"  {name}")
        print(f"    booking (201) with its email, server CPU  {spread(got['cpu'])}")
        print(f"    bookings, p95 at {clients} clients            {spread(got['p95'])}")
        print(f"    slot mix (all cold), server CPU           {spread(got['mix cpu'])}")
        print(f"    slot mix (all cold), p95 at 16, wrk       {spread(got['mix p95'])}", flush=True)


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", default="all", choices=("all", "sqlite", "redis", "compare"))
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="the checkout to serve (default: this one); for compare, the one to compare with",
    )
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; production server (scripts/serve.sh) "
        f"of {ROOT if args.part == 'compare' else args.app_dir} on loopback; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    if args.part == "compare":
        compare_part(args.app_dir)
        return
    if args.part in ("all", "sqlite"):
        sqlite_part(args.app_dir)
    if args.part in ("all", "redis"):
        if redis_up():
            redis_part(args.app_dir)
        else:
            print("\nRedis skipped: nothing answers on 127.0.0.1:6379")


if __name__ == "__main__":
    main()
