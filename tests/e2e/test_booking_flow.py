"""A client books through /book/{slug} in a real browser, in their own time zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from trainerdesk.db import engine_for
from trainerdesk.models import Booking, Client

pytestmark = pytest.mark.e2e


def _trainer(base: str, email: str, zone: str) -> dict:
    api = httpx.Client(base_url=base, timeout=10)
    made = api.post("/api/auth/signup", json={"email": email, "password": "correct-horse", "name": "Erin Coach",
                                              "timezone": zone}).json()
    headers = {"Authorization": f"Bearer {made['apiKey']}"}
    week = [{"dayOfWeek": d, "startTime": "08:00", "endTime": "18:00"} for d in range(7)]
    assert api.put(f"/api/trainers/{made['trainerId']}/availability", json={"blocks": week},
                   headers=headers).status_code == 200
    assert api.patch(f"/api/trainers/{made['trainerId']}/preferences",
                     json={"sessionDurations": [60], "minNoticeHours": 1}, headers=headers).status_code == 200
    return made


@pytest.mark.parametrize("client_zone", ["Asia/Tokyo", "America/New_York", "Europe/London"])
def test_client_books_in_their_zone(live_app, browser: Browser, client_zone):
    base = live_app["base"]
    trainer = _trainer(base, f"erin-{client_zone.split('/')[1].lower()}@example.com", "Europe/Berlin")
    context = browser.new_context(timezone_id=client_zone, base_url=base)
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

    page.get_by_label("Name").fill("Sam Client")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("I agree that my details are used to arrange this session").check()
    page.get_by_role("button", name="Book this session").click()

    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    booking_id = page.locator("#booking-id").inner_text()
    expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel this session")).to_be_visible()

    with Session(engine_for(live_app["db_url"])) as session:
        booking, client = session.exec(select(Booking, Client).join(Client, Client.id == Booking.client_id)
                                       .where(Booking.id == booking_id)).one()
    assert client.email == "sam@example.com" and booking.client_timezone == client_zone
    # The time the client clicked is the booking's start in their zone.
    assert booking.start_at.astimezone(ZoneInfo(client_zone)).strftime("%H:%M") == label
    assert booking.duration_minutes == 60 and booking.start_at > datetime.now(ZoneInfo("UTC"))
    context.close()
