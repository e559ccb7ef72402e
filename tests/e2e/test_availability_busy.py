"""The availability page in a real browser: a connected calendar's event is greyed over the weekly grid
on its date of the coming week (named for screen readers, with a tooltip), the week can be stepped, and
the grey neither blocks a drag nor covers a weekly block's remove button."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.calendar_server import CalendarServer, ics, vevent
from tests.e2e.helpers import make_trainer
from tests.e2e.test_dashboard import _cell_center, login
from tests.e2e.test_integrations import utc_text

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")


def test_outside_busy_times_are_greyed_on_their_date_of_the_shown_week(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "busy-grid@example.com", hours=("08:00", "12:00"))
    # Next week's Tuesday in the trainer's zone: a date, whatever the time of day.
    today = datetime.now(BERLIN).date()
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=8)
    name = f"Busy (Dentist, from Work calendar): {tuesday.strftime('%a %d %b')} 17:00–18:00"
    server = CalendarServer()
    try:
        page = login(browser, base, "busy-grid@example.com", viewport={"width": 1300, "height": 900})
        page.goto("/dashboard/availability")
        expect(page.get_by_role("group", name="Tuesday hours")).to_be_visible()
        # Nothing connected yet: a quiet pointer to where calendars are connected, and no grey.
        expect(page.get_by_role("link", name="connect a calendar")).to_have_attribute("href", "/dashboard/integrations")
        expect(page.get_by_text("Greyed: busy in your connected calendars")).to_have_count(0)

        server.files["/work.ics"] = (
            200,
            ics(vevent("dentist@test", utc_text(tuesday, 17), utc_text(tuesday, 18), "Dentist")),
        )
        made = httpx.post(
            f"{base}/api/trainers/{trainer['trainerId']}/calendars",
            json={"kind": "ics", "url": server.url("/work.ics"), "name": "Work"},
            headers=trainer["headers"],
            timeout=15,
        )
        assert made.status_code == 201, made.text
        page.reload()

        block = page.get_by_role("img", name=name)
        expect(block).to_be_visible()
        expect(block).to_have_attribute("title", name)
        expect(page.get_by_text("Greyed: busy in your connected calendars")).to_be_visible()
        expect(page.get_by_role("button", name="Next week")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_role("group", name="Tuesday hours").get_by_role("img")).to_have_count(1)
        # At 17:00 on Tuesday's row: where the 17:00 cell of that row starts.
        cell = page.locator('[data-day="1"][data-slot="34"]').bounding_box()
        box = block.bounding_box()
        assert abs(box["x"] - cell["x"]) < 2 and abs(box["y"] - cell["y"]) < 2
        assert abs(box["width"] - 2 * cell["width"]) < 3

        # Another week: not there; back a week: there again.
        page.get_by_role("button", name="This week").click()
        expect(page.get_by_role("button", name="This week")).to_have_attribute("aria-pressed", "true")
        expect(block).to_have_count(0)
        expect(page.get_by_role("button", name="Show the week before")).to_be_disabled()
        page.get_by_role("button", name="Show the week after").click()
        expect(block).to_be_visible()

        # A drag that starts on the grey block still adds hours (Tuesday 17:00 back to 16:00 -> 16:00-17:30) ...
        x0, y = _cell_center(page, 1, 34)
        x1, _ = _cell_center(page, 1, 32)
        page.mouse.move(x0, y)
        page.mouse.down()
        page.mouse.move(x1, y, steps=6)
        page.mouse.up()
        remove = page.get_by_role("button", name="Remove Tuesday 16:00–17:30")
        expect(remove).to_be_visible()
        # ... and that block's remove button, under the grey, still takes the click (Playwright checks it
        # is the element hit at its point).
        remove.click(timeout=5000)
        expect(remove).to_have_count(0)
        week = httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/availability", headers=trainer["headers"]).json()
        assert [(b["startTime"], b["endTime"]) for b in week if b["dayOfWeek"] == 1] == [("08:00", "12:00")]
    finally:
        server.httpd.shutdown()
