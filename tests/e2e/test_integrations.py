"""The Integrations page in a real browser: connect an outside calendar by its address (a real
HTTP server on this machine serves it), see it block the booking page, see a refused address
explained next to the field, remove it; the subscribe feed's address, copied and rotated."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect

from tests.calendar_server import CalendarServer, ics, vevent
from tests.e2e.helpers import make_trainer
from tests.e2e.test_dashboard import login

BERLIN = ZoneInfo("Europe/Berlin")


def next_month_day() -> date:
    """The 10th of next month: bookable whatever today is (the window is 60 days)."""
    return (date.today().replace(day=1) + timedelta(days=32)).replace(day=10)


def utc_text(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), tzinfo=BERLIN).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def offered(base: str, trainer_id: str, day: date) -> list[str]:
    slots = httpx.get(
        f"{base}/api/bookings/availability",
        params={"trainerId": trainer_id, "date": day.isoformat(), "duration": "60", "clientTimezone": "Europe/Berlin"},
    ).json()
    return [s["startTime"][11:16] for s in slots]


def test_a_trainer_connects_a_calendar_whose_events_block_bookings(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "integrations@example.com")
    day = next_month_day()
    server = CalendarServer()
    try:
        server.files["/private/family.ics"] = (
            200,
            ics(vevent("school-run@test", utc_text(day, 10), utc_text(day, 12), "School run")),
        )
        assert "10:00" in offered(base, trainer["trainerId"], day)
        page = login(browser, base, "integrations@example.com")
        page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Integrations").click()
        expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
        expect(page.get_by_text("No calendar connected yet.")).to_be_visible()

        # An address that is not a calendar: refused, and said next to the field.
        server.files["/login-page"] = (200, b"<html>Please sign in</html>")
        page.get_by_label("Calendar address (iCal format)").fill(server.url("/login-page"))
        page.get_by_role("button", name="Connect calendar").click()
        error = page.locator("#error-url")
        expect(error).to_have_attribute("role", "alert")
        expect(error).to_contain_text("not return a calendar")
        expect(page.get_by_label("Calendar address (iCal format)")).to_have_attribute("aria-invalid", "true")

        page.get_by_label("Calendar address (iCal format)").fill(server.url("/private/family.ics"))
        expect(page.locator("#error-url")).to_have_count(0)  # put right: the message goes
        page.get_by_label("Name (optional)").fill("Family")
        page.get_by_role("button", name="Connect calendar").click()
        table = page.get_by_role("table", name="Connected calendars")
        expect(table.get_by_role("rowheader")).to_contain_text("Family")
        expect(table).to_contain_text("Up to date")
        expect(table).to_contain_text("1 busy time ahead")
        expect(table).not_to_contain_text("/private/family.ics")  # only a hint of the address
        times = offered(base, trainer["trainerId"], day)
        assert "10:00" not in times and "11:00" not in times and "12:00" in times

        # The calendar goes down: "Sync now" says so, and its busy time still counts.
        server.files["/private/family.ics"] = (503, b"maintenance")
        page.get_by_role("button", name="Sync now: Family").click()
        expect(table).to_contain_text("Error")
        assert "10:00" not in offered(base, trainer["trainerId"], day)

        page.get_by_role("button", name="Remove Family").click()
        expect(page.get_by_text("No calendar connected yet.")).to_be_visible()
        assert "10:00" in offered(base, trainer["trainerId"], day)
    finally:
        server.httpd.shutdown()


def test_the_feed_address_is_shown_and_a_new_one_replaces_it(live_app, browser: Browser):
    base = live_app["base"]
    make_trainer(base, "feed@example.com")
    page = login(browser, base, "feed@example.com")
    page.goto("/dashboard/integrations")
    feed = page.get_by_label("Calendar feed address")
    expect(feed).to_have_value(re.compile(r"/feeds/[A-Za-z0-9_-]{40,}\.ics$"))
    old = feed.input_value()
    answer = httpx.get(old)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    page.get_by_role("button", name="Make a new address").click()
    expect(feed).not_to_have_value(old)
    assert httpx.get(old).status_code == 404
    assert httpx.get(feed.input_value()).status_code == 200


def test_a_trainer_connects_a_caldav_account_and_chooses_its_calendars(live_app, browser: Browser, tmp_path):
    from tests.caldav_server import CaldavServer

    base = live_app["base"]
    trainer = make_trainer(base, "caldav-ui@example.com")
    day = next_month_day()
    dav = CaldavServer(tmp_path, {"robin": "app-password-1"})
    try:
        dav.make_calendar("robin", "family", "Family")
        work = dav.make_calendar("robin", "work", "Work")
        dav.put("robin", work, "class", ics(vevent("class@test", utc_text(day, 10), utc_text(day, 11), "Class")))
        page = login(browser, base, "caldav-ui@example.com")
        page.goto("/dashboard/integrations")
        page.get_by_label("A CalDAV account").click()  # a controlled radio: its state comes back from the server
        expect(page.get_by_label("A CalDAV account")).to_be_checked()
        page.get_by_label("CalDAV server address").fill(dav.url("/"))
        page.get_by_label("Username").fill("robin")
        page.get_by_label("App password").fill("not-it")
        page.get_by_role("button", name="Connect calendar").click()
        expect(page.locator("#error-password")).to_be_visible(timeout=15000)
        expect(page.get_by_label("App password")).to_have_attribute("aria-invalid", "true")

        page.get_by_label("App password").fill("app-password-1")
        page.get_by_label("Name (optional)").fill("Cloud")
        page.get_by_role("button", name="Connect calendar").click()
        table = page.get_by_role("table", name="Connected calendars")
        expect(table).to_contain_text("1 busy time ahead", timeout=15000)
        expect(page.get_by_label("Block bookings with Work")).to_be_checked()
        expect(page.get_by_label("Block bookings with Family")).to_be_checked()
        expect(page.get_by_label("App password")).to_have_value("")  # nothing left in the form
        assert "10:00" not in offered(base, trainer["trainerId"], day)

        page.get_by_label("Block bookings with Work").click()
        expect(page.get_by_label("Block bookings with Work")).not_to_be_checked()
        expect(table).to_contain_text("0 busy times ahead")
        assert "10:00" in offered(base, trainer["trainerId"], day)
    finally:
        dav.stop()


def test_a_trainer_has_sessions_written_into_a_caldav_calendar(live_app, browser: Browser, tmp_path):
    from tests.caldav_server import CaldavServer
    from tests.e2e.helpers import book

    base = live_app["base"]
    trainer = make_trainer(base, "caldav-write@example.com")
    day = next_month_day()
    dav = CaldavServer(tmp_path, {"sam": "app-password-2"})
    try:
        family = dav.make_calendar("sam", "family", "Family")
        dav.make_calendar("sam", "work", "Work")
        page = login(browser, base, "caldav-write@example.com")
        page.goto("/dashboard/integrations")
        page.get_by_label("A CalDAV account").click()
        expect(page.get_by_label("A CalDAV account")).to_be_checked()
        page.get_by_label("CalDAV server address").fill(dav.url("/"))
        page.get_by_label("Username").fill("sam")
        page.get_by_label("App password").fill("app-password-2")
        page.get_by_role("button", name="Connect calendar").click()
        choice = page.get_by_label("Write my sessions into")
        expect(choice).to_have_value("", timeout=15000)
        choice.select_option(label="Family")
        expect(page.get_by_text("Your sessions will appear in Family.")).to_be_visible()
        expect(choice).to_have_value(dav.url(family))

        start = datetime.combine(day, time(15), tzinfo=BERLIN)
        made = book(base, trainer["trainerId"], start.isoformat(), name="Kenji Test", email="kenji@example.com")
        assert made.status_code == 201, made.text
        booking = made.json()
        uid = f"booking-{booking['id']}@trainerdesk.localhost"
        deadline = datetime.now() + timedelta(seconds=20)
        while uid not in dav.events("sam", family) and datetime.now() < deadline:
            page.wait_for_timeout(250)
        event = dav.events("sam", family)[uid]
        assert str(event["SUMMARY"]).startswith("Kenji Test") and event.decoded("DTSTART") == start

        cancelled = httpx.post(
            f"{base}/api/bookings/{booking['id']}/cancel", json={"reason": ""}, headers=trainer["headers"], timeout=10
        )
        assert cancelled.status_code == 200, cancelled.text
        deadline = datetime.now() + timedelta(seconds=20)
        while uid in dav.events("sam", family) and datetime.now() < deadline:
            page.wait_for_timeout(250)
        assert uid not in dav.events("sam", family)
    finally:
        dav.stop()
