"""Booking lifecycle rules: status transitions and the client self-service policy.

docs/scheduling-rules.md "Lifecycle": PENDING -> CONFIRMED; PENDING/CONFIRMED -> CANCELLED
before the start; PENDING/CONFIRMED -> COMPLETED/NO_SHOW once the start has
passed; COMPLETED <-> NO_SHOW as a correction; CANCELLED is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from .errors import InvalidTransition, LateCancellation, PolicyViolation


class BookingStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"


# Statuses whose booking occupies its time (and blocks slots).
ACTIVE_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})

_ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset(
        {BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW}
    ),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW}),
    BookingStatus.COMPLETED: frozenset({BookingStatus.NO_SHOW}),
    BookingStatus.NO_SHOW: frozenset({BookingStatus.COMPLETED}),
    BookingStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class StatusWords:
    """How a status reads to people: the one home of these words (UI and error messages use it)."""

    label: str  # a badge or a menu entry on the trainer's pages: "No-show"
    phrase: str  # inside a sentence: "A booking that is a no-show ..."
    for_client: str  # on the client's own manage page: "Missed"


# In the order the trainer's menus list them.
STATUS_WORDS: dict[BookingStatus, StatusWords] = {
    BookingStatus.PENDING: StatusWords("Pending", "pending", "Requested (waiting for the trainer's confirmation)"),
    BookingStatus.CONFIRMED: StatusWords("Confirmed", "confirmed", "Confirmed"),
    BookingStatus.COMPLETED: StatusWords("Completed", "completed", "Completed"),
    BookingStatus.CANCELLED: StatusWords("Cancelled", "cancelled", "Cancelled"),
    BookingStatus.NO_SHOW: StatusWords("No-show", "a no-show", "Missed"),
}

_LABEL = {status: words.phrase for status, words in STATUS_WORDS.items()}


def _until(start: datetime, now: datetime) -> timedelta:
    """Real time from ``now`` to ``start``. (Two datetimes sharing one DST zone would otherwise
    be subtracted and compared by wall clock, ignoring their UTC offsets.)"""
    return start.astimezone(timezone.utc) - now.astimezone(timezone.utc)


def check_transition(current: BookingStatus, target: BookingStatus, *, start: datetime, now: datetime) -> None:
    """Raise :class:`InvalidTransition` unless ``current -> target`` is allowed at ``now``."""
    if target == current:
        raise InvalidTransition(
            f"The booking is already {_LABEL[current]}.", {"from": current.value, "to": target.value}
        )
    if target not in _ALLOWED[current]:
        raise InvalidTransition(
            f"A booking that is {_LABEL[current]} cannot become {_LABEL[target]}.",
            {"from": current.value, "to": target.value},
        )
    if target == BookingStatus.CANCELLED and _until(start, now) <= timedelta(0):
        raise InvalidTransition(
            "A session that has already started cannot be cancelled; mark it completed or a no-show instead.",
            {"from": current.value, "to": target.value},
        )
    if (
        target in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
        and current in ACTIVE_STATUSES
        and _until(start, now) > timedelta(0)
    ):
        raise InvalidTransition(
            f"A session can be marked {_LABEL[target]} only once it has started.",
            {"from": current.value, "to": target.value},
        )


@dataclass(frozen=True)
class ClientPolicy:
    """The preferences that bind clients (not trainers).

    No defaults here: ``domain/preferences.py`` declares each preference and its default once.
    """

    allow_client_cancel: bool
    allow_client_reschedule: bool
    cancellation_notice_hours: int
    reschedule_notice_hours: int
    max_reschedules: int


def client_cancellation_is_late(policy: ClientPolicy, *, start: datetime, now: datetime) -> bool:
    return _until(start, now) < timedelta(hours=policy.cancellation_notice_hours)


def check_client_cancel(policy: ClientPolicy, *, start: datetime, now: datetime, acknowledged: bool) -> bool:
    """Raise if the client may not cancel now; return whether the cancellation is late."""
    if not policy.allow_client_cancel:
        raise PolicyViolation("This trainer does not allow online cancellation; please contact them directly.")
    late = client_cancellation_is_late(policy, start=start, now=now)
    if late and not acknowledged:
        raise LateCancellation(
            f"This session starts in less than {policy.cancellation_notice_hours} hours, so cancelling "
            "now is a late cancellation under the trainer's policy. Acknowledge the policy to cancel anyway.",
            {"cancellationNoticeHours": policy.cancellation_notice_hours},
        )
    return late


def check_client_reschedule(policy: ClientPolicy, *, start: datetime, now: datetime, reschedule_count: int) -> None:
    """Raise :class:`PolicyViolation` unless the client may move this booking now."""
    if not policy.allow_client_reschedule:
        raise PolicyViolation("This trainer does not allow online rescheduling; please contact them directly.")
    if _until(start, now) < timedelta(hours=policy.reschedule_notice_hours):
        raise PolicyViolation(
            f"Sessions can be rescheduled up to {policy.reschedule_notice_hours} hours before they start; "
            "this one is too close. Please contact your trainer.",
            {"rescheduleNoticeHours": policy.reschedule_notice_hours},
        )
    if reschedule_count >= policy.max_reschedules:
        raise PolicyViolation(
            f"This booking has already been rescheduled {reschedule_count} time(s), the most this trainer allows.",
            {"maxReschedules": policy.max_reschedules},
        )
