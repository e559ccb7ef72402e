"""Trainer sign-up, log-in and the session that guards dashboard pages.

The browser keeps a random session token in a first-party cookie; the server
keeps only its hash (``LoginSession``), with an expiry.
"""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..db import session_scope
from ..domain.errors import DomainError
from ..domain.preferences import all_zones
from ..services import trainers
from .common import field_of, friendly


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name="td_session", same_site="strict", max_age=14 * 24 * 3600)
    trainer_id: str = ""
    trainer_name: str = ""
    trainer_slug: str = ""
    trainer_zone: str = ""
    errors: dict[str, str] = {}
    busy: bool = False
    browser_zone: str = ""

    @rx.var
    def logged_in(self) -> bool:
        return self.trainer_id != ""

    def _load_trainer(self) -> bool:
        with session_scope() as session:
            trainer = trainers.trainer_for_login_session(session, self.session_token)
        if trainer is None:
            self.trainer_id = ""
            return False
        self.trainer_id, self.trainer_name = trainer.id, trainer.name
        self.trainer_slug, self.trainer_zone = trainer.slug, trainer.timezone
        return True

    @rx.event
    def require_login(self):
        """on_load of every dashboard page: back to the login page without a valid session."""
        if not self._load_trainer():
            return rx.redirect(routes.LOGIN)

    @rx.event
    def detect_zone(self):
        return rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone", callback=AuthState.set_browser_zone)

    @rx.event
    def set_browser_zone(self, zone: str):
        self.browser_zone = zone if zone in all_zones() else "UTC"

    def _start(self, trainer_id: str):
        with session_scope() as session:
            self.session_token = trainers.start_login_session(session, trainer_id=trainer_id)
        self._load_trainer()
        return rx.redirect(routes.DASHBOARD)

    @rx.event
    def signup(self, form: dict):
        self.errors, self.busy = {}, True
        yield
        try:
            with session_scope() as session:
                trainer, _key = trainers.signup(session, email=form.get("email"), password=form.get("password"),
                                                name=form.get("name"), timezone=form.get("timezone"))
        except DomainError as exc:
            self.errors, self.busy = {field_of(exc) or "form": friendly(exc)}, False
            return
        self.busy = False
        yield self._start(trainer.id)

    @rx.event
    def login(self, form: dict):
        self.errors, self.busy = {}, True
        yield
        try:
            with session_scope() as session:
                trainer = trainers.authenticate(session, email=form.get("email"), password=form.get("password"))
        except DomainError as exc:
            self.errors, self.busy = {"form": friendly(exc)}, False
            return
        self.busy = False
        yield self._start(trainer.id)

    @rx.event
    def logout(self):
        if self.session_token:
            with session_scope() as session:
                trainers.end_login_session(session, token=self.session_token)
        self.session_token, self.trainer_id = "", ""
        return rx.redirect(routes.HOME)
