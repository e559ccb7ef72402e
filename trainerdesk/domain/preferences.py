"""Booking preferences: one specification, and the small input rules shared by every entry point.

Each preference is declared once, as a field of :class:`Preferences` carrying its
:class:`PreferenceSpec` (default, allowed range, label, help, form section). Everything else
derives from that declaration: validation (:func:`apply_changes`), the database columns
(``models.BookingPreferences``), the API's names and JSON schema (``api/schemas.py``), the
preferences form (``state/preferences.py``, ``pages/preferences.py``), and the two views the
rules read (:class:`~.slots.SlotRules`, :class:`~.policy.ClientPolicy`). The rules themselves are
in docs/scheduling-rules.md; docs/design.md lists what a new preference touches.

Also here: time-zone names, email addresses and free text, checked the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from .errors import ValidationFailed
from .policy import ClientPolicy
from .slots import SlotRules

# The form's sections, in the order a trainer reads them.
SESSIONS, WHEN, CHANGES = "Sessions", "When clients can book", "Cancelling and rescheduling"
REMINDERS, DASHBOARD = "Reminders", "Your dashboard"
SECTIONS = (SESSIONS, WHEN, CHANGES, REMINDERS, DASHBOARD)


@dataclass(frozen=True)
class PreferenceSpec:
    """Everything about one preference except its value.

    ``low``/``high``/``step`` bound a number, or each item of a list of numbers (which also has
    ``min_items`` and ``max_items``; its items are distinct and kept sorted). ``choices`` are the
    values the form offers with one click (others may be typed).
    ``options`` are the only values a text preference may take, each with its words.
    ``name`` and ``default`` are filled in from the :class:`Preferences` field that carries the spec.
    """

    label: str
    section: str
    help: str = ""
    unit: str = ""
    low: int = 0
    high: int = 0
    step: int = 1
    min_items: int = 0
    max_items: int = 0
    item: str = ""  # a list: what one item is called ("session length"), for messages
    choices: tuple[int, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # (value, what the trainer reads)
    name: str = ""
    default: Any = None

    @property
    def kind(self) -> str:
        """``"switch"`` (yes/no), ``"option"`` (one of ``options``), ``"number"`` or ``"list"`` (a list of
        numbers, e.g. session lengths in minutes)."""
        if isinstance(self.default, bool):
            return "switch"
        if isinstance(self.default, str):
            return "option"
        return "list" if isinstance(self.default, tuple) else "number"

    @property
    def allowed(self) -> str:
        """The allowed values in words, e.g. "a whole number of hours from 0 to 720"."""
        if self.step > 1:
            return f"a multiple of {self.step} {self.unit} from {self.low} to {self.high}"
        return f"a whole number of {self.unit} from {self.low} to {self.high}"


def preference(default: Any, **spec: Any) -> Any:
    """Declare one preference: its default and its :class:`PreferenceSpec`."""
    return field(default=default, metadata={"spec": PreferenceSpec(**spec)})


@dataclass(frozen=True)
class Preferences:
    """A trainer's booking preferences: the single declaration of every preference."""

    session_durations: tuple[int, ...] = preference(
        (60,),
        label="Session lengths",
        section=SESSIONS,
        help="The lengths a client can choose from.",
        unit="minutes",
        low=10,
        high=480,
        step=5,
        min_items=1,
        max_items=8,
        item="session duration",
        choices=(30, 45, 60, 90, 120),
    )
    buffer_minutes: int = preference(
        0,
        label="Buffer between sessions",
        section=SESSIONS,
        help="Kept free before and after every session.",
        unit="minutes",
        high=120,
        step=5,
        choices=(0, 15, 30, 45),
    )
    min_notice_hours: int = preference(
        12,
        label="Minimum notice",
        section=WHEN,
        help="The earliest a client can book: now plus this.",
        unit="hours",
        high=720,
    )
    max_advance_days: int = preference(
        60,
        label="Booking window",
        section=WHEN,
        help="How far ahead clients can book.",
        unit="days",
        low=1,
        high=730,
    )
    auto_confirm: bool = preference(False, label="Confirm new bookings automatically", section=WHEN)
    allow_client_cancel: bool = preference(True, label="Clients may cancel online", section=CHANGES)
    cancellation_notice_hours: int = preference(
        24,
        label="Cancellation notice",
        section=CHANGES,
        help="Cancelling later than this before the start is a late cancellation.",
        unit="hours",
        high=720,
    )
    allow_client_reschedule: bool = preference(True, label="Clients may reschedule online", section=CHANGES)
    reschedule_notice_hours: int = preference(
        24,
        label="Reschedule notice",
        section=CHANGES,
        help="Clients cannot move a session later than this before it starts.",
        unit="hours",
        high=720,
    )
    max_reschedules: int = preference(
        2, label="Maximum reschedules", section=CHANGES, help="Per booking.", unit="times", high=20
    )
    reminder_hours: tuple[int, ...] = preference(
        (24,),
        label="Reminder emails",
        section=REMINDERS,
        help="Sent to the client this long before each session (none ticked: no reminders).",
        unit="hours",
        low=1,
        high=168,
        max_items=3,
        item="reminder time",
        choices=(2, 24, 48),
    )
    clock: str = preference(
        "auto",
        label="Times on your dashboard",
        section=DASHBOARD,
        help="Clients always see times the way their own browser's language writes them.",
        options=(
            ("auto", "As my browser's language writes them"),
            ("24", "24-hour (14:30)"),
            ("12", "12-hour (2:30 PM)"),
        ),
    )

    @property
    def slot_rules(self) -> SlotRules:
        return _view(self, SlotRules)

    @property
    def client_policy(self) -> ClientPolicy:
        return _view(self, ClientPolicy)


def _view(prefs: Preferences, cls):
    """The preferences a rule reads, by name: the views declare no defaults of their own."""
    return cls(**{f.name: getattr(prefs, f.name) for f in fields(cls)})


PREFERENCES: tuple[PreferenceSpec, ...] = tuple(
    replace(f.metadata["spec"], name=f.name, default=f.default) for f in fields(Preferences)
)
SPECS: dict[str, PreferenceSpec] = {spec.name: spec for spec in PREFERENCES}
PREFERENCE_FIELDS = tuple(SPECS)


def plain_values(prefs: Preferences) -> dict[str, Any]:
    """Each preference as plain data, as stored and sent as JSON (a list of numbers is a list)."""
    values = {s.name: getattr(prefs, s.name) for s in PREFERENCES}
    return {s.name: list(values[s.name]) if s.kind == "list" else values[s.name] for s in PREFERENCES}


def from_plain_values(values: Mapping[str, Any]) -> Preferences:
    """The inverse of :func:`plain_values` (for stored values, already valid)."""
    return Preferences(**{s.name: tuple(values[s.name]) if s.kind == "list" else values[s.name] for s in PREFERENCES})


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_list(name: str, value: Any, *, field_name: str) -> tuple[int, ...]:
    """A list preference (e.g. session lengths): distinct whole numbers within the spec, sorted."""
    spec = SPECS[name]
    if not isinstance(value, (list, tuple)) or not spec.min_items <= len(value) <= spec.max_items:
        count = f"between {spec.min_items} and {spec.max_items}" if spec.min_items else f"at most {spec.max_items}"
        raise ValidationFailed(f"Choose {count} {spec.item}s.", {"field": field_name})
    for d in value:
        if not _is_int(d) or d % spec.step or not spec.low <= d <= spec.high:
            raise ValidationFailed(f"{d!r} is not a valid {spec.item}: use {spec.allowed}.", {"field": field_name})
    if len(set(value)) != len(value):
        raise ValidationFailed(f"Each {spec.item} may appear only once.", {"field": field_name})
    return tuple(sorted(value))


def check_durations(value: Any, *, field_name: str = "sessionDurations") -> tuple[int, ...]:
    return check_list("session_durations", value, field_name=field_name)


def check_preference(name: str, value: Any, *, label: str = "") -> Any:
    """One preference's value as stored, or :class:`ValidationFailed` naming ``label`` (default: ``name``)."""
    label = label or name
    spec = SPECS.get(name)
    if spec is None:
        raise ValidationFailed(f"{label} is not a booking preference.", {"field": label})
    if spec.kind == "list":
        return check_list(name, value, field_name=label)
    if spec.kind == "switch":
        if not isinstance(value, bool):
            raise ValidationFailed(f"{label} must be true or false.", {"field": label})
        return value
    if spec.kind == "option":
        allowed = [v for v, _ in spec.options]
        if value not in allowed:
            raise ValidationFailed(f"{label} must be one of: {', '.join(allowed)}.", {"field": label})
        return value
    if not _is_int(value) or not spec.low <= value <= spec.high or value % spec.step:
        raise ValidationFailed(f"{label} must be {spec.allowed}.", {"field": label})
    return value


def apply_changes(
    current: Preferences, changes: Mapping[str, Any], *, names: Mapping[str, str] | None = None
) -> Preferences:
    """``current`` with ``changes`` (snake_case keys) applied, or :class:`ValidationFailed`.

    ``names`` maps a snake_case field to the name the caller uses (camelCase in
    the API) so the error names the field the caller sent.
    """
    names = names or {}
    out = {key: check_preference(key, value, label=names.get(key, key)) for key, value in changes.items()}
    return replace(current, **out)


@cache
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
