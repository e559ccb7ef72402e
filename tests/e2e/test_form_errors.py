"""Every form says what is wrong, next to the field, as a screen reader meets it: the message has
role=alert, the field is aria-invalid and described by it, and the message goes once the field is
put right. The browser's own bubbles are off (Radix Form would swallow them), so nothing is silent."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import book, first_slot, make_trainer, next_month
from tests.e2e.test_dashboard import login

PRIVACY = "I agree that my details are used to arrange this session"


def assert_field_error(page: Page, label: str, error_id: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    message = page.locator(f"#{error_id}")
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_contain_text(text)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(error_id))


def test_the_booking_form_names_every_wrong_field_and_clears_each_when_fixed(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "form-errors@example.com")
    page = browser.new_context(timezone_id="Europe/Berlin", base_url=base).new_page()
    page.goto(f"/book/{trainer['slug']}")
    next_month(page)
    page.get_by_role("gridcell", name=re.compile(", available$")).first.click()
    page.get_by_role("list", name="Available times").get_by_role("button").first.click()

    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Book this session").click()
    assert_field_error(page, "Name", "error-name", "Enter your name")
    assert_field_error(page, "Email", "error-email", "name@example.com")
    assert_field_error(page, PRIVACY, "error-privacyAccepted", "privacy notice")

    page.get_by_label("Name").fill("Kim Client")
    page.get_by_label("Name").press("Tab")  # leaving the field checks it again
    expect(page.locator("#error-name")).to_have_count(0)
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#error-email")).to_be_visible()  # still wrong, still said
    page.get_by_label("Email").fill("kim@example.com")
    page.get_by_label("Email").press("Tab")
    expect(page.locator("#error-email")).to_have_count(0)
    page.get_by_label(PRIVACY).check()
    expect(page.locator("#error-privacyAccepted")).to_have_count(0)

    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()


def test_sign_up_and_log_in_say_what_is_missing(live_app, browser: Browser):
    base = live_app["base"]
    page = browser.new_context(base_url=base).new_page()
    page.goto("/signup")
    page.get_by_label("Email").fill("someone@")
    page.get_by_label("Password (at least 8 characters)").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert_field_error(page, "Your name", "error-name", "Enter your name")
    assert_field_error(page, "Email", "error-email", "name@example.com")
    assert_field_error(page, "Password (at least 8 characters)", "error-password", "at least 8")
    page.get_by_label("Your name").fill("Robin Trainer")
    page.get_by_label("Your name").press("Tab")
    expect(page.locator("#error-name")).to_have_count(0)
    expect(page.locator("#error-email")).to_be_visible()

    page.goto("/login")
    page.get_by_role("button", name="Log in").click()
    assert_field_error(page, "Email", "error-email", "Enter your email address")
    assert_field_error(page, "Password", "error-password", "Enter your password")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Email").press("Tab")
    expect(page.locator("#error-email")).to_have_count(0)
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")


def test_a_late_cancellation_asks_for_the_acknowledgement_next_to_its_box(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "late@example.com", cancellationNoticeHours=720)
    slot = first_slot(base, trainer["trainerId"], zone="Europe/Berlin")
    made = book(base, trainer["trainerId"], slot["startTime"], zone="Europe/Berlin").json()
    page = browser.new_context(timezone_id="Europe/Berlin", base_url=base).new_page()
    page.goto(made["cancelUrl"])
    page.get_by_role("button", name="Cancel my session").click()
    assert_field_error(page, "I understand this is a late cancellation", "error-acknowledge", "late")
    page.get_by_label("I understand this is a late cancellation").check()
    expect(page.locator("#error-acknowledge")).to_have_count(0)
    page.get_by_role("button", name="Cancel my session").click()
    expect(page.get_by_text("Your session is cancelled")).to_be_visible()


def test_preference_errors_are_read_with_their_field(live_app, browser: Browser):
    base = live_app["base"]
    make_trainer(base, "pref-errors@example.com")
    page = login(browser, base, "pref-errors@example.com")
    page.goto("/dashboard/preferences")
    page.get_by_label("Minimum notice").fill("900")
    page.get_by_label("Booking window").fill("")
    page.get_by_role("button", name="Save preferences").click()
    assert_field_error(page, "Minimum notice", "error-min_notice_hours", "0 to 720")
    assert_field_error(page, "Booking window", "error-max_advance_days", "whole number")
