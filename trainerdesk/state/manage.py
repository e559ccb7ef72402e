"""The client's self-service pages: /reschedule/{id}?token= and /cancel/{id}?token=.

The secret token from the confirmation is the only key; a missing or wrong
token gets one clear refusal that reveals nothing about the booking.
"""

from __future__ import annotations

from datetime import datetime, timezone

import reflex as rx

from .. import formatting
from ..db import session_scope
from ..domain.errors import DomainError, LateCancellation, SlotUnavailable
from ..domain.policy import (
    ACTIVE_STATUSES,
    STATUS_WORDS,
    BookingStatus,
    check_client_cancel,
    check_client_reschedule,
    client_cancellation_is_late,
)
from ..models import utcnow
from ..services import bookings, throttle, trainers
from .common import friendly
from .slot_picker import SlotPicker

CANCEL_REASONS = ("Schedule conflict", "Feeling unwell or injured", "Travelling", "Booked by mistake", "Other")


class ManageBookingState(SlotPicker, rx.State):
    booking_id: str = ""
    refused: str = ""  # the refusal shown instead of the page
    details: dict[str, str] = {}
    active: bool = False
    policy: str = ""
    blocked: str = ""  # why the client cannot do this online
    late: bool = False
    needs_ack: bool = False
    error: str = ""
    ack_error: str = ""  # the late-cancellation message, shown next to its checkbox
    done: str = ""
    working: bool = False
    # The booking's start (ISO, UTC) and the zone the client booked in: the "When" lines are
    # formatted from these for the reader, so the 12h/24h switch changes them too.
    current_start: str = ""
    current_zone: str = ""
    _token: str = ""

    @rx.var
    def current_when(self) -> str:
        if not self.current_start or not self.current_zone:
            return ""
        start, zone = datetime.fromisoformat(self.current_start), self.current_zone
        return f"{formatting.datetime_text(start, zone, self.locale, self.hour_cycle or None)} ({zone})"

    @rx.var
    def current_trainer_when(self) -> str:
        if not self.current_start or not self.trainer_zone:
            return ""
        start, zone = datetime.fromisoformat(self.current_start), self.trainer_zone
        return f"{formatting.datetime_text(start, zone, self.locale, self.hour_cycle or None)} ({zone})"

    def _load_booking(self):
        """Load the booking the link names; returns (booking, client policy) or None after a refusal."""
        params = self.router.page.params
        self.booking_id = params.get("booking_id", "")
        self._token = params.get("token", "")
        self.refused, self.error, self.done, self.needs_ack, self.working = "", "", "", False, False
        self.ack_error = ""
        self.selected_start, self.selected_date, self.slots, self.notice = "", "", [], ""
        self.current_start, self.current_zone = "", ""
        self._read_locale()
        try:
            with session_scope() as session:
                booking, trainer, client = bookings.load_booking(
                    session, booking_id=self.booking_id, caller=bookings.Caller(token=self._token or None)
                )
                prefs = trainers.load_preferences(session, trainer.id)
        except DomainError:
            self.refused = (
                "This link is not valid. Please use the link from your booking confirmation email, "
                "or contact your trainer."
            )
            return None
        now = utcnow()
        zone = booking.client_timezone
        self.trainer_id, self.trainer_name, self.trainer_zone = trainer.id, trainer.name, trainer.timezone
        self.client_zone = self.client_zone or zone
        self.durations, self.duration = [booking.duration_minutes], booking.duration_minutes
        self._exclude_booking_id = booking.id
        status = BookingStatus(booking.status)
        self.active = status in ACTIVE_STATUSES and booking.start_at > now
        self.current_start, self.current_zone = _iso(booking.start_at), zone
        self.details = {
            "duration": f"{booking.duration_minutes} minutes",
            "status": STATUS_WORDS[status].for_client,
            "trainer": trainer.name,
            "client": client.name,
            "reschedules": str(booking.reschedule_count),
        }
        self.late = client_cancellation_is_late(prefs.client_policy, start=booking.start_at, now=now)
        return booking, prefs.client_policy

    # ------------------------------------------------------------ cancel

    @rx.event
    def load_cancel(self):
        loaded = self._load_booking()
        if loaded is None:
            return
        booking, p = loaded
        self.policy = (
            f"Cancelling less than {p.cancellation_notice_hours} hours before the start counts as a "
            "late cancellation under your trainer's policy."
        )
        try:  # the domain's rule decides, and its message is what the client reads
            check_client_cancel(p, start=booking.start_at, now=utcnow(), acknowledged=True)
            self.blocked = ""
        except DomainError as exc:
            self.blocked = friendly(exc)

    @rx.event
    def acknowledge_changed(self, checked: bool):
        """Ticking the late-cancellation box puts its message right."""
        if checked is True:
            self.ack_error = ""

    @rx.event
    def cancel(self, form: dict):
        if self.working:
            return
        reason = (form.get("reason") or "").strip()
        detail = (form.get("detail") or "").strip()
        text = f"{reason}: {detail}" if reason and detail else (reason or detail)
        self.working, self.error, self.ack_error = True, "", ""
        yield
        try:
            throttle.check_write(self.router.session.client_ip)
            with session_scope() as session:
                bookings.cancel_booking(
                    session,
                    booking_id=self.booking_id,
                    caller=bookings.Caller(token=self._token),
                    reason=text,
                    acknowledge_late=form.get("acknowledge") in ("on", True, "true"),
                )
        except LateCancellation as exc:
            self.working, self.needs_ack, self.ack_error = False, True, friendly(exc)
            return
        except DomainError as exc:
            self.working, self.error = False, friendly(exc)
            return
        self.working, self.active = False, False
        self.details = {**self.details, "status": STATUS_WORDS[BookingStatus.CANCELLED].for_client}
        self.done = "Your session is cancelled. We have let your trainer know, and a confirmation is on its way."

    # ------------------------------------------------------------ reschedule

    @rx.event
    def load_reschedule(self):
        loaded = self._load_booking()
        if loaded is None:
            return
        booking, p = loaded
        self.policy = (
            f"You can move a session up to {p.reschedule_notice_hours} hours before it starts, "
            f"at most {p.max_reschedules} time(s). Moved so far: {booking.reschedule_count}."
        )
        try:  # the domain's rule decides, and its message is what the client reads
            check_client_reschedule(p, start=booking.start_at, now=utcnow(), reschedule_count=booking.reschedule_count)
        except DomainError as exc:
            self.blocked = friendly(exc)
            return
        self.blocked = ""
        return self._detect_zone()

    @rx.event
    def reschedule(self):
        if self.working or not self.selected_start:
            return
        self.working, self.error = True, ""
        yield
        try:
            throttle.check_write(self.router.session.client_ip)
            with session_scope() as session:
                booking = bookings.reschedule_booking(
                    session,
                    booking_id=self.booking_id,
                    caller=bookings.Caller(token=self._token),
                    start_time=self.selected_start,
                )
        except SlotUnavailable:
            self.working, self.selected_start = False, ""
            self.notice = "Sorry, that time was just taken. Here are the times still free."
            self._refresh()
            return
        except DomainError as exc:
            self.working, self.error = False, friendly(exc)
            return
        self.working = False
        zone = booking.client_timezone
        self.current_start, self.current_zone = _iso(booking.start_at), zone
        self.details = {
            **self.details,
            "reschedules": str(booking.reschedule_count),
        }
        self.selected_start = ""
        self.done = "Your session has moved. A confirmation with the updated calendar file is on its way."


def _iso(instant: datetime) -> str:
    """An instant as ISO text with its offset (a naive value from the database is UTC)."""
    return (instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)).isoformat()
