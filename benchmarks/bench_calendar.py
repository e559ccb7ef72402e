"""Benchmark: the dashboard calendar's week with 300 sessions, drawn in a real browser.

Seeds one trainer with 300 twenty-minute sessions in the current week (about 43 a day), then measures in
headless Chromium (median of several runs): the time from navigation to all 300 session blocks on
screen, and the time from pressing "Previous" (from an empty next week) to the 300 again, which is a
state change over the open websocket, not a page load. Run: make bench-calendar
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from scripts.live_server import LiveServer, free_port  # noqa: E402

RUNS = 7
SESSIONS = 300
ZONE = "Europe/Berlin"
EMAIL, PASSWORD = "calendar-bench@example.com", "long-enough-pw"
DRAWN = "n => document.querySelectorAll('[data-session]').length === n"


def seed(db_url: str) -> None:
    """A trainer working 06:00-22:00 every day, with SESSIONS back-to-back sessions this week (bulk rows)."""
    os.environ["DATABASE_URL"] = db_url
    from trainerdesk.db import session_scope
    from trainerdesk.domain.slots import WeeklyBlock
    from trainerdesk.migrations import upgrade
    from trainerdesk.models import Booking, Client
    from trainerdesk.services import availability, trainers

    upgrade(db_url)
    tz = ZoneInfo(ZONE)
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())  # an en-GB browser's week
    with session_scope() as session:
        trainer, _ = trainers.signup(session, email=EMAIL, password=PASSWORD, name="Busy Trainer", timezone=ZONE)
        availability.replace_week(
            session, actor=trainer, trainer_id=trainer.id, blocks=[WeeklyBlock(d, 6 * 60, 22 * 60) for d in range(7)]
        )
        clients = [Client(trainer_id=trainer.id, email=f"c{i}@example.com", name=f"Client {i}") for i in range(60)]
        session.add_all(clients)
        session.flush()
        per_day = -(-SESSIONS // 7)
        for n in range(SESSIONS):
            day = monday + timedelta(days=n // per_day)
            start = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(
                hours=6, minutes=20 * (n % per_day)
            )
            start = start.astimezone(timezone.utc)
            session.add(
                Booking(
                    trainer_id=trainer.id,
                    client_id=clients[n % len(clients)].id,
                    start_at=start,
                    end_at=start + timedelta(minutes=20),
                    duration_minutes=20,
                    status=("CONFIRMED", "PENDING", "COMPLETED")[n % 3],
                    token_hash=f"bench-{n}",
                    client_timezone=ZONE,
                )
            )
        session.commit()


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    db_url = f"sqlite:///{workdir}/calendar.db"
    seed(db_url)
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0"}
    first, again = [], []
    with LiveServer(free_port(), env, workdir / "server.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        for _ in range(RUNS):
            context = browser.new_context(base_url=server.base, locale="en-GB", viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Email").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Welcome, Busy Trainer")).to_be_visible()
            t0 = time.perf_counter()
            page.goto("/dashboard/calendar")
            # Checked on every animation frame (expect() polls at growing intervals, which would be measured).
            page.wait_for_function(DRAWN, arg=SESSIONS, polling="raf", timeout=60000)
            first.append((time.perf_counter() - t0) * 1000)
            page.get_by_role("button", name="Next", exact=True).click()
            page.wait_for_function(DRAWN, arg=0, polling="raf", timeout=60000)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Previous", exact=True).click()
            page.wait_for_function(DRAWN, arg=SESSIONS, polling="raf", timeout=60000)
            again.append((time.perf_counter() - t0) * 1000)
            context.close()
        browser.close()
    print(f"{SESSIONS} sessions in one week, SQLite, production server, Chromium headless; median of {RUNS}")
    print(
        f"  calendar page, navigation to all {SESSIONS} sessions on screen: {statistics.median(first):7.0f} ms "
        f"(min {min(first):.0f}, max {max(first):.0f})"
    )
    print(
        f"  'Previous' from an empty week, click to all {SESSIONS} on screen: {statistics.median(again):7.0f} ms "
        f"(min {min(again):.0f}, max {max(again):.0f}; no page load)"
    )


if __name__ == "__main__":
    main()
