"""The booking page in the reader's format: a US browser reads "2:30 PM", a German one "14:30", in any zone.

The browser's locale (Playwright's ``locale=``, which sets navigator.language and Accept-Language) picks
the format; the "Time format" switch overrides it for the rest of the visit. Days come from next month,
so nothing here depends on the clock.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from tests.e2e.helpers import book, fill_booking_form, first_slot, make_trainer, next_month
from trainerdesk import formatting
from trainerdesk.db import engine_for
from trainerdesk.models import Booking

pytestmark = pytest.mark.e2e

TWELVE = re.compile(r"^\d{1,2}:\d\d\s[AP]M$")
TWENTY_FOUR = re.compile(r"^\d\d:\d\d$")
US_DAY = re.compile(r"^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}, available$")
DE_DAY = re.compile(r"^(?:[A-Z][a-z]+tag|Mittwoch), \d{1,2}\. [A-ZÄ][a-zä]+ \d{4}, available$")


def _open_next_month_day(page, nth: int = 0):
    next_month(page)
    page.get_by_role("gridcell", name=re.compile(", available$")).nth(nth).click()
    return page.get_by_role("list", name="Available times").get_by_role("button")


@pytest.mark.parametrize(
    ("locale", "zone", "first_weekday", "day", "times"),
    [
        ("en-US", "America/Chicago", "Sun", US_DAY, TWELVE),
        ("en-US", "America/Los_Angeles", "Sun", US_DAY, TWELVE),
        ("de-DE", "Europe/Berlin", "Mo", DE_DAY, TWENTY_FOUR),
        ("de-DE", "Asia/Tokyo", "Mo", DE_DAY, TWENTY_FOUR),
    ],
)
def test_the_booking_page_reads_in_the_browsers_locale(
    live_app, browser: Browser, locale, zone, first_weekday, day, times
):
    base = live_app["base"]
    trainer = make_trainer(base, f"fmt-{locale}-{zone.split('/')[1]}@example.com".lower())
    context = browser.new_context(locale=locale, timezone_id=zone, base_url=base)
    page = context.new_page()
    page.goto(f"/book/{trainer['slug']}")
    expect(page.get_by_label("Your time zone")).to_have_value(zone)

    # The switch starts at the locale's own convention.
    switch = page.get_by_role("radiogroup", name="Time format")
    native = "12-hour" if times is TWELVE else "24-hour"
    expect(switch.get_by_role("radio", name=native)).to_be_checked()
    expect(page.get_by_role("columnheader").first).to_have_text(first_weekday)

    slots = _open_next_month_day(page)
    expect(page.get_by_role("gridcell", name=re.compile(", available$")).first).to_have_accessible_name(day)
    expect(slots.first).to_have_text(times)
    label = slots.first.inner_text()
    slots.first.click()

    # The chosen time, with the trainer's own time beside it, both in the reader's format.
    trainer_time = r"\d{1,2}:\d\d\s[AP]M" if times is TWELVE else r"\d\d:\d\d"
    trainers = rf" = {trainer_time} for Erin Coach \(Europe/Berlin\)" if zone != "Europe/Berlin" else "$"
    expect(page.locator("#chosen-time")).to_contain_text(re.compile(rf"{re.escape(label)} \({zone}\){trainers}"))
    fill_booking_form(page, "Format Client", f"fmt-{locale}@example.com".lower())
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect(page.locator("#booked-when")).to_contain_text(f"{label} ({zone})")

    # The button's text is the booking's start as the reader's locale writes it in their zone.
    with Session(engine_for(live_app["db_url"])) as session:
        booking = session.get(Booking, page.locator("#booking-id").inner_text())
    assert formatting.time_text(booking.start_at, zone, locale.replace("-", "_")) == label
    assert booking.client_timezone == zone
    context.close()


def test_the_switch_flips_the_times_and_is_remembered_for_the_visit(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "fmt-switch@example.com")
    context = browser.new_context(locale="en-US", timezone_id="America/Chicago", base_url=base)
    page = context.new_page()
    page.goto(f"/book/{trainer['slug']}")
    slots = _open_next_month_day(page)
    expect(slots.first).to_have_text(TWELVE)

    page.get_by_role("radio", name="24-hour").click()
    expect(page.get_by_role("radio", name="24-hour")).to_be_checked()
    expect(slots.first).to_have_text(TWENTY_FOUR)
    expect(slots.filter(has_text=re.compile(r"[AP]M"))).to_have_count(0)

    # Another day: still 24-hour.
    page.get_by_role("gridcell", name=re.compile(", available$")).nth(1).click()
    expect(slots.first).to_have_text(TWENTY_FOUR)

    # A reload within the visit: still 24-hour.
    page.reload()
    expect(page.get_by_role("radio", name="24-hour")).to_be_checked()
    slots = _open_next_month_day(page, nth=2)
    expect(slots.first).to_have_text(TWENTY_FOUR)
    slots.first.click()
    expect(page.locator("#chosen-time")).to_contain_text(re.compile(r"\d\d:\d\d \(America/Chicago\) = \d\d:\d\d for"))
    expect(page.locator("#chosen-time")).not_to_contain_text(re.compile(r"[AP]M"))
    fill_booking_form(page, "Switch Client", "fmt-switch-client@example.com")
    page.get_by_role("button", name="Book this session").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect(page.locator("#booked-when")).to_contain_text(re.compile(r", \d\d:\d\d \(America/Chicago\)$"))

    # And back: 12-hour, in a new visit (a new tab) the locale's convention again.
    fresh = context.new_page()
    fresh.goto(f"/book/{trainer['slug']}")
    expect(fresh.get_by_role("radio", name="12-hour")).to_be_checked()
    page.goto(f"/book/{trainer['slug']}")
    page.get_by_role("radio", name="12-hour").click()
    expect(_open_next_month_day(page).first).to_have_text(TWELVE)
    context.close()


def test_a_german_reader_can_choose_12_hours(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "fmt-de12@example.com")
    context = browser.new_context(locale="de-DE", timezone_id="Asia/Tokyo", base_url=base)
    page = context.new_page()
    page.goto(f"/book/{trainer['slug']}")
    expect(page.get_by_role("radio", name="24-hour")).to_be_checked()
    page.get_by_role("radio", name="12-hour").click()
    slots = _open_next_month_day(page)
    expect(slots.first).to_have_text(TWELVE)
    expect(page.get_by_role("heading", level=3)).to_have_text(re.compile(r"^\S+, \d{1,2}\. \S+ \d{4}$"))
    context.close()


def test_the_reschedule_and_cancel_pages_read_in_the_browsers_locale(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "fmt-manage@example.com", cancellationNoticeHours=0, rescheduleNoticeHours=0)
    slot = first_slot(base, trainer["trainerId"], zone="America/New_York")
    made = book(base, trainer["trainerId"], slot["startTime"], zone="America/New_York").json()

    german = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", base_url=base).new_page()
    german.goto(made["rescheduleUrl"])
    when = german.locator("#current-when")
    # The booking's own zone (the client booked in New York), in the German reader's 24-hour format.
    expect(when).to_have_text(re.compile(r"^\S+\., \d{1,2}\. \S+ \d{4}, \d\d:\d\d \(America/New_York\)$"))
    german.get_by_role("radio", name="12-hour").click()
    expect(when).to_have_text(re.compile(r", \d{1,2}:\d\d\s[AP]M \(America/New_York\)$"))
    slots = _open_next_month_day(german)
    expect(slots.first).to_have_text(TWELVE)
    slots.first.click()
    new_time = re.compile(r"New time: .*\d{1,2}:\d\d\s[AP]M \(Europe/Berlin\)")
    expect(german.locator("#new-time")).to_contain_text(new_time)
    german.get_by_role("button", name="Move my session").click()
    expect(german.get_by_text("Your session has moved")).to_be_visible()
    expect(when).to_have_text(re.compile(r", \d{1,2}:\d\d\s[AP]M \(America/New_York\)$"))

    american = browser.new_context(locale="en-US", timezone_id="America/Chicago", base_url=base).new_page()
    american.goto(made["cancelUrl"])
    expect(american.locator("#current-when")).to_have_text(
        re.compile(r"^\S+, \S+ \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M \(America/New_York\)$")
    )
