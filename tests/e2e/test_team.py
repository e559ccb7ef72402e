"""A studio in the browser: sub-trainers added by the primary, the calendar switcher, the week side by side,
and a client booking "any trainer" on the team's page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import fill_booking_form, make_trainer, next_month
from tests.e2e.test_dashboard import login

pytestmark = pytest.mark.e2e


def test_primary_builds_a_team_and_a_client_books_any_trainer(live_app, browser: Browser):
    base = live_app["base"]
    primary = make_trainer(base, "studio@example.com", name="Studio Lead", hours=("09:00", "12:00"))
    page = login(browser, base, "studio@example.com")
    page.goto("/dashboard/team")
    for name, email in (("Bea Sub", "bea-team@example.com"), ("Cal Sub", "cal-team@example.com")):
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password (at least 8 characters)").fill("correct-horse")
        page.get_by_role("button", name="Add sub-trainer").click()
        expect(page.get_by_role("cell", name=email)).to_be_visible()
    subs = httpx.get(f"{base}/api/trainers/{primary['trainerId']}/sub-trainers", headers=primary["headers"]).json()
    assert [s["name"] for s in subs] == ["Bea Sub", "Cal Sub"]

    # The primary edits Bea's hours through the switcher (Bea and Cal start with none).
    page.goto("/dashboard/availability")
    page.get_by_label("Calendar").select_option(label="Bea Sub")
    expect(page.get_by_role("button", name=re.compile("^Remove "))).to_have_count(0)  # Bea has no hours yet
    page.get_by_label("Day", exact=True).select_option("Monday")
    page.get_by_label("Until").fill("14:00")
    page.get_by_role("button", name="Add hours").click()
    expect(page.get_by_role("button", name="Remove Monday 09:00–14:00")).to_be_visible()
    bea = next(s for s in subs if s["name"] == "Bea Sub")
    bea_week = httpx.get(f"{base}/api/trainers/{bea['trainerId']}/availability", headers=primary["headers"]).json()
    assert [(b["dayOfWeek"], b["startTime"], b["endTime"]) for b in bea_week] == [(0, "09:00", "14:00")]

    # Week side by side: a column per trainer, Monday overlaps 09:00-12:00, Cal is off.
    page.goto("/dashboard/team")
    week = page.get_by_role("table", name="Team week")
    expect(week.get_by_role("columnheader")).to_have_text(
        ["Day", "Studio Lead", "Bea Sub", "Cal Sub", "Gaps", "Overlaps"]
    )
    monday = week.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Mon")))
    # Lead 09-12, Bea 09-14, Cal off; no gap; both work 09-12.
    expect(monday.get_by_role("cell")).to_have_text(["09:00–12:00", "09:00–14:00", "off", "", "09:00–12:00"])

    # A client on the team's page: "Any trainer" offers the union, and a booking lands with someone free.
    client = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB", base_url=base).new_page()
    client.goto(f"/book/{primary['slug']}")
    expect(client.get_by_label("Trainer")).to_have_value("")
    client.get_by_label("Trainer").select_option(label="Bea Sub")
    next_month(client)  # has Mondays whatever today is
    client.get_by_role("gridcell", name=re.compile("^Monday, .*, available$")).first.click()
    times = client.get_by_role("list", name="Available times").get_by_role("button")
    expect(times.last).to_have_text("13:00")  # Bea works until 14:00
    client.get_by_label("Trainer").select_option(label="Any trainer")
    times.first.click()
    fill_booking_form(client, "Team Client", "team-client@example.com")
    client.get_by_role("button", name="Book this session").click()
    expect(client.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect(client.locator("#booked-trainer")).to_have_text(re.compile("Studio Lead|Bea Sub"))

    # The primary sees it under "All trainers", with the trainer's name.
    page.goto("/dashboard/bookings")
    page.get_by_label("Calendar").select_option(label="All trainers")
    expect(page.get_by_role("columnheader", name="Trainer")).to_be_visible()
    expect(page.get_by_role("table", name="Bookings")).to_contain_text("Team Client")
