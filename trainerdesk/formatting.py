"""Dates and times in the reader's own format (CLDR data through babel): "2:30 PM" in the US, "14:30" in Germany.

Presentation only, used by the states and components; it holds no rule of the business and reads no
clock. A locale comes from the browser's Accept-Language header (``negotiate_locale``); an hour cycle
is "12", "24" or None for the locale's own convention, so a page switch or a trainer's preference can
override it. Anything unknown falls back to ``DEFAULT_LOCALE`` (24-hour, day before month).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton

DEFAULT_LOCALE = "en_GB"
HOUR_CYCLES = ("12", "24")
# A real Accept-Language is a few dozen characters; anything past this is ignored, not parsed.
MAX_HEADER = 256
MAX_LANGUAGES = 12
_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_NBSP = "\u00a0"


# ------------------------------------------------------------------ locale


def negotiate_locale(accept_language: Optional[str]) -> str:
    """The first language of an Accept-Language header that CLDR knows, as ``de_DE``; else the default.

    Entries are taken by their q-weight (ties keep their order); malformed ones, ``*`` and q=0 are skipped.
    """
    if not isinstance(accept_language, str) or not accept_language:
        return DEFAULT_LOCALE
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language[:MAX_HEADER].split(",")[:MAX_LANGUAGES]):
        tag, _, params = part.strip().partition(";")
        tag, weight = tag.strip(), 1.0
        q = params.strip()
        if q:
            if not q.startswith("q="):
                continue
            try:
                weight = float(q[2:])
            except ValueError:
                continue
        if weight <= 0 or not _TAG.match(tag):
            continue
        wanted.append((-weight, position, tag))
    for _, _, tag in sorted(wanted):
        found = _parse(tag)
        if found is not None:
            return str(found)
    return DEFAULT_LOCALE


@lru_cache(maxsize=512)
def _parse(tag: str) -> Optional[Locale]:
    try:
        return Locale.parse(tag, sep="-" if "-" in tag else "_")
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def _locale(locale: str) -> Locale:
    return _parse(locale) if isinstance(locale, str) and _parse(locale) is not None else _parse(DEFAULT_LOCALE)


def locale_hour_cycle(locale: str) -> str:
    """The locale's own convention: "12" when its short time pattern has a 12-hour field (h or K)."""
    pattern = _locale(locale).time_formats["short"].pattern
    return "12" if re.search(r"[hK]", re.sub(r"'[^']*'", "", pattern)) else "24"


def hour_cycle_for(locale: str, hour_cycle: Optional[str] = None) -> str:
    """The cycle to show: an explicit "12"/"24" wins; anything else means the locale's convention."""
    return hour_cycle if hour_cycle in HOUR_CYCLES else locale_hour_cycle(locale)


# ------------------------------------------------------------------ formats


def _in_zone(instant: datetime, zone: str) -> datetime:
    """The instant in ``zone``; a naive value is taken as UTC (the database's convention)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(ZoneInfo(zone))


def _skeleton(locale: str, hour_cycle: Optional[str]) -> str:
    return "hm" if hour_cycle_for(locale, hour_cycle) == "12" else "Hm"


def _keep_together(text: str) -> str:
    # "2:30 PM" never breaks between the time and its AM/PM marker.
    return text.replace("\u202f", _NBSP).replace(" ", _NBSP)


def time_text(instant: datetime, zone: str, locale: str, hour_cycle: Optional[str] = None) -> str:
    """``2:30 PM`` (en_US) or ``14:30`` (de_DE): the instant's wall-clock time in ``zone``."""
    local = _in_zone(instant, zone)
    return _keep_together(format_skeleton(_skeleton(locale, hour_cycle), local, locale=_locale(locale)))


def date_text(value: date | datetime, locale: str, *, zone: Optional[str] = None, long: bool = True) -> str:
    """A day: ``Wednesday, November 25, 2026`` (long) or ``Wed, Nov 25, 2026``; an instant is read in ``zone``."""
    if isinstance(value, datetime):
        value = _in_zone(value, zone or "UTC").date()
    if long:
        return format_date(value, "full", locale=_locale(locale))
    return format_skeleton("yMMMEd", datetime(value.year, value.month, value.day), locale=_locale(locale))


def month_text(first: date, locale: str) -> str:
    """``November 2026`` / ``novembre 2026``: a calendar's heading."""
    return format_skeleton("yMMMM", datetime(first.year, first.month, 1), locale=_locale(locale))


def datetime_text(instant: datetime, zone: str, locale: str, hour_cycle: Optional[str] = None) -> str:
    """``Wed, Nov 25, 2026, 2:30 PM`` / ``Mi., 25. Nov. 2026, 14:30``: day and time in ``zone``."""
    day = date_text(instant, locale, zone=zone, long=False)
    combined = str(_locale(locale).datetime_formats["medium"])
    return combined.replace("{1}", day).replace("{0}", time_text(instant, zone, locale, hour_cycle))


def range_text(start: datetime, end: datetime, zone: str, locale: str, hour_cycle: Optional[str] = None) -> str:
    """``2:30 – 3:30 PM`` / ``14:30–15:30 Uhr``: a span in ``zone`` (CLDR's interval format for the locale)."""
    try:
        text = format_interval(
            _in_zone(start, zone), _in_zone(end, zone), _skeleton(locale, hour_cycle), locale=_locale(locale)
        )
    except (NotImplementedError, KeyError, ValueError):  # a few locales' day periods ("B") babel cannot split
        return f"{time_text(start, zone, locale, hour_cycle)}–{time_text(end, zone, locale, hour_cycle)}"
    return text.replace("\u202f", _NBSP)


@dataclass(frozen=True)
class Reader:
    """Whose eyes a page is for: the zone its times are in, the reader's locale, and their clock
    ("12", "24", or None for the locale's own). The presenters write every time through one."""

    zone: str
    locale: str = DEFAULT_LOCALE
    hour_cycle: Optional[str] = None

    def time(self, instant: datetime) -> str:
        return time_text(instant, self.zone, self.locale, self.hour_cycle)

    def when(self, instant: datetime) -> str:
        return datetime_text(instant, self.zone, self.locale, self.hour_cycle)

    def span(self, start: datetime, end: datetime) -> str:
        return range_text(start, end, self.zone, self.locale, self.hour_cycle)

    def day(self, value: date | datetime, *, long: bool = False) -> str:
        return date_text(value, self.locale, zone=self.zone, long=long)

    def in_zone(self, zone: str) -> Reader:
        """The same reader, looking at another zone (a client's, say)."""
        return Reader(zone, self.locale, self.hour_cycle)


# ------------------------------------------------------------------ calendar


def first_weekday(locale: str) -> int:
    """The day a week starts on where the reader lives (0 = Monday, 6 = Sunday in the US)."""
    return _locale(locale).first_week_day


def weekday_names(locale: str) -> list[str]:
    """Short weekday names in calendar order for the locale, e.g. ``Sun Mon ...`` or ``Mo Di ...``."""
    names = _locale(locale).days["stand-alone"]["abbreviated"]
    start = first_weekday(locale)
    return [names[(start + i) % 7] for i in range(7)]


def month_weeks(year: int, month: int, available: set[str], today: date, locale: str) -> list[list[dict[str, str]]]:
    """The weeks of a month, starting on the locale's first weekday; each day a dict the calendar renders."""
    weeks = []
    for week in calendar.Calendar(firstweekday=first_weekday(locale)).monthdatescalendar(year, month):
        row = []
        for day in week:
            iso = day.isoformat()
            in_month = day.month == month
            row.append(
                {
                    "iso": iso,
                    "day": str(day.day) if in_month else "",
                    "available": "1" if in_month and iso in available else "",
                    "today": "1" if day == today else "",
                    "label": date_text(day, locale) + (", available" if iso in available else ", no free times"),
                }
            )
        weeks.append(row)
    return weeks
