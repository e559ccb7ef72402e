"""Reminder emails reach a real SMTP server (aiosmtpd) at the right moments, with a controlled clock:
hours before each session, at the new time after a move, never after a cancellation, skipped when
their moment had passed at booking, never twice (also with two processes sending at once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.conftest import sql_statements
from tests.services.mp_worker import senders_at_once
from tests.services.svc_helpers import MONDAY, NOW, book, iso, local, make_trainer, outbox
from trainerdesk.db import session_scope
from trainerdesk.services import bookings, notifications, outbox as fan_out, trainers

pytestmark = pytest.mark.usefixtures("db_url")


def subject(message) -> str:
    return " ".join(str(message["Subject"]).split())  # unfolded


def reminders_in(inbox) -> list:
    return [m for m in inbox.messages if subject(m).startswith("Reminder:")]


def text_of(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def send(at) -> int:
    return notifications.deliver_pending(now=at)


def test_a_reminder_goes_hours_before_with_the_calendar_file_and_fresh_links(smtp_server):
    trainer = make_trainer(reminder_hours=[24, 2])
    start = local(MONDAY, "10:00")
    made = book(trainer, start, name="Kenji", email="kenji@example.com", client_timezone="America/New_York")
    send(NOW)  # the confirmation
    day_before, two_hours = start - timedelta(hours=24), start - timedelta(hours=2)
    assert send(day_before - timedelta(seconds=1)) == 0
    assert send(day_before) == 1
    [reminder] = reminders_in(smtp_server)
    assert reminder["To"] == "kenji@example.com"
    assert "Mon 01 Mar 2027, 04:00 (America/New_York)" in subject(reminder)  # the client's zone
    body = text_of(reminder)
    assert f"/reschedule/{made.booking.id}?token=" in body and f"/cancel/{made.booking.id}?token=" in body
    ics = next(p for p in reminder.walk() if p.get_content_type() == "text/calendar")
    assert Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0].decoded("dtstart") == start
    assert send(day_before + timedelta(hours=1)) == 0  # never twice
    assert send(two_hours) == 1
    assert len(reminders_in(smtp_server)) == 2
    assert send(start + timedelta(days=1)) == 0


def test_a_moved_session_is_reminded_at_its_new_time_only(smtp_server):
    trainer = make_trainer()  # the default: one reminder a day before
    old, new = local(MONDAY, "10:00"), local(MONDAY + timedelta(days=2), "15:00")
    made = book(trainer, old)
    send(NOW)
    with session_scope() as s:
        bookings.reschedule_booking(
            s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), start_time=iso(new), now=NOW
        )
    send(NOW)  # the "moved" email
    assert send(old - timedelta(hours=24)) == 0
    skipped = [m for m in outbox(made.booking.id, reminders=True) if m.event == "reminder" and m.remind_start == old]
    assert skipped[0].sent_at is not None and "moved" in skipped[0].not_sent_reason
    assert reminders_in(smtp_server) == []
    assert send(new - timedelta(hours=24)) == 1
    assert "Wed 03 Mar 2027, 15:00" in subject(reminders_in(smtp_server)[0])


def test_a_cancelled_session_is_never_reminded(smtp_server):
    trainer = make_trainer()
    start = local(MONDAY, "10:00")
    made = book(trainer, start)
    with session_scope() as s:
        bookings.cancel_booking(s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), now=NOW)
    send(start - timedelta(hours=24))
    assert reminders_in(smtp_server) == []


def test_a_reminder_whose_moment_had_passed_is_skipped_at_booking_and_at_a_move(smtp_server):
    trainer = make_trainer(reminder_hours=[24, 2])
    start = local(MONDAY, "10:00")
    late = start - timedelta(hours=10)  # booked 10 hours ahead: the day-before reminder is already past
    made = book(trainer, start, now=late)
    assert [m.remind_hours for m in outbox(made.booking.id, reminders=True) if m.event == "reminder"] == [2]
    # Moved, at 12:00 on Sunday, to 18:00 that Sunday: only the 2-hour one is planned again.
    moved_at, new = local(MONDAY - timedelta(days=1), "12:00"), local(MONDAY - timedelta(days=1), "18:00")
    with session_scope() as s:
        bookings.reschedule_booking(
            s, booking_id=made.booking.id, caller=bookings.Caller(trainer=trainer), start_time=iso(new), now=moved_at
        )
    planned = [
        (m.remind_hours, m.remind_start) for m in outbox(made.booking.id, reminders=True) if m.event == "reminder"
    ]
    assert planned == [(2, start), (2, new)]
    send(new + timedelta(hours=1))
    assert len(reminders_in(smtp_server)) == 1


def test_changing_the_reminder_hours_reaches_the_upcoming_sessions(smtp_server):
    trainer = make_trainer()
    start = local(MONDAY, "10:00")
    book(trainer, start)
    send(NOW)  # the confirmation
    with session_scope() as s:
        saved, _ = trainers.update_preferences(
            s, actor=trainer, trainer_id=trainer.id, changes={"reminder_hours": [48]}
        )
        fan_out.preferences_changed(s, saved, {"reminder_hours"}, now=NOW)
    assert send(start - timedelta(hours=48)) == 1
    assert send(start - timedelta(hours=24)) == 0  # no longer wanted: dropped when it fell due
    assert len(reminders_in(smtp_server)) == 1
    with session_scope() as s:
        trainers.update_preferences(s, actor=trainer, trainer_id=trainer.id, changes={"reminder_hours": []})
    book(trainer, local(MONDAY, "14:00"))
    assert [
        m for m in outbox(reminders=True) if m.event == "reminder" and m.remind_start == local(MONDAY, "14:00")
    ] == []


def test_two_processes_sending_at_once_send_each_reminder_once(smtp_server, db_url):
    trainer = make_trainer()
    starts = [local(MONDAY, h) for h in ("09:00", "11:00", "13:00", "15:00")]
    for start in starts:
        book(trainer, start)
    send(NOW)
    due = max(starts) - timedelta(hours=24)
    assert sum(senders_at_once("emails", iso(due))) == 4
    assert len(reminders_in(smtp_server)) == 4
    assert sorted(m["Subject"] for m in reminders_in(smtp_server)) == sorted(
        set(m["Subject"] for m in reminders_in(smtp_server))
    )


def test_a_batch_of_due_reminders_reads_their_trainers_preferences_in_one_statement(smtp_server):
    first, second = make_trainer(reminder_hours=[24]), make_trainer(reminder_hours=[24])
    starts = [local(MONDAY, h) for h in ("09:00", "11:00")]
    for trainer in (first, second):
        for start in starts:
            book(trainer, start)
    send(NOW)  # the confirmations
    with sql_statements(reads_only=True) as seen:
        assert send(max(starts) - timedelta(hours=24)) == 4
    assert len([s for s in seen if "booking_preferences" in s]) == 1  # not one per reminder
    assert len(reminders_in(smtp_server)) == 4
