"""The bookings table's dialogs: a booking's details and history, and the action dialog (complete with
session notes, cancel with a reason, reschedule to a free time). A substate of the table, which it
reloads after a change."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from ...domain.inputs import parse_date
from ...models import Trainer, utcnow
from ...services import availability, bookings, trainers
from ..presenters import (
    BookingDetail,
    HistoryLine,
    TimeOption,
    booking_detail,
    cancellation_warning,
    history_lines,
    time_options,
)
from .table import BookingsState

ACTIONS = ("complete", "cancel", "reschedule")
DONE = {
    "complete": "Marked as completed.",
    "cancel": "Booking cancelled; the client is notified.",
    "reschedule": "Booking moved; the client is notified.",
}


class BookingDialogsState(BookingsState):
    # details dialog
    detail_open: bool = False
    detail: BookingDetail = BookingDetail()
    history: list[HistoryLine] = []
    # action dialog (complete with notes / cancel with reason / reschedule)
    action: str = ""
    action_id: str = ""
    action_text: str = ""
    action_warning: str = ""
    action_date: str = ""
    action_slots: list[TimeOption] = []
    action_start: str = ""
    action_error: str = ""

    # ------------------------------------------------------------ details

    @rx.event
    def show_details(self, booking_id: str):
        with self._acting() as (session, actor):
            caller = bookings.Caller(trainer=actor)
            booking, _, client = bookings.load_booking(session, booking_id=booking_id, caller=caller)
            events = bookings.history(session, booking_id=booking_id, caller=caller)
        actions = bookings.allowed_actions(booking, now=utcnow())
        self.detail = booking_detail(booking, client, zone=self._reader(actor.timezone), actions=actions)
        self.history = history_lines(events, zone=self._reader(actor.timezone))
        self.detail_open = True

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value

    # ------------------------------------------------------------ action dialog

    @rx.event
    def open_action(self, action: str, booking_id: str):
        self.action, self.action_id, self.action_text, self.action_error = action, booking_id, "", ""
        self.action_warning, self.action_date, self.action_slots, self.action_start = "", "", [], ""
        if action not in ACTIONS:
            self.action = ""
            return
        if action == "complete":
            return
        with self._acting() as (session, actor):
            booking, trainer, _ = bookings.load_booking(
                session, booking_id=booking_id, caller=bookings.Caller(trainer=actor)
            )
            if action == "cancel":
                prefs = trainers.load_preferences(session, trainer.id)
                self.action_warning = cancellation_warning(prefs.client_policy, start=booking.start_at, now=utcnow())
                return
            self.action_date = booking.start_at.astimezone(ZoneInfo(actor.timezone)).date().isoformat()
        self._refresh_free_times()

    @rx.event
    def close_action(self, open_: bool = False):
        if not open_:
            self.action = ""

    @rx.event
    def set_action_text(self, value: str):
        self.action_text = value

    @rx.event
    def set_action_date(self, value: str):
        self.action_date, self.action_start = value, ""
        self._refresh_free_times()

    @rx.event
    def pick_action_start(self, value: str):
        self.action_start = value

    def _refresh_free_times(self) -> None:
        """The reschedule dialog's free times on ``action_date``; a refusal shows in the dialog."""
        self.action_slots = []
        with self._acting("action_error") as (session, actor):
            self.action_slots = self._free_times(session, actor)

    def _free_times(self, session: Session, actor: Trainer) -> list[TimeOption]:
        day = parse_date(self.action_date)
        booking, _, _ = bookings.load_booking(session, booking_id=self.action_id, caller=bookings.Caller(trainer=actor))
        _, per = availability.slots_for_date(
            session,
            trainer_id=booking.trainer_id,
            day=day,
            client_tz=ZoneInfo(actor.timezone),
            duration=booking.duration_minutes,
            now=utcnow(),
            exclude_booking_id=booking.id,
        )
        return time_options((s.start for s in per.get(booking.duration_minutes, [])), zone=self._reader(actor.timezone))

    @rx.event
    def submit_action(self):
        action, booking_id, text, start = self.action, self.action_id, self.action_text, self.action_start
        if action not in ACTIONS:
            return
        if action == "reschedule" and not start:
            self.action_error = "Choose a new time."
            return
        with self._acting("error", "action_error") as (session, actor):
            caller = bookings.Caller(trainer=actor)
            if action == "complete":
                bookings.change_status(session, booking_id=booking_id, trainer=actor, status="COMPLETED", notes=text)
            elif action == "cancel":
                bookings.cancel_booking(session, booking_id=booking_id, caller=caller, reason=text)
            else:
                bookings.reschedule_booking(session, booking_id=booking_id, caller=caller, start_time=start)
            self.action_error = ""
            self._reload(session, actor)
            self.action = ""
            return rx.toast.success(DONE[action])
