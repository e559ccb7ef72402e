"""Benchmark: the dashboard's bookings page for a trainer with 10,000 bookings, in a real browser.

Measures the time from navigation to the first page of the table on screen, and from typing a
search to the filtered table on screen (median of several runs). Run: make bench-dashboard
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from benchmarks.seeding import PASSWORD, seed_trainers  # noqa: E402
from scripts.live_server import LiveServer, free_port  # noqa: E402

RUNS = 7
# The table shows a page of rows and the total reads as expected.
SHOWN = """total => document.querySelectorAll('table tbody tr').length === 20
    && document.body.innerText.includes(total)"""
FILTERED = """() => !document.body.innerText.includes('10000 bookings')
    && document.querySelectorAll('table tbody tr').length > 0"""


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    db_url = f"sqlite:///{workdir}/dashboard.db"
    [trainer] = seed_trainers(db_url, 1, 10_000, per_day=14)
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0"}
    first, filtered = [], []
    with LiveServer(free_port(), env, workdir / "server.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        for run in range(RUNS):
            # A fresh browser each run: logged in, then straight to the bookings page.
            context = browser.new_context(base_url=server.base)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Email").fill(trainer["email"])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Welcome, Load Trainer 0")).to_be_visible()
            t0 = time.perf_counter()
            page.goto("/dashboard/bookings")
            # Checked on every animation frame (expect() polls at growing intervals, which would be measured).
            page.wait_for_function(SHOWN, arg="10000 bookings", polling="raf", timeout=60000)
            first.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            page.get_by_label("Search client name or email").fill(f"c{run + 10}@")
            page.wait_for_function(FILTERED, polling="raf", timeout=60000)
            # The search box is debounced by 300 ms before the server is asked; the figure includes it.
            filtered.append((time.perf_counter() - t0) * 1000)
            context.close()
        browser.close()
    print(f"10,000 bookings, SQLite, production server, Chromium headless; median of {RUNS}")
    print(
        f"  bookings page, navigation to first table page on screen: {statistics.median(first):7.0f} ms "
        f"(min {min(first):.0f}, max {max(first):.0f})"
    )
    print(
        f"  search filter, keystrokes to filtered table on screen:     {statistics.median(filtered):7.0f} ms "
        f"(min {min(filtered):.0f}, max {max(filtered):.0f}; includes the 300 ms debounce)"
    )


if __name__ == "__main__":
    main()
