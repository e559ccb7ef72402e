"""The Integrations page: calendars outside TrainerDesk (connect, sync now, remove, each one's
health), the trainer's subscribe feed, and webhooks (register, the secret shown once, ping, the
deliveries log).

Connecting and syncing fetch a calendar over the network (up to 10 s), so those two handlers run
in the background: the page stays live meanwhile, and the acting trainer is still resolved from
the login cookie (in the worker thread, with its own database session).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from .. import routes
from ..db import session_scope
from ..domain.errors import DomainError
from ..formatting import datetime_text, negotiate_locale
from ..services import calendars, feeds, trainers, webhooks
from .auth import AuthState, NotLoggedIn
from .common import field_of, friendly


@dataclass(frozen=True)
class AccountCalendar:
    """One calendar of a CalDAV account, and whether its events block bookings."""

    href: str
    name: str
    checked: bool


@dataclass(frozen=True)
class CalendarRow:
    id: str
    name: str
    url_hint: str
    ok: bool
    status: str  # "Up to date" or the last error
    synced: str  # when the last good fetch was, in the trainer's zone ("" = never)
    busy: str  # "3 busy times"
    account: bool  # a CalDAV account (its calendars listed) rather than one iCal address
    calendars: list[AccountCalendar]
    writes_into: str  # the href of the account's calendar bookings are written into ("" = none)
    write_error: str  # why the last write failed ("" when it worked)


def calendar_row(connection: calendars.Connection, *, zone: str, locale: str) -> CalendarRow:
    row = connection.row
    return CalendarRow(
        id=row.id,
        name=row.name,
        url_hint=row.url_hint,
        ok=row.status == "ok",
        status="Up to date" if row.status == "ok" else row.last_error or "The last refresh failed.",
        synced=datetime_text(row.last_synced_at, zone, locale) if row.last_synced_at else "",
        busy=f"{connection.busy_count} busy time{'' if connection.busy_count == 1 else 's'} ahead",
        account=row.kind == "caldav",
        calendars=[
            AccountCalendar(href=c["href"], name=c.get("name") or c["href"], checked=bool(c.get("checkConflicts")))
            for c in (row.calendars or [])
        ],
        writes_into=next((c["href"] for c in (row.calendars or []) if c.get("writeBookings")), ""),
        write_error=row.write_error if row.kind == "caldav" else "",
    )


@dataclass(frozen=True)
class DeliveryRow:
    """One line of a webhook's deliveries log."""

    id: int
    type: str
    status: str  # pending | delivered | failed
    attempts: int
    code: str  # the last HTTP status, "" when there was no answer
    error: str
    when: str


@dataclass(frozen=True)
class WebhookRow:
    id: str
    url: str
    events: str  # "booking.created, booking.cancelled"
    active: bool
    disabled_reason: str
    deliveries: list[DeliveryRow]


EVENT_WORDS = {
    "booking.created": "New booking",
    "booking.confirmed": "Confirmed",
    "booking.rescheduled": "Moved",
    "booking.cancelled": "Cancelled",
    "booking.completed": "Completed",
    "booking.no_show": "No-show",
}
LOG_LINES = 10


def webhook_row(endpoint, deliveries, *, zone: str, locale: str) -> WebhookRow:
    return WebhookRow(
        id=endpoint.id,
        url=endpoint.url,
        events=", ".join(EVENT_WORDS.get(e, e) for e in endpoint.events),
        active=endpoint.active,
        disabled_reason=endpoint.disabled_reason,
        deliveries=[
            DeliveryRow(
                id=d.id,
                type=d.type,
                status=d.status,
                attempts=d.attempts,
                code=str(d.last_status_code) if d.last_status_code is not None else "",
                error=d.last_error,
                when=datetime_text(d.created_at, zone, locale),
            )
            for d in deliveries
        ],
    )


class IntegrationsState(AuthState):
    calendars: list[CalendarRow] = []
    feed_url: str = ""
    errors: dict[str, str] = {}
    working: str = ""  # "" | "connect" | a calendar's id being synced
    form_round: int = 0  # a new round draws the connect form empty (no password left in it)
    kind: str = "ics"  # what the connect form connects: "ics" (an iCal address) or "caldav" (an account)
    url_value: str = ""
    name_value: str = ""
    webhooks: list[WebhookRow] = []
    webhook_url: str = ""
    webhook_events: list[str] = ["booking.created", "booking.rescheduled", "booking.cancelled"]
    webhook_errors: dict[str, str] = {}
    new_secret: str = ""  # the signing secret of the webhook just added: shown once, never stored here after

    def _show(self, session, actor) -> None:
        target = self._target(session, actor)
        self.calendars = [
            calendar_row(c, zone=target.timezone, locale=self._locale())
            for c in calendars.list_connections(session, actor=actor, trainer_id=target.id)
        ]
        self.feed_url = feeds.feed_url(session, actor=actor, trainer_id=target.id)
        self.webhooks = [
            webhook_row(
                e,
                webhooks.list_deliveries(session, actor=actor, trainer_id=target.id, endpoint_id=e.id, limit=LOG_LINES),
                zone=target.timezone,
                locale=self._locale(),
            )
            for e in webhooks.list_endpoints(session, actor=actor, trainer_id=target.id)
        ]

    def _locale(self) -> str:
        return negotiate_locale(self.router.headers.accept_language)

    @rx.event
    def load(self):
        self.errors, self.working, self.webhook_errors, self.new_secret = {}, "", {}, ""
        with self._acting() as (session, actor):
            self._show_actor(session, actor)
            self._show(session, actor)

    @rx.event
    def set_url_value(self, value: str):
        if isinstance(value, str):
            self.url_value = value[:2000]
            self.errors = {k: v for k, v in self.errors.items() if k != "url"}

    @rx.event
    def set_kind(self, value: str):
        if value in ("ics", "caldav"):
            self.kind, self.errors = value, {}

    @rx.event
    def set_name_value(self, value: str):
        if isinstance(value, str):
            self.name_value = value[:120]

    def _acting_trainer_ids(self) -> tuple[str, str]:
        """(session token, viewing) for work done off the event loop; checked again in the worker."""
        return self._session_token(), self.viewing

    @staticmethod
    def _in_worker(token: str, viewing: str, work):
        """Run ``work(session, actor, target)`` in a worker thread as the logged-in trainer."""
        with session_scope() as session:
            actor = trainers.trainer_for_login_session(session, token)
            if actor is None:
                raise NotLoggedIn("Please log in again.")
            viewed = trainers.viewed_trainers(session, actor=actor, viewing=viewing)
            target = viewed[0] if len(viewed) == 1 else actor
            return work(session, actor, target)

    @rx.event(background=True)
    async def connect(self, form: dict):
        async with self:
            if self.working:
                return
            self.errors, self.working = {}, "connect"
            token, viewing = self._acting_trainer_ids()
            kind = self.kind
        form = form if isinstance(form, dict) else {}
        url, name = form.get("url"), form.get("name") or None
        account = {"username": form.get("username"), "password": form.get("password")} if kind == "caldav" else {}

        def work(session, actor, target):
            calendars.connect_calendar(
                session, actor=actor, trainer_id=target.id, kind=kind, url=url, name=name, **account
            )

        error = None
        try:
            await asyncio.to_thread(self._in_worker, token, viewing, work)
        except NotLoggedIn:
            async with self:
                self.working = ""
            return rx.redirect(routes.LOGIN)
        except DomainError as exc:
            error = {field_of(exc) or "form": friendly(exc)}
        async with self:
            self.working = ""
            if error:
                self.errors = error
                return
            self.url_value, self.name_value = "", ""
            self.form_round += 1
            with self._acting() as (session, actor):
                self._show(session, actor)
        return rx.toast.success("Calendar connected: its busy times now block bookings.")

    @rx.event(background=True)
    async def sync(self, connection_id: str):
        async with self:
            if self.working or not isinstance(connection_id, str):
                return
            self.working = connection_id
            token, viewing = self._acting_trainer_ids()

        def work(session, actor, target):
            return calendars.sync_connection(session, actor=actor, trainer_id=target.id, connection_id=connection_id)

        message = None
        try:
            done = await asyncio.to_thread(self._in_worker, token, viewing, work)
        except NotLoggedIn:
            async with self:
                self.working = ""
            return rx.redirect(routes.LOGIN)
        except DomainError as exc:
            done, message = None, friendly(exc)
        async with self:
            self.working = ""
            with self._acting() as (session, actor):
                self._show(session, actor)
        if message or (done and done.row.status != "ok"):
            return rx.toast.error(message or done.row.last_error or "The calendar could not be read.")
        return rx.toast.success("Calendar refreshed.")

    @rx.event(background=True)
    async def choose(self, connection_id: str, href: str, checked: bool):
        """Tick or untick one calendar of an account: unticked, its times stop counting at once;
        ticked, it is read (over the network, so in the background)."""
        async with self:
            if self.working or not isinstance(connection_id, str) or not isinstance(checked, bool):
                return
            self.working = connection_id
            token, viewing = self._acting_trainer_ids()
        choice = [{"href": href, "checkConflicts": checked}]

        def work(session, actor, target):
            return calendars.update_connection(
                session, actor=actor, trainer_id=target.id, connection_id=connection_id, calendars=choice
            )

        message = None
        try:
            await asyncio.to_thread(self._in_worker, token, viewing, work)
        except NotLoggedIn:
            async with self:
                self.working = ""
            return rx.redirect(routes.LOGIN)
        except DomainError as exc:
            message = friendly(exc)
        async with self:
            self.working = ""
            with self._acting() as (session, actor):
                self._show(session, actor)
        if message:
            return rx.toast.error(message)

    @rx.event
    def write_into(self, connection_id: str, href: str):
        """Choose the account's calendar that bookings are written into ("" = none). Nothing is
        fetched here: the upcoming sessions are queued for the calendar writer."""
        if not isinstance(connection_id, str) or not isinstance(href, str):
            return
        with self._acting() as (session, actor):
            target = self._target(session, actor)
            current = calendars.get_connection(session, actor=actor, trainer_id=target.id, connection_id=connection_id)
            choice = [{"href": c["href"], "writeBookings": c["href"] == href} for c in current.row.calendars]
            calendars.update_connection(
                session, actor=actor, trainer_id=target.id, connection_id=connection_id, calendars=choice
            )
            self._show(session, actor)
            name = next((c.get("name") for c in current.row.calendars if c["href"] == href), None)
            if name:
                return rx.toast.success(f"Your sessions will appear in {name}.")
            return rx.toast.success("Sessions are no longer written into this account.")

    @rx.event
    def remove(self, connection_id: str):
        with self._acting() as (session, actor):
            target = self._target(session, actor)
            calendars.remove_connection(session, actor=actor, trainer_id=target.id, connection_id=connection_id)
            self._show(session, actor)
            return rx.toast.success("Calendar removed: its busy times no longer block bookings.")

    @rx.event
    def rotate_feed(self):
        with self._acting() as (session, actor):
            target = self._target(session, actor)
            self.feed_url = feeds.rotate_feed(session, actor=actor, trainer_id=target.id)
            return rx.toast.success("New feed address made; the old one no longer works.")

    # ------------------------------------------------------------ webhooks

    @rx.event
    def set_webhook_url(self, value: str):
        if isinstance(value, str):
            self.webhook_url = value[:2000]
            self.webhook_errors = {k: v for k, v in self.webhook_errors.items() if k != "url"}

    @rx.event
    def toggle_webhook_event(self, event: str, checked: bool):
        if event in EVENT_WORDS and isinstance(checked, bool):
            chosen = set(self.webhook_events) | {event} if checked else set(self.webhook_events) - {event}
            self.webhook_events = [e for e in EVENT_WORDS if e in chosen]
            self.webhook_errors = {k: v for k, v in self.webhook_errors.items() if k != "events"}

    @rx.event
    def add_webhook(self):
        self.webhook_errors, self.new_secret = {}, ""
        with self._acting() as (session, actor):
            target = self._target(session, actor)
            try:
                made = webhooks.create_endpoint(
                    session, actor=actor, trainer_id=target.id, url=self.webhook_url, events=self.webhook_events
                )
            except DomainError as exc:
                self.webhook_errors = {field_of(exc) or "url": friendly(exc)}
                return
            self.new_secret, self.webhook_url = made.secret, ""
            self._show(session, actor)
            return rx.toast.success("Webhook added. Copy its signing secret now: it is shown only once.")

    @rx.event
    def forget_secret(self):
        self.new_secret = ""

    @rx.event
    def remove_webhook(self, webhook_id: str):
        with self._acting() as (session, actor):
            target = self._target(session, actor)
            webhooks.delete_endpoint(session, actor=actor, trainer_id=target.id, endpoint_id=webhook_id)
            self._show(session, actor)
            return rx.toast.success("Webhook removed: nothing more is sent to it.")

    @rx.event
    def refresh_webhooks(self):
        with self._acting() as (session, actor):
            self._show(session, actor)

    @rx.event(background=True)
    async def ping_webhook(self, webhook_id: str):
        """Send a ping and wait (up to 12 s) for its answer, so the trainer sees at once whether
        the receiver works; the log shows it."""
        async with self:
            if not isinstance(webhook_id, str):
                return
            token, viewing = self._acting_trainer_ids()

        def queue(session, actor, target):
            return webhooks.ping(session, actor=actor, trainer_id=target.id, endpoint_id=webhook_id)

        def outcome(session, actor, target):
            rows = webhooks.list_deliveries(session, actor=actor, trainer_id=target.id, endpoint_id=webhook_id)
            return next(((d.status, d.last_status_code, d.last_error) for d in rows if d.event_id == event_id), None)

        try:
            event_id = await asyncio.to_thread(self._in_worker, token, viewing, queue)
            result = None
            for _ in range(24):
                await asyncio.sleep(0.5)
                result = await asyncio.to_thread(self._in_worker, token, viewing, outcome)
                if result is None or result[0] != "pending" or result[2]:
                    break
        except NotLoggedIn:
            return rx.redirect(routes.LOGIN)
        except DomainError as exc:
            return rx.toast.error(friendly(exc))
        async with self:
            with self._acting() as (session, actor):
                self._show(session, actor)
        if result and result[0] == "delivered":
            return rx.toast.success(f"Ping delivered (the receiver answered {result[1]}).")
        return rx.toast.error(
            f"Ping not delivered yet: {result[2]}" if result and result[2] else "Ping sent; no answer yet."
        )
