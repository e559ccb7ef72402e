"""The dashboard calendar in a real browser: sessions in the week by name, time and status, Day / Week / Month
and Previous / Today / Next without a reload, the details dialog, drag to reschedule with a mouse and a
finger (checked through the API and the history), a refused drop, the team's day side by side, a booking
arriving live, in two trainer zones.

Every session is booked next week (reached with "Next"), so no test depends on where today falls in its week.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import book, make_trainer
from tests.e2e.test_dashboard import login

pytestmark = pytest.mark.e2e

BERLIN, LA = "Europe/Berlin", "America/Los_Angeles"
REFUSED = re.compile(r"Not moved: \d\d:\d\d is not a free start for a 60-minute session\. Free starts that day: .*")


def next_week(zone: str, first_weekday: int = 0) -> list[date]:
    """Next week's dates in ``zone``, weeks starting on ``first_weekday`` (0 Monday, 6 Sunday)."""
    today = datetime.now(ZoneInfo(zone)).date()
    start = today - timedelta(days=(today.weekday() - first_weekday) % 7) + timedelta(days=7)
    return [start + timedelta(days=n) for n in range(7)]


def at(day: date, hh: int, mm: int, zone: str) -> str:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo(zone)).isoformat()


def booked(base: str, trainer: dict, day: date, hh: int, mm: int, name: str, *, zone: str, minutes: int = 60) -> str:
    r = book(
        base,
        trainer["trainerId"],
        at(day, hh, mm, zone),
        email=f"{name.split()[0].lower()}-{trainer['trainerId'][:6]}@example.com",
        name=name,
        duration=minutes,
        zone=zone,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def open_next_week(page: Page) -> None:
    page.goto("/dashboard/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    heading = page.locator("#calendar-range")
    expect(heading).not_to_have_text("")
    before = heading.inner_text()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(heading).not_to_have_text(before)


def y_of(page: Page, day: date, hh: int, mm: int, *, scroll: bool = True) -> tuple[float, float]:
    """The viewport point of a wall time in a day's column (from the column's own first minute and span)."""
    col = page.locator(f'[data-cal-col][data-day="{day.isoformat()}"]')
    if scroll:
        col.scroll_into_view_if_needed()
    box = col.bounding_box()
    first, span = int(col.get_attribute("data-first")), int(col.get_attribute("data-span"))
    return box["x"] + box["width"] / 2, box["y"] + (hh * 60 + mm - first) / span * box["height"]


def mouse_drag(page: Page, session, day: date, hh: int, mm: int) -> None:
    """Grab a session at its top edge (plus a little) and drop it so that its top lands on hh:mm."""
    box = session.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
    page.mouse.down()
    x, y = y_of(page, day, hh, mm)
    page.mouse.move(x, y + 4, steps=12)
    page.mouse.up()


def api_booking(base: str, trainer: dict, booking_id: str) -> dict:
    return httpx.get(f"{base}/api/bookings/{booking_id}", headers=trainer["headers"], timeout=10).json()


def history(base: str, trainer: dict, booking_id: str) -> list[dict]:
    return httpx.get(f"{base}/api/bookings/{booking_id}/history", headers=trainer["headers"], timeout=10).json()


# --------------------------------------------------------------------------- the week


def test_the_week_shows_sessions_by_name_time_and_status(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-week@example.com", durations=[30, 60])
    week = next_week(BERLIN)
    booked(base, trainer, week[1], 10, 0, "Kenji Test", zone=BERLIN)
    late = booked(base, trainer, week[2], 17, 0, "Lena Late", zone=BERLIN, minutes=30)
    assert httpx.patch(
        f"{base}/api/bookings/{late}/status", json={"status": "CONFIRMED"}, headers=trainer["headers"], timeout=10
    ).status_code in (200, 204)
    page = login(browser, base, "cal-week@example.com")
    expect(page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Calendar")).to_be_visible()
    open_next_week(page)
    expect(page.get_by_role("radio", name="Week")).to_be_checked()
    expect(page.get_by_text("Times in Europe/Berlin")).to_be_visible()
    expect(page.locator("#calendar-range")).to_have_text(
        re.compile(rf"^{week[0].day}\D.*{week[6].day} \w+ {week[6].year}$")
    )
    tuesday = page.get_by_role("group", name=re.compile(rf"^Tuesday, {week[1].day} "))
    expect(tuesday.get_by_role("button", name="Kenji Test, 10:00–11:00, Pending")).to_be_visible()
    wednesday = page.get_by_role("group", name=re.compile(rf"^Wednesday, {week[2].day} "))
    lena = wednesday.get_by_role("button", name="Lena Late, 17:00–17:30, Confirmed")
    expect(lena).to_be_visible()
    # The bookings table's badge colours: confirmed is blue, pending yellow.
    same_colour = """([b, scale]) => {
        const probe = document.createElement('span');
        probe.style.color = `var(--${scale}-9)`;
        document.body.appendChild(probe);
        const want = getComputedStyle(probe).color;
        probe.remove();
        return getComputedStyle(b).borderLeftColor === want;
    }"""
    assert page.evaluate(same_colour, [lena.element_handle(), "blue"])
    kenji = tuesday.get_by_role("button", name="Kenji Test, 10:00–11:00, Pending")
    assert page.evaluate(same_colour, [kenji.element_handle(), "yellow"])
    # Long enough to read its name and time on a laptop.
    assert lena.bounding_box()["height"] >= 30


def test_views_and_previous_today_next_change_state_without_a_reload(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-views@example.com")
    week = next_week(BERLIN)
    booked(base, trainer, week[3], 9, 0, "Mona Month", zone=BERLIN)
    page = login(browser, base, "cal-views@example.com")
    page.goto("/dashboard/calendar")
    heading = page.locator("#calendar-range")
    expect(heading).not_to_have_text("")
    this_week = heading.inner_text()
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(heading).not_to_have_text(this_week)
    expect(page.get_by_role("button", name="Mona Month, 09:00–10:00, Pending")).to_be_visible()
    page.get_by_role("button", name="Previous", exact=True).click()
    expect(heading).to_have_text(this_week)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Today", exact=True).click()
    expect(heading).to_have_text(this_week)

    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("radio", name="Day").click()
    expect(heading).to_have_text(re.compile(r"^\w+day, \d+ \w+ \d{4}$"))
    page.get_by_role("radio", name="Month").click()
    month = page.get_by_role("table", name=re.compile(r"^\w+ \d{4}$"))
    expect(month).to_be_visible()
    expect(heading).to_have_text(re.compile(r"^\w+ \d{4}$"))
    if week[3].month != datetime.now(ZoneInfo(BERLIN)).date().month:
        page.get_by_role("button", name="Next", exact=True).click()
    expect(month.get_by_role("button", name="Mona Month, 09:00–10:00, Pending")).to_be_visible()
    # A day of the month opens in the day view.
    month.get_by_role("button", name=re.compile(rf"^Show \w+, {week[3].day} ")).first.click()
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    expect(page.get_by_role("button", name="Mona Month, 09:00–10:00, Pending")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "moving around reloaded the page"


def test_a_busy_month_day_says_how_many_more(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-more@example.com", durations=[30])
    day = next_week(BERLIN)[2]
    for n in range(5):
        booked(base, trainer, day, 9 + n, 0, f"Client {n}", zone=BERLIN, minutes=30)
    page = login(browser, base, "cal-more@example.com")
    open_next_week(page)
    page.get_by_role("radio", name="Month").click()
    if day.month != datetime.now(ZoneInfo(BERLIN)).date().month:
        page.get_by_role("button", name="Next", exact=True).click()
    month = page.get_by_role("table")
    expect(month.get_by_role("button", name=re.compile(r"^Client \d, "))).to_have_count(3)
    more = month.get_by_role("button", name=re.compile(rf"^\+2 more on \w+, {day.day} "))
    more.click()
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    expect(page.get_by_role("button", name=re.compile(r"^Client \d, "))).to_have_count(5)


def test_a_session_opens_the_bookings_details_dialog(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-dialog@example.com")
    week = next_week(BERLIN)
    booking_id = booked(base, trainer, week[1], 11, 0, "Dana Dialog", zone=BERLIN)
    page = login(browser, base, "cal-dialog@example.com")
    open_next_week(page)
    session = page.get_by_role("button", name="Dana Dialog, 11:00–12:00, Pending")
    session.focus()
    page.keyboard.press("Enter")  # the keyboard path
    dialog = page.get_by_role("dialog", name="Booking of Dana Dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="History")).to_be_visible()
    expect(dialog).to_contain_text("Booked")
    # Reschedule from the dialog: the same action dialog as the bookings table.
    dialog.get_by_role("button", name="Reschedule").click()
    action = page.get_by_role("dialog", name="Reschedule booking")
    expect(action.get_by_label("New date")).to_have_value(week[1].isoformat())
    action.get_by_role("button", name="Move to 14:00").click()
    action.get_by_role("button", name="Move booking").click()
    # The calendar shows the move at once (the dialog's action is followed by a redraw).
    tuesday = page.get_by_role("group", name=re.compile(rf"^Tuesday, {week[1].day} "))
    expect(tuesday.get_by_role("button", name="Dana Dialog, 14:00–15:00, Pending")).to_be_visible(timeout=1500)
    expected = datetime.fromisoformat(at(week[1], 14, 0, BERLIN))
    assert datetime.fromisoformat(api_booking(base, trainer, booking_id)["startTime"]) == expected


# --------------------------------------------------------------------------- drag


@pytest.mark.parametrize(
    "zone, locale, first_weekday, before, after, preview",
    [
        (BERLIN, "en-GB", 0, r"10:00–11:00", r"14:00–15:00", "14:00"),
        # a US browser: weeks from Sunday, 12-hour times (CLDR puts thin and no-break spaces in them)
        (LA, "en-US", 6, r"10:00\s–\s11:00\sAM", r"2:00\s–\s3:00\sPM", "2:00"),
    ],
)
def test_drag_with_the_mouse_reschedules(
    live_app, browser: Browser, zone, locale, first_weekday, before, after, preview
):
    base = live_app["base"]
    email = f"cal-drag-{zone.split('/')[1].lower()}@example.com"
    trainer = make_trainer(base, email, zone=zone)
    week = next_week(zone, first_weekday)
    booking_id = booked(base, trainer, week[2], 10, 0, "Kenji Test", zone=zone)
    page = login(browser, base, email, locale=locale, timezone_id=zone)
    open_next_week(page)
    expect(page.get_by_text(f"Times in {zone}")).to_be_visible()
    session = page.get_by_role("button", name=re.compile(f"^Kenji Test, {before}, Pending$"))
    expect(session).to_be_visible()
    box = session.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
    page.mouse.down()
    # Past 14:15 first: the preview snaps to quarter hours. The slot rules start a 60-minute session on the
    # hour of this window, so the drop is on 14:00.
    x, y = y_of(page, week[3], 14, 15)
    page.mouse.move(x, y + 4, steps=12)
    expect(page.locator(".td-cal-ghost")).to_contain_text("2:15" if zone == LA else "14:15")
    x, y = y_of(page, week[3], 14, 0)
    page.mouse.move(x, y + 4, steps=4)
    # While dragging, the drop target shows the new time.
    expect(page.locator(".td-cal-ghost")).to_contain_text(preview)
    expect(page.locator("#calendar-drag-label")).to_contain_text(preview)
    page.mouse.up()
    expect(page.get_by_text(re.compile("^Moved to .*the client is notified"))).to_be_visible()
    moved = page.get_by_role("group", name=re.compile(rf"^\w+, .*{week[3].day}")).get_by_role(
        "button", name=re.compile(f"^Kenji Test, {after}, Pending$")
    )
    expect(moved).to_be_visible()
    expected = datetime.fromisoformat(at(week[3], 14, 0, zone))
    assert datetime.fromisoformat(api_booking(base, trainer, booking_id)["startTime"]) == expected
    moves = [h for h in history(base, trainer, booking_id) if h["action"] == "rescheduled"]
    assert len(moves) == 1 and moves[0]["actor"] == "trainer"
    # The click that ended the drag opened nothing.
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_drag_with_a_finger(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-touch@example.com")
    week = next_week(BERLIN)
    booking_id = booked(base, trainer, week[1], 10, 0, "Tara Touch", zone=BERLIN)
    page = login(
        browser, base, "cal-touch@example.com", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    open_next_week(page)
    # Tuesday's own day view, from its heading in the week.
    page.get_by_role("button", name=re.compile(rf"^Show Tuesday, {week[1].day} ")).tap()
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    session = page.get_by_role("button", name="Tara Touch, 10:00–11:00, Pending")
    session.evaluate("s => s.scrollIntoView({block: 'center'})")  # 10:00 and 13:00 both on the screen
    box = session.bounding_box()
    assert box["x"] + box["width"] <= 390, "one day fits the phone's width"
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + 4
    _, y1 = y_of(page, week[1], 13, 0, scroll=False)
    y1 += 4
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, 9):
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x0, "y": y0 + (y1 - y0) * i / 8}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(page.get_by_role("button", name="Tara Touch, 13:00–14:00, Pending")).to_be_visible()
    expected = datetime.fromisoformat(at(week[1], 13, 0, BERLIN))
    assert datetime.fromisoformat(api_booking(base, trainer, booking_id)["startTime"]) == expected


def test_a_refused_drop_snaps_back_and_says_why(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-refused@example.com", hours=("09:00", "17:00"))
    week = next_week(BERLIN)
    booking_id = booked(base, trainer, week[1], 10, 0, "Rita Refused", zone=BERLIN)
    booked(base, trainer, week[1], 14, 0, "Otto Other", zone=BERLIN)
    page = login(browser, base, "cal-refused@example.com")
    open_next_week(page)
    name = "Rita Refused, 10:00–11:00, Pending"
    # Outside working hours (the grid shows an hour either side of them) ...
    mouse_drag(page, page.get_by_role("button", name=name), week[1], 8, 0)
    expect(page.get_by_text(REFUSED).first).to_be_visible()
    expect(page.get_by_role("button", name=name)).to_be_visible()
    # ... and onto another booking.
    mouse_drag(page, page.get_by_role("button", name=name), week[1], 14, 0)
    expect(page.get_by_text(REFUSED)).not_to_have_count(0)
    session = page.get_by_role("button", name=name)
    expect(session).to_be_visible()
    expect(session).not_to_have_class(re.compile("td-cal-dragging"))
    assert page.locator(".td-cal-ghost").count() == 0
    expected = datetime.fromisoformat(at(week[1], 10, 0, BERLIN))
    assert datetime.fromisoformat(api_booking(base, trainer, booking_id)["startTime"]) == expected
    assert [h["action"] for h in history(base, trainer, booking_id)] == ["created"]


# --------------------------------------------------------------------------- team and live


def test_all_trainers_day_shows_a_column_per_trainer(live_app, browser: Browser):
    base = live_app["base"]
    lead = make_trainer(base, "cal-studio@example.com", name="Studio Lead", hours=("09:00", "12:00"))
    sub = httpx.post(
        f"{base}/api/trainers/{lead['trainerId']}/sub-trainers",
        headers=lead["headers"],
        timeout=10,
        json={"email": "cal-bea@example.com", "password": "correct-horse", "name": "Bea Sub", "timezone": BERLIN},
    )
    assert sub.status_code == 201, sub.text
    bea = {"trainerId": sub.json()["trainerId"], "headers": lead["headers"]}
    hours = [{"dayOfWeek": d, "startTime": "11:00", "endTime": "15:00"} for d in range(7)]
    assert (
        httpx.put(
            f"{base}/api/trainers/{bea['trainerId']}/availability", json={"blocks": hours}, headers=lead["headers"]
        ).status_code
        == 200
    )
    httpx.patch(
        f"{base}/api/trainers/{bea['trainerId']}/preferences",
        json={"sessionDurations": [60], "minNoticeHours": 1},
        headers=lead["headers"],
    )
    week = next_week(BERLIN)
    booked(base, lead, week[1], 9, 0, "Lead Client", zone=BERLIN)
    booked(base, bea, week[1], 13, 0, "Bea Client", zone=BERLIN)
    page = login(browser, base, "cal-studio@example.com")
    page.goto("/dashboard/calendar")
    page.get_by_label("Calendar").select_option(label="All trainers")
    expect(page.get_by_label("Calendar")).to_have_value("all")
    open_next_week(page)
    # Week: each session marked with its trainer.
    expect(page.get_by_role("button", name="Bea Client, 13:00–14:00, Pending, with Bea Sub")).to_be_visible()
    page.get_by_role("button", name=re.compile(rf"^Show Tuesday, {week[1].day} ")).click()
    expect(page.get_by_role("radio", name="Day")).to_be_checked()
    lead_col = page.get_by_role("group", name=re.compile(r"^Studio Lead, Tuesday"))
    bea_col = page.get_by_role("group", name=re.compile(r"^Bea Sub, Tuesday"))
    expect(lead_col.get_by_role("button", name=re.compile("^Lead Client, 09:00–10:00"))).to_be_visible()
    expect(bea_col.get_by_role("button", name=re.compile("^Bea Client, 13:00–14:00"))).to_be_visible()
    expect(lead_col.get_by_role("button")).to_have_count(1)
    lead_box, bea_box = lead_col.bounding_box(), bea_col.bounding_box()
    assert lead_box["x"] + lead_box["width"] <= bea_box["x"] + 1, "side by side"
    expect(page.get_by_text("Two or more work: 11:00–12:00")).to_be_visible()
    expect(page.get_by_text("Nobody works: —")).to_be_visible()


def test_a_booking_made_elsewhere_arrives_live(live_app, browser: Browser):
    base = live_app["base"]
    trainer = make_trainer(base, "cal-live@example.com")
    week = next_week(BERLIN)
    page = login(browser, base, "cal-live@example.com")
    open_next_week(page)
    expect(page.get_by_role("group", name=re.compile(r"^Thursday"))).to_be_visible()
    booked(base, trainer, week[3], 15, 0, "Live Arrival", zone=BERLIN)
    expect(page.get_by_text(re.compile("^New booking: Live Arrival"))).to_be_visible(timeout=10000)
    thursday = page.get_by_role("group", name=re.compile(rf"^Thursday, {week[3].day} "))
    expect(thursday.get_by_role("button", name="Live Arrival, 15:00–16:00, Pending")).to_be_visible()
