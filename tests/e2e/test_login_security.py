"""The dashboard login as a browser meets it: an HttpOnly cookie, logout that reaches every tab,
and a log-in form that slows down a password guesser."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import make_trainer
from trainerdesk import routes

pytestmark = pytest.mark.e2e


def _login(page, email: str, password: str = "correct-horse") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_session_cookie_is_http_only_and_never_reaches_script_or_state(live_app, browser: Browser):
    make_trainer(live_app["base"], "cookie-jar@example.com")
    context = browser.new_context(base_url=live_app["base"])
    page = context.new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    _login(page, "cookie-jar@example.com")
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()

    cookie = next(c for c in context.cookies() if c["name"] == routes.SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # http://localhost here; under an https PUBLIC_URL it is Secure
    assert routes.SESSION_COOKIE not in page.evaluate("document.cookie")
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    assert frames, "no websocket traffic was seen"
    assert not any(cookie["value"] in frame for frame in frames)


def test_logging_out_in_one_tab_stops_the_other_tab_at_once(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "two-tabs@example.com")
    context = browser.new_context(base_url=base)
    first, second = context.new_page(), context.new_page()
    _login(first, "two-tabs@example.com")
    expect(first.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    second.goto(routes.DASHBOARD)
    expect(second.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()

    first.get_by_role("button", name="Log out").click()
    expect(first).to_have_url(re.compile(r"/$"))
    # The second tab's websocket was opened while logged in; its next action must not act any more.
    second.get_by_role("button", name="Rotate API key").click()
    expect(second).to_have_url(re.compile(routes.LOGIN + "$"))
    still = httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/preferences", headers=trainer["headers"])
    assert still.status_code == 200, "the key was rotated after logout"


def test_the_log_in_form_makes_a_password_guesser_wait(live_app, browser: Browser):
    make_trainer(live_app["base"], "guessed@example.com")
    page = browser.new_context(base_url=live_app["base"]).new_page()
    page.goto("/login")
    for attempt in range(8):
        page.get_by_label("Email").fill("guessed@example.com")
        page.get_by_label("Password").fill(f"guess-number-{attempt}")
        page.get_by_role("button", name="Log in").click()
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible()
        if "Too many" in alert.inner_text():
            break
    expect(page.get_by_role("alert")).to_contain_text("Too many failed log-ins for this account")
