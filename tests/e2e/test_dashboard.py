"""The trainer's dashboard in a real browser: hours by drag (mouse and touch), overrides, preferences,
the bookings table (filter, search, pages, cancel, CSV, reschedule, details) and the live toast."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import book, make_trainer

pytestmark = pytest.mark.e2e


def login(browser: Browser, base: str, email: str, **context_args) -> Page:
    """A logged-in dashboard; a British browser unless ``locale`` says otherwise (24-hour, day first)."""
    page = browser.new_context(base_url=base, **{"locale": "en-GB", **context_args}).new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    return page


def _cell_center(page: Page, day: int, slot: int) -> tuple[float, float]:
    box = page.locator(f'[data-day="{day}"][data-slot="{slot}"]').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _week(base: str, trainer: dict) -> list[dict]:
    return httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/availability", headers=trainer["headers"]).json()


def test_dashboard_pages_need_a_login(live_app, browser: Browser):
    page = browser.new_context(base_url=live_app["base"]).new_page()
    for path in ("/dashboard", "/dashboard/bookings", "/dashboard/availability", "/dashboard/preferences"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_drag_with_the_mouse_adds_hours_and_an_overlap_is_refused(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "grid@example.com", hours=("08:00", "12:00"))
    page = login(browser, base, "grid@example.com", viewport={"width": 1300, "height": 900})
    page.goto("/dashboard/availability")
    expect(page.get_by_role("group", name="Sunday hours")).to_be_visible()

    x0, y = _cell_center(page, 6, 28)  # Sunday 14:00
    x1, _ = _cell_center(page, 6, 33)  # ... through the 16:30 cell -> 17:00
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=6)
    expect(page.get_by_text("Adding Sunday 14:00–17:00")).to_be_visible()  # feedback while dragging
    page.mouse.up()
    expect(page.get_by_role("button", name="Remove Sunday 14:00–17:00")).to_be_visible()
    assert {"dayOfWeek": 6, "startTime": "14:00", "endTime": "17:00"} in [
        {k: b[k] for k in ("dayOfWeek", "startTime", "endTime")} for b in _week(base, trainer)
    ]

    # Monday 10:00-11:00 overlaps the 08:00-12:00 block: refused, with the reason shown.
    x0, y = _cell_center(page, 0, 20)
    x1, _ = _cell_center(page, 0, 21)
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=3)
    page.mouse.up()
    expect(page.get_by_role("alert")).to_contain_text("overlaps 08:00-12:00")
    assert len([b for b in _week(base, trainer) if b["dayOfWeek"] == 0]) == 1

    page.get_by_role("button", name="Remove Sunday 14:00–17:00").click()
    expect(page.get_by_role("button", name="Remove Sunday 14:00–17:00")).to_have_count(0)
    assert [(b["startTime"], b["endTime"]) for b in _week(base, trainer) if b["dayOfWeek"] == 6] == [("08:00", "12:00")]


def test_drag_with_a_finger_on_a_phone(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "touch@example.com", hours=("08:00", "12:00"))
    page = login(
        browser, base, "touch@example.com", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page.goto("/dashboard/availability")
    group = page.get_by_role("group", name="Saturday hours")
    expect(group).to_be_visible()
    # Bring 06:00-07:30 to the middle of the phone's screen (the grid scrolls sideways).
    page.locator('[data-day="5"][data-slot="13"]').evaluate(
        "c => c.scrollIntoView({block: 'center', inline: 'center'})"
    )
    x0, y = _cell_center(page, 5, 12)
    x1, _ = _cell_center(page, 5, 14)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]})
    for i in range(1, 6):
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x0 + (x1 - x0) * i / 5, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(page.get_by_role("button", name="Remove Saturday 06:00–07:30")).to_be_attached()
    assert any(
        b["dayOfWeek"] == 5 and b["startTime"] == "06:00" and b["endTime"] == "07:30" for b in _week(base, trainer)
    )


def test_block_a_date_and_override_hours(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "dates@example.com")
    page = login(browser, base, "dates@example.com")
    page.goto("/dashboard/availability")
    page.get_by_role("tab", name="Specific dates").click()
    rows = page.get_by_role("list", name="The next four weeks").get_by_role("listitem")
    expect(rows).to_have_count(28)

    page.get_by_role("button", name=re.compile("^Block ")).nth(1).click()
    expect(rows.nth(1)).to_contain_text("Blocked")
    page.get_by_role("button", name=re.compile("^Override hours for ")).nth(2).click()
    page.get_by_label("From").fill("13:00")
    page.get_by_label("Until").fill("15:30")
    page.get_by_role("button", name="Save hours").click()
    expect(rows.nth(2)).to_contain_text("13:00–15:30")
    expect(rows.nth(2)).to_contain_text("Special hours")

    api = httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/overrides", headers=trainer["headers"]).json()
    assert [o["blocks"] for o in api] == [[], [{"startTime": "13:00", "endTime": "15:30"}]]


def test_preferences_are_validated_saved_and_shown_again(live_app, browser: Browser):
    base = live_app["base"]
    make_trainer(base, "prefs@example.com")
    page = login(browser, base, "prefs@example.com")
    page.goto("/dashboard/preferences")
    page.get_by_label("45 min").click()  # a controlled checkbox: its state comes back from the server
    expect(page.get_by_label("45 min")).to_be_checked()
    page.get_by_label("Buffer between sessions").select_option("15")
    page.get_by_label("Minimum notice").fill("900")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#error-min_notice_hours")).to_contain_text("0 to 720")
    page.get_by_label("Minimum notice").fill("6")
    page.get_by_label("Confirm new bookings automatically").click()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    page.reload()
    expect(page.get_by_label("45 min")).to_be_checked()
    expect(page.get_by_label("Minimum notice")).to_have_value("6")
    expect(page.get_by_label("Buffer between sessions")).to_have_value("15")
    expect(page.get_by_label("Confirm new bookings automatically")).to_be_checked()


def _fill_bookings(base: str, trainer: dict, count: int) -> list[dict]:
    made, day = [], date.today() + timedelta(days=1)
    while len(made) < count:
        slots = httpx.get(
            f"{base}/api/bookings/availability",
            params={
                "trainerId": trainer["trainerId"],
                "date": day.isoformat(),
                "duration": 60,
                "clientTimezone": "Europe/Berlin",
            },
        ).json()
        for slot in slots[: count - len(made)]:
            n = len(made)
            response = book(base, trainer["trainerId"], slot["startTime"], email=f"client{n}@example.com")
            assert response.status_code == 201, response.text
            made.append(response.json())
        day += timedelta(days=1)
    return made


def test_bookings_table_filter_search_pages_cancel_and_csv(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "table@example.com", maxAdvanceDays=60)
    made = _fill_bookings(base, trainer, 25)
    page = login(browser, base, "table@example.com", accept_downloads=True)
    page.goto("/dashboard/bookings")
    table = page.get_by_role("table", name="Bookings")
    expect(page.get_by_text("25 bookings")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(21)  # header + a page of 20
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(6)

    page.get_by_label("Search client name or email").fill("CLIENT7@")
    expect(page.get_by_text("1 bookings")).to_be_visible()
    first_date = page.locator("table tbody tr td").nth(1).inner_text()

    page.get_by_role("button", name=re.compile("^Cancel Api Client")).click()
    page.get_by_label("Reason (the client sees it)").fill("Trainer ill")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_text("0 bookings")).to_be_visible()  # gone from Upcoming
    page.get_by_role("radio", name="Cancelled").click()
    expect(page.get_by_text("1 bookings")).to_be_visible()
    expect(table).to_contain_text("Cancelled")
    expect(table).to_contain_text(first_date)

    page.get_by_role("button", name="Clear filters").click()
    page.get_by_role("radio", name="All").click()
    expect(page.get_by_text("25 bookings")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export all filtered (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
    assert len(rows) == 25
    assert {r["id"] for r in rows} == {m["id"] for m in made}
    assert sum(r["status"] == "CANCELLED" for r in rows) == 1


def test_a_booking_made_elsewhere_appears_live_with_a_toast(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "live-dash@example.com")
    page = login(browser, base, "live-dash@example.com")
    page.goto("/dashboard/bookings")
    expect(page.get_by_text("0 bookings")).to_be_visible()
    slot = httpx.get(
        f"{base}/api/bookings/availability/dates",
        params={"trainerId": trainer["trainerId"], "month": date.today().strftime("%Y-%m")},
    ).json()
    day = slot[0] if slot else (date.today().replace(day=1) + timedelta(days=32)).replace(day=2).isoformat()
    start = httpx.get(
        f"{base}/api/bookings/availability", params={"trainerId": trainer["trainerId"], "date": day, "duration": 60}
    ).json()[0]["startTime"]
    assert book(base, trainer["trainerId"], start, email="fresh@example.com").status_code == 201
    expect(page.get_by_text(re.compile("^New booking: Api Client"))).to_be_visible(timeout=8000)
    expect(page.get_by_text("1 bookings")).to_be_visible()


def test_overview_shows_the_embed_code_and_rotates_the_api_key(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "keys@example.com")
    page = login(browser, base, "keys@example.com")
    expect(page.get_by_label("Embed code for your site")).to_have_value(re.compile(f"/embed/{trainer['slug']}"))
    page.get_by_role("button", name="Rotate API key").click()
    new_key = page.locator("#new-api-key").inner_text()
    assert new_key.startswith("td_") and new_key != trainer["headers"]["Authorization"][7:]
    old = httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/preferences", headers=trainer["headers"])
    assert old.status_code == 401
    fresh = httpx.get(
        f"{base}/api/trainers/{trainer['trainerId']}/preferences", headers={"Authorization": f"Bearer {new_key}"}
    )
    assert fresh.status_code == 200


def test_reschedule_from_the_table_then_the_details_show_the_move(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "dialogs@example.com")
    day = (date.today().replace(day=1) + timedelta(days=32)).replace(day=10).isoformat()
    slots = httpx.get(
        f"{base}/api/bookings/availability",
        params={"trainerId": trainer["trainerId"], "date": day, "duration": 60, "clientTimezone": "UTC"},
    ).json()
    assert book(base, trainer["trainerId"], slots[0]["startTime"], email="moved@example.com").status_code == 201
    page = login(browser, base, "dialogs@example.com")
    page.goto("/dashboard/bookings")
    expect(page.get_by_text("1 bookings")).to_be_visible()

    page.get_by_role("button", name=re.compile("^Reschedule Api Client")).click()
    expect(page.get_by_role("heading", name="Reschedule booking")).to_be_visible()
    page.get_by_role("button", name="Move to 12:00").click()
    page.get_by_role("button", name="Move booking").click()
    expect(page.get_by_text("Booking moved; the client is notified.")).to_be_visible()
    expect(page.get_by_role("table", name="Bookings")).to_contain_text("12:00–13:00")

    page.get_by_role("button", name=re.compile("^Details of Api Client")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Booking of Api Client")
    expect(dialog).to_contain_text("moved@example.com")
    expect(dialog).to_contain_text("Rescheduled")
    expect(dialog).to_contain_text(re.compile(r"08:00 → .*12:00"))
