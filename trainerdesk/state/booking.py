"""The client's booking page (/book/{slug}, /embed/{slug}): month, slots, form, confirmation."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..config import settings
from ..db import session_scope
from ..domain.errors import DomainError, SlotUnavailable
from ..services import bookings, throttle, trainers
from .common import field_of, friendly
from .slot_picker import SlotPicker


class BookingPageState(SlotPicker, rx.State):
    """The booking widget: the picker plus the form and the confirmation; values only, no rows."""

    not_found: bool = False
    errors: dict[str, str] = {}
    submitting: bool = False
    booked: dict[str, str] = {}

    @rx.event
    def load(self):
        """Page load: find the trainer, then ask the browser for its time zone."""
        slug = self.router.page.params.get("slug", "")
        self.booked, self.selected_start, self.selected_date, self.slots, self.notice = {}, "", "", [], ""
        self.errors, self.submitting = {}, False
        self._read_locale()
        try:
            with session_scope() as session:
                trainer = trainers.trainer_by_slug(session, slug)
                members = [
                    (t, trainers.load_preferences(session, t.id)) for t in trainers.team_members(session, trainer)
                ]
        except DomainError:
            self.not_found = True
            return
        self.not_found = False
        self.trainer_id, self.trainer_name, self.trainer_zone = trainer.id, trainer.name, trainer.timezone
        self.team_members = [
            {"id": t.id, "name": t.name, "zone": t.timezone, "durations": ",".join(str(d) for d in p.session_durations)}
            for t, p in members
        ]
        self.team_id = trainer.id if len(members) > 1 else ""
        self.chosen_trainer = ""
        self.durations = sorted({d for _, p in members for d in p.session_durations})
        self.duration = self.duration if self.duration in self.durations else self.durations[0]
        return self._detect_zone()

    @rx.event
    def pick_slot(self, start: str):
        self.selected_start, self.errors, self.notice = start, {}, ""

    # ------------------------------------------------------------ booking

    @rx.event
    def recheck_detail(self, field: str, value):
        """On leaving a field that has a message: check it again, and drop the message once it is right."""
        if not isinstance(field, str) or field not in self.errors or field not in bookings.CLIENT_FIELDS:
            return
        if field == "privacyAccepted":
            value = value is True
        message = bookings.client_field_errors({field: value}).get(field, "")
        rest = {k: v for k, v in self.errors.items() if k not in (field, "form")}
        self.errors = {**rest, field: message} if message else rest

    @rx.event
    def submit(self, form: dict):
        if self.submitting or not self.selected_start:
            return
        form = form if isinstance(form, dict) else {}
        # Every wrong detail at once, each next to its field, before anything is locked or stored.
        self.errors = bookings.client_field_errors(_details(form))
        if self.errors:
            return
        self.submitting = True
        yield
        try:
            throttle.check_write(self.router.session.client_ip)
            with session_scope() as session:
                made = bookings.create_booking(
                    session,
                    **self._whose(),
                    start_time=self.selected_start,
                    duration=self.duration,
                    **{_FIELDS[k]: v for k, v in _details(form).items()},
                    client_timezone=self.client_zone,
                )
        except SlotUnavailable:
            self.submitting = False
            self.selected_start = ""
            self.notice = "Sorry, someone booked that time a moment ago. Here are the times still free."
            self._refresh()
            return
        except DomainError as exc:
            self.submitting = False
            self.errors = {field_of(exc) or "form": friendly(exc)}
            return
        self.submitting = False
        base = settings().public_url
        b = made.booking
        self.booked = {
            "id": b.id,
            "when": f"{self._datetime(b.start_at, self.client_zone)} ({self.client_zone})",
            "trainer": made.trainer.name,
            "trainer_when": f"{self._datetime(b.start_at, made.trainer.timezone)} ({made.trainer.timezone})",
            "duration": str(b.duration_minutes),
            "status": "confirmed" if b.status == "CONFIRMED" else "requested; the trainer will confirm it",
            "email": made.client.email,
            "ics": routes.ics_url(b.id, made.token, base),
            "reschedule": routes.reschedule_url(b.id, made.token, base),
            "cancel": routes.cancel_url(b.id, made.token, base),
        }
        self.selected_start = ""
        # Tell a page that embeds the widget (no secret travels: only the id).
        yield rx.call_script(
            "if (window.parent !== window) window.parent.postMessage("
            f"{{source: 'trainerdesk', type: 'booked', bookingId: '{b.id}'}}, '*')"
        )


# The booking form's fields -> the service's parameters.
_FIELDS = {"name": "name", "email": "email", "phone": "phone", "notes": "notes", "privacyAccepted": "privacy_accepted"}


def _details(form: dict) -> dict:
    """The client's details from the booking form, named as the services name them."""
    return {
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "phone": form.get("phone", ""),
        "notes": form.get("notes", ""),
        "privacyAccepted": form.get("privacy") in ("on", True, "true"),
    }
