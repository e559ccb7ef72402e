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
    # A primary trainer's team (empty for a trainer without sub-trainers), and whose calendar the
    # dashboard shows: "" = my calendar, "all" = all trainers, or one sub-trainer's id.
    team: list[dict[str, str]] = []
    viewing: str = ""

    @rx.var
    def logged_in(self) -> bool:
        return self.trainer_id != ""

    def _load_trainer(self) -> bool:
        with session_scope() as session:
            trainer = trainers.trainer_for_login_session(session, self.session_token)
            if trainer is None:
                self.trainer_id = ""
                return False
            members = trainers.team_members(session, trainer) if trainer.primary_trainer_id is None else [trainer]
        self.trainer_id, self.trainer_name = trainer.id, trainer.name
        self.trainer_slug, self.trainer_zone = trainer.slug, trainer.timezone
        self.team = [{"id": t.id, "name": t.name, "zone": t.timezone, "slug": t.slug}
                     for t in members] if len(members) > 1 else []
        if self.viewing not in {"", *(["all", *[m["id"] for m in self.team]] if self.team else [])}:
            self.viewing = ""
        return True

    @rx.event
    def set_viewing(self, value: str):
        """The calendar switcher: change whose calendar is shown and load the page again."""
        self.viewing = value
        return rx.redirect(self.router.page.path)

    def _viewed_ids(self) -> list[str]:
        """The trainers whose calendar the dashboard shows now."""
        if self.viewing == "all" and self.team:
            return [m["id"] for m in self.team]
        return [self._target_id()]

    def _target_id(self) -> str:
        """The one trainer whose hours and preferences are edited ("all" edits my own)."""
        return self.viewing if self.viewing not in ("", "all") else self.trainer_id

    def _target_zone(self) -> str:
        member = next((m for m in self.team if m["id"] == self._target_id()), None)
        return member["zone"] if member else self.trainer_zone

    @rx.var
    def viewing_label(self) -> str:
        if self.viewing == "all":
            return "All trainers"
        member = next((m for m in self.team if m["id"] == self.viewing), None)
        return member["name"] if member else "My calendar"

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
