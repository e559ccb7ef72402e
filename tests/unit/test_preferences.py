"""Preference validation (docs/scheduling-rules.md's table) and the small shared input rules."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from trainerdesk.domain.errors import ValidationFailed
from trainerdesk.domain.policy import ClientPolicy
from trainerdesk.domain.preferences import (
    PREFERENCE_FIELDS,
    Preferences,
    apply_changes,
    check_durations,
    check_preference,
    normalise_email,
    parse_zone,
)
from trainerdesk.domain.slots import SlotRules

# --------------------------------------------------------------------------- sessionDurations


@pytest.mark.parametrize(
    "value, expected",
    [
        ([60], (60,)),
        ([10], (10,)),
        ([480], (480,)),
        ((90, 30, 45), (30, 45, 90)),
        ([30, 45, 60, 90, 120, 35, 240, 480], (30, 35, 45, 60, 90, 120, 240, 480)),
    ],
)
def test_durations_accepted(value, expected):
    assert check_durations(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        [],
        [5],
        [485],
        [62],
        [0],
        [-60],
        [60.0],
        ["60"],
        [True],
        None,
        60,
        "60",
        [10, 15, 20, 25, 30, 35, 40, 45, 50],
        [60, 60],
    ],
)
def test_durations_refused(value):
    with pytest.raises(ValidationFailed) as err:
        check_durations(value, field_name="sessionDurations")
    assert err.value.details == {"field": "sessionDurations"}


# --------------------------------------------------------------------------- the integer fields

BOUNDS = {  # field: (low, high, step) straight from docs/scheduling-rules.md
    "buffer_minutes": (0, 120, 5),
    "min_notice_hours": (0, 720, 1),
    "max_advance_days": (1, 730, 1),
    "cancellation_notice_hours": (0, 720, 1),
    "reschedule_notice_hours": (0, 720, 1),
    "max_reschedules": (0, 20, 1),
}


@pytest.mark.parametrize("name", BOUNDS)
def test_integer_bounds(name):
    low, high, step = BOUNDS[name]
    for ok in (low, high, low + step):
        assert getattr(apply_changes(Preferences(), {name: ok}), name) == ok
    bad = [low - step, high + step, True, False, 1.0 * low, str(low), None]
    if step > 1:
        bad.append(low + 1)
    for value in bad:
        with pytest.raises(ValidationFailed) as err:
            apply_changes(Preferences(), {name: value})
        assert err.value.details == {"field": name}, value


@pytest.mark.parametrize("name", ["allow_client_cancel", "allow_client_reschedule", "auto_confirm"])
def test_boolean_fields(name):
    for value in (True, False):
        assert getattr(apply_changes(Preferences(), {name: value}), name) is value
    for value in (1, 0, "true", None):
        with pytest.raises(ValidationFailed):
            apply_changes(Preferences(), {name: value})


def test_apply_changes_keeps_other_fields_and_names_the_callers_field():
    current = Preferences(buffer_minutes=15)
    new = apply_changes(current, {"session_durations": [90, 30], "max_reschedules": 0})
    assert new.session_durations == (30, 90) and new.max_reschedules == 0 and new.buffer_minutes == 15
    assert current.max_reschedules == 2  # unchanged (frozen)
    with pytest.raises(ValidationFailed) as err:
        apply_changes(current, {"buffer_minutes": 7}, names={"buffer_minutes": "bufferMinutes"})
    assert err.value.details == {"field": "bufferMinutes"} and "bufferMinutes" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        apply_changes(current, {"colour": "red"})
    assert err.value.details == {"field": "colour"}
    assert apply_changes(current, {}) == current


def test_preference_views():
    p = Preferences(
        session_durations=(30, 60),
        buffer_minutes=15,
        min_notice_hours=2,
        max_advance_days=30,
        cancellation_notice_hours=12,
        reschedule_notice_hours=6,
        max_reschedules=1,
        allow_client_cancel=False,
        allow_client_reschedule=True,
        auto_confirm=True,
    )
    assert p.slot_rules == SlotRules((30, 60), 15, 2, 30)
    assert p.client_policy == ClientPolicy(False, True, 12, 6, 1)
    assert set(PREFERENCE_FIELDS) == set(BOUNDS) | {
        "session_durations",
        "allow_client_cancel",
        "allow_client_reschedule",
        "auto_confirm",
        "clock",
        "reminder_hours",
    }


@pytest.mark.parametrize(
    "value, expected", [([], ()), ([24], (24,)), ([48, 2, 24], (2, 24, 48)), ([1], (1,)), ([168], (168,))]
)
def test_reminder_hours_accepted(value, expected):
    assert check_preference("reminder_hours", value, label="reminderHours") == expected


@pytest.mark.parametrize("value", [[0], [169], [1, 2, 3, 4], [24, 24], [1.5], ["24"], [True], None, 24])
def test_reminder_hours_refused(value):
    with pytest.raises(ValidationFailed) as err:
        check_preference("reminder_hours", value, label="reminderHours")
    assert err.value.details == {"field": "reminderHours"}


# --------------------------------------------------------------------------- zones and emails


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "UTC"]
)
def test_parse_zone(name):
    assert parse_zone(name) == ZoneInfo(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "Berlin", None, 1, "../etc/passwd", "Europe/Berlin "])
def test_parse_zone_refuses(name):
    with pytest.raises(ValidationFailed) as err:
        parse_zone(name, field_name="timezone")
    assert err.value.details == {"field": "timezone"}


@pytest.mark.parametrize(
    "value, expected",
    [("Name@Example.com", "name@example.com"), ("  a.b+c@sub.example.org ", "a.b+c@sub.example.org")],
)
def test_normalise_email(value, expected):
    assert normalise_email(value) == expected


@pytest.mark.parametrize("value", ["", "plain", "a@b", "a@@b.com", "a b@c.com", None, 5, "x@" + "a" * 320 + ".com"])
def test_normalise_email_refuses(value):
    with pytest.raises(ValidationFailed):
        normalise_email(value)


# --------------------------------------------------------------------------- free text


def test_unstorable_and_email_with_nul_or_surrogate():
    from trainerdesk.domain.preferences import unstorable

    assert unstorable("plain text, ünïcödé, 🏋️") is False
    assert unstorable("a\x00b") is True
    assert unstorable("lone \udcff surrogate") is True
    for bad in ("a\x00@example.com", "a\ud800@example.com"):
        with pytest.raises(ValidationFailed):
            normalise_email(bad)


@pytest.mark.parametrize(
    "value, kwargs, expected",
    [
        ("  Knee injury  ", {}, "Knee injury"),
        (None, {}, ""),
        ("", {}, ""),
        ("x" * 10, {"limit": 10}, "x" * 10),
        ("  " + "x" * 10 + "  ", {"limit": 10}, "x" * 10),  # the limit applies after stripping
        ("Ana", {"required": True}, "Ana"),
    ],
)
def test_check_text_accepts(value, kwargs, expected):
    from trainerdesk.domain.preferences import check_text

    args = {"field": "notes", "limit": 500, **kwargs}
    assert check_text(value, **args) == expected


@pytest.mark.parametrize(
    "value, kwargs, words",
    [
        (5, {}, "must be text"),
        (["a"], {}, "must be text"),
        ("a\x00b", {}, "cannot be stored"),
        ("\udc80", {}, "cannot be stored"),
        ("   ", {"required": True}, "Enter your"),
        (None, {"required": True}, "Enter your"),
        ("x" * 11, {"limit": 10}, "at most 10 characters"),
    ],
)
def test_check_text_refuses(value, kwargs, words):
    from trainerdesk.domain.preferences import check_text

    args = {"field": "notes", "limit": 500, "label": "Notes", **kwargs}
    with pytest.raises(ValidationFailed, match=words) as err:
        check_text(value, **args)
    assert err.value.details == {"field": "notes"}
    assert "Notes" in err.value.message or "notes" in err.value.message


def test_check_text_label_defaults_to_field():
    from trainerdesk.domain.preferences import check_text

    with pytest.raises(ValidationFailed, match="^name must be text"):
        check_text(3, field="name", limit=10)


# --------------------------------------------------------------------------- the one declaration


def test_every_preference_is_declared_with_its_words_and_a_valid_default():
    from trainerdesk.domain.preferences import PREFERENCES, SECTIONS, check_preference

    assert [s.name for s in PREFERENCES] == list(PREFERENCE_FIELDS)
    for spec in PREFERENCES:
        assert spec.label and spec.section in SECTIONS, spec.name
        assert spec.kind in {"number", "switch", "list", "option"}
        if spec.kind == "option":
            assert spec.default in [value for value, _ in spec.options] and all(words for _, words in spec.options)
            continue
        if spec.kind != "switch":
            assert spec.unit and spec.low <= spec.high and spec.high > 0, spec.name
        assert check_preference(spec.name, list(spec.default) if spec.kind == "list" else spec.default) == (
            spec.default
        )
        assert all(check_preference(spec.name, [c] if spec.kind == "list" else c) for c in spec.choices if c)


def test_the_rules_read_declared_preferences_and_have_no_defaults_of_their_own():
    from dataclasses import MISSING, fields

    from trainerdesk.domain.preferences import SPECS

    for view in (SlotRules, ClientPolicy):
        for f in fields(view):
            assert f.name in SPECS, f"{view.__name__}.{f.name} is not a declared preference"
            assert f.default is MISSING and f.default_factory is MISSING, f"{view.__name__}.{f.name} has a default"
    assert Preferences().slot_rules == SlotRules((60,), 0, 12, 60)


def test_plain_values_round_trip():
    from trainerdesk.domain.preferences import from_plain_values, plain_values

    prefs = Preferences(session_durations=(30, 75), buffer_minutes=15, auto_confirm=True)
    plain = plain_values(prefs)
    assert plain["session_durations"] == [30, 75] and plain["auto_confirm"] is True
    assert from_plain_values(plain) == prefs
