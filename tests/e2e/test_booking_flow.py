"""A client books through /book/{slug} in a real browser, in their own time zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from tests.e2e.helpers import book, fill_booking_form, first_slot, make_trainer
from trainerdesk import formatting
from trainerdesk.db import engine_for
from trainerdesk.models import Booking, Client

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("client_zone", "locale"), [("Asia/Tokyo", "en-GB"), ("America/New_York", "en-US"), ("Europe/London", "de-DE")]
)
def test_client_books_in_their_zone(live_app, browser: Browser, client_zone, locale):
    base = live_app["base"]
    trainer = make_trainer(base, f"erin-{client_zone.split('/')[1].lower()}@example.com")
    context = browser.new_context(timezone_id=client_zone, locale=locale, base_url=base)
    page = context.new_page()
    page.goto(f"/book/{trainer['slug']}")

    expect(page.get_by_role("heading", name="Book a session with Erin Coach")).to_be_visible()
    expect(page.get_by_label("Your time zone")).to_have_value(client_zone)

    # The first highlighted date, then its first time, exactly as the API offers them.
    page.get_by_role("gridcell", name=re.compile(", available$")).first.click()
    first_time = page.get_by_role("list", name="Available times").get_by_role("button").first
    expect(first_time).to_be_visible()
    label = first_time.inner_text()
    first_time.click()

    fill_booking_form(page, "Sam Client", "sam@example.com")
    page.get_by_role("button", name="Book this session").click()

    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    booking_id = page.locator("#booking-id").inner_text()
    expect(page.get_by_role("button", name="Add to calendar")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel this session")).to_be_visible()

    with Session(engine_for(live_app["db_url"])) as session:
        booking, client = session.exec(
            select(Booking, Client).join(Client, Client.id == Booking.client_id).where(Booking.id == booking_id)
        ).one()
    assert client.email == "sam@example.com" and booking.client_timezone == client_zone
    # The time the client clicked is the booking's start in their zone, as their locale writes it.
    assert formatting.time_text(booking.start_at, client_zone, formatting.negotiate_locale(locale)) == label
    assert booking.duration_minutes == 60 and booking.start_at > datetime.now(ZoneInfo("UTC"))
    context.close()


def _open_first_day(page) -> None:
    page.get_by_role("gridcell", name=re.compile(", available$")).first.click()


def test_a_slot_taken_elsewhere_disappears_without_reload(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "live@example.com")
    slot = first_slot(base, trainer["trainerId"], zone="Asia/Tokyo")
    page = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB", base_url=base).new_page()
    page.goto(f"/book/{trainer['slug']}")
    page.get_by_role("gridcell", name=re.compile(", available$")).first.wait_for()
    day = formatting.date_text(datetime.fromisoformat(slot["date"]).date(), "en_GB")
    page.locator(f'[aria-label^="{day},"]').click()
    times = page.get_by_role("list", name="Available times").get_by_role("button")
    label = formatting.time_text(datetime.fromisoformat(slot["startTime"]), "Asia/Tokyo", "en_GB")
    expect(times.filter(has_text=label)).to_have_count(1)
    assert book(base, trainer["trainerId"], slot["startTime"]).status_code == 201
    # No reload: the committed booking is pushed to the open page (the safety poll is 60 s).
    expect(times.filter(has_text=label)).to_have_count(0, timeout=5000)


def test_two_clients_race_for_one_slot_and_the_loser_gets_fresh_times(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "race@example.com")
    pages = []
    for name in ("Ada", "Bo"):
        page = browser.new_context(timezone_id="Europe/London", base_url=base).new_page()
        page.goto(f"/book/{trainer['slug']}")
        _open_first_day(page)
        page.get_by_role("list", name="Available times").get_by_role("button").first.click()
        fill_booking_form(page, name, f"{name.lower()}@example.com")
        pages.append(page)
    pages[0].get_by_role("button", name="Book this session").click()
    expect(pages[0].get_by_role("heading", name="You're booked!")).to_be_visible()
    # The second form may already have been told by the live refresh; either way the loser sees the
    # friendly message and the time is gone from the list.
    if pages[1].get_by_role("button", name="Book this session").is_visible():
        pages[1].get_by_role("button", name="Book this session").click()
    expect(pages[1].get_by_text(re.compile("Sorry, .* (just taken|a moment ago)"))).to_be_visible()
    expect(pages[1].get_by_role("heading", name="You're booked!")).to_have_count(0)
    with Session(engine_for(live_app["db_url"])) as session:
        active = session.exec(select(Booking).where(Booking.trainer_id == trainer["trainerId"])).all()
    assert len(active) == 1


def test_client_reschedules_and_cancels_through_private_links(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "manage@example.com", cancellationNoticeHours=0, rescheduleNoticeHours=0)
    slot = first_slot(base, trainer["trainerId"], zone="America/New_York")
    made = book(base, trainer["trainerId"], slot["startTime"], zone="America/New_York").json()
    page = browser.new_context(timezone_id="America/New_York", base_url=base).new_page()

    page.goto(made["rescheduleUrl"])
    expect(page.get_by_role("heading", name="Reschedule your session")).to_be_visible()
    page.get_by_role("gridcell", name=re.compile(", available$")).nth(1).click()
    page.get_by_role("list", name="Available times").get_by_role("button").first.click()
    page.get_by_role("button", name="Move my session").click()
    expect(page.get_by_text("Your session has moved")).to_be_visible()
    with Session(engine_for(live_app["db_url"])) as session:
        moved = session.get(Booking, made["id"])
    assert moved.reschedule_count == 1 and moved.start_at.isoformat() != slot["startTime"]

    page.goto(made["cancelUrl"])
    page.get_by_label("Travelling").check()
    page.get_by_label("Anything your trainer should know? (optional)").fill("Away for work")
    page.get_by_role("button", name="Cancel my session").click()
    expect(page.get_by_text("Your session is cancelled")).to_be_visible()
    with Session(engine_for(live_app["db_url"])) as session:
        cancelled = session.get(Booking, made["id"])
    assert cancelled.status == "CANCELLED" and cancelled.cancellation_reason == "Travelling: Away for work"


def test_a_wrong_token_is_refused_and_reveals_nothing(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "refuse@example.com")
    slot = first_slot(base, trainer["trainerId"])
    made = book(base, trainer["trainerId"], slot["startTime"], email="secret-client@example.com").json()
    page = browser.new_context(base_url=base).new_page()
    for url in (f"/cancel/{made['id']}?token=wrong", f"/reschedule/{made['id']}", "/cancel/nope?token=x"):
        page.goto(url)
        expect(page.get_by_role("alert")).to_contain_text("This link is not valid")
        expect(page.get_by_text("Api Client")).to_have_count(0)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (as a keyboard user moves through the page)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never took the focus")


def test_keyboard_only_booking_with_a_searched_zone_and_the_calendar_file(live_app, browser: Browser):
    from icalendar import Calendar

    base = live_app["base"]
    trainer = make_trainer(base, "keyboard@example.com")
    page = browser.new_context(timezone_id="Europe/London", base_url=base, accept_downloads=True).new_page()
    page.goto(f"/book/{trainer['slug']}")
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/London")

    # Search the zone list by typing; only a whole zone name counts.
    _tab_to(page, "#client-zone")
    page.keyboard.press("Control+a")
    page.keyboard.type("Asia/Tokyo")
    expect(page.locator("#client-zone-now")).to_contain_text("Asia/Tokyo (GMT+09:00)")

    _tab_to(page, "button.td-day-open")
    page.keyboard.press("Enter")
    _tab_to(page, "button.td-slot")
    chosen = page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Enter")
    _tab_to(page, "#field-name")
    page.keyboard.type("Kay Board")
    _tab_to(page, "#field-email")
    page.keyboard.type("kay@example.com")
    _tab_to(page, "#field-privacy")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect(page.locator("#booked-when")).to_contain_text(f"{chosen} (Asia/Tokyo)")

    with page.expect_download() as download:
        page.get_by_role("button", name="Add to calendar").click()
    event = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    booking_id = page.locator("#booking-id").inner_text()
    assert str(event["UID"]).startswith(f"booking-{booking_id}@")
    # Playwright's default browser locale is en-US: the buttons read "9:00 AM".
    assert formatting.time_text(event.decoded("DTSTART"), "Asia/Tokyo", "en_US") == chosen
