"""Helpers shared by the states: one place that turns errors into words, and display formats."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..domain.errors import DomainError
from ..domain.preferences import all_zones

# The zones a person can choose from (IANA names; not the "localtime" alias).
ZONES = sorted(all_zones() - {"localtime", "Factory"})


def friendly(exc: Exception) -> str:
    """The sentence a person sees for an error raised by a service."""
    if isinstance(exc, DomainError):
        return exc.message
    return "Something went wrong on our side; nothing was changed. Please try again."


def field_of(exc: Exception) -> str:
    """The form field an error is about ('' when it is about the whole form)."""
    details = getattr(exc, "details", None)
    return details.get("field", "") if isinstance(details, dict) else ""


def time_label(instant: datetime, zone: str) -> str:
    """``14:30`` in ``zone``."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def long_label(instant: datetime, zone: str) -> str:
    """``Tue 14 Mar 2027, 14:30`` in ``zone``."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M")


def zone_label(zone: str) -> str:
    """``Europe/Berlin (GMT+01:00)``-style label for a zone at this moment."""
    offset = datetime.now(ZoneInfo(zone)).strftime("%z")
    return f"{zone} (GMT{offset[:3]}:{offset[3:]})" if offset else zone


def month_grid(year: int, month: int, available: set[str], today: date) -> list[list[dict[str, str]]]:
    """Weeks (Monday first) of a month, each day a dict the calendar component renders."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
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
                    "label": day.strftime("%A %d %B %Y") + (", available" if iso in available else ", no free times"),
                }
            )
        weeks.append(row)
    return weeks
