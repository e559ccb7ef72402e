"""Helpers for browser tests: set a trainer up through the public API, book through the API."""

from __future__ import annotations

import httpx


def make_trainer(
    base: str,
    email: str,
    *,
    zone: str = "Europe/Berlin",
    name: str = "Erin Coach",
    hours: tuple[str, str] = ("08:00", "18:00"),
    durations: list[int] | None = None,
    **preferences,
) -> dict:
    api = httpx.Client(base_url=base, timeout=10)
    made = api.post(
        "/api/auth/signup", json={"email": email, "password": "correct-horse", "name": name, "timezone": zone}
    )
    assert made.status_code == 201, made.text
    made = made.json()
    headers = {"Authorization": f"Bearer {made['apiKey']}"}
    week = [{"dayOfWeek": d, "startTime": hours[0], "endTime": hours[1]} for d in range(7)]
    assert (
        api.put(f"/api/trainers/{made['trainerId']}/availability", json={"blocks": week}, headers=headers).status_code
        == 200
    )
    prefs = {"sessionDurations": durations or [60], "minNoticeHours": 1, **preferences}
    assert api.patch(f"/api/trainers/{made['trainerId']}/preferences", json=prefs, headers=headers).status_code == 200
    return {**made, "headers": headers}


def first_slot(base: str, trainer_id: str, *, zone: str = "UTC", duration: int = 60) -> dict:
    api = httpx.Client(base_url=base, timeout=10)
    month_dates = []
    from datetime import date, timedelta

    first = date.today()
    for month in (first.strftime("%Y-%m"), (first.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")):
        month_dates += api.get(
            "/api/bookings/availability/dates",
            params={"trainerId": trainer_id, "month": month, "duration": duration, "clientTimezone": zone},
        ).json()
    day = month_dates[0]
    slots = api.get(
        "/api/bookings/availability",
        params={"trainerId": trainer_id, "date": day, "duration": duration, "clientTimezone": zone},
    ).json()
    return {"date": day, **slots[0]}


def book(
    base: str,
    trainer_id: str,
    start: str,
    *,
    email: str = "api@example.com",
    duration: int = 60,
    zone: str = "UTC",
    name: str = "Api Client",
) -> httpx.Response:
    return httpx.post(
        f"{base}/api/bookings",
        json={
            "trainerId": trainer_id,
            "startTime": start,
            "duration": duration,
            "name": name,
            "email": email,
            "clientTimezone": zone,
            "privacyAccepted": True,
        },
        timeout=10,
    )


PRIVACY = "I agree that my details are used to arrange this session"


def fill_booking_form(target, name: str, email: str) -> None:
    """Fill the widget's form (a page or an iframe's frame locator) as a client would."""
    target.get_by_label("Name").fill(name)
    target.get_by_label("Email").fill(email)
    target.get_by_label(PRIVACY).check()


def next_month(target, *, tap: bool = False) -> None:
    """Show next month in the booking calendar and wait until it is drawn (its days fully bookable
    whatever the clock says), so a following pick is never a day of this month."""
    from playwright.sync_api import expect

    label = target.locator("#month-label")
    before = label.inner_text()
    button = target.get_by_role("button", name="Next month")
    button.tap() if tap else button.click()
    expect(label).not_to_have_text(before)
