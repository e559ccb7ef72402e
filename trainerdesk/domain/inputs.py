"""The supported calendar, and the parsers of typed dates, months, instants and whole numbers.

``SUPPORTED_DATES`` is the one range rule for every date and instant a person
or an integration types: **1900-01-01 to 2999-12-31**, local dates in any
zone (an instant's own date, as written with its offset). It is far wider than
any booking can use (a trainer books at most ``maxAdvanceDays`` ahead and the
past only matters to the dashboard's lists), and it keeps every computation
on such a date well inside what Python's ``datetime`` holds (years 1..9999):
a date's instants lie within a day of UTC, slot rules look one more date
either side, and a filter's end is the next midnight. Outside it a date is
refused with :class:`ValidationFailed` naming the field, so the API answers
422 and the UI shows the same sentence, since both go through these parsers
(services call :func:`check_date` / :func:`check_instant` on the dates the UI
hands them as objects).

The slot rules (``domain.slots``) also stay defined beyond it: they clamp their
computations to :data:`SUPPORTED_INSTANTS` and simply find no slots there.

Whole numbers are typed as text in query strings; Python refuses to parse one
of more than 4,300 digits (``ValueError``), so the text is length-checked first
(:data:`MAX_NUMBER_DIGITS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .errors import ValidationFailed


@dataclass(frozen=True)
class DateSpan:
    """An inclusive span of calendar dates."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= _as_date(day) <= self.last

    @property
    def label(self) -> str:
        return f"from {self.first.isoformat()} to {self.last.isoformat()}"

    @property
    def month_label(self) -> str:
        return f"from {self.first.isoformat()[:7]} to {self.last.isoformat()[:7]}"


SUPPORTED_DATES = DateSpan(date(1900, 1, 1), date(2999, 12, 31))

# The instants the slot rules compute with: every local date of SUPPORTED_DATES in any zone (UTC offsets
# lie within a day), plus the date either side the rules look at, plus a day to spare. [start, end).
_MARGIN = timedelta(days=3)
SUPPORTED_INSTANTS = (
    datetime.combine(SUPPORTED_DATES.first, time(), UTC) - _MARGIN,
    datetime.combine(SUPPORTED_DATES.last, time(), UTC) + _MARGIN,
)

# Enough for any whole number a field accepts (with some leading zeros); far below Python's 4,300.
MAX_NUMBER_DIGITS = 20

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fullmatch: ASCII digits only, no trailing "\n"
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


def _details(field: str) -> dict[str, str]:
    return {"field": field, "min": SUPPORTED_DATES.first.isoformat(), "max": SUPPORTED_DATES.last.isoformat()}


# ---------------------------------------------------------------- range checks (on parsed values)


def check_date(day: date, *, field: str = "date") -> date:
    """``day`` if it lies in :data:`SUPPORTED_DATES`, else :class:`ValidationFailed` naming ``field``."""
    if day not in SUPPORTED_DATES:
        raise ValidationFailed(f"{field} must be a date {SUPPORTED_DATES.label}.", _details(field))
    return day


def check_month(month_first: date, *, field: str = "month") -> date:
    """The first day of ``month_first``'s month, if that month lies in :data:`SUPPORTED_DATES`."""
    if month_first not in SUPPORTED_DATES:
        raise ValidationFailed(f"{field} must be a month {SUPPORTED_DATES.month_label}.", _details(field))
    return month_first.replace(day=1)


def check_instant(instant: datetime, *, field: str = "startTime") -> datetime:
    """``instant`` (aware) if its own date, as written in its offset, lies in :data:`SUPPORTED_DATES`."""
    if instant.date() not in SUPPORTED_DATES:
        raise ValidationFailed(f"{field} must be a time {SUPPORTED_DATES.label}.", _details(field))
    return instant


def clamp_instant(instant: datetime) -> datetime:
    """``instant`` moved into :data:`SUPPORTED_INSTANTS` (the slot rules compute only there)."""
    low, high = SUPPORTED_INSTANTS
    return min(max(instant, low), high)


# ---------------------------------------------------------------- parsers of typed text


def _calendar_text(value: Any, pattern: re.Pattern, *, suffix: str, field: str, wording: str) -> date:
    """ISO calendar text matching ``pattern`` (completed by ``suffix``) -> a date; else a message naming ``field``."""
    try:
        day = date.fromisoformat(value + suffix) if isinstance(value, str) and pattern.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed(f"{field} must {wording}.", {"field": field})
    return day


def parse_date(value: Any, *, field: str = "date") -> date:
    """``YYYY-MM-DD`` -> a date of :data:`SUPPORTED_DATES`."""
    day = _calendar_text(value, _DATE, suffix="", field=field, wording="be a date like 2027-03-14")
    return check_date(day, field=field)


def parse_month(value: Any, *, field: str = "month") -> date:
    """``YYYY-MM`` -> the first date of that month, in :data:`SUPPORTED_DATES`."""
    first = _calendar_text(value, _MONTH, suffix="-01", field=field, wording="look like 2027-03")
    return check_month(first, field=field)


def parse_instant(value: Any, *, field: str = "startTime") -> datetime:
    """An ISO 8601 instant with an explicit offset, in :data:`SUPPORTED_DATES` -> an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None  # "Z" included
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationFailed(
            f"{field} must be an ISO 8601 time with an offset, like 2027-03-14T09:00:00-04:00.", {"field": field}
        )
    return check_instant(parsed, field=field).astimezone(UTC)


def parse_whole_number(value: Any, *, field: str, low: int, high: int, message: str = "") -> int:
    """Decimal digits -> an int in ``low..high``; the length is checked before Python parses it."""
    text = value if isinstance(value, str) else ""
    number = int(text) if len(text) <= MAX_NUMBER_DIGITS and _DIGITS.fullmatch(text) else None
    if number is None or not low <= number <= high:
        raise ValidationFailed(message or f"{field} must be a whole number from {low} to {high}.", {"field": field})
    return number
