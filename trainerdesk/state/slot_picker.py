"""The month-and-times picker shared by the booking page and the client's reschedule page.

A Reflex state mixin: each page state that includes it gets the month grid,
the slots of the chosen date in the client's zone, and live refresh: the page
registers the trainers it shows and the schedule version it shows them at
(``trainerdesk.live``); a committed schedule change anywhere is pushed to it
(``_live_push``), and the server's safety poll catches it up after a missed
announcement. Pages of one push round that show the same thing share one read
(``live.shared``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

import reflex as rx

from .. import formatting, live
from ..db import session_scope
from ..domain.errors import DomainError
from ..domain.inputs import SUPPORTED_DATES, parse_date, parse_month
from ..domain.preferences import all_zones
from ..models import utcnow
from ..services import availability
from .common import friendly, zone_label

# The 12h/24h switch's two choices as the page shows them, and the cycle each one means.
HOUR_CYCLE_CHOICES = {"12-hour": "12", "24-hour": "24"}


class SlotPicker(rx.State, mixin=True):
    trainer_id: str = ""
    trainer_name: str = ""
    trainer_zone: str = ""
    client_zone: str = ""
    durations: list[int] = []
    duration: int = 0
    month: str = ""  # YYYY-MM
    weeks: list[list[dict[str, str]]] = []
    selected_date: str = ""
    slots: list[dict[str, str]] = []
    selected_start: str = ""  # ISO instant (UTC)
    notice: str = ""
    seen_version: int = -1
    # A team's page: clients pick one trainer or "any trainer" ("" below).
    team_id: str = ""
    team_members: list[dict[str, str]] = []
    chosen_trainer: str = ""
    # A booking being moved does not block its own move (backend-only var).
    _exclude_booking_id: str = ""
    # The reader's format: the locale from the browser's Accept-Language, and the 12h/24h switch
    # ("" = the locale's own convention), kept in sessionStorage for the visit (in an iframe whose
    # storage is blocked, the page's in-memory stand-in keeps it for the page only).
    locale: str = formatting.DEFAULT_LOCALE
    hour_cycle: str = rx.SessionStorage("", name="trainerdesk_hour_cycle")

    # ------------------------------------------------------------ derived

    @rx.var
    def month_label(self) -> str:
        return formatting.month_text(date.fromisoformat(self.month + "-01"), self.locale) if self.month else ""

    @rx.var
    def weekday_names(self) -> list[str]:
        return formatting.weekday_names(self.locale)

    @rx.var
    def hour_cycle_choice(self) -> str:
        """The switch's position: the visitor's choice, else the locale's convention."""
        cycle = formatting.hour_cycle_for(self.locale, self.hour_cycle)
        return next(label for label, value in HOUR_CYCLE_CHOICES.items() if value == cycle)

    @rx.var
    def slot_choices(self) -> list[dict[str, str]]:
        """The chosen date's times as buttons show them, in the reader's format and zone."""
        zone, locale, cycle = self.client_zone, self.locale, self.hour_cycle or None
        if not zone:
            return []
        starts = tuple(s["start"] for s in self.slots)

        def labels() -> list[dict[str, str]]:
            out = []
            for iso in starts:
                start = datetime.fromisoformat(iso)
                out.append(
                    {
                        "start": iso,
                        "label": formatting.time_text(start, zone, locale, cycle),
                        "aria": f"{formatting.datetime_text(start, zone, locale, cycle)} {zone}",
                    }
                )
            return out

        # Pages of one push round that show the same times in the same zone and format share the labels.
        return [dict(c) for c in live.shared(("slot_choices", starts, zone, locale, cycle), labels)]

    @rx.var
    def client_zone_label(self) -> str:
        return zone_label(self.client_zone) if self.client_zone else ""

    @rx.var
    def trainer_zone_label(self) -> str:
        return zone_label(self.trainer_zone) if self.trainer_zone else ""

    @rx.var
    def selected_date_label(self) -> str:
        return formatting.date_text(date.fromisoformat(self.selected_date), self.locale) if self.selected_date else ""

    @rx.var
    def selected_label(self) -> str:
        zone, locale, cycle = self.client_zone, self.locale, self.hour_cycle or None
        if not self.selected_start or not zone:
            return ""
        try:
            start = datetime.fromisoformat(self.selected_start)
        except ValueError:  # only ever a slot's own start; anything else shows nothing
            return ""
        text = f"{formatting.datetime_text(start, zone, locale, cycle)} ({zone})"
        if self.trainer_zone and self.trainer_zone != zone:
            trainer_time = formatting.time_text(start, self.trainer_zone, locale, cycle)
            text += f" = {trainer_time} for {self.trainer_name} ({self.trainer_zone})"
        return text

    # ------------------------------------------------------------ the reader's format

    def _datetime(self, instant: datetime, zone: str) -> str:
        return formatting.datetime_text(instant, zone, self.locale, self.hour_cycle or None)

    def _read_locale(self):
        """The reader's locale from the browser's Accept-Language (sent with the page's websocket)."""
        self.locale = formatting.negotiate_locale(self.router.headers.accept_language)

    @rx.event
    def set_hour_cycle(self, choice: str):
        """The 12h/24h switch: "12-hour" or "24-hour"; anything else is ignored."""
        if isinstance(choice, str) and choice in HOUR_CYCLE_CHOICES:
            self.hour_cycle = HOUR_CYCLE_CHOICES[choice]

    # ------------------------------------------------------------ loading

    def _detect_zone(self):
        return rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone", callback=type(self).use_browser_zone)

    @rx.event
    def use_browser_zone(self, zone: str):
        self.client_zone = zone if zone in all_zones() else self.trainer_zone
        self._open_month(self._today())

    def _today(self) -> date:
        return utcnow().astimezone(ZoneInfo(self.client_zone or "UTC")).date()

    def _open_month(self, first: date):
        self.month = first.strftime("%Y-%m")
        self._refresh()

    def _whose(self) -> dict:
        """Whose slots to show: the team's union ("any trainer") or one trainer's."""
        if self.team_id and not self.chosen_trainer:
            return {"team_id": self.team_id}
        return {"trainer_id": self.chosen_trainer or self.trainer_id}

    def _watched(self) -> list[str]:
        return [m["id"] for m in self.team_members] if self.team_id else [self.trainer_id]

    def _refresh(self):
        """Reload the month's bookable dates and the chosen date's slots."""
        if not self.trainer_id or not self.month or not self.client_zone:
            return
        watched = self._watched()
        try:
            first = parse_month(self.month)
            day = parse_date(self.selected_date) if self.selected_date else None
            version, found, slots = self._read_slots(watched, first, day)
        except DomainError as exc:
            live.register(self, watched)
            self.notice = friendly(exc)
            return
        self.seen_version = version
        live.register(self, watched, version=version)
        today = self._today()
        weeks = live.shared(
            ("weeks", first, found, today, self.locale),
            lambda: formatting.month_weeks(first.year, first.month, {d.isoformat() for d in found}, today, self.locale),
        )
        self.weeks = [[dict(cell) for cell in week] for week in weeks]  # each page its own copy
        self.slots = [{"start": start} for start in slots]

    def _read_slots(self, watched: list[str], first: date, day: Optional[date]) -> tuple[int, frozenset, tuple]:
        """(schedule version, the month's dates with slots, the day's starts as ISO instants): the
        database part of a refresh, shared by the pages of one push round that ask the same."""
        zone_name, duration = self.client_zone, self.duration
        exclude: Optional[str] = self._exclude_booking_id or None
        whose = self._whose()

        def read() -> tuple[int, frozenset, tuple]:
            zone = ZoneInfo(zone_name)
            with session_scope() as session:
                version = availability.schedule_version(session, watched)
                found = availability.dates_with_slots(
                    session,
                    **whose,
                    month_first=first,
                    client_tz=zone,
                    duration=duration,
                    now=utcnow(),
                    exclude_booking_id=exclude,
                )
                per_duration: dict = {}
                if day is not None:
                    _, per_duration = availability.slots_for_date(
                        session,
                        **whose,
                        day=day,
                        client_tz=zone,
                        duration=duration,
                        now=utcnow(),
                        exclude_booking_id=exclude,
                    )
            return version, frozenset(found), tuple(s.start.isoformat() for s in per_duration.get(duration, []))

        key = ("slots", tuple(sorted(whose.items())), tuple(watched), first, zone_name, duration, day, exclude)
        return live.shared(key, read)

    @rx.event
    def tick(self, _now: str = ""):
        """The page's own poll (every 20 min, ``live.CLIENT_POLL_MS``): keeps its Reflex state and its
        registration alive, and catches up on a missed announcement (as the server's sweep does)."""
        if not self.trainer_id or not self.month:
            return
        live.register(self, self._watched(), version=self.seen_version)
        self._live_push()

    def _live_push(self):
        """Reload only when the trainer's schedule changed since we last looked (run by the safety poll,
        and by ``trainerdesk.live`` the moment a change is committed)."""
        if not self.trainer_id or not self.month:
            return
        watched = self._watched()

        def read() -> int:
            with session_scope() as session:
                return availability.schedule_version(session, watched)

        version = live.shared(("version", tuple(watched)), read)
        if version == self.seen_version:
            return
        self._refresh()
        if (
            self.selected_start
            and not any(s["start"] == self.selected_start for s in self.slots)
            and not getattr(self, "submitting", False)
        ):
            self.selected_start = ""
            self.notice = "Sorry, the time you picked was just taken. Here are the times still free."

    # ------------------------------------------------------------ choices

    @rx.event
    def previous_month(self):
        first = parse_month(self.month)
        if first > SUPPORTED_DATES.first:
            self._open_month((first - timedelta(days=1)).replace(day=1))

    @rx.event
    def next_month(self):
        first = parse_month(self.month)
        if first.replace(day=28) + timedelta(days=4) <= SUPPORTED_DATES.last:
            self._open_month((first + timedelta(days=32)).replace(day=1))

    @rx.event
    def set_client_zone(self, zone: str):
        if zone in all_zones():
            self.client_zone, self.selected_start = zone, ""
            self._refresh()

    @rx.event
    def set_duration(self, value: str):
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isdigit()
            and len(value) <= 4
            and int(value) in self.durations
        ):
            self.duration, self.selected_start = int(value), ""
            self._refresh()

    @rx.event
    def set_trainer(self, trainer_id: str):
        """A team's page: "" is any trainer, else one member (only on a team's page)."""
        if not self.team_members:
            return
        member = next((m for m in self.team_members if m["id"] == trainer_id), None)
        self.chosen_trainer = member["id"] if member else ""
        self.durations = [int(d) for d in (member or {"durations": self._team_durations()})["durations"].split(",")]
        if self.duration not in self.durations:
            self.duration = self.durations[0]
        self.trainer_zone = member["zone"] if member else self.team_members[0]["zone"]
        self.selected_start = ""
        self._refresh()

    def _team_durations(self) -> str:
        union = sorted({int(d) for m in self.team_members for d in m["durations"].split(",")})
        return ",".join(str(d) for d in union)

    @rx.event
    def pick_date(self, iso: str):
        self.selected_date, self.selected_start, self.notice = iso, "", ""
        self._refresh()

    @rx.event
    def pick_slot(self, start: str):
        self.selected_start, self.notice = start, ""

    @rx.event
    def back_to_times(self):
        self.selected_start = ""
