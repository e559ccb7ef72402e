"""Booking lifecycle (docs/scheduling-rules.md "Lifecycle") and the client self-service policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from trainerdesk.domain.errors import InvalidTransition, LateCancellation, PolicyViolation
from trainerdesk.domain.policy import (
    ACTIVE_STATUSES,
    BookingStatus,
    ClientPolicy,
    check_client_cancel,
    check_client_reschedule,
    check_transition,
    client_cancellation_is_late,
)
from trainerdesk.domain.preferences import Preferences

UTC = timezone.utc
P, C, X, D, N = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.CANCELLED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
START = datetime(2027, 6, 7, 10, 0, tzinfo=UTC)
BEFORE = START - timedelta(hours=2)
JUST_BEFORE = START - timedelta(microseconds=1)
AT = START
AFTER = START + timedelta(hours=2)
MOMENTS = {"before": BEFORE, "just-before": JUST_BEFORE, "at-start": AT, "after": AFTER}


def spec_allows(current: BookingStatus, target: BookingStatus, started: bool) -> bool:
    """docs/scheduling-rules.md, written out independently of the implementation's table."""
    if current == target:
        return False
    if current == P and target == C:
        return True  # confirming: no time limit in the rules
    if current in (P, C) and target == X:
        return not started  # cancel only before the start
    if current in (P, C) and target in (D, N):
        return started  # completed / no-show once the start has passed
    if {current, target} == {D, N}:
        return True  # a trainer's correction, any time
    return False  # CANCELLED is final; nothing goes back


TRANSITION_TABLE = [
    pytest.param(
        cur, tgt, moment, spec_allows(cur, tgt, MOMENTS[moment] >= START), id=f"{cur.value}->{tgt.value}@{moment}"
    )
    for cur, tgt, moment in product(BookingStatus, BookingStatus, MOMENTS)
]


@pytest.mark.parametrize("current, target, moment, allowed", TRANSITION_TABLE)
def test_every_transition(current, target, moment, allowed):
    now = MOMENTS[moment]
    if allowed:
        assert check_transition(current, target, start=START, now=now) is None
    else:
        with pytest.raises(InvalidTransition) as err:
            check_transition(current, target, start=START, now=now)
        assert err.value.code == "invalid_transition"
        assert err.value.details == {"from": current.value, "to": target.value}
        assert len(err.value.message) > 20 and err.value.message == str(err.value)


def test_table_has_both_outcomes_for_each_time_dependent_pair():
    """Sanity of the table itself: cancel and complete flip at the start."""
    for cur in (P, C):
        assert spec_allows(cur, X, False) and not spec_allows(cur, X, True)
        for tgt in (D, N):
            assert not spec_allows(cur, tgt, False) and spec_allows(cur, tgt, True)
    assert sum(1 for p in TRANSITION_TABLE if p.values[3]) == 4 * 1 + 2 * 2 + 4 * 2 + 2 * 4


@pytest.mark.parametrize(
    "current, target, now, words",
    [
        (C, C, BEFORE, "already confirmed"),
        (N, N, AFTER, "already a no-show"),
        (X, C, BEFORE, "cancelled cannot become confirmed"),
        (C, P, BEFORE, "confirmed cannot become pending"),
        (C, X, AFTER, "already started"),
        (P, D, BEFORE, "only once it has started"),
        (C, N, BEFORE, "a no-show only once it has started"),
    ],
)
def test_transition_messages_explain(current, target, now, words):
    with pytest.raises(InvalidTransition, match=words):
        check_transition(current, target, start=START, now=now)


def test_active_statuses():
    assert ACTIVE_STATUSES == {P, C}
    assert {s.value for s in BookingStatus} == {"PENDING", "CONFIRMED", "CANCELLED", "COMPLETED", "NO_SHOW"}


def test_transition_times_are_instants_not_wall_clock():
    """On the night New York falls back, 01:45 EDT (05:45Z) is *before* 01:30 EST (06:30Z)."""
    ny = ZoneInfo("America/New_York")
    start = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=ny)  # second 01:30 (EST)
    now = datetime(2027, 11, 7, 1, 45, fold=0, tzinfo=ny)  # first 01:45 (EDT)
    assert now.astimezone(UTC) < start.astimezone(UTC)
    assert check_transition(C, X, start=start, now=now) is None
    with pytest.raises(InvalidTransition):
        check_transition(C, D, start=start, now=now)


# --------------------------------------------------------------------------- client cancellation


def policy_with(**changes) -> ClientPolicy:
    """The default policy with some preferences changed."""
    return Preferences(**changes).client_policy


POLICY = ClientPolicy(
    allow_client_cancel=True,
    allow_client_reschedule=True,
    cancellation_notice_hours=24,
    reschedule_notice_hours=12,
    max_reschedules=2,
)


@pytest.mark.parametrize(
    "hours_before, late",
    [
        (72, False),
        (24, False),  # exactly the notice: not late
        (24 - 1 / 3600, True),  # a second inside it
        (23, True),
        (0.5, True),
    ],
)
def test_cancellation_lateness(hours_before, late):
    now = START - timedelta(hours=hours_before)
    assert client_cancellation_is_late(POLICY, start=START, now=now) is late
    if late:
        with pytest.raises(LateCancellation) as err:
            check_client_cancel(POLICY, start=START, now=now, acknowledged=False)
        assert err.value.code == "late_cancellation"
        assert "24 hours" in err.value.message and "Acknowledge" in err.value.message
        assert err.value.details == {"cancellationNoticeHours": 24}
        assert check_client_cancel(POLICY, start=START, now=now, acknowledged=True) is True
    else:
        assert check_client_cancel(POLICY, start=START, now=now, acknowledged=False) is False
        assert check_client_cancel(POLICY, start=START, now=now, acknowledged=True) is False


def test_late_cancellation_is_a_policy_violation():
    assert issubclass(LateCancellation, PolicyViolation)


@pytest.mark.parametrize("acknowledged", [False, True])
@pytest.mark.parametrize("hours_before", [100, 1])
def test_client_cancel_disallowed(acknowledged, hours_before):
    policy = policy_with(allow_client_cancel=False)
    with pytest.raises(PolicyViolation) as err:
        check_client_cancel(policy, start=START, now=START - timedelta(hours=hours_before), acknowledged=acknowledged)
    assert type(err.value) is PolicyViolation  # not a (acknowledgeable) late cancellation
    assert err.value.code == "policy"
    assert "cancel" in err.value.message


def test_zero_cancellation_notice_is_never_late_before_start():
    policy = policy_with(cancellation_notice_hours=0)
    assert check_client_cancel(policy, start=START, now=JUST_BEFORE, acknowledged=False) is False
    assert client_cancellation_is_late(policy, start=START, now=START) is False


def test_max_cancellation_notice_720h():
    policy = policy_with(cancellation_notice_hours=720)
    assert client_cancellation_is_late(policy, start=START, now=START - timedelta(days=29)) is True
    assert client_cancellation_is_late(policy, start=START, now=START - timedelta(days=30)) is False


def test_cancellation_notice_counts_real_hours_across_dst():
    """New York springs forward on 14 March 2027: 12:30 EST Sat -> 12:00 EDT Sun is 22.5 real hours."""
    ny = ZoneInfo("America/New_York")
    policy = policy_with(cancellation_notice_hours=23)
    start = datetime(2027, 3, 14, 12, 0, tzinfo=ny)
    now = datetime(2027, 3, 13, 12, 30, tzinfo=ny)
    assert start.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=22, minutes=30)
    assert client_cancellation_is_late(policy, start=start, now=now) is True
    with pytest.raises(LateCancellation):
        check_client_cancel(policy, start=start, now=now, acknowledged=False)


# --------------------------------------------------------------------------- client reschedule


@pytest.mark.parametrize(
    "hours_before, count, refused_because",
    [
        (48, 0, None),
        (48, 1, None),
        (48, 2, "rescheduled 2 time"),  # max 2 reached: a third move is refused
        (48, 5, "rescheduled 5 time"),
        (12, 0, None),  # exactly the notice: allowed
        (12 - 1 / 3600, 0, "12 hours"),
        (1, 0, "12 hours"),
        (1, 2, "12 hours"),  # notice is checked first
    ],
)
def test_client_reschedule(hours_before, count, refused_because):
    now = START - timedelta(hours=hours_before)
    if refused_because is None:
        assert check_client_reschedule(POLICY, start=START, now=now, reschedule_count=count) is None
    else:
        with pytest.raises(PolicyViolation, match=refused_because) as err:
            check_client_reschedule(POLICY, start=START, now=now, reschedule_count=count)
        assert err.value.code == "policy"
        assert err.value.details in ({"rescheduleNoticeHours": 12}, {"maxReschedules": 2})


def test_reschedule_max_zero_refuses_the_first_move():
    with pytest.raises(PolicyViolation, match="most this trainer allows"):
        check_client_reschedule(
            policy_with(max_reschedules=0), start=START, now=START - timedelta(days=10), reschedule_count=0
        )


def test_reschedule_max_twenty():
    policy = policy_with(max_reschedules=20)
    assert check_client_reschedule(policy, start=START, now=BEFORE - timedelta(days=2), reschedule_count=19) is None
    with pytest.raises(PolicyViolation):
        check_client_reschedule(policy, start=START, now=BEFORE - timedelta(days=2), reschedule_count=20)


def test_reschedule_disallowed():
    with pytest.raises(PolicyViolation, match="rescheduling") as err:
        check_client_reschedule(
            policy_with(allow_client_reschedule=False), start=START, now=START - timedelta(days=10), reschedule_count=0
        )
    assert type(err.value) is PolicyViolation


def test_reschedule_notice_counts_real_hours_across_dst():
    """Berlin falls back on 31 October 2027: Sat 12:00 CEST -> Sun 11:30 CET is 24.5 real hours."""
    berlin = ZoneInfo("Europe/Berlin")
    policy = policy_with(reschedule_notice_hours=24)
    start = datetime(2027, 10, 31, 11, 30, tzinfo=berlin)
    now = datetime(2027, 10, 30, 12, 0, tzinfo=berlin)
    assert start.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=24, minutes=30)
    assert check_client_reschedule(policy, start=start, now=now, reschedule_count=0) is None


def test_default_policy():
    # The defaults live once, in domain/preferences.py.
    assert Preferences().client_policy == ClientPolicy(True, True, 24, 24, 2)
