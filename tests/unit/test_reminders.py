"""The reminder rules (domain/reminders.py): which are planned, and which planned ones still go."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from trainerdesk.domain.policy import BookingStatus
from trainerdesk.domain.reminders import reason_not_to_send, reminders_to_plan

UTC = timezone.utc
START = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # the night Europe's clocks go forward: UTC is unmoved

instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC))
hour_lists = st.lists(st.integers(min_value=1, max_value=168), max_size=3, unique=True)


@given(start=instants, now=instants, hours=hour_lists, status=st.sampled_from(list(BookingStatus)))
def test_planned_reminders_are_hours_before_the_start_and_never_in_the_past(start, now, hours, status):
    planned = reminders_to_plan(start=start, status=status, hours=hours, now=now)
    if status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        assert planned == []
        return
    assert [h for h, _ in planned] == sorted(h for h in hours if start - timedelta(hours=h) > now)
    assert all(due == start - timedelta(hours=h) and due > now for h, due in planned)


def test_a_booking_made_late_skips_the_reminders_whose_moment_passed():
    now = START - timedelta(hours=5)
    assert reminders_to_plan(start=START, status=BookingStatus.PENDING, hours=[24, 2], now=now) == [
        (2, START - timedelta(hours=2))
    ]
    assert reminders_to_plan(start=START, status=BookingStatus.CONFIRMED, hours=[], now=now) == []


def test_a_due_reminder_goes_only_for_the_same_session_still_on_and_still_wanted():
    def reason(**change):
        args = dict(status=BookingStatus.CONFIRMED, start=START, planned_start=START, hours=24, wanted=[24, 2])
        return reason_not_to_send(**{**args, **change})

    assert reason() == ""
    assert reason(status=BookingStatus.PENDING) == ""
    assert "no longer on" in reason(status=BookingStatus.CANCELLED)
    assert "no longer on" in reason(status=BookingStatus.COMPLETED)
    assert "moved" in reason(start=START + timedelta(hours=1))
    assert "no longer" in reason(wanted=[2])
