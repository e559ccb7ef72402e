"""Live updates at scale against the production server on loopback (not a test).

N open booking pages, each a socket.io client speaking Reflex's event protocol as the compiled
frontend does (the hydrate event in the CONNECT packet, the page's on_load on the server, the
browser's time zone answered to the page's ``call_script``, a picked date, the safety poll if the
page has one), so every simulated page is registered in ``trainerdesk.live`` and gets pushes. Then:

- memory per open page: growth of the server's RSS (its whole process tree) / N;
- idle: 60 s with nothing happening (from 30 s after the last page opened); server CPU (process
  CPU time of the server tree, not wall clock) per idle page-second, and as % of one core;
- bookings through the HTTP API (``POST /api/bookings``), one at a time: the time from the 201 to
  each page receiving the delta in which the booked time is gone (p50, p99 over pages x bookings),
  and server CPU per page update;
- a few real Chromium pages on the same server: a booking through the API makes the time vanish.

SQLite (one process) and PostgreSQL + Redis with two instances (each from its own copy of the app,
as on two machines; pages and bookings spread over both). Figures go to docs/performance.md.

Run: ``make bench-live`` (N = 100, 1000, 5000 on both backends), or
``python benchmarks/bench_live.py [sqlite|postgres|both] [N ...] [--idle S] [--no-chromium]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402
import socketio  # noqa: E402

from benchmarks.process_tree import cpu_seconds, rss_bytes  # noqa: E402
from benchmarks.seeding import seed_trainers  # noqa: E402
from scripts.live_server import ROOT, LiveServer, copy_app, free_port  # noqa: E402

ROOT_STATE = "reflex___state____state"
PAGE_STATE = f"{ROOT_STATE}.trainerdesk___state___booking____booking_page_state"
SLOTS = "slots_rx_state_"
# The pages' zones: every booked time falls on the same local date in all of them (chosen below).
PAGE_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
BOOKINGS = 5
SETTLE = 30.0  # s between the last page opening and the idle minute (--settle)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")


def instant(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


# ------------------------------------------------------------------ one simulated page


class Page:
    """A booking page as the browser runs it, over one socket.io connection."""

    def __init__(self, base: str, slug: str, zone: str, day: str, month: str, targets: dict[float, str], http):
        self.base, self.slug, self.zone, self.day, self.month = base, slug, zone, day, month
        self.token = str(uuid.uuid4())
        self.targets = targets  # booked instants (epoch s) this page watches for
        self.slots: set[float] | None = None
        self.gone: dict[float, float] = {}  # booked instant -> when the delta without it arrived
        self.loaded = asyncio.Event()
        self.updates = 0
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=http)
        self.sio.on("event", self._on_update, namespace="/_event")
        self._ticker: asyncio.Task | None = None

    def _event(self, name: str, payload: dict) -> dict:
        path = f"/book/{self.slug}"
        return {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": path, "asPath": path, "query": {"slug": self.slug}},
        }

    async def send(self, handler: str, **payload) -> None:
        await self.sio.emit("event", self._event(f"{PAGE_STATE}.{handler}", payload), namespace="/_event")

    async def open(self, tick_seconds: float) -> None:
        await self.sio.connect(
            f"{self.base}?token={self.token}",
            socketio_path="/_event",
            transports=["websocket"],
            namespaces=["/_event"],
            headers={"Accept-Language": "en-GB", "Origin": self.base},
            auth={"event": self._event(f"{ROOT_STATE}.hydrate_and_load", {})},
            wait_timeout=60,
        )
        if tick_seconds:
            self._ticker = asyncio.create_task(self._tick(tick_seconds))

    async def _tick(self, every: float) -> None:
        # The browser's safety poll (rx.moment's interval): once on mount, then every `every` s.
        await asyncio.sleep(random.uniform(0, 1))
        while True:
            await self.send("tick", _now=datetime.now(timezone.utc).isoformat())
            await asyncio.sleep(every)

    async def _on_update(self, update) -> None:
        now = time.time()
        for event in update.get("events") or []:
            if event.get("name") == "_call_script" and "use_browser_zone" in event["payload"].get("callback", ""):
                # The browser runs Intl.DateTimeFormat().resolvedOptions().timeZone and answers.
                asyncio.get_running_loop().create_task(self._zone_answered())
        page = (update.get("delta") or {}).get(PAGE_STATE)
        if not page or SLOTS not in page:
            return
        self.updates += 1
        self.slots = {instant(s["start"]) for s in page[SLOTS]}
        if not self.loaded.is_set() and all(t in self.slots for t in self.targets):
            self.loaded.set()
        for t in self.targets:
            if t not in self.slots and t not in self.gone and self.loaded.is_set():
                self.gone[t] = now

    async def _zone_answered(self) -> None:
        await self.send("use_browser_zone", zone=self.zone)
        if self.month != datetime.now(ZoneInfo(self.zone)).strftime("%Y-%m"):
            await self.send("next_month")
        await self.send("pick_date", iso=self.day)

    async def close(self) -> None:
        if self._ticker:
            self._ticker.cancel()
        try:
            await self.sio.disconnect()
        except Exception:  # noqa: BLE001
            pass


# ------------------------------------------------------------------ the scenario


def pick_targets(base: str, trainer_id: str) -> tuple[list[str], dict[str, str]]:
    """BOOKINGS free 30-minute starts on one day that fall on one local date in every page zone;
    returns (starts as the API gives them, zone -> that local date)."""
    today = date.today()
    for offset in range(2, 40):
        day = today + timedelta(days=offset)
        free = httpx.get(
            f"{base}/api/bookings/availability",
            params={"trainerId": trainer_id, "date": day.isoformat(), "duration": 30, "clientTimezone": "UTC"},
            timeout=30,
        ).json()
        groups: dict[tuple, list[str]] = {}
        for s in free:
            at = datetime.fromisoformat(s["startTime"])
            key = tuple(at.astimezone(ZoneInfo(z)).date().isoformat() for z in PAGE_ZONES)
            groups.setdefault(key, []).append(s["startTime"])
        # Within one month in every zone (the pages show one month).
        usable = [(k, v) for k, v in groups.items() if len({d[:7] for d in k}) == 1 and len(v) >= BOOKINGS]
        if usable:
            key, starts = max(usable, key=lambda kv: len(kv[1]))
            rng = random.Random(offset)
            return sorted(rng.sample(starts, BOOKINGS)), dict(zip(PAGE_ZONES, key, strict=True))
    raise RuntimeError("no day with enough free times")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


async def open_pages(bases, trainer: dict, n: int, days: dict[str, str], targets, tick_seconds, http) -> list[Page]:
    wanted = {instant(t): t for t in targets}
    pages = []
    for i in range(n):
        zone = PAGE_ZONES[i % len(PAGE_ZONES)]
        pages.append(Page(bases[i % len(bases)], trainer["slug"], zone, days[zone], days[zone][:7], wanted, http))
    gate = asyncio.Semaphore(50)
    failed = 0

    async def one(page: Page) -> None:
        nonlocal failed
        async with gate:
            try:
                await page.open(tick_seconds)
                await asyncio.wait_for(page.loaded.wait(), timeout=120)
            except Exception as exc:  # noqa: BLE001
                failed += 1
                if failed <= 3:
                    print(f"    a page did not open: {exc!r}", flush=True)

    started = time.perf_counter()
    last = started
    tasks = [asyncio.create_task(one(p)) for p in pages]
    while not all(t.done() for t in tasks):
        await asyncio.sleep(1)
        if time.perf_counter() - last > 30:
            last = time.perf_counter()
            print(f"    ... {sum(p.loaded.is_set() for p in pages)}/{n} pages open", flush=True)
    print(
        f"    {sum(p.loaded.is_set() for p in pages)}/{n} pages open and showing the day "
        f"in {time.perf_counter() - started:.0f} s ({failed} failed)",
        flush=True,
    )
    return [p for p in pages if p.loaded.is_set()]


async def scenario(
    bases: list[str], pids: list[int], trainer: dict, n: int, idle: float, tick_seconds: float, settle: float = 30
) -> dict:
    targets, days = pick_targets(bases[0], trainer["id"])
    row: dict = {"n": n}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.sleep(3)
        rss0 = rss_bytes(pids)
        pages = await open_pages(bases, trainer, n, days, targets, tick_seconds, http)
        row["open"] = len(pages)
        await asyncio.sleep(settle)  # the connect burst's tail (its last events, garbage) is not idling
        row["rss_per_page_kb"] = (rss_bytes(pids) - rss0) / max(1, len(pages)) / 1024
        row["rss_mb"] = rss_bytes(pids) / 2**20

        # Idle.
        cpu0, t0 = cpu_seconds(pids), time.perf_counter()
        await asyncio.sleep(idle)
        cpu, wall = cpu_seconds(pids) - cpu0, time.perf_counter() - t0
        row["idle_core_pct"] = 100 * cpu / wall
        row["idle_us_per_page_s"] = 1e6 * cpu / wall / max(1, len(pages))
        print(
            f"    idle {wall:.0f} s: server CPU {cpu:.2f} s = {row['idle_core_pct']:.2f}% of one core, "
            f"{row['idle_us_per_page_s']:.1f} us per idle page-second; RSS {row['rss_mb']:.0f} MB, "
            f"{row['rss_per_page_kb']:.1f} KB per open page",
            flush=True,
        )

        # Bookings through the API, one at a time; each page's delta without the booked time.
        latencies, per_booking_p99, push_cpu, missing = [], [], [], 0
        async with httpx.AsyncClient(timeout=30) as api:
            for k, start in enumerate(targets):
                at = instant(start)
                cpu0 = cpu_seconds(pids)
                r = await api.post(
                    f"{bases[k % len(bases)]}/api/bookings",
                    json={
                        "trainerId": trainer["id"],
                        "startTime": start,
                        "duration": 30,
                        "name": f"Live Bench {k}",
                        "email": f"live-bench-{n}-{k}@example.com",
                        "clientTimezone": "UTC",
                        "privacyAccepted": True,
                    },
                )
                committed = time.time()
                if r.status_code != 201:
                    print(f"    booking {k}: {r.status_code} {r.text[:200]}", flush=True)
                    continue
                deadline = time.perf_counter() + 120
                while time.perf_counter() < deadline and not all(at in p.gone for p in pages):
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.5)
                push_cpu.append(cpu_seconds(pids) - cpu0)
                got = [p.gone[at] - committed for p in pages if at in p.gone]
                missing += len(pages) - len(got)
                latencies += got
                per_booking_p99.append(pct(got, 0.99))
                print(
                    f"    booking {k}: {len(got)}/{len(pages)} pages updated; from the 201: p50 "
                    f"{1000 * statistics.median(got):.0f} ms, p99 {1000 * pct(got, 0.99):.0f} ms, "
                    f"max {1000 * max(got):.0f} ms; server CPU {push_cpu[-1]:.2f} s",
                    flush=True,
                )
                await asyncio.sleep(2)
        row["p50_ms"] = 1000 * statistics.median(latencies) if latencies else float("nan")
        row["p99_ms"] = 1000 * pct(latencies, 0.99)
        row["max_ms"] = 1000 * max(latencies) if latencies else float("nan")
        row["missing"] = missing
        row["push_ms_per_page"] = 1000 * statistics.median(push_cpu) / max(1, len(pages)) if push_cpu else float("nan")
        row["within_1s_pct"] = 100 * sum(x <= 1.0 for x in latencies) / max(1, len(latencies))

        # The pages' keep-alive poll (every CLIENT_POLL_MS; none fell inside the idle minute above):
        # every page sends one now; its cost beyond the idle rate, per page, spread over the interval.
        await asyncio.sleep(3)
        cpu0, t0 = cpu_seconds(pids), time.perf_counter()
        gate = asyncio.Semaphore(100)

        async def tick(p: Page) -> None:
            async with gate:
                await p.send("tick", _now=datetime.now(timezone.utc).isoformat())

        await asyncio.gather(*(tick(p) for p in pages))
        await asyncio.sleep(5 + len(pages) / 500)
        cpu, wall = cpu_seconds(pids) - cpu0, time.perf_counter() - t0
        per_tick = max(0.0, cpu - wall * row["idle_core_pct"] / 100) / max(1, len(pages))
        row["tick_ms"] = 1000 * per_tick
        row["tick_core_pct"] = 100 * per_tick * len(pages) / tick_seconds if tick_seconds else 0.0
        row["idle_total_pct"] = row["idle_core_pct"] + row["tick_core_pct"]
        print(
            f"    keep-alive poll: {row['tick_ms']:.2f} ms of server CPU per page, every {tick_seconds:.0f} s = "
            f"{row['tick_core_pct']:.2f}% of one core; idle total {row['idle_total_pct']:.2f}% of one core",
            flush=True,
        )
        await asyncio.gather(*(p.close() for p in pages))
    return row


def chromium_check(base: str, trainer_id: str, slug: str, pages: int = 3) -> str:
    """A few real Chromium pages: the booked time vanishes from each after a booking through the API."""
    import re

    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.helpers import book, first_slot
    from trainerdesk import formatting

    zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York"][:pages]
    slot = first_slot(base, trainer_id, zone="UTC", duration=30)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"]
        )
        try:
            opened = []
            for zone in zones:
                page = browser.new_context(timezone_id=zone, locale="en-GB", base_url=base).new_page()
                page.goto(f"/book/{slug}")
                page.get_by_role("gridcell", name=re.compile(", available$")).first.wait_for()
                at = datetime.fromisoformat(slot["startTime"])
                local = at.astimezone(ZoneInfo(zone)).date()
                if local.strftime("%Y-%m") != datetime.now(ZoneInfo(zone)).strftime("%Y-%m"):
                    page.get_by_role("button", name="Next month").click()
                page.locator(f'[aria-label^="{formatting.date_text(local, "en_GB")},"]').click()
                times = page.get_by_role("list", name="Available times").get_by_role("button")
                label = formatting.time_text(at, zone, "en_GB")
                expect(times.filter(has_text=label)).to_have_count(1)
                opened.append((page, times, label))
            r = book(base, trainer_id, slot["startTime"], duration=30, email="chromium-bench@example.com")
            assert r.status_code == 201, r.text
            t0 = time.perf_counter()
            for _page, times, label in opened:
                expect(times.filter(has_text=label)).to_have_count(0, timeout=10000)
            took = time.perf_counter() - t0
            return f"{len(opened)} Chromium pages: the booked time vanished from all within {took:.2f} s"
        finally:
            browser.close()


# ------------------------------------------------------------------ backends


def tick_seconds() -> float:
    from trainerdesk import live

    return getattr(live, "CLIENT_POLL_MS", live.SAFETY_POLL_MS) / 1000


def bench(
    label: str, db_url: str, sizes: list[int], idle: float, chromium: bool, instances: int, extra_env: dict
) -> list:
    print(f"\n{label}: seeding 3 trainers x 200 bookings ...", flush=True)
    trainers = seed_trainers(db_url, 3, 200)
    from trainerdesk.db import session_scope
    from trainerdesk.models import Trainer

    with session_scope() as session:
        for t in trainers:
            t["slug"] = session.get(Trainer, t["id"]).slug
    root = Path(tempfile.mkdtemp(prefix="bench-live-"))
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0", **extra_env}
    servers = [
        LiveServer(
            free_port(), env, root / f"server{i}.log", app_dir=copy_app(root / f"app{i}") if instances > 1 else ROOT
        )
        for i in range(instances)
    ]
    rows = []
    try:
        for s in servers:
            s.start()
        bases, pids = [s.base for s in servers], [s.proc.pid for s in servers]
        for n in sizes:
            print(f"  N = {n} open pages over {instances} instance(s):", flush=True)
            row = asyncio.run(scenario(bases, pids, trainers[n % 3], n, idle, tick_seconds(), SETTLE))
            row["label"] = label
            rows.append(row)
            time.sleep(5)
        if chromium:
            try:
                print("  " + chromium_check(bases[-1], trainers[2]["id"], trainers[2]["slug"]), flush=True)
            except Exception as exc:  # noqa: BLE001
                print(f"  Chromium check FAILED: {exc!r}", flush=True)
    finally:
        for s in servers:
            s.stop()
    return rows


def summary(rows: list[dict]) -> None:
    print(
        "\nbackend | N open | idle % of a core (with keep-alive) | us per idle page-s | KB per page | "
        "p50 ms | p99 ms | <= 1 s"
    )
    for r in rows:
        print(
            f"{r['label']} | {r['open']}/{r['n']} | {r['idle_core_pct']:.2f} ({r['idle_total_pct']:.2f}) | "
            f"{r['idle_us_per_page_s']:.1f} | "
            f"{r['rss_per_page_kb']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['within_1s_pct']:.1f}% "
            f"(missing {r['missing']}; push CPU {r['push_ms_per_page']:.2f} ms/page)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", nargs="?", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 5000])
    parser.add_argument("--idle", type=float, default=60)
    parser.add_argument("--settle", type=float, default=SETTLE)
    parser.add_argument("--no-chromium", action="store_true")
    parser.add_argument("--instances", type=int, default=2, help="PostgreSQL + Redis instances (default 2)")
    args = parser.parse_args()
    globals()["SETTLE"] = args.settle
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GB; "
        f"production server (scripts/serve.sh) on loopback; pages' safety poll {tick_seconds():.0f} s",
        flush=True,
    )
    rows = []
    if args.which in ("both", "sqlite"):
        rows += bench(
            "SQLite, 1 process",
            f"sqlite:///{tempfile.mkdtemp()}/live.db",
            args.sizes,
            args.idle,
            not args.no_chromium,
            1,
            {},
        )
    if args.which in ("both", "postgres"):
        rows += bench_postgres(args)
    summary(rows)


def bench_postgres(args) -> list:
    try:
        import psycopg
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        name = f"trainerdesk_live_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        print(f"\nPostgreSQL + Redis skipped: {exc}")
        return []
    db_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        return bench(
            f"PostgreSQL + Redis, {args.instances} instance(s) x 1 worker",
            db_url,
            args.sizes,
            args.idle,
            not args.no_chromium,
            args.instances,
            {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": "1"},
        )
    finally:
        from trainerdesk.db import engine_for

        engine_for(db_url).dispose()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
