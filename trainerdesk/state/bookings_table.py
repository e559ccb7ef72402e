"""The bookings page: a server-side paginated, sortable, filterable table with row and bulk actions,
CSV export, and live updates (a toast for each new booking, made anywhere, without a reload)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional
from zoneinfo import ZoneInfo

import reflex as rx

from .. import routes
from ..db import session_scope
from ..domain.errors import DomainError
from ..domain.inputs import parse_date
from ..domain.policy import client_cancellation_is_late
from ..models import utcnow
from ..services import availability, bookings, exports, trainers
from .auth import AuthState, NotLoggedIn
from .common import friendly, long_label, time_label

PAGE_SIZE = 20
ACTIONS = ("complete", "cancel", "reschedule")
HISTORY_WORDS = {
    "created": "Booked",
    "confirmed": "Confirmed",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "no_show": "Marked no-show",
    "status_changed": "Status changed",
}


class BookingsState(AuthState):
    view: str = "upcoming"
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    sort: str = "startTime"
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    selected: list[str] = []
    bulk_status: str = "CONFIRMED"
    error: str = ""
    seen_version: int = -1
    seen_created: str = ""  # ISO instant of the newest booking we know about
    # details dialog
    detail_open: bool = False
    detail: dict[str, str] = {}
    history: list[dict[str, str]] = []
    # action dialog (complete with notes / cancel with reason / reschedule)
    action: str = ""
    action_id: str = ""
    action_text: str = ""
    action_warning: str = ""
    action_date: str = ""
    action_slots: list[dict[str, str]] = []
    action_start: str = ""
    action_error: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and all(r["id"] in self.selected for r in self.rows)

    # ------------------------------------------------------------ loading

    @rx.event
    def load(self):
        if not self._load_trainer():
            return rx.redirect(routes.LOGIN)
        self.selected, self.error = [], ""
        self._reload()
        with session_scope() as session:
            actor = self._actor(session)
            newest = bookings.newest_created_at(session, actor=actor, trainer_ids=self._viewed_ids(session, actor))
        self.seen_created = (newest or utcnow()).isoformat()

    def _spec(self) -> bookings.BookingQuery:
        return bookings.parse_query(
            view=self.view, date_from=self.date_from or None, date_to=self.date_to or None, q=self.q, sort=self.sort
        )

    def _reload(self):
        try:
            spec = self._spec()
        except DomainError as exc:
            self.error = friendly(exc)
            return
        now = utcnow()
        with session_scope() as session:
            actor = self._actor(session)
            viewed = self._viewed(session, actor)
            ids = [t.id for t in viewed]
            zone = actor.timezone
            self.seen_version = availability.schedule_version(session, ids)
            rows, total = bookings.list_bookings(
                session,
                actor=actor,
                trainer_ids=ids,
                spec=spec,
                tz=ZoneInfo(zone),
                page=self.page,
                page_size=PAGE_SIZE,
                now=now,
            )
        if rows == [] and total and self.page > 1:
            self.page = max(1, -(-total // PAGE_SIZE))
            return self._reload()
        self.total, self.error = total, ""
        names = {t.id: t.name for t in viewed}
        self.rows = [
            {
                "trainer": names.get(b.trainer_id, ""),
                "id": b.id,
                "date": b.start_at.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y"),
                "time": f"{time_label(b.start_at, zone)}–{time_label(b.end_at, zone)}",
                "client": c.name,
                "email": c.email,
                "phone": c.phone,
                "duration": f"{b.duration_minutes} min",
                "status": str(b.status),
                "actions": " ".join(sorted(bookings.allowed_actions(b, now=now))),
            }
            for b, c in rows
        ]

    # ------------------------------------------------------------ filters, sort, pages

    @rx.event
    def set_view(self, view: str | list[str]):
        view = view[0] if isinstance(view, list) else view
        self.view, self.page, self.selected = view, 1, []
        self._reload()

    @rx.event
    def set_q(self, value: str):
        self.q, self.page = value, 1
        self._reload()

    @rx.event
    def set_date_from(self, value: str):
        self.date_from, self.page = value, 1
        self._reload()

    @rx.event
    def set_date_to(self, value: str):
        self.date_to, self.page = value, 1
        self._reload()

    @rx.event
    def clear_filters(self):
        self.q, self.date_from, self.date_to, self.page = "", "", "", 1
        self._reload()

    @rx.event
    def toggle_sort(self):
        self.sort = "-startTime" if self.sort == "startTime" else "startTime"
        self.page = 1
        self._reload()

    @rx.event
    def next_page(self):
        if self.page < self.pages:
            self.page += 1
            self._reload()

    @rx.event
    def previous_page(self):
        if self.page > 1:
            self.page -= 1
            self._reload()

    # ------------------------------------------------------------ selection and bulk

    @rx.event
    def toggle_row(self, booking_id: str, checked: bool):
        chosen = [i for i in self.selected if i != booking_id]
        self.selected = [*chosen, booking_id] if checked else chosen

    @rx.event
    def toggle_all(self, checked: bool):
        ids = [r["id"] for r in self.rows]
        self.selected = sorted(set(self.selected) | set(ids)) if checked else [i for i in self.selected if i not in ids]

    @rx.event
    def set_bulk_status(self, value: str):
        self.bulk_status = value

    @rx.event
    def apply_bulk(self):
        if not self.selected:
            return
        with session_scope() as session:
            actor = self._actor(session)
            updated, failed = bookings.bulk_change_status(
                session,
                trainer=actor,
                trainer_ids=self._viewed_ids(session, actor),
                booking_ids=list(self.selected),
                status=self.bulk_status,
            )
        self.selected = [i for i, _ in failed]
        self._reload()
        message = f"{len(updated)} booking(s) updated."
        if failed:
            message += f" {len(failed)} could not change: {failed[0][1].message}"
            return rx.toast.warning(message)
        return rx.toast.success(message)

    def _csv(self, ids: Optional[list[str]]):
        spec = self._spec()
        with session_scope() as session:
            actor = self._actor(session)
            viewed = self._viewed_ids(session, actor)
        text = "".join(exports.csv_chunks(actor, viewed, actor.timezone, spec, ids))
        return rx.download(
            data=text, filename=f"bookings-{actor.slug}-{utcnow().date().isoformat()}.csv", mime_type="text/csv"
        )

    @rx.event
    def export_filtered(self):
        return self._csv(None)

    @rx.event
    def export_selected(self):
        if self.selected:
            return self._csv(list(self.selected))

    # ------------------------------------------------------------ live

    @rx.event
    def tick(self, _now: str = ""):
        if not self.trainer_id:
            return
        with session_scope() as session:
            actor = self._actor(session)
            ids = self._viewed_ids(session, actor)
            version = availability.schedule_version(session, ids)
            if version == self.seen_version:
                return
            try:
                since = datetime.fromisoformat(self.seen_created)
            except (TypeError, ValueError):
                since = utcnow()
            fresh = bookings.created_since(session, actor=actor, trainer_ids=ids, since=since)
        self._reload()
        if fresh:
            self.seen_created = fresh[0][0].created_at.isoformat()
            return [
                rx.toast.info(f"New booking: {c.name}, {long_label(b.start_at, actor.timezone)}", duration=8000)
                for b, c in reversed(fresh)
            ]

    # ------------------------------------------------------------ row actions

    def _run(self, change) -> bool:
        try:
            with session_scope() as session:
                change(session, self._actor(session))
        except DomainError as exc:
            self.error = friendly(exc)
            self.action_error = friendly(exc)
            return False
        self.error, self.action_error = "", ""
        self._reload()
        return True

    @rx.event
    def confirm(self, booking_id: str):
        if self._run(lambda s, t: bookings.change_status(s, booking_id=booking_id, trainer=t, status="CONFIRMED")):
            return rx.toast.success("Booking confirmed; the client is notified.")

    @rx.event
    def mark_no_show(self, booking_id: str):
        if self._run(lambda s, t: bookings.change_status(s, booking_id=booking_id, trainer=t, status="NO_SHOW")):
            return rx.toast.success("Marked as a no-show.")

    @rx.event
    def open_action(self, action: str, booking_id: str):
        self.action, self.action_id, self.action_text, self.action_error = action, booking_id, "", ""
        self.action_warning, self.action_date, self.action_slots, self.action_start = "", "", [], ""
        if action not in ACTIONS:
            self.action = ""
            return
        if action == "cancel":
            with session_scope() as session:
                booking, trainer, _ = bookings.load_booking(
                    session, booking_id=booking_id, caller=bookings.Caller(trainer=self._actor(session))
                )
                prefs = trainers.load_preferences(session, trainer.id)
            if client_cancellation_is_late(prefs.client_policy, start=booking.start_at, now=utcnow()):
                self.action_warning = (
                    f"This session starts within your {prefs.cancellation_notice_hours}-hour "
                    "cancellation notice. The client will be told it is cancelled at short notice."
                )
        if action == "reschedule":
            with session_scope() as session:
                actor = self._actor(session)
                booking, _, _ = bookings.load_booking(
                    session, booking_id=booking_id, caller=bookings.Caller(trainer=actor)
                )
            self.action_date = booking.start_at.astimezone(ZoneInfo(actor.timezone)).date().isoformat()
            self._load_action_slots()

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
        self._load_action_slots()

    @rx.event
    def pick_action_start(self, value: str):
        self.action_start = value

    def _load_action_slots(self):
        try:
            day = parse_date(self.action_date)
            with session_scope() as session:
                actor = self._actor(session)
                booking, _, _ = bookings.load_booking(
                    session, booking_id=self.action_id, caller=bookings.Caller(trainer=actor)
                )
                _, per = availability.slots_for_date(
                    session,
                    trainer_id=booking.trainer_id,
                    day=day,
                    client_tz=ZoneInfo(actor.timezone),
                    duration=booking.duration_minutes,
                    now=utcnow(),
                    exclude_booking_id=booking.id,
                )
        except NotLoggedIn:
            raise
        except DomainError as exc:
            self.action_slots, self.action_error = [], friendly(exc)
            return
        self.action_slots = [
            {"start": s.start.isoformat(), "label": time_label(s.start, actor.timezone)}
            for s in per.get(booking.duration_minutes, [])
        ]

    @rx.event
    def submit_action(self):
        booking_id, text = self.action_id, self.action_text
        if self.action == "complete":
            ok = self._run(
                lambda s, t: bookings.change_status(s, booking_id=booking_id, trainer=t, status="COMPLETED", notes=text)
            )
            message = "Marked as completed."
        elif self.action == "cancel":
            ok = self._run(
                lambda s, t: bookings.cancel_booking(
                    s, booking_id=booking_id, caller=bookings.Caller(trainer=t), reason=text
                )
            )
            message = "Booking cancelled; the client is notified."
        elif self.action == "reschedule":
            if not self.action_start:
                self.action_error = "Choose a new time."
                return
            start = self.action_start
            ok = self._run(
                lambda s, t: bookings.reschedule_booking(
                    s, booking_id=booking_id, caller=bookings.Caller(trainer=t), start_time=start
                )
            )
            message = "Booking moved; the client is notified."
        else:
            return
        if ok:
            self.action = ""
            return rx.toast.success(message)

    @rx.event
    def show_details(self, booking_id: str):
        with session_scope() as session:
            actor = self._actor(session)
            zone = actor.timezone
            caller = bookings.Caller(trainer=actor)
            booking, _, client = bookings.load_booking(session, booking_id=booking_id, caller=caller)
            events = bookings.history(session, booking_id=booking_id, caller=caller)
        self.detail = {
            "id": booking.id,
            "client": client.name,
            "email": client.email,
            "phone": client.phone,
            "when": f"{long_label(booking.start_at, zone)} ({zone})",
            "client_when": f"{long_label(booking.start_at, booking.client_timezone)} ({booking.client_timezone})",
            "duration": f"{booking.duration_minutes} minutes",
            "status": str(booking.status),
            "notes": booking.notes or "—",
            "trainer_notes": booking.trainer_notes or "—",
            "reschedules": str(booking.reschedule_count),
            "late": "yes" if booking.late_cancellation else "no",
            "reason": booking.cancellation_reason or "—",
        }
        self.history = [
            {
                "what": HISTORY_WORDS.get(e.action, e.action),
                "who": e.actor,
                "at": f"{long_label(e.at, zone)}",
                "more": " → ".join(
                    x
                    for x in (
                        long_label(e.from_start, zone) if e.from_start and e.action == "rescheduled" else "",
                        long_label(e.to_start, zone) if e.to_start and e.action == "rescheduled" else "",
                    )
                    if x
                )
                + (f" ({e.reason})" if e.reason else ""),
            }
            for e in events
        ]
        self.detail_open = True

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value
