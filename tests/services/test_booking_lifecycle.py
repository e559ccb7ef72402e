"""The booking lifecycle through the services, on SQLite and PostgreSQL, with an explicit ``now`` everywhere.

docs/scheduling-rules.md "Lifecycle" and "Accepting a booking"; docs/api.md's history,
token and ICS rules; the outbox row written in the same transaction as the
change (and none when the change fails).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.services.svc_helpers import (
    MONDAY,
    NOW,
    active_bookings,
    book,
    delivered,
    events,
    fetch,
    ics_of,
    iso,
    local,
    make_trainer,
    outbox,
    overlapping_active_pairs,
    schedule_version,
    slot_starts,
)
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import (
    Forbidden,
    InvalidTransition,
    LateCancellation,
    NotFound,
    PolicyViolation,
    SlotUnavailable,
    ValidationFailed,
)
from trainerdesk.models import Booking, BookingEvent, Client, OutboxMessage
from trainerdesk.services import bookings, trainers
from trainerdesk.services.bookings import Caller

START = local(MONDAY, "10:00")


def client(nb: bookings.NewBooking) -> Caller:
    return Caller(token=nb.token)


def trainer_caller(trainer) -> Caller:
    return Caller(trainer=trainer)


def cancel(booking_id, caller, *, now, ack=False, reason=""):
    with session_scope() as s:
        return bookings.cancel_booking(
            s, booking_id=booking_id, caller=caller, reason=reason, acknowledge_late=ack, now=now
        )


def reschedule(booking_id, caller, start, *, now):
    with session_scope() as s:
        return bookings.reschedule_booking(s, booking_id=booking_id, caller=caller, start_time=iso(start), now=now)


def set_status(booking_id, trainer, status, *, now, notes=""):
    with session_scope() as s:
        return bookings.change_status(s, booking_id=booking_id, trainer=trainer, status=status, notes=notes, now=now)


def snapshot(booking_id):
    """Everything a failed operation must leave untouched."""
    b = fetch(booking_id)
    return (
        b.status,
        b.start_at,
        b.end_at,
        b.reschedule_count,
        b.ics_sequence,
        b.late_cancellation,
        b.cancellation_reason,
        b.trainer_notes,
        len(events(booking_id)),
        len(outbox(booking_id)),
    )


# ---------------------------------------------------------------- create


def test_create_gives_a_pending_booking_with_history_a_hashed_token_and_one_outbox_message(db_url, trainer):
    version = schedule_version(trainer.id)
    nb = book(
        trainer,
        START,
        name="Ada Lovelace",
        email="Ada@Example.com",
        phone="+49 30 1234",
        notes="Knee injury",
        client_timezone="America/New_York",
    )
    b = fetch(nb.booking.id)
    assert b.status == "PENDING"
    assert (b.start_at, b.end_at, b.duration_minutes) == (START, START + timedelta(minutes=60), 60)
    assert b.client_timezone == "America/New_York" and b.notes == "Knee injury"
    assert (b.reschedule_count, b.ics_sequence, b.late_cancellation) == (0, 0, False)
    # The token is shown once; only its SHA-256 digest is stored.
    assert nb.token and b.token_hash != nb.token
    assert b.token_hash == hashlib.sha256(nb.token.encode()).hexdigest()
    with session_scope() as s:
        assert s.exec(select(Booking).where(Booking.token_hash == nb.token)).first() is None
        c = s.get(Client, b.client_id)
        assert (c.email, c.name, c.phone) == ("ada@example.com", "Ada Lovelace", "+49 30 1234")
    [created] = events(b.id)
    assert (created.action, created.actor, created.to_start, created.from_start) == ("created", "client", START, None)
    assert created.to_status == "PENDING" and created.at == NOW
    [msg] = outbox(b.id)
    assert (msg.event, msg.recipient, msg.sent_at) == ("created", "ada@example.com", None)
    assert "waiting for the trainer's confirmation" in msg.body
    # No secret at rest: the outbox keeps a marker; the sender mints a link token per email.
    assert "[[manage-links]]" in msg.body and nb.token not in msg.body and msg.ics == ""
    [email] = delivered()
    assert "BEGIN:VEVENT" in ics_of(email) and "STATUS:TENTATIVE" in ics_of(email)
    emailed_token = email.get_body().get_content().split("token=")[1].split()[0]
    assert emailed_token != nb.token
    assert schedule_version(trainer.id) == version + 1
    # The token opens the booking; a wrong token does not (and says nothing more).
    with session_scope() as s:
        assert bookings.load_booking(s, booking_id=b.id, caller=client(nb))[0].id == b.id
        assert bookings.load_booking(s, booking_id=b.id, caller=Caller(token=emailed_token))[0].id == b.id
        with pytest.raises(NotFound):
            bookings.load_booking(s, booking_id=b.id, caller=Caller(token=nb.token + "x"))


def test_a_returning_client_is_one_client_row_with_the_latest_name_and_the_phone_kept_unless_given(db_url, trainer):
    first = book(trainer, START, name="Ada L", email="ada@example.com", phone="+49 30 1234")
    second = book(trainer, START + timedelta(hours=2), name="Ada Lovelace", email="ADA@example.com")
    third = book(trainer, START + timedelta(hours=4), name="Ada Lovelace", email="ada@example.com", phone="+44 20 9")
    assert first.client.id == second.client.id == third.client.id
    # What the service hands back is the row as stored: the new name, the phone kept, then replaced.
    assert (second.client.name, second.client.phone) == ("Ada Lovelace", "+49 30 1234")
    assert second.client.created_at == first.client.created_at
    assert third.client.phone == "+44 20 9"
    with session_scope() as s:
        [row] = s.exec(select(Client).where(Client.trainer_id == trainer.id)).all()
        assert (row.email, row.name, row.phone, row.created_at) == (
            "ada@example.com",
            "Ada Lovelace",
            "+44 20 9",
            first.client.created_at,
        )
    # Another trainer's client with the same email is another client.
    other = make_trainer(email="other-trainer@example.com")
    assert book(other, START, email="ada@example.com").client.id != first.client.id


def test_auto_confirm_creates_a_confirmed_booking(db_url):
    trainer = make_trainer(auto_confirm=True)
    nb = book(trainer, START)
    assert fetch(nb.booking.id).status == "CONFIRMED"
    assert [(e.action, e.to_status) for e in events(nb.booking.id)] == [("created", "CONFIRMED")]
    [msg] = outbox(nb.booking.id)
    assert msg.event == "created" and "is confirmed." in msg.body


def test_a_start_that_is_not_a_slot_is_refused_and_writes_nothing(db_url, trainer):
    book(trainer, START)
    for start in (START, START + timedelta(minutes=30), local(MONDAY, "07:00"), local(MONDAY, "19:30")):
        with pytest.raises(SlotUnavailable):
            book(trainer, start)
    with pytest.raises(SlotUnavailable):  # minimum notice: 2 hours before the start, 12 hours' notice
        book(make_trainer(min_notice_hours=12), START, now=START - timedelta(hours=2))
    with pytest.raises(ValidationFailed):  # a duration the trainer does not offer
        book(trainer, local(MONDAY, "12:00"), duration=45)
    assert len(active_bookings()) == 1
    assert len(outbox()) == 1


# ---------------------------------------------------------------- status changes


def test_confirm_then_complete_or_no_show_only_after_the_start_with_corrections(db_url, trainer):
    nb = book(trainer, START)
    bid = nb.booking.id

    assert set_status(bid, trainer, "CONFIRMED", now=NOW).status == "CONFIRMED"
    assert [m.event for m in outbox(bid)] == ["created", "confirmed"]
    confirmed = events(bid)[-1]
    assert (confirmed.action, confirmed.actor, confirmed.from_status, confirmed.to_status) == (
        "confirmed",
        "trainer",
        "PENDING",
        "CONFIRMED",
    )

    before = snapshot(bid)
    with pytest.raises(InvalidTransition):  # already confirmed
        set_status(bid, trainer, "CONFIRMED", now=NOW)
    with pytest.raises(InvalidTransition):  # not started yet
        set_status(bid, trainer, "COMPLETED", now=START - timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        set_status(bid, trainer, "NO_SHOW", now=START - timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        set_status(bid, trainer, "PENDING", now=NOW)
    with pytest.raises(ValidationFailed):
        set_status(bid, trainer, "DONE", now=NOW)
    assert snapshot(bid) == before

    after = START + timedelta(minutes=5)
    assert set_status(bid, trainer, "COMPLETED", now=after, notes="Good session").status == "COMPLETED"
    assert fetch(bid).trainer_notes == "Good session"
    assert set_status(bid, trainer, "NO_SHOW", now=after).status == "NO_SHOW"  # correction
    assert set_status(bid, trainer, "COMPLETED", now=after).status == "COMPLETED"  # and back
    for target in ("CANCELLED", "CONFIRMED", "PENDING", "COMPLETED"):
        with pytest.raises(InvalidTransition):
            set_status(bid, trainer, target, now=after)
    assert [(e.action, e.from_status, e.to_status) for e in events(bid)] == [
        ("created", None, "PENDING"),
        ("confirmed", "PENDING", "CONFIRMED"),
        ("completed", "CONFIRMED", "COMPLETED"),
        ("status_changed", "COMPLETED", "NO_SHOW"),
        ("status_changed", "NO_SHOW", "COMPLETED"),
    ]
    # Completion and corrections send no email.
    assert [m.event for m in outbox(bid)] == ["created", "confirmed"]


def test_pending_can_become_a_no_show_once_started_and_cancelled_is_final(db_url, trainer):
    a = book(trainer, START)
    set_status(a.booking.id, trainer, "NO_SHOW", now=START + timedelta(hours=2))
    assert fetch(a.booking.id).status == "NO_SHOW"
    assert events(a.booking.id)[-1].action == "no_show"

    b = book(trainer, local(MONDAY, "12:00"))
    cancel(b.booking.id, trainer_caller(trainer), now=NOW, reason="Trainer ill")
    before = snapshot(b.booking.id)
    for target in ("PENDING", "CONFIRMED", "COMPLETED", "NO_SHOW", "CANCELLED"):
        with pytest.raises(InvalidTransition):
            set_status(b.booking.id, trainer, target, now=local(MONDAY, "13:00"))
    with pytest.raises(InvalidTransition):
        cancel(b.booking.id, client(b), now=NOW, ack=True)
    with pytest.raises(InvalidTransition):
        reschedule(b.booking.id, trainer_caller(trainer), local(MONDAY, "15:00"), now=NOW)
    assert snapshot(b.booking.id) == before


def test_a_started_session_cannot_be_cancelled_or_rescheduled(db_url, trainer):
    nb = book(trainer, START)
    before = snapshot(nb.booking.id)
    with pytest.raises(InvalidTransition):
        cancel(nb.booking.id, trainer_caller(trainer), now=START)
    with pytest.raises(InvalidTransition):
        cancel(nb.booking.id, client(nb), now=START + timedelta(minutes=1), ack=True)
    with pytest.raises(InvalidTransition):
        reschedule(nb.booking.id, trainer_caller(trainer), local(MONDAY, "15:00"), now=START)
    assert snapshot(nb.booking.id) == before


# ---------------------------------------------------------------- confirming re-checks


def test_confirming_rechecks_against_other_active_bookings_buffer_included(db_url, trainer):
    # Two touching pending sessions are fine with no buffer ...
    a = book(trainer, local(MONDAY, "09:00"))
    b = book(trainer, local(MONDAY, "10:00"))
    assert set_status(a.booking.id, trainer, "CONFIRMED", now=NOW).status == "CONFIRMED"
    # ... but once the trainer asks for 15 minutes between sessions, confirming the second
    # would make the calendar hold two sessions closer than that: refused, nothing changes.
    with session_scope() as s:
        trainers.update_preferences(s, actor=trainer, trainer_id=trainer.id, changes={"buffer_minutes": 15})
    before = snapshot(b.booking.id)
    with pytest.raises(SlotUnavailable):
        set_status(b.booking.id, trainer, "CONFIRMED", now=NOW)
    assert snapshot(b.booking.id) == before
    # Once the neighbour is cancelled the confirmation goes through.
    cancel(a.booking.id, trainer_caller(trainer), now=NOW)
    assert set_status(b.booking.id, trainer, "CONFIRMED", now=NOW).status == "CONFIRMED"


def test_confirming_never_creates_a_double_booking_even_from_overlapping_rows(db_url, trainer):
    """Two overlapping PENDING rows cannot come from the services; written directly, PostgreSQL's
    exclusion constraint refuses the second, and where a database lets it in (SQLite), confirming
    either one is refused rather than turning the overlap into a confirmed double booking."""
    nb = book(trainer, START)
    original = fetch(nb.booking.id)
    twin = Booking(
        trainer_id=trainer.id,
        client_id=original.client_id,
        start_at=START + timedelta(minutes=30),
        end_at=START + timedelta(minutes=90),
        duration_minutes=60,
        status="PENDING",
        token_hash="0" * 64,
        client_timezone="Europe/Berlin",
    )
    with session_scope() as s:
        s.add(twin)
        if s.get_bind().dialect.name == "postgresql":
            with pytest.raises(IntegrityError, match="booking_no_overlap"):
                s.commit()
            assert overlapping_active_pairs() == []
            return
        s.commit()
    assert len(overlapping_active_pairs()) == 1
    for bid in (nb.booking.id, twin.id):
        with pytest.raises(SlotUnavailable):
            set_status(bid, trainer, "CONFIRMED", now=NOW)
    with session_scope() as s:
        assert s.exec(select(Booking).where(Booking.status == "CONFIRMED")).first() is None


# ---------------------------------------------------------------- cancellation


def test_cancelling_frees_the_slot_at_once(db_url, trainer):
    assert START in slot_starts(trainer.id, MONDAY, 60)  # warms the slot cache
    nb = book(trainer, START)
    assert START not in slot_starts(trainer.id, MONDAY, 60)
    with pytest.raises(SlotUnavailable):
        book(trainer, START)

    cancelled = cancel(nb.booking.id, trainer_caller(trainer), now=NOW, reason="Gym closed")
    assert (cancelled.status, cancelled.late_cancellation, cancelled.ics_sequence) == ("CANCELLED", False, 1)
    assert fetch(nb.booking.id).cancellation_reason == "Gym closed"
    assert START in slot_starts(trainer.id, MONDAY, 60)
    again = book(trainer, START)
    assert [b.id for b in active_bookings(trainer.id)] == [again.booking.id]
    last = events(nb.booking.id)[-1]
    assert (last.action, last.actor, last.reason, last.from_status, last.to_status) == (
        "cancelled",
        "trainer",
        "Gym closed",
        "PENDING",
        "CANCELLED",
    )
    [_, msg] = outbox(nb.booking.id)
    assert msg.event == "cancelled" and "Gym closed" in msg.body
    [email] = [e for e in delivered() if e["Subject"].startswith("Cancelled")]
    assert "STATUS:CANCELLED" in ics_of(email) and "SEQUENCE:1" in ics_of(email)


def test_client_late_cancellation_needs_acknowledgement(db_url):
    trainer = make_trainer(cancellation_notice_hours=24)
    nb = book(trainer, START)
    late_now = START - timedelta(hours=10)
    before = snapshot(nb.booking.id)

    with pytest.raises(LateCancellation) as refused:
        cancel(nb.booking.id, client(nb), now=late_now)
    assert "24 hours" in refused.value.message
    assert snapshot(nb.booking.id) == before  # nothing changed, no message queued
    assert START not in slot_starts(trainer.id, MONDAY, 60, now=late_now)

    done = cancel(nb.booking.id, client(nb), now=late_now, ack=True)
    assert (done.status, done.late_cancellation) == ("CANCELLED", True)
    last = events(nb.booking.id)[-1]
    assert (last.action, last.actor) == ("cancelled", "client") and "late" in last.reason
    assert [m.event for m in outbox(nb.booking.id)] == ["created", "cancelled"]
    assert START in slot_starts(trainer.id, MONDAY, 60, now=late_now)


def test_cancellation_outside_the_notice_is_not_late_and_trainers_are_never_late(db_url):
    trainer = make_trainer(cancellation_notice_hours=24)
    early = book(trainer, START)
    done = cancel(early.booking.id, client(early), now=START - timedelta(hours=24))  # exactly the notice: in time
    assert (done.status, done.late_cancellation) == ("CANCELLED", False)

    by_trainer = book(trainer, local(MONDAY, "12:00"))
    done = cancel(by_trainer.booking.id, trainer_caller(trainer), now=local(MONDAY, "11:00"))
    assert (done.status, done.late_cancellation) == ("CANCELLED", False)


def test_client_cancel_switched_off_is_a_policy_error_but_the_trainer_still_can(db_url):
    trainer = make_trainer(allow_client_cancel=False)
    nb = book(trainer, START)
    before = snapshot(nb.booking.id)
    with pytest.raises(PolicyViolation):
        cancel(nb.booking.id, client(nb), now=NOW, ack=True)
    assert snapshot(nb.booking.id) == before
    assert cancel(nb.booking.id, trainer_caller(trainer), now=NOW).status == "CANCELLED"


def test_another_trainer_cannot_touch_the_booking(db_url, trainer):
    nb = book(trainer, START)
    stranger = make_trainer()
    before = snapshot(nb.booking.id)
    with pytest.raises(Forbidden):
        cancel(nb.booking.id, trainer_caller(stranger), now=NOW)
    with pytest.raises(Forbidden):
        set_status(nb.booking.id, stranger, "CONFIRMED", now=NOW)
    with pytest.raises(Forbidden):
        reschedule(nb.booking.id, trainer_caller(stranger), local(MONDAY, "15:00"), now=NOW)
    with pytest.raises(NotFound):
        cancel(nb.booking.id, Caller(token="not-the-token"), now=NOW)
    assert snapshot(nb.booking.id) == before


# ---------------------------------------------------------------- rescheduling


def test_reschedule_moves_the_booking_records_history_and_bumps_the_sequence(db_url, trainer):
    nb = book(trainer, START)
    target = local(MONDAY, "15:00")
    moved = reschedule(nb.booking.id, client(nb), target, now=NOW)
    assert (moved.id, moved.start_at, moved.end_at) == (nb.booking.id, target, target + timedelta(minutes=60))
    assert (moved.reschedule_count, moved.ics_sequence, moved.status) == (1, 1, "PENDING")
    last = events(nb.booking.id)[-1]
    assert (last.action, last.actor, last.from_start, last.to_start) == ("rescheduled", "client", START, target)
    msg = outbox(nb.booking.id)[-1]
    assert msg.event == "rescheduled" and "SEQUENCE:1" in ics_of(delivered()[-1])
    # The old start is free again, the new one is taken.
    assert START in slot_starts(trainer.id, MONDAY, 60)
    assert target not in slot_starts(trainer.id, MONDAY, 60)
    with pytest.raises(SlotUnavailable):
        book(trainer, target)

    # A trainer's move does not count against the client, but the sequence still grows.
    again = reschedule(nb.booking.id, trainer_caller(trainer), local(MONDAY, "17:00"), now=NOW)
    assert (again.reschedule_count, again.ics_sequence) == (1, 2)
    assert events(nb.booking.id)[-1].actor == "trainer"
    done = cancel(nb.booking.id, client(nb), now=NOW)
    assert done.ics_sequence == 3
    with session_scope() as s:
        ics = bookings.calendar_file(s, booking_id=nb.booking.id, caller=client(nb), now=NOW).decode()
    assert "SEQUENCE:3" in ics and "STATUS:CANCELLED" in ics and f"booking-{nb.booking.id}@" in ics
    with session_scope() as s:
        lines = bookings.history(s, booking_id=nb.booking.id, caller=client(nb))
    assert [e.action for e in lines] == ["created", "rescheduled", "rescheduled", "cancelled"]


def test_reschedule_to_a_time_that_is_not_a_slot_changes_nothing(db_url, trainer):
    nb = book(trainer, START)
    other = book(trainer, local(MONDAY, "15:00"))
    before = snapshot(nb.booking.id)
    for target in (local(MONDAY, "15:00"), local(MONDAY, "14:30"), local(MONDAY, "20:00"), local(MONDAY, "07:00")):
        with pytest.raises(SlotUnavailable):
            reschedule(nb.booking.id, trainer_caller(trainer), target, now=NOW)
    assert snapshot(nb.booking.id) == before
    assert fetch(other.booking.id).start_at == local(MONDAY, "15:00")


def test_client_reschedule_inside_the_notice_is_refused_but_the_trainer_may(db_url):
    trainer = make_trainer(reschedule_notice_hours=48)
    nb = book(trainer, START)
    close = START - timedelta(hours=47)
    before = snapshot(nb.booking.id)
    with pytest.raises(PolicyViolation) as refused:
        reschedule(nb.booking.id, client(nb), local(MONDAY, "15:00"), now=close)
    assert "48 hours" in refused.value.message
    assert snapshot(nb.booking.id) == before

    moved = reschedule(nb.booking.id, trainer_caller(trainer), local(MONDAY, "15:00"), now=close)
    assert (moved.start_at, moved.reschedule_count, moved.ics_sequence) == (local(MONDAY, "15:00"), 0, 1)
    # Just outside the notice the client may move it (from the new start, 48 hours ahead).
    moved = reschedule(
        nb.booking.id, client(nb), local(MONDAY, "16:00"), now=local(MONDAY, "15:00") - timedelta(hours=48)
    )
    assert (moved.start_at, moved.reschedule_count) == (local(MONDAY, "16:00"), 1)


def test_client_reschedules_beyond_the_maximum_are_refused_but_the_trainer_may(db_url):
    trainer = make_trainer(max_reschedules=2)
    nb = book(trainer, START)
    reschedule(nb.booking.id, client(nb), local(MONDAY, "11:00"), now=NOW)
    reschedule(nb.booking.id, client(nb), local(MONDAY, "12:00"), now=NOW)
    assert fetch(nb.booking.id).reschedule_count == 2
    before = snapshot(nb.booking.id)
    with pytest.raises(PolicyViolation):
        reschedule(nb.booking.id, client(nb), local(MONDAY, "13:00"), now=NOW)
    assert snapshot(nb.booking.id) == before
    moved = reschedule(nb.booking.id, trainer_caller(trainer), local(MONDAY, "13:00"), now=NOW)
    assert (moved.start_at, moved.reschedule_count) == (local(MONDAY, "13:00"), 2)


def test_client_reschedule_switched_off_is_a_policy_error(db_url):
    trainer = make_trainer(allow_client_reschedule=False, max_reschedules=5)
    nb = book(trainer, START)
    with pytest.raises(PolicyViolation):
        reschedule(nb.booking.id, client(nb), local(MONDAY, "15:00"), now=NOW)
    assert fetch(nb.booking.id).start_at == START


def test_the_booking_being_moved_does_not_block_its_own_move(db_url):
    trainer = make_trainer(hours=[(0, "08:00", "12:00")], session_durations=[45, 60])
    moving = book(trainer, local(MONDAY, "09:00"), 60)
    book(trainer, local(MONDAY, "08:00"), 45)  # busy 08:00-08:45: the 60-minute grid restarts at 08:45
    # Without the booking itself, the 60-minute grid is 08:45, 09:45, 10:45: 08:45 overlaps
    # the booking's own 09:00-10:00, so only leaving it out of the busy periods allows the move.
    moved = reschedule(moving.booking.id, client(moving), local(MONDAY, "08:45"), now=NOW)
    assert (moved.start_at, moved.end_at) == (local(MONDAY, "08:45"), local(MONDAY, "09:45"))
    assert overlapping_active_pairs() == []
    # And back by 15 minutes the other way is not on the grid any more.
    with pytest.raises(SlotUnavailable):
        reschedule(moving.booking.id, trainer_caller(trainer), local(MONDAY, "09:00"), now=NOW)


def test_a_trainer_is_still_bound_by_availability(db_url, trainer):
    nb = book(trainer, START)
    with pytest.raises(SlotUnavailable):
        reschedule(nb.booking.id, trainer_caller(trainer), local(MONDAY, "21:00"), now=NOW)
    assert fetch(nb.booking.id).start_at == START


# ---------------------------------------------------------------- outbox atomicity


def test_outbox_rows_exist_exactly_for_the_changes_that_committed(db_url, trainer):
    a = book(trainer, START)
    with pytest.raises(SlotUnavailable):
        book(trainer, START)
    set_status(a.booking.id, trainer, "CONFIRMED", now=NOW)
    with pytest.raises(InvalidTransition):
        set_status(a.booking.id, trainer, "CONFIRMED", now=NOW)
    reschedule(a.booking.id, client(a), local(MONDAY, "16:00"), now=NOW)
    with pytest.raises(SlotUnavailable):
        reschedule(a.booking.id, client(a), local(MONDAY, "16:30"), now=NOW)
    with pytest.raises(LateCancellation):
        cancel(a.booking.id, client(a), now=local(MONDAY, "15:00"))
    cancel(a.booking.id, client(a), now=NOW)
    with pytest.raises(InvalidTransition):
        cancel(a.booking.id, client(a), now=NOW)

    messages = outbox()
    assert [m.event for m in messages] == ["created", "confirmed", "rescheduled", "cancelled"]
    assert {m.booking_id for m in messages} == {a.booking.id}
    assert all(m.created_at == NOW and m.next_attempt_at == NOW for m in messages)
    # Each message matches one history line written alongside it.
    assert [e.action for e in events(a.booking.id)] == ["created", "confirmed", "rescheduled", "cancelled"]
    with session_scope() as s:
        rows = s.exec(select(OutboxMessage)).all()
        # The four emails, and one reminder planned for each committed start (the booking, the move).
        assert sorted(m.event for m in rows) == [
            "cancelled",
            "confirmed",
            "created",
            "reminder",
            "reminder",
            "rescheduled",
        ]
        assert sorted(m.remind_start for m in rows if m.event == "reminder") == [START, local(MONDAY, "16:00")]
        assert len(s.exec(select(BookingEvent)).all()) == 4


def test_a_trainers_refused_move_names_the_free_starts_of_that_day(db_url, trainer):
    a = book(trainer, local(MONDAY, "10:00"))
    book(trainer, local(MONDAY, "14:00"))
    with pytest.raises(SlotUnavailable) as refused:
        reschedule(a.booking.id, Caller(trainer=trainer), local(MONDAY, "14:00"), now=NOW)
    message = refused.value.message
    assert message.startswith("14:00 is not a free start for a 60-minute session. Free starts that day: 08:00, 09:00")
    assert "10:00" in message and "14:00," not in message  # its own time is free to it, the other's is not
    with pytest.raises(SlotUnavailable) as refused:
        reschedule(a.booking.id, client(a), local(MONDAY, "14:00"), now=NOW)
    assert "Free starts" not in refused.value.message  # a client picks from the listed times
