"""Booking preferences page: every field of docs/scheduling-rules.md's table, validated next to the field."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..db import session_scope
from ..domain.errors import DomainError
from ..domain.preferences import STANDARD_DURATIONS, apply_changes
from ..services import trainers
from .auth import AuthState
from .common import field_of, friendly

INT_FIELDS = (
    "buffer_minutes",
    "min_notice_hours",
    "max_advance_days",
    "cancellation_notice_hours",
    "reschedule_notice_hours",
    "max_reschedules",
)
BOOL_FIELDS = ("allow_client_cancel", "allow_client_reschedule", "auto_confirm")
LABELS = {
    "session_durations": "Session lengths",
    "buffer_minutes": "Buffer",
    "min_notice_hours": "Minimum notice",
    "max_advance_days": "Booking window",
    "cancellation_notice_hours": "Cancellation notice",
    "reschedule_notice_hours": "Reschedule notice",
    "max_reschedules": "Maximum reschedules",
}


class PreferencesState(AuthState):
    durations: list[int] = []
    custom_durations: str = ""  # e.g. "75, 150"
    values: dict[str, str] = {}
    switches: dict[str, bool] = {}
    field_errors: dict[str, str] = {}
    saved: bool = False

    @rx.event
    def load(self):
        if not self._load_trainer():
            return rx.redirect(routes.LOGIN)
        with session_scope() as session:
            prefs = trainers.load_preferences(session, self._target(session, self._actor(session)).id)
        self._show(prefs)
        self.field_errors, self.saved = {}, False

    def _show(self, prefs):
        self.durations = [d for d in prefs.session_durations if d in STANDARD_DURATIONS]
        self.custom_durations = ", ".join(str(d) for d in prefs.session_durations if d not in STANDARD_DURATIONS)
        self.values = {k: str(getattr(prefs, k)) for k in INT_FIELDS}
        self.switches = {k: bool(getattr(prefs, k)) for k in BOOL_FIELDS}

    @rx.event
    def toggle_duration(self, minutes: int, checked: bool):
        chosen = set(self.durations)
        chosen.add(minutes) if checked else chosen.discard(minutes)
        self.durations, self.saved = sorted(chosen), False

    @rx.event
    def set_value(self, name: str, value: str):
        self.values = {**self.values, name: value}
        self.saved = False

    @rx.event
    def set_custom_durations(self, value: str):
        self.custom_durations, self.saved = value, False

    @rx.event
    def set_switch(self, name: str, value: bool):
        self.switches = {**self.switches, name: value}
        self.saved = False

    @rx.event
    def save(self):
        self.field_errors, self.saved = {}, False
        changes: dict = {}
        errors: dict[str, str] = {}
        custom = []
        for part in self.custom_durations.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not (part.isascii() and part.isdigit()) or len(part) > 4:
                errors["session_durations"] = f"“{part}” is not a number of minutes."
                break
            custom.append(int(part))
        changes["session_durations"] = sorted(set(self.durations) | set(custom))
        for name in INT_FIELDS:
            raw = self.values.get(name, "").strip()
            if not (raw.lstrip("-").isascii() and raw.lstrip("-").isdigit()) or len(raw) > 9:
                errors[name] = "Enter a whole number."
            else:
                changes[name] = int(raw)
        changes.update(self.switches)
        if errors:
            self.field_errors = errors
            return
        # Validate field by field so each message lands next to its own field.
        with session_scope() as session:
            actor = self._actor(session)
            target_id = self._target(session, actor).id
            current = trainers.load_preferences(session, target_id)
        for name, value in changes.items():
            try:
                apply_changes(current, {name: value}, names=LABELS)
            except DomainError as exc:
                errors[name] = friendly(exc)
        if errors:
            self.field_errors = errors
            return
        try:
            with session_scope() as session:
                _, prefs = trainers.update_preferences(
                    session, actor=self._actor(session), trainer_id=target_id, changes=changes
                )
        except DomainError as exc:
            self.field_errors = {field_of(exc) or "form": friendly(exc)}
            return
        self._show(prefs)
        self.saved = True
        return rx.toast.success("Preferences saved.")
