"""The services use the domain's rules (month dates as ``bookable_dates`` derives them); one place composes email."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.services.svc_helpers import BERLIN, MONDAY, NOW, book, local, make_trainer
from trainerdesk.db import session_scope
from trainerdesk.domain.slots import bookable_dates
from trainerdesk.services import availability, notifications


def test_dates_with_slots_match_the_domains_bookable_dates(db_url):
    trainer = make_trainer(
        hours=[(0, "09:00", "11:00"), (2, "22:00", "24:00"), (4, "06:00", "07:00")], session_durations=(60, 120)
    )
    book(trainer, local(MONDAY, "09:00"), 120)  # fills that Monday
    tokyo = ZoneInfo("Asia/Tokyo")
    month = MONDAY.replace(day=1)
    with session_scope() as session:
        t, prefs = availability.trainer_with_preferences(session, trainer.id)
        got = availability.dates_with_slots(
            session, trainer_id=trainer.id, month_first=month, client_tz=tokyo, duration=None, now=NOW
        )
        schedule = availability.load_schedule(
            session,
            t,
            prefs,
            start=local(month, "00:00", "Asia/Tokyo"),
            end=local(month, "00:00", "Asia/Tokyo") + timedelta(days=40),
        )
    want = bookable_dates(schedule, durations=[60, 120], now=NOW, month_first=month, client_tz=tokyo)
    assert got == want
    assert MONDAY not in got and MONDAY + timedelta(days=7) in got


def test_notifications_compose_every_client_email(db_url):
    trainer = make_trainer(name="Robin")
    nb = book(trainer, local(MONDAY, "10:00"))
    subject, body = notifications.compose(nb.booking, nb.trainer, nb.client, "created")
    assert subject.startswith("Your session with Robin on Mon 01 Mar 2027, 10:00")
    assert notifications.MANAGE_LINKS in body
    assert notifications.compose(nb.booking, nb.trainer, nb.client, "completed") is None
    _, cancelled = notifications.compose(nb.booking, nb.trainer, nb.client, "cancelled")
    assert notifications.MANAGE_LINKS not in cancelled
    assert BERLIN in subject
