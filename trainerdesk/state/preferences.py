"""Booking preferences page: a field per declared preference (``domain.preferences.PREFERENCES``),
each validated by the domain and its message shown next to it."""

from __future__ import annotations

import reflex as rx

from ..domain.errors import DomainError
from ..domain.preferences import PREFERENCES, SPECS, Preferences, check_preference
from ..models import utcnow
from ..services import outbox, trainers
from .auth import AuthState, NotLoggedIn
from .common import field_of, friendly

NUMBERS = tuple(s.name for s in PREFERENCES if s.kind == "number")
OPTIONS = tuple(s.name for s in PREFERENCES if s.kind == "option")
SWITCHES = tuple(s.name for s in PREFERENCES if s.kind == "switch")
LISTS = tuple(s.name for s in PREFERENCES if s.kind == "list")


def _typed_numbers(text: str) -> list[int] | str:
    """The whole numbers typed into a list's free field ("75, 150"), or the part that is not one."""
    numbers = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or len(part) > 4:
            return part
        numbers.append(int(part))
    return numbers


def _whole_number(text: str) -> int | None:
    text = text.strip()
    digits = text.removeprefix("-")
    return int(text) if digits.isascii() and digits.isdigit() and len(text) <= 9 else None


class PreferencesState(AuthState):
    # Every key present from the first render: the page reads them before load() has run.
    values: dict[str, str] = {name: "" for name in NUMBERS + OPTIONS}  # number fields as typed, and options
    switches: dict[str, bool] = {name: False for name in SWITCHES}
    chosen: dict[str, list[int]] = {name: [] for name in LISTS}  # list fields: the one-click choices ticked
    typed: dict[str, str] = {name: "" for name in LISTS}  # list fields: other values, comma separated
    field_errors: dict[str, str] = {}
    saved: bool = False

    @rx.event
    def load(self):
        self.field_errors, self.saved = {}, False
        with self._acting() as (session, actor):
            self._show_actor(session, actor)
            self._show(trainers.load_preferences(session, self._target(session, actor).id))

    def _show(self, prefs: Preferences):
        self.values = {name: str(getattr(prefs, name)) for name in NUMBERS + OPTIONS}
        self.switches = {name: bool(getattr(prefs, name)) for name in SWITCHES}
        self.chosen = {name: [v for v in getattr(prefs, name) if v in SPECS[name].choices] for name in LISTS}
        self.typed = {
            name: ", ".join(str(v) for v in getattr(prefs, name) if v not in SPECS[name].choices) for name in LISTS
        }

    @rx.event
    def toggle_choice(self, name: str, value: int, checked: bool):
        if name not in LISTS or value not in SPECS[name].choices:
            return
        chosen = set(self.chosen.get(name, []))
        chosen.add(value) if checked is True else chosen.discard(value)
        self.chosen, self.saved = {**self.chosen, name: sorted(chosen)}, False

    @rx.event
    def set_typed(self, name: str, value: str):
        if name in LISTS and isinstance(value, str):
            self.typed, self.saved = {**self.typed, name: value}, False

    @rx.event
    def set_value(self, name: str, value: str):
        if name in NUMBERS + OPTIONS and isinstance(value, str):
            self.values, self.saved = {**self.values, name: value}, False

    @rx.event
    def set_switch(self, name: str, value: bool):
        if name in SWITCHES and isinstance(value, bool):
            self.switches, self.saved = {**self.switches, name: value}, False

    def _changes(self) -> tuple[dict, dict[str, str]]:
        """What the form says, as preference values, and a message per field that is not even a number."""
        changes: dict = {**self.switches, **{name: self.values.get(name, "") for name in OPTIONS}}
        errors: dict[str, str] = {}
        for name in LISTS:
            typed = _typed_numbers(self.typed.get(name, ""))
            if isinstance(typed, str):
                errors[name] = f"“{typed}” is not a number of {SPECS[name].unit}."
            else:
                changes[name] = sorted(set(self.chosen.get(name, [])) | set(typed))
        for name in NUMBERS:
            number = _whole_number(self.values.get(name, ""))
            if number is None:
                errors[name] = "Enter a whole number."
            else:
                changes[name] = number
        # Each value checked on its own, so each message lands next to its own field.
        for name, value in changes.items():
            if name not in errors:
                try:
                    check_preference(name, value, label=SPECS[name].label)
                except DomainError as exc:
                    errors[name] = friendly(exc)
        return changes, errors

    @rx.event
    def save(self):
        self.field_errors, self.saved = {}, False
        changes, errors = self._changes()
        if errors:
            self.field_errors = errors
            return
        try:  # a refusal names its field, so its message goes next to that field
            with self._acting() as (session, actor):
                target = self._target(session, actor)
                saved, prefs = trainers.update_preferences(session, actor=actor, trainer_id=target.id, changes=changes)
                outbox.preferences_changed(session, saved, changes, now=utcnow())
                if target.id == actor.id:
                    self.clock = prefs.clock  # the dashboard writes times the new way from now on
        except NotLoggedIn:
            raise
        except DomainError as exc:
            self.field_errors = {field_of(exc) or "form": friendly(exc)}
            return
        self._show(prefs)
        self.saved = True
        return rx.toast.success("Preferences saved.")
