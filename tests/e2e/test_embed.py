"""The widget embedded in another site's page, with third-party storage blocked, and on a phone."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import fill_booking_form, make_trainer, next_month

pytestmark = pytest.mark.e2e

HOST_PAGE = """<!doctype html><html><head><title>Coach Erin's site</title></head><body>
<h1>Erin's training studio</h1>
<script>window.widgetMessages = []; window.addEventListener("message", function (e) {
  if (e.data && e.data.source === "trainerdesk") window.widgetMessages.push(e.data); });</script>
%s
</body></html>"""


@pytest.fixture
def other_site(tmp_path):
    """A static site on 127.0.0.1, a different site from the app's localhost."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_embedded_widget_books_cross_site_with_storage_blocked(live_app, browser: Browser, other_site):
    base = live_app["base"]
    trainer = make_trainer(base, "embed@example.com")
    snippet = httpx.get(f"{base}/api/embed/calendar/{trainer['trainerId']}")
    assert snippet.status_code == 200 and snippet.headers["access-control-allow-origin"] == "*"
    folder, origin = other_site
    (folder / "index.html").write_text(HOST_PAGE % snippet.text)
    # The embed page may be framed; dashboard pages may not.
    assert "frame-ancestors *" in httpx.get(f"{base}/embed/{trainer['slug']}").headers["content-security-policy"]
    login = httpx.get(f"{base}/login")
    assert login.headers["x-frame-options"] == "DENY"

    context = browser.new_context(timezone_id="Australia/Adelaide")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{origin}/index.html")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Book a session with Erin Coach")).to_be_visible()
    # The browser really blocked the iframe's storage, and the widget still works.
    widget = next(f for f in page.frames if "/embed/" in f.url)
    assert widget.evaluate("window.__trainerdeskStorageShim === true")
    expect(frame.get_by_label("Your time zone")).to_have_value("Australia/Adelaide")

    frame.get_by_role("gridcell", name=re.compile(", available$")).first.click()
    # The 12h/24h switch works with the storage blocked too (it is just not remembered).
    times = frame.get_by_role("list", name="Available times").get_by_role("button")
    expect(times.first).to_have_text(re.compile(r"^\d{1,2}:\d\d\s[AP]M$"))
    frame.get_by_role("radio", name="24-hour").click()
    expect(times.first).to_have_text(re.compile(r"^\d\d:\d\d$"))
    times.first.click()
    fill_booking_form(frame, "Embedded Client", "embedded@example.com")
    frame.get_by_role("button", name="Book this session").click()
    expect(frame.get_by_role("heading", name="You're booked!")).to_be_visible()

    booking_id = frame.locator("#booking-id").inner_text()
    page.wait_for_function("window.widgetMessages.some(m => m.type === 'booked')")
    messages = page.evaluate("window.widgetMessages")
    assert {"source": "trainerdesk", "type": "booked", "bookingId": booking_id} in messages
    assert any(m["type"] == "resize" and m["height"] > 200 for m in messages)
    assert not errors, errors
    context.close()


def test_booking_on_a_phone_with_touch(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "phone@example.com", durations=[30, 60])
    context = browser.new_context(
        timezone_id="Asia/Kathmandu",
        locale="en-US",
        viewport={"width": 375, "height": 667},
        has_touch=True,
        is_mobile=True,
        base_url=base,
    )
    page = context.new_page()
    page.goto(f"/book/{trainer['slug']}")
    page.get_by_label("Session length").select_option("30")
    # Next month is fully bookable whatever the clock says, so the times below do not depend on it.
    next_month(page, tap=True)
    page.get_by_role("gridcell", name=re.compile(", available$")).first.tap()
    # Kathmandu is UTC+05:45: a trainer's full hour is a quarter to in the client's zone (and the
    # half hour a quarter past). Which comes first depends on the clock, so pick a full hour.
    times = page.get_by_role("list", name="Available times").get_by_role("button")
    times.filter(has_text=re.compile(r"^\d{1,2}:45\s[AP]M$")).first.tap()
    expect(page.locator("#chosen-time")).to_contain_text(
        re.compile(r"\d{1,2}:45\s[AP]M \(Asia/Kath?mandu\) = \d{1,2}:00\s[AP]M for Erin Coach \(Europe/Berlin\)")
    )
    page.get_by_label("Name").fill("Phone Client")
    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label("I agree that my details are used to arrange this session").tap()
    page.get_by_role("button", name="Book this session").tap()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
