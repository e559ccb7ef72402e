"""Live on every dashboard page: a booking made anywhere (here through the API, as another client
would) arrives as a toast without a reload, and the pages that list sessions show it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import book, first_slot, make_trainer
from tests.e2e.test_dashboard import login

PAGES = [
    ("Welcome", "/dashboard"),
    ("Bookings", "/dashboard/bookings"),
    ("Availability", "/dashboard/availability"),
    ("Booking preferences", "/dashboard/preferences"),
    ("Team", "/dashboard/team"),
    ("Integrations", "/dashboard/integrations"),
]


@pytest.mark.parametrize("heading, path", PAGES)
def test_a_new_booking_arrives_on_every_dashboard_page(live_app, browser: Browser, heading, path):
    base = live_app["base"]
    email = f"live-{path.strip('/').replace('/', '-')}@example.com"
    trainer = make_trainer(base, email)
    page = login(browser, base, email)
    page.goto(path)
    expect(page.get_by_role("heading", name=re.compile(f"^{heading}"), level=1)).to_be_visible()
    name = f"Live Client {heading.split()[0]}"

    slot = first_slot(base, trainer["trainerId"])
    r = book(base, trainer["trainerId"], slot["startTime"], email="live-client@example.com", name=name)
    assert r.status_code == 201, r.text

    expect(page.get_by_text(re.compile(f"^New booking: {name}"))).to_be_visible(timeout=10000)
    if path == "/dashboard":
        expect(page.get_by_role("table", name="Upcoming sessions")).to_contain_text(name)
    if path == "/dashboard/bookings":
        expect(page.get_by_role("table", name="Bookings")).to_contain_text(name)
    if path == "/dashboard/team":
        # The page shows this week (the trainer's zone); late on a Sunday the first free time is in the next.
        berlin = ZoneInfo("Europe/Berlin")
        today = datetime.now(berlin).date()
        next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        if datetime.fromisoformat(slot["startTime"]).astimezone(berlin).date() >= next_monday:
            page.get_by_role("button", name="Next week").click()
        expect(page.get_by_role("table", name="Team week")).to_contain_text(name)


def test_the_dashboard_writes_times_as_the_browser_or_the_trainers_clock_says(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "clock@example.com", hours=("13:00", "18:00"))
    slot = first_slot(base, trainer["trainerId"])
    assert book(base, trainer["trainerId"], slot["startTime"], name="Clock Client").status_code == 201

    def upcoming(page) -> str:
        page.goto("/dashboard")
        table = page.get_by_role("table", name="Upcoming sessions")
        expect(table).to_contain_text("Clock Client")
        return table.get_by_role("row").nth(1).get_by_role("cell").first.inner_text()

    american = login(browser, base, "clock@example.com", locale="en-US")
    assert re.search(r"\d:\d\d\s?PM$", upcoming(american)), "a US browser reads 12-hour times"
    american.goto("/dashboard/preferences")
    american.get_by_label("Times on your dashboard").select_option("24")
    american.get_by_role("button", name="Save preferences").click()
    expect(american.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert re.search(r"1\d:\d\d$", upcoming(american)), "the trainer chose 24-hour"

    german = login(browser, base, "clock@example.com", locale="de-DE")
    assert re.search(r"1\d:\d\d$", upcoming(german))
    german.goto("/dashboard/preferences")
    german.get_by_label("Times on your dashboard").select_option("12")
    german.get_by_role("button", name="Save preferences").click()
    expect(german.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert re.search(r"\d:\d\d\s?PM$", upcoming(german)), "12-hour, as the trainer chose"
