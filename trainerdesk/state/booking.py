"""The client's booking page (/book/{slug}, /embed/{slug}): month, slots, form, confirmation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from .. import routes
from ..config import settings
from ..db import session_scope
from ..domain.errors import DomainError, SlotUnavailable
from ..domain.preferences import all_zones
from ..models import utcnow
from ..services import availability, bookings, trainers
from .common import field_of, friendly, long_label, month_grid, time_label, zone_label

ZONES = sorted(all_zones() - {"localtime", "Factory"})


class BookingPageState(rx.State):
    """Everything the booking widget shows; values only, no rows."""

    trainer_id: str = ""
    trainer_name: str = ""
    trainer_zone: str = ""
    not_found: bool = False
    client_zone: str = ""
    month: str = ""  # YYYY-MM
    weeks: list[list[dict[str, str]]] = []
    durations: list[int] = []
    duration: int = 0
    selected_date: str = ""
    slots: list[dict[str, str]] = []
    loading_slots: bool = False
    selected_start: str = ""  # ISO instant (UTC)
    notice: str = ""
    # form
    errors: dict[str, str] = {}
    submitting: bool = False
    # confirmation
    booked: dict[str, str] = {}

    # ------------------------------------------------------------ derived

    @rx.var
    def month_label(self) -> str:
        if not self.month:
            return ""
        return date.fromisoformat(self.month + "-01").strftime("%B %Y")

    @rx.var
    def client_zone_label(self) -> str:
        return zone_label(self.client_zone) if self.client_zone else ""

    @rx.var
    def trainer_zone_label(self) -> str:
        return zone_label(self.trainer_zone) if self.trainer_zone else ""

    @rx.var
    def selected_date_label(self) -> str:
        return date.fromisoformat(self.selected_date).strftime("%A %d %B %Y") if self.selected_date else ""

    @rx.var
    def selected_label(self) -> str:
        if not self.selected_start or not self.client_zone:
            return ""
        start = datetime.fromisoformat(self.selected_start)
        text = f"{long_label(start, self.client_zone)} ({self.client_zone})"
        if self.trainer_zone and self.trainer_zone != self.client_zone:
            text += f" = {time_label(start, self.trainer_zone)} for {self.trainer_name} ({self.trainer_zone})"
        return text

    # ------------------------------------------------------------ loading

    @rx.event
    def load(self):
        """Page load: find the trainer, then ask the browser for its time zone."""
        slug = self.router.page.params.get("slug", "")
        self.booked, self.selected_start, self.selected_date, self.slots, self.notice = {}, "", "", [], ""
        try:
            with session_scope() as session:
                trainer = trainers.trainer_by_slug(session, slug)
                prefs = trainers.load_preferences(session, trainer.id)
        except DomainError:
            self.not_found = True
            return
        self.not_found = False
        self.trainer_id, self.trainer_name, self.trainer_zone = trainer.id, trainer.name, trainer.timezone
        self.durations = list(prefs.session_durations)
        self.duration = self.duration if self.duration in self.durations else self.durations[0]
        return rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone",
                              callback=BookingPageState.use_browser_zone)

    @rx.event
    def use_browser_zone(self, zone: str):
        self.client_zone = zone if zone in all_zones() else self.trainer_zone
        self._open_month(self._today())

    def _today(self) -> date:
        return utcnow().astimezone(ZoneInfo(self.client_zone or "UTC")).date()

    def _open_month(self, first: date):
        self.month = first.strftime("%Y-%m")
        self._refresh_month()

    def _refresh_month(self):
        first = date.fromisoformat(self.month + "-01")
        with session_scope() as session:
            found = availability.dates_with_slots(session, trainer_id=self.trainer_id, month_first=first,
                                                  client_tz=ZoneInfo(self.client_zone), duration=self.duration,
                                                  now=utcnow())
        available = {d.isoformat() for d in found}
        self.weeks = month_grid(first.year, first.month, available, self._today())
        if self.selected_date and self.selected_date[:7] == self.month:
            self._refresh_slots()

    def _refresh_slots(self):
        if not self.selected_date:
            self.slots = []
            return
        with session_scope() as session:
            _, per_duration = availability.slots_for_date(
                session, trainer_id=self.trainer_id, day=date.fromisoformat(self.selected_date),
                client_tz=ZoneInfo(self.client_zone), duration=self.duration, now=utcnow())
        self.slots = [{"start": s.start.isoformat(), "label": time_label(s.start, self.client_zone),
                       "trainer_label": time_label(s.start, self.trainer_zone),
                       "aria": f"{long_label(s.start, self.client_zone)} {self.client_zone}"}
                      for s in per_duration.get(self.duration, [])]
        if self.selected_start and not any(s["start"] == self.selected_start for s in self.slots):
            self.selected_start = ""

    # ------------------------------------------------------------ choices

    @rx.event
    def previous_month(self):
        first = date.fromisoformat(self.month + "-01")
        self._open_month((first - timedelta(days=1)).replace(day=1))

    @rx.event
    def next_month(self):
        first = date.fromisoformat(self.month + "-01")
        self._open_month((first + timedelta(days=32)).replace(day=1))

    @rx.event
    def set_client_zone(self, zone: str):
        if zone in all_zones():
            self.client_zone = zone
            self.selected_start = ""
            self._refresh_month()

    @rx.event
    def set_duration(self, value: str):
        if value.isdigit() and int(value) in self.durations:
            self.duration = int(value)
            self.selected_start = ""
            self._refresh_month()

    @rx.event
    def pick_date(self, iso: str):
        self.selected_date, self.selected_start, self.notice = iso, "", ""
        self._refresh_slots()

    @rx.event
    def pick_slot(self, start: str):
        self.selected_start, self.errors, self.notice = start, {}, ""

    @rx.event
    def back_to_times(self):
        self.selected_start = ""

    # ------------------------------------------------------------ booking

    @rx.event
    def submit(self, form: dict):
        if self.submitting or not self.selected_start:
            return
        self.submitting = True
        self.errors = {}
        yield
        try:
            with session_scope() as session:
                made = bookings.create_booking(
                    session, trainer_id=self.trainer_id, start_time=self.selected_start, duration=self.duration,
                    name=form.get("name", ""), email=form.get("email", ""), phone=form.get("phone", ""),
                    notes=form.get("notes", ""), client_timezone=self.client_zone,
                    privacy_accepted=form.get("privacy") in ("on", True, "true"),
                )
        except SlotUnavailable:
            self.submitting = False
            self.selected_start = ""
            self.notice = "Sorry, someone booked that time a moment ago. Here are the times still free."
            self._refresh_month()
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
            "when": f"{long_label(b.start_at, self.client_zone)} ({self.client_zone})",
            "trainer_when": f"{long_label(b.start_at, self.trainer_zone)} ({self.trainer_zone})",
            "duration": str(b.duration_minutes),
            "status": "confirmed" if b.status == "CONFIRMED" else "requested; the trainer will confirm it",
            "email": made.client.email,
            "ics": routes.ics_url(b.id, made.token),
            "reschedule": routes.reschedule_url(b.id, made.token, base),
            "cancel": routes.cancel_url(b.id, made.token, base),
        }
        self.selected_start = ""
