"""Automations in a real browser: the reminder hours on the preferences page, and a webhook added on
the Integrations page (its secret shown once, a ping answered by a real receiver on this machine,
a booking's event arriving signed with that secret, the deliveries log)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import book, make_trainer
from tests.e2e.test_dashboard import login
from tests.e2e.test_integrations import next_month_day
from tests.webhook_receiver import WebhookReceiver


def test_a_trainer_chooses_when_clients_are_reminded(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "reminders@example.com")
    page = login(browser, base, "reminders@example.com")
    page.goto("/dashboard/preferences")
    expect(page.get_by_label("24 h")).to_be_checked()  # the default: a day before
    page.get_by_label("2 h", exact=True).click()
    expect(page.get_by_label("2 h", exact=True)).to_be_checked()
    page.get_by_label("Other reminder emails (hours, comma separated)").fill("200")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#error-reminder_hours")).to_contain_text("1 to 168")
    page.get_by_label("Other reminder emails (hours, comma separated)").fill("72")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    prefs = httpx.get(f"{base}/api/trainers/{trainer['trainerId']}/preferences", headers=trainer["headers"]).json()
    assert prefs["reminderHours"] == [2, 24, 72]


def test_a_trainer_adds_a_webhook_pings_it_and_receives_a_booking_signed(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "hooks@example.com")
    receiver = WebhookReceiver()
    try:
        page = login(browser, base, "hooks@example.com")
        page.goto("/dashboard/integrations")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.locator("#webhook-error-url")).to_be_visible()  # no address yet
        page.get_by_label("Webhook address").fill(receiver.url())
        page.get_by_label("Completed").click()
        expect(page.get_by_label("Completed")).to_be_checked()
        page.get_by_role("button", name="Add webhook").click()
        secret_field = page.get_by_label("Signing secret")
        expect(secret_field).to_be_visible(timeout=10000)
        secret = secret_field.input_value()
        assert secret.startswith("whsec_")

        page.get_by_role("button", name=f"Ping {receiver.url()}").click()
        expect(page.get_by_text("Ping delivered (the receiver answered 200).")).to_be_visible(timeout=15000)
        log = page.get_by_role("table", name=f"Deliveries to {receiver.url()}")
        expect(log).to_contain_text("ping")
        expect(log).to_contain_text("Delivered")

        start = datetime.combine(
            next_month_day(), datetime.min.time().replace(hour=15), tzinfo=ZoneInfo("Europe/Berlin")
        )
        made = book(base, trainer["trainerId"], start.isoformat(), name="Kenji Test")
        assert made.status_code == 201, made.text
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(b"booking.created" in r.body for r in receiver.received):
            time.sleep(0.2)
        received = next(r for r in receiver.received if b"booking.created" in r.body)
        t, v1 = (p.split("=", 1)[1] for p in received.headers["TrainerDesk-Signature"].split(","))
        assert hmac.compare_digest(
            v1, hmac.new(secret.encode(), f"{t}.".encode() + received.body, hashlib.sha256).hexdigest()
        )
        body = json.loads(received.body)
        assert body["data"]["booking"]["client"]["name"] == "Kenji Test"
        assert made.json()["token"] not in received.body.decode()

        page.get_by_role("button", name="Refresh log").click()
        expect(log).to_contain_text("booking.created")
        page.get_by_role("button", name="Done").click()
        expect(page.get_by_label("Signing secret")).to_have_count(0)
        page.reload()
        expect(page.get_by_label("Signing secret")).to_have_count(0)  # never shown again
        expect(page.get_by_text(receiver.url(), exact=True)).to_be_visible()
    finally:
        receiver.stop()
