"""Booking preferences: their allowed ranges (docs/scheduling-rules.md) and validation.

Also the small input rules shared by every entry point: time-zone names and
email addresses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from .errors import ValidationFailed
from .policy import ClientPolicy
from .slots import SlotRules

STANDARD_DURATIONS = (30, 45, 60, 90, 120)
STANDARD_BUFFERS = (0, 15, 30, 45)


@dataclass(frozen=True)
class Preferences:
    session_durations: tuple[int, ...] = (60,)
    buffer_minutes: int = 0
    min_notice_hours: int = 12
    max_advance_days: int = 60
    cancellation_notice_hours: int = 24
    reschedule_notice_hours: int = 24
    max_reschedules: int = 2
    allow_client_cancel: bool = True
    allow_client_reschedule: bool = True
    auto_confirm: bool = False

    @property
    def slot_rules(self) -> SlotRules:
        return SlotRules(self.session_durations, self.buffer_minutes, self.min_notice_hours, self.max_advance_days)

    @property
    def client_policy(self) -> ClientPolicy:
        return ClientPolicy(
            self.allow_client_cancel,
            self.allow_client_reschedule,
            self.cancellation_notice_hours,
            self.reschedule_notice_hours,
            self.max_reschedules,
        )


PREFERENCE_FIELDS = tuple(f.name for f in fields(Preferences))

# field -> (low, high, step, what a person reads)
_INT_RANGES = {
    "buffer_minutes": (0, 120, 5, "a multiple of 5 minutes from 0 to 120"),
    "min_notice_hours": (0, 720, 1, "a whole number of hours from 0 to 720"),
    "max_advance_days": (1, 730, 1, "a whole number of days from 1 to 730"),
    "cancellation_notice_hours": (0, 720, 1, "a whole number of hours from 0 to 720"),
    "reschedule_notice_hours": (0, 720, 1, "a whole number of hours from 0 to 720"),
    "max_reschedules": (0, 20, 1, "a whole number from 0 to 20"),
}
_BOOLS = ("allow_client_cancel", "allow_client_reschedule", "auto_confirm")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_durations(value: Any, *, field_name: str = "sessionDurations") -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 8:
        raise ValidationFailed("Choose between 1 and 8 session durations.", {"field": field_name})
    for d in value:
        if not _is_int(d) or d % 5 or not 10 <= d <= 480:
            raise ValidationFailed(
                f"{d!r} is not a valid duration: use a multiple of 5 minutes from 10 to 480.", {"field": field_name}
            )
    if len(set(value)) != len(value):
        raise ValidationFailed("Each session duration may appear only once.", {"field": field_name})
    return tuple(sorted(value))


def apply_changes(
    current: Preferences, changes: Mapping[str, Any], *, names: Mapping[str, str] | None = None
) -> Preferences:
    """``current`` with ``changes`` (snake_case keys) applied, or :class:`ValidationFailed`.

    ``names`` maps a snake_case field to the name the caller uses (camelCase in
    the API) so the error names the field the caller sent.
    """
    names = names or {}
    out: dict[str, Any] = {}
    for key, value in changes.items():
        label = names.get(key, key)
        if key == "session_durations":
            out[key] = check_durations(value, field_name=label)
        elif key in _INT_RANGES:
            low, high, step, words = _INT_RANGES[key]
            if not _is_int(value) or not low <= value <= high or value % step:
                raise ValidationFailed(f"{label} must be {words}.", {"field": label})
            out[key] = value
        elif key in _BOOLS:
            if not isinstance(value, bool):
                raise ValidationFailed(f"{label} must be true or false.", {"field": label})
            out[key] = value
        else:
            raise ValidationFailed(f"{label} is not a booking preference.", {"field": label})
    return replace(current, **out)


@lru_cache(maxsize=1)
def all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_zone(name: Any, *, field_name: str = "timezone") -> ZoneInfo:
    """An IANA zone name -> ZoneInfo, or :class:`ValidationFailed` naming the field."""
    if not isinstance(name, str) or name not in all_zones():
        raise ValidationFailed(f"{name!r} is not an IANA time zone such as Europe/Berlin.", {"field": field_name})
    return ZoneInfo(name)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: Any, *, field_name: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 320 or unstorable(value) or not _EMAIL.match(value.strip()):
        raise ValidationFailed("Enter an email address like name@example.com.", {"field": field_name})
    return value.strip().lower()


def unstorable(text: str) -> bool:
    """NUL (PostgreSQL refuses it in text) or a lone surrogate (not encodable as UTF-8, so no backend stores it)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(value, *, field: str, limit: int, label: str = "", required: bool = False) -> str:
    """Free text from a person: stripped, within ``limit``, storable; else :class:`ValidationFailed`."""
    label = label or field
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", {"field": field})
    if unstorable(value):
        raise ValidationFailed(f"{label} contains a character that cannot be stored.", {"field": field})
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"Enter your {label}.", {"field": field})
    if len(value) > limit:
        raise ValidationFailed(f"{label} must be at most {limit} characters.", {"field": field})
    return value
