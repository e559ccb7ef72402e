"""Trainer sign-up, log-in, and the one authorisation rule of every dashboard event handler.

Every Reflex event handler is a public endpoint: the browser can call any of them with any
arguments. So no handler trusts a state var for *who* is acting. The login session lives in an
HttpOnly cookie (``routes.SESSION_COOKIE``) that only HTTP endpoints set (``api/dashboard_login.py``);
the browser sends it when it opens the websocket, and :meth:`AuthState._actor` looks the session up
again on every event. Logging out (in any tab) or expiry therefore stops every handler at once.
Which trainers the dashboard shows (``viewing``) is re-checked against the database on every use,
and the services filter their reads by what the actor manages.

A dashboard handler is written inside one frame, :meth:`AuthState._acting`::

    with self._acting("error") as (session, actor):
        ...

which opens the database session, resolves the acting trainer from the cookie (``NotLoggedIn`` without
one: the app's ``handler_error`` sends the page to log-in, so this is also the one login guard of every
page's ``on_load``) and shows a refused action (a ``DomainError``) in words in the named var.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.cookies import CookieError, SimpleCookie

import reflex as rx
from sqlmodel import Session

from .. import live, routes
from ..db import session_scope
from ..domain.errors import DomainError, Forbidden, RateLimited, Unauthorized
from ..domain.preferences import all_zones
from ..formatting import HOUR_CYCLES, Reader, negotiate_locale
from ..models import Trainer, utcnow
from ..services import availability, bookings, throttle, trainers
from .common import field_of, friendly
from .presenters import new_booking_toast


class NotLoggedIn(Unauthorized):
    """No valid login session on this connection: the app's exception handler sends the page to log-in."""


def session_cookie(cookie_header: str) -> str:
    """The login token from a ``Cookie:`` header ('' when absent or unreadable)."""
    try:
        jar = SimpleCookie(cookie_header or "")
    except CookieError:
        return ""
    morsel = jar.get(routes.SESSION_COOKIE)
    return morsel.value if morsel else ""


def _enter_dashboard_script(ticket: str) -> str:
    """Trade the one-time ticket for the HttpOnly session cookie, then load the dashboard afresh (a new
    websocket, which carries the cookie)."""
    body = json.dumps({"ticket": ticket})
    return (
        f"fetch({json.dumps(routes.SESSION_START)}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(body)}}})"
        f".then(function (r) {{ window.location.assign(r.ok ? {json.dumps(routes.DASHBOARD)} "
        f": {json.dumps(routes.LOGIN)}); }})"
    )


LEAVE_SCRIPT = (
    f"fetch({json.dumps(routes.SESSION_END)}, {{method: 'POST', credentials: 'same-origin'}})"
    f".finally(function () {{ window.location.assign({json.dumps(routes.HOME)}); }})"
)


def _missing_credentials(form: dict) -> dict[str, str]:
    """The log-in form's empty fields (a wrong email or password gets one answer for both, later)."""
    messages = {"email": "Enter your email address.", "password": "Enter your password."}
    return {f: m for f, m in messages.items() if f in form and not (isinstance(form[f], str) and form[f].strip())}


def _live_state(cls: type) -> type:
    """The state the page's ``live_tick`` runs on: the nearest class that declares it (a page's own
    declaration, else AuthState's), so a push runs the same ``_live_tick`` and ``_live_changed``."""
    return next(c for c in cls.__mro__ if "live_tick" in vars(c))


class AuthState(rx.State):
    # What the dashboard shows about the logged-in trainer. For display only: handlers never read
    # them to decide anything (the browser can call any handler); see the module docstring.
    trainer_id: str = ""
    trainer_name: str = ""
    trainer_slug: str = ""
    trainer_zone: str = ""
    errors: dict[str, str] = {}
    busy: bool = False
    browser_zone: str = ""
    # A primary trainer's team (empty for a trainer without sub-trainers), and whose calendar the
    # dashboard shows: "" = my calendar, "all" = all trainers, or one sub-trainer's id.
    team: list[dict[str, str]] = []
    viewing: str = ""
    # Live updates on every dashboard page: the schedule version last seen for the shown trainers, and
    # the creation time of the newest booking already announced.
    live_version: int = -1
    live_since: str = ""
    clock: str = "auto"  # the trainer's preference for how the dashboard writes times (display only)

    @rx.var
    def logged_in(self) -> bool:
        return self.trainer_id != ""

    # ------------------------------------------------------------ who is acting

    def _session_token(self) -> str:
        return session_cookie(self.router.headers.cookie)

    def _actor(self, session: Session) -> Trainer:
        """The trainer acting in this event, from the server-side login session; NotLoggedIn without one."""
        actor = trainers.trainer_for_login_session(session, self._session_token())
        if actor is None:
            self.trainer_id, self.team, self.viewing = "", [], ""
            raise NotLoggedIn("Please log in again.")
        return actor

    def _viewed(self, session: Session, actor: Trainer) -> list[Trainer]:
        """The trainers whose calendar is shown, checked against the actor's team on every use."""
        try:
            return trainers.viewed_trainers(session, actor=actor, viewing=self.viewing)
        except Forbidden:
            self.viewing = ""
            return [actor]

    def _viewed_ids(self, session: Session, actor: Trainer) -> list[str]:
        return [t.id for t in self._viewed(session, actor)]

    def _target(self, session: Session, actor: Trainer) -> Trainer:
        """The one trainer whose hours and preferences are edited ("all trainers" edits my own)."""
        viewed = self._viewed(session, actor)
        return viewed[0] if len(viewed) == 1 else actor

    @contextmanager
    def _acting(self, *error_vars: str) -> Iterator[tuple[Session, Trainer]]:
        """The frame of a dashboard handler: one database session and the trainer acting in this event.

        ``with self._acting("error") as (session, actor):`` resolves the actor from the login cookie
        (NotLoggedIn without one, which the app turns into a redirect to log-in). A DomainError raised
        in the block ends the block and its sentence goes into the named error vars, and the handler
        carries on after the block: so what needs the block to succeed belongs inside it (a ``return``
        there is fine; services commit their own work), clearing the error too. Without error vars a
        refusal propagates and the app shows it as a toast.
        """
        try:
            with session_scope() as session:
                yield session, self._actor(session)
        except NotLoggedIn:
            raise
        except DomainError as exc:
            if not error_vars:
                raise
            for name in error_vars:
                setattr(self, name, friendly(exc))

    def _show_actor(self, session: Session, actor: Trainer) -> list[Trainer]:
        """What every dashboard page shows about the logged-in trainer and their team (its on_load);
        returns the trainers whose calendar is shown. Live updates start from here."""
        members = trainers.team_members(session, actor)
        viewed = self._viewed(session, actor)
        ids = self._live_watched(session, actor, viewed)
        live.register(self, ids, _live_state(type(self)))
        self.live_version = availability.schedule_version(session, ids)
        self.live_since = (bookings.newest_created_at(session, actor=actor, trainer_ids=ids) or utcnow()).isoformat()
        self.clock = trainers.load_preferences(session, actor.id).clock
        self.trainer_id, self.trainer_name = actor.id, actor.name
        self.trainer_slug, self.trainer_zone = actor.slug, actor.timezone
        self.team = (
            [{"id": t.id, "name": t.name, "zone": t.timezone, "slug": t.slug} for t in members]
            if len(members) > 1
            else []
        )
        return viewed

    def _reader(self, zone: str) -> Reader:
        """How this page writes times in ``zone``: the browser's language, and the trainer's clock."""
        locale = negotiate_locale(self.router.headers.accept_language)
        return Reader(zone, locale, None if self.clock not in HOUR_CYCLES else self.clock)

    # ------------------------------------------------------------ live, on every dashboard page

    @rx.event
    def live_tick(self, _now: str = ""):
        """The safety poll (every 60 s; changes are pushed by ``trainerdesk.live`` as they commit): when
        the shown trainers' schedule moved, a toast per new booking (made anywhere). A page that also
        refreshes what it lists declares this event again, calling :meth:`_live_tick` (Reflex runs an
        inherited handler on the state that declared it)."""
        return self._live_tick()

    def _live_push(self):
        """What ``trainerdesk.live`` runs on this page's state when a watched trainer's schedule changed.
        Underscored: a public method would be an event handler the browser could call, and Reflex would
        run it on AuthState instead of the page's state."""
        return self._live_tick()

    def _live_tick(self):
        if not self.trainer_id:  # a page left open after logging out: nothing to watch
            live.drop(self)
            return
        with self._acting() as (session, actor):
            viewed = self._viewed(session, actor)
            ids = self._live_watched(session, actor, viewed)
            # Whose changes are pushed here comes from the login session (never from a browser var).
            live.register(self, ids, _live_state(type(self)))
            version = availability.schedule_version(session, ids)
            if version == self.live_version:
                return
            self.live_version = version
            try:
                since = datetime.fromisoformat(self.live_since)
            except (TypeError, ValueError):
                since = utcnow()
            fresh = bookings.created_since(session, actor=actor, trainer_ids=ids, since=since)
            if fresh:
                self.live_since = fresh[0][0].created_at.isoformat()
            self._live_changed(session, actor, viewed)
            return [
                rx.toast.info(new_booking_toast(b, c, zone=self._reader(actor.timezone)), duration=8000)
                for b, c in reversed(fresh)
            ]

    def _live_watched(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> list[str]:
        """Whose changes this page follows: the trainers it shows."""
        return [t.id for t in viewed]

    def _live_changed(self, session: Session, actor: Trainer, viewed: list[Trainer]) -> None:
        """A page that lists sessions refreshes them here (bookings, schedule or hours changed)."""

    @rx.event
    def set_viewing(self, value: str):
        """The calendar switcher: change whose calendar is shown and load the page again."""
        with self._acting() as (session, actor):
            trainers.viewed_trainers(session, actor=actor, viewing=value)
        self.viewing = value
        return rx.redirect(self.router.page.path)

    # ------------------------------------------------------------ sign-up, log-in, log-out

    @rx.event
    def detect_zone(self):
        return rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone", callback=AuthState.set_browser_zone)

    @rx.event
    def set_browser_zone(self, zone: str):
        self.browser_zone = zone if isinstance(zone, str) and zone in all_zones() else "UTC"

    def _enter(self, trainer_id: str):
        with session_scope() as session:
            ticket = trainers.issue_login_ticket(session, trainer_id=trainer_id)
        return rx.call_script(_enter_dashboard_script(ticket))

    @rx.event
    def signup(self, form: dict):
        self.errors, self.busy = {}, True
        yield
        form = form if isinstance(form, dict) else {}
        # Every wrong field at once, each next to its field; nothing is stored.
        self.errors = trainers.account_field_errors(
            email=form.get("email"), password=form.get("password"), name=form.get("name"), timezone=form.get("timezone")
        )
        if self.errors:
            self.busy = False
            return
        try:
            throttle.check_write(self.router.session.client_ip)
            with session_scope() as session:
                trainer, _key = trainers.signup(
                    session,
                    email=form.get("email"),
                    password=form.get("password"),
                    name=form.get("name"),
                    timezone=form.get("timezone"),
                )
        except DomainError as exc:
            self.errors, self.busy = {field_of(exc) or "form": friendly(exc)}, False
            return
        yield self._enter(trainer.id)

    @rx.event
    def login(self, form: dict):
        self.errors, self.busy = {}, True
        yield
        form = form if isinstance(form, dict) else {}
        self.errors = _missing_credentials(form)
        if self.errors:
            self.busy = False
            return
        email, address = form.get("email"), self.router.session.client_ip
        try:
            throttle.check_login_allowed(email, address)
            with session_scope() as session:
                trainer = trainers.authenticate(session, email=email, password=form.get("password"))
        except RateLimited as exc:
            self.errors, self.busy = {"form": friendly(exc)}, False
            return
        except DomainError as exc:
            throttle.record_login_failure(email, address)
            self.errors, self.busy = {"form": friendly(exc)}, False
            return
        throttle.record_login_success(email, address)
        yield self._enter(trainer.id)

    @rx.event
    def recheck_field(self, form: str, field: str, value: str):
        """On leaving a field that has a message: check it again, and drop the message once it is right."""
        if not isinstance(field, str) or field not in self.errors:
            return
        if form == "login":
            message = _missing_credentials({field: value}).get(field, "")
        else:
            others = {"email": None, "password": None, "name": None, "timezone": None}
            if field not in others:
                return
            message = trainers.account_field_errors(**{**others, field: value}).get(field, "")
        self.errors = {
            **{k: v for k, v in self.errors.items() if k not in (field, "form")},
            **({field: message} if message else {}),
        }

    @rx.event
    def logout(self):
        with session_scope() as session:
            trainers.end_login_session(session, token=self._session_token())
        self.trainer_id, self.team, self.viewing = "", [], ""
        return rx.call_script(LEAVE_SCRIPT)
