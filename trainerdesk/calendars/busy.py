"""Busy times from an iCalendar (RFC 5545) body, by the reading rules of CALENDARS.md.

One pure function, :func:`busy_times`: bytes in, a sorted list of :class:`BusyTime`
(aware UTC instants) out. It reads no clock (the window is passed in) and no
environment, and does no I/O, so the integrator can call it from a background
refresh or from a request alike and store the result.

The parsing and the recurrence arithmetic are the maintained libraries', not ours:

- ``icalendar`` parses the text, resolves ``TZID`` s (IANA names, Outlook's Windows
  names such as ``W. Europe Standard Time``, and custom ``VTIMEZONE`` blocks; those
  are renamed per calendar first, see :func:`_prepare`, because icalendar would
  give every calendar in the process the first definition it saw of a name);
- ``x-wr-timezone`` rewrites Google's ``X-WR-TIMEZONE`` calendars into standard ones
  (floating and UTC times move into that zone, so recurrences keep their wall clock);
- ``recurring-ical-events`` expands ``RRULE`` / ``RDATE`` / ``EXDATE`` and applies the
  ``RECURRENCE-ID`` overrides, keeping wall-clock times across DST changes.

What this module adds on top (the rules that are TrainerDesk's choice):

- ``TRANSP:TRANSPARENT`` and ``STATUS:CANCELLED`` are not busy (checked per
  occurrence, so an override can cancel one instance); no ``TRANSP`` is busy;
  ``STATUS:TENTATIVE`` is busy (the trainer may well go).
- A timed event with neither ``DTEND`` nor ``DURATION`` is zero-length: dropped.
- Each instance lasts what RFC 5545 says (3.8.5.3), which the library does not do
  across DST changes: the exact ``DTEND - DTSTART``, or the ``DURATION`` with whole
  days nominal (same wall clock) and hours/minutes exact. An instance on a DST night
  keeps its length, and one at a skipped wall time (02:30 in the spring gap) is not empty.
- Unrelated events that reuse one ``UID`` (some exporters do) are all read; the
  library alone would keep only one of them.
- All-day dates are turned into instants in the **trainer's** zone,
  [date 00:00, end date 00:00): 23 or 25 hours on DST days. No ``DTEND`` = one day.
- Floating times (and ``TZID`` s that neither the calendar nor the tz database know)
  are read in the calendar's ``X-WR-TIMEZONE`` when it names a known zone, else in the
  trainer's zone.
- ``VFREEBUSY``: every ``FREEBUSY`` period is busy except ``FBTYPE=FREE``. That
  includes ``BUSY-TENTATIVE`` (same reasoning as a tentative event),
  ``BUSY-UNAVAILABLE`` and unknown types (RFC 5545 says to treat those as ``BUSY``).
- Events whose ``UID`` is in ``ignore_uids`` (TrainerDesk's own bookings written
  back) are skipped: the booking already counts.
- An event that cannot be read (a broken date, an end before its start, a rule
  the library rejects) is skipped; only a body that is not a calendar at all raises
  :class:`NotACalendar`.

The result is clipped to ``[start, end)``, sorted by (start, end, uid) and free of
exact duplicates; overlapping events stay separate (each keeps its summary for the
busy-times API). :func:`merge_busy` gives the union as plain intervals.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Optional

import recurring_ical_events
import x_wr_timezone
from dateutil.tz.tz import _tzicalvtz
from icalendar import Calendar, Component
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

log = logging.getLogger(__name__)

__all__ = ["BusyTime", "NotACalendar", "busy_times", "merge_busy", "parse_calendar"]

# The expansion window is widened by this much on both sides before the exact clip
# in UTC, so floating times and all-day dates (read in a zone only afterwards) that
# overlap [start, end) are never lost at its edges. UTC offsets stay within +-14 h.
_MARGIN = timedelta(days=2)


class NotACalendar(ValueError):
    """The body is not iCalendar text at all (an HTML page, JSON, an empty answer...).

    The message is meant for the trainer (the API answers it as a 422 ``validation``).
    """


@dataclass(frozen=True, order=True)
class BusyTime:
    """One busy interval [start, end), both aware and in UTC."""

    start: datetime
    end: datetime
    uid: str = ""
    summary: str = ""


def parse_calendar(ics: bytes | str) -> list[Calendar]:
    """The calendars in ``ics`` (usually one), or :class:`NotACalendar`.

    Lenient about encoding (undecodable bytes are replaced) and a byte order mark;
    strict about the shape: the text must start with ``BEGIN:VCALENDAR``.
    """
    return _parse(ics)


def _parse(ics: bytes | str, window: Optional[tuple[datetime, datetime]] = None) -> list[Calendar]:
    """:func:`parse_calendar`; with a ``window`` (aware UTC, margin included), without the
    events that :func:`_prepare` can tell from their text to be wholly outside it."""
    text = ics.decode("utf-8", errors="replace") if isinstance(ics, bytes) else ics
    text = _prepare(text.lstrip("\ufeff \t\r\n"), window)
    if not text[:15].upper().startswith("BEGIN:VCALENDAR"):
        raise NotACalendar("This address does not return a calendar (an iCalendar .ics file).")
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises ValueError and friends on malformed structure
        raise NotACalendar("This calendar file is damaged and cannot be read.") from exc
    calendars = [c for c in calendars if isinstance(c, Component) and c.name == "VCALENDAR"]
    if not calendars:
        raise NotACalendar("This address does not return a calendar (an iCalendar .ics file).")
    return calendars


# What an event is read by (here and in the two libraries); nothing else in a VEVENT is parsed.
_READ_IN_EVENTS = frozenset(
    {
        *("BEGIN", "END", "UID", "SUMMARY", "TRANSP", "STATUS", "SEQUENCE"),
        *("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID"),
    }
)

# RFC 5545 unfolding, as icalendar does it: a line break followed by a space or a tab is no break.
_FOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_HAS_TZID = re.compile("TZID", re.IGNORECASE)
# A TZID parameter in the part of a content line before its value: quoted or up to ; : ,
_TZID_PARAM = re.compile(r';(TZID)=("[^"]*"|[^";:,]*)', re.IGNORECASE)
_OWN = " ~trainerdesk-"  # joins a calendar's TZID and the digest of its VTIMEZONE; no real zone name has it


def _prepare(text: str, window: Optional[tuple[datetime, datetime]] = None) -> str:
    """``text`` unfolded, with each calendar's own zone names made unique, and without the
    VEVENT properties nobody reads.

    **Zone names.** icalendar keeps one zone per TZID for the whole process: the first
    VTIMEZONE it parses under a name that the tz database does not know (Outlook's "Customized
    Time Zone", a Windows name such as "Eastern Standard Time") is what every later calendar
    gets for that name, even one that defines it differently, so its times come out hours
    off. So each such TZID of a VTIMEZONE block, and every reference to it in that calendar, is
    renamed here to the name plus a digest of the block: the same definition always gets the
    same name (and icalendar's cached zone), a different one its own. Nothing is shared that
    could differ, which also keeps background refreshes in parallel threads apart. A name the
    tz database knows (IANA) is read from it, as icalendar does, block or not. A TZID that the
    calendar does not define and no database knows is renamed too, to one nothing defines, so
    it stays floating whatever another calendar defined under that name.

    **Events outside the window** (when one is given) are dropped too when their text alone
    shows it (:func:`_outside_by_text`): a long history is most of many exports.

    **Unread properties.** Parsing is most of the cost of a large calendar, and icalendar parses
    every property (dates into datetimes, parameters into dicts); a typical export spends more
    than half of its lines on properties the reading rules never look at (descriptions,
    attendees, DTSTAMP, CREATED, alarms...). Outside VEVENTs (the calendar's own properties,
    VTIMEZONE, VFREEBUSY) every line is kept.
    """
    lines = _FOLD.sub("", text).split("\n")
    own, overridden = _scan(lines)
    kept: list[str] = []
    event: Optional[list[str]] = None  # the lines kept of the current VEVENT
    times: dict[str, str] = {}  # its time properties as written (name -> value)
    dropping = False
    sequence: Optional[int] = None  # where the current event's SEQUENCE line is in ``event``
    alarms = 0  # depth of VALARM blocks inside the current event
    calendar = -1  # index of the current VCALENDAR, for its own zone names
    for line in lines:
        if line[:1] in (" ", "\t"):  # a fold icalendar would not undo either (a lone CR...)
            if not dropping:
                (kept if event is None else event).append(line)
            continue
        head, _, rest = _split_line(line)
        name = head.split(";", 1)[0].strip().upper()
        value = rest.strip().upper()
        if name == "BEGIN" and value == "VCALENDAR":
            calendar += 1
        if name == "BEGIN" and value == "VEVENT":
            event, times, sequence = [], {}, None
        elif event is not None and name in ("BEGIN", "END") and value == "VALARM":
            alarms += 1 if name == "BEGIN" else -1
            dropping = True
            continue
        dropping = event is not None and (alarms > 0 or name not in _READ_IN_EVENTS)
        # TRANSP:OPAQUE says what no TRANSP says; one line fewer to parse in most events.
        dropping = dropping or (event is not None and name == "TRANSP" and value == "OPAQUE")
        if dropping:
            continue
        if event is not None and name == "SEQUENCE":
            sequence = len(event)
        if _HAS_TZID.search(line):
            line = _rename_zones(line, name, own.get(calendar, {}))
        if event is None:
            kept.append(line)
            continue
        event.append(line)
        if event is not None and alarms == 0 and name in _TEXT_TIMES:
            times[name] = value if name != "UID" else rest.strip()
        if name == "END" and value == "VEVENT":
            if window is None or not _outside_by_text(times, overridden, window):
                # SEQUENCE only ranks an override against its series (the library reads it for
                # nothing else): not parsed for a UID without overrides.
                uid_overridden = times.get("UID", "") in overridden
                if sequence is not None and not uid_overridden and event[sequence + 1][:1] not in (" ", "\t"):
                    del event[sequence]
                kept.extend(event)
            event, alarms, dropping, sequence = None, 0, False, None
    if event is not None:  # an unterminated event: icalendar decides what it is
        kept.extend(event)
    return "\n".join(kept)


# What _outside_by_text reads of an event's text.
_TEXT_TIMES = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID"})
_TEXT_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?")


def _text_instant(value: Optional[str]) -> Optional[datetime]:
    """A basic-format DATE or DATE-TIME read as if UTC (zones are within the margin), else None."""
    match = _TEXT_TIME.fullmatch(value or "")
    if match is None:
        return None
    try:
        return datetime(*(int(g or 0) for g in match.groups()), tzinfo=timezone.utc)
    except ValueError:  # 20260231: icalendar will call it broken
        return None


def _outside_by_text(times: dict[str, str], overridden: set[str], window: tuple[datetime, datetime]) -> bool:
    """True for an event its text alone shows to be wholly outside ``window``, so it need not
    be parsed: a one-off whose end is before the window or whose start is after it, or a series
    whose ``RRULE`` ended (``UNTIL``) a whole event length before the window. Anything else,
    or anything not written plainly, is kept for icalendar and the library to decide; so is
    every event of a UID that has ``RECURRENCE-ID`` overrides (an override may move an
    instance into the window). The window's margin covers reading every time as UTC."""
    lo, hi = window
    if times.get("UID", "") in overridden or "RECURRENCE-ID" in times or "RDATE" in times or "EXRULE" in times:
        return False
    first = _text_instant(times.get("DTSTART"))
    if first is None:
        return False
    if "DTEND" in times:
        last = _text_instant(times["DTEND"])
        if last is None or last < first:
            return False
        length = last - first
    elif "DURATION" in times:
        length = None  # not read here: only "starts after the window" is certain
    else:
        length = timedelta(days=1)  # at most: a date lasts a day, a date-time nothing
    if first >= hi:
        return True
    if length is None:
        return False
    if "RRULE" in times:
        parts = dict(p.split("=", 1) for p in times["RRULE"].split(";") if "=" in p)
        until = _text_instant(parts.get("UNTIL"))
        return until is not None and until + length < lo
    return "EXDATE" not in times and first + length < lo


def _scan(lines: list[str]) -> tuple[dict[int, dict[str, str]], set[str]]:
    """For each VCALENDAR (by index), its VTIMEZONE TZIDs unknown to the tz database -> unique
    names; and the UIDs that have ``RECURRENCE-ID`` overrides."""
    found: dict[int, dict[str, str]] = {}
    overridden: set[str] = set()
    uid, override = None, False
    calendar, block, tzid = -1, None, None
    for line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VCALENDAR":
            calendar += 1
        elif upper == "BEGIN:VEVENT":
            uid, override = None, False
        elif upper == "END:VEVENT":
            if override and uid is not None:
                overridden.add(uid)
        elif block is None and upper.startswith("UID"):
            name, _, value = _split_line(line)
            if name.strip().upper() == "UID":
                uid = value.strip()
        elif block is None and upper.startswith("RECURRENCE-ID"):
            override = True
        elif upper == "BEGIN:VTIMEZONE":
            block, tzid = [], None
        elif block is not None and upper == "END:VTIMEZONE":
            # icalendar reads the block for any name but an IANA one (a Windows name too)
            if tzid is not None and '"' not in tzid and not _is_iana(tzid):
                digest = hashlib.sha256("\n".join(block).encode()).hexdigest()[:16]
                found.setdefault(calendar, {})[tzid] = f"{tzid}{_OWN}{digest}"
            block = None
        elif block is not None:
            name, _, value = _split_line(line.strip())
            if name.upper() == "TZID":
                tzid = _unescape(value)
            else:
                block.append(line.strip())
    return found, overridden


def _rename_zones(line: str, name: str, own: dict[str, str]) -> str:
    """``line`` with its TZID (the VTIMEZONE's property, or a parameter) renamed as
    :func:`_prepare` says."""
    head, colon, value = _split_line(line)
    if not colon:
        return line
    if name == "TZID":  # the VTIMEZONE's own name; a TEXT value, so escaped
        renamed = own.get(_unescape(value.rstrip("\r")))
        return line if renamed is None else f"{head}:{_escape(renamed)}{chr(13) if value.endswith(chr(13)) else ''}"

    def rename(match: re.Match) -> str:
        tzid = match.group(2).strip('"')
        renamed = own.get(tzid)
        if renamed is None and not _tz_database_knows(tzid) and '"' not in tzid:
            renamed = f"{tzid}{_OWN}undefined"
        return match.group(0) if renamed is None else f';{match.group(1)}="{renamed}"'

    return _TZID_PARAM.sub(rename, head) + colon + value


def _split_line(line: str) -> tuple[str, str, str]:
    """(name and parameters, ":" or "", value): the value starts at the first colon outside quotes."""
    if '"' not in line:
        return line.partition(":")
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:i], ":", line[i + 1 :]
    return line, "", ""


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value.strip())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _is_iana(tzid: str) -> bool:
    return tzid.strip("/") in _iana_names() or tzid in _iana_names()


@functools.cache
def _tz_database_knows(tzid: str) -> bool:
    """Whether icalendar finds ``tzid`` by name, without any VTIMEZONE: an IANA name (also as
    the tail of a "globally unique" ``/vendor/Area/City`` TZID) or a Windows one."""
    cleaned = tzid.strip("/")
    if _is_iana(tzid) or cleaned in WINDOWS_TO_OLSON:
        return True
    parts = cleaned.split("/")
    return tzid.startswith("/") and any("/".join(parts[i:]) in _iana_names() for i in range(1, len(parts)))


@functools.cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def busy_times(
    ics: bytes | str,
    *,
    trainer_zone: tzinfo,
    start: datetime,
    end: datetime,
    ignore_uids: Collection[str] = (),
) -> list[BusyTime]:
    """The busy times of the calendar text ``ics`` that overlap [start, end), clipped to it.

    ``trainer_zone`` reads all-day dates and floating times (when the calendar has no
    usable ``X-WR-TIMEZONE``). ``start`` and ``end`` must be aware (typically now and
    now + maxAdvanceDays). Raises :class:`NotACalendar` for a body that is not a
    calendar; anything wrong inside a calendar only drops the event concerned.
    """
    return _busy_times(ics, trainer_zone, start, end, ignore_uids, fast=True)


def _busy_times(
    ics: bytes | str, trainer_zone: tzinfo, start: datetime, end: datetime, ignore_uids: Collection[str], *, fast: bool
) -> list[BusyTime]:
    """:func:`busy_times`. ``fast=False`` hands every event to the library and parses every
    event (the reference the fast path is tested against); ``fast=True`` drops the events
    outside the window before parsing and reads one-off events directly (:func:`_one_offs`)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    if end <= start:
        return []
    ignored = frozenset(ignore_uids)
    found: set[BusyTime] = set()
    lo, hi = start - _MARGIN, end + _MARGIN
    for calendar in _parse(ics, (lo, hi) if fast else None):
        _index_zone_onsets(calendar)
        calendar.subcomponents = [
            c for c in calendar.subcomponents if c.name != "VEVENT" or (_readable(c) and not _single_outside(c, lo, hi))
        ]
        _separate_reused_uids(calendar)
        floating_zone = _standardise(calendar) or trainer_zone
        one_offs = _one_offs(calendar) if fast else []
        if one_offs:
            chosen = {id(e) for e in one_offs}
            rest = [c for c in calendar.subcomponents if id(c) not in chosen]
            for event in one_offs:
                busy = _one_off_busy(event, floating_zone, trainer_zone, ignored)
                if busy is not None:
                    found.add(busy)
            calendar.subcomponents = rest
        lengths = _lengths(calendar, floating_zone, trainer_zone)
        for busy in _event_busy(calendar, floating_zone, trainer_zone, lo, hi, ignored, lengths, fast):
            found.add(busy)
        for busy in _freebusy(calendar, floating_zone, trainer_zone):
            found.add(busy)
    return sorted({c for b in found if (c := _clip(b, start, end)) is not None})


def merge_busy(busy: Iterable[BusyTime]) -> list[tuple[datetime, datetime]]:
    """The union of the intervals: sorted, non-overlapping, touching ones joined."""
    merged: list[tuple[datetime, datetime]] = []
    for b in sorted(busy):
        if merged and b.start <= merged[-1][1]:
            if b.end > merged[-1][1]:
                merged[-1] = (merged[-1][0], b.end)
        else:
            merged.append((b.start, b.end))
    return merged


# --- the calendar's zone -----------------------------------------------------------------


def _standardise(calendar: Calendar) -> tzinfo | None:
    """Apply ``X-WR-TIMEZONE`` in place (when it names a known zone); that zone, or None.

    An unknown name is dropped, so floating times fall back to the trainer's zone
    rather than failing the calendar. Windows names are accepted too.
    """
    name = calendar.get("X-WR-TIMEZONE")
    if name is None:
        return None
    zone = None
    try:
        zone = tzp.timezone(str(name).strip())
    except Exception:  # a malformed name; treated as absent
        zone = None
    del calendar["X-WR-TIMEZONE"]
    if zone is None:
        return None
    standard = x_wr_timezone.to_standard(calendar, timezone=zone)
    if standard is not calendar:
        calendar.subcomponents = standard.subcomponents
    return zone


class _Onsets:
    """A VTIMEZONE observance's onsets, listed once, so ``before`` is a bisection.

    dateutil answers each ``utcoffset`` of a zone built from a ``VTIMEZONE`` by walking every
    observance's rule from its DTSTART, and Outlook starts them in 1601: about 400 steps per
    call, tens of thousands of calls per calendar (seconds for 2,000 events). The answer is
    the same; instants past the listed onsets are asked of the rule itself.
    """

    LIMIT = 10_000  # onsets listed at most (a sane zone has two a year)
    UNTIL = datetime(2200, 1, 1)  # naive, like the rule's own onsets

    def __init__(self, rule):
        self.rule = rule
        self.onsets: list[datetime] = []
        self.complete = True  # every onset of the rule is listed
        # When not complete: the first onset not listed. Every onset before it is listed.
        self.through: Optional[datetime] = None
        for onset in rule:
            if onset >= self.UNTIL or len(self.onsets) >= self.LIMIT:
                self.complete, self.through = False, onset
                break
            self.onsets.append(onset)

    def __iter__(self) -> Iterator[datetime]:  # still a rule to whoever walks it (or wraps it again)
        return iter(self.rule)

    def before(self, dt: datetime, inc: bool = False) -> Optional[datetime]:
        if not self.complete and self.onsets and dt >= self.onsets[-1]:
            return self.rule.before(dt, inc=inc)
        i = (bisect_right if inc else bisect_left)(self.onsets, dt)
        return self.onsets[i - 1] if i else None


# One fold's lookup in a _ListedZone: the wall times where the observance in force changes
# (aware, in the zone itself), the observance from each of them on, and the range [first, until)
# the lookup answers; wall times outside it are dateutil's to answer.
_Table = tuple[list[datetime], list[object], datetime, datetime]


class _ListedZone(_tzicalvtz):
    """A zone built by dateutil from a ``VTIMEZONE``, with the observance in force at each wall
    time worked out once for the listed onsets (1601-2200 for Outlook's blocks), like zoneinfo's
    transition table: each ``utcoffset`` is then one bisection.

    Even with bisected onsets (:class:`_Onsets`), dateutil's lookup (a lock, a ten-entry cache
    searched linearly, a search per observance) was the largest single cost of reading an Outlook
    calendar, whose times are all in such a zone (about 70,000 calls for 2,000 events).

    The answers are dateutil's, by construction: :func:`_tables` applies dateutil's own rule
    (the observance with the latest onset at or before the wall time; with ``fold=1`` an
    observance that turns clocks back is looked up that much later; a tie goes to the first
    observance), and only where the onset lists are complete. Everything else (before the first
    onset, past the lists, a ``time``), and ``fromutc``, ``is_ambiguous`` and the PEP 495 fold
    handling, are dateutil's own code, which sees the same offsets. Wall times in a spring-forward
    gap get dateutil's answer too (the new offset for both folds, where PEP 495 would pick the old
    one for ``fold=0``): results must not change with the speed-up.
    """

    _listed: tuple[_Table, _Table]  # by fold; set before the instance's class is switched

    def _find_comp(self, dt):
        if not isinstance(dt, datetime):
            return super()._find_comp(dt)
        bounds, comps, first, until = self._listed[dt.fold]
        if dt.tzinfo is not self:  # a naive wall time: made comparable (same zone: no offsets asked)
            dt = dt.replace(tzinfo=self)
        if first <= dt < until:
            return comps[bisect_right(bounds, dt) - 1]
        return super()._find_comp(dt)

    def utcoffset(self, dt):  # dateutil's, without one more call per offset
        if dt is None:
            return None
        return self._find_comp(dt).tzoffsetto

    def __reduce__(self):  # pickled as what it is to everyone else: dateutil's zone (as icalendar does)
        return _tzicalvtz, (self._tzid, self._comps)


def _tables(zone: _tzicalvtz) -> Optional[tuple[_Table, _Table]]:
    """The two lookups (fold 0 and 1) of a :class:`_ListedZone` for ``zone``, whose observances'
    rules are :class:`_Onsets` already; None if a wall time of them is out of datetime's range."""
    comps = zone._comps  # noqa: SLF001 - dateutil keeps them there
    tables = []
    for fold in (0, 1):
        # dateutil looks an observance up at dt - shift: with fold=1, an hour later for one that
        # turns clocks back by an hour, so the second 01:30 of the night finds it in force.
        shifts = [c.tzoffsetdiff if fold and c.tzoffsetdiff < timedelta(0) else timedelta(0) for c in comps]
        try:
            bounds = sorted({onset + shift for c, shift in zip(comps, shifts, strict=True) for onset in c.rrule.onsets})
            until = min(
                (c.rrule.through + shift for c, shift in zip(comps, shifts, strict=True) if not c.rrule.complete),
                default=datetime.max,
            )
        except OverflowError:
            return None
        if not bounds:
            return None
        chosen = []
        for bound in bounds:  # the observance in force from this wall time to the next bound
            best, best_onset = None, None
            for c, shift in zip(comps, shifts, strict=True):
                onsets = c.rrule.onsets
                i = bisect_right(onsets, bound - shift)
                if i and (best_onset is None or best_onset < onsets[i - 1]):  # a tie keeps the first
                    best, best_onset = c, onsets[i - 1]
            chosen.append(best)
        aware = [b.replace(tzinfo=zone) for b in bounds]
        tables.append((aware, chosen, aware[0], until.replace(tzinfo=zone)))
    return tables[0], tables[1]


def _index_zone_onsets(calendar: Calendar) -> None:
    """Give the zones icalendar built from this calendar's VTIMEZONE blocks (with dateutil) a
    listed-onsets lookup and a table of offsets (:class:`_ListedZone`); zones it found by name
    (IANA, Windows) are zoneinfo and fast already."""
    for component in calendar.subcomponents:
        if component.name != "VTIMEZONE":
            continue
        try:
            zone = tzp.timezone(str(component["TZID"]))
        except Exception:  # no or a malformed TZID: nothing refers to it usefully
            continue
        if type(zone) is _tzicalvtz:  # not one of ours yet (nor anything else dateutil-like)
            for observance in zone._comps:  # noqa: SLF001 - dateutil keeps them there
                if not isinstance(observance.rrule, _Onsets):
                    observance.rrule = _Onsets(observance.rrule)
            tables = _tables(zone)
            if tables is not None:
                # The zone object stays the one icalendar cached and the parsed times refer to;
                # only its lookup changes. The tables are set first, so a thread reading the
                # zone meanwhile sees either class complete.
                zone._listed = tables
                zone.__class__ = _ListedZone


# --- events -------------------------------------------------------------------------------


_REUSED = "\x00"  # joins a reused UID and a counter while expanding; never in a real UID


def _separate_reused_uids(calendar: Calendar) -> None:
    """Give each extra event that reuses another's UID (without a RECURRENCE-ID) a UID of
    its own while expanding: the library would otherwise keep only one of them, and
    some exporters do reuse UIDs. Overrides stay with the first event of that UID."""
    seen: dict[str, int] = {}
    for event in calendar.subcomponents:
        if event.name != "VEVENT" or "RECURRENCE-ID" in event:
            continue
        uid = str(event.get("UID", ""))
        count = seen.get(uid, 0)
        seen[uid] = count + 1
        if count:
            event["UID"] = f"{uid}{_REUSED}{count}"


_TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})


def _readable(event: Component) -> bool:
    """False for an event whose times cannot be trusted: a broken time property, no
    DTSTART, an end before its start, or a start and end of different kinds."""
    if any(str(name).upper() in _TIME_PROPERTIES for name, _ in getattr(event, "errors", ())):
        return False
    try:
        return event.end >= event.start
    except Exception:  # no DTSTART, a date against a datetime, floating against zoned...
        return False


def _single_outside(event: Component, lo: datetime, hi: datetime) -> bool:
    """True for a one-off event (no recurrence, not an override) wholly outside [lo, hi].

    Dropping those before the expansion saves most of its work on long histories. Dates
    and floating times are compared as UTC; the margin in [lo, hi] covers their offset.
    """
    if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
        return False
    first, last = _rough_utc(event.start), _rough_utc(event.end)
    return last < lo or first >= hi


def _rough_utc(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class _Length:
    """How long each instance of a timed event lasts (RFC 5545, 3.8.5.3): the exact
    DTEND - DTSTART of the event, or its DURATION with whole days nominal (same wall
    clock) and the rest exact. The library adds the length in wall-clock time, which
    makes an instance on a DST night an hour short or long, or even empty."""

    exact: Optional[timedelta] = None
    days: timedelta = timedelta(0)
    rest: timedelta = timedelta(0)

    def end(self, first: datetime, floating_zone: tzinfo, trainer_zone: tzinfo) -> datetime:
        if self.exact is not None:
            return _instant(first, floating_zone, trainer_zone) + self.exact
        return _instant(first + self.days, floating_zone, trainer_zone) + self.rest


_Key = tuple[str, Optional[datetime]]  # (UID, RECURRENCE-ID as UTC, None for the series itself)


def _lengths(calendar: Calendar, floating_zone: tzinfo, trainer_zone: tzinfo) -> dict[_Key, _Length]:
    found: dict[_Key, _Length] = {}
    twice: set[_Key] = set()  # a UID reused by unrelated events: the library's lengths then
    for event in calendar.subcomponents:
        if event.name != "VEVENT":
            continue
        try:
            rid = event.get("RECURRENCE-ID")
            key = (str(event.get("UID", "")), None if rid is None else _instant(rid.dt, floating_zone, trainer_zone))
            length = _length(event, floating_zone, trainer_zone)
        except Exception:  # the library's own length is used for this one
            continue
        if key in found or key in twice:
            twice.add(key)
            found.pop(key, None)
        elif length is not None:
            found[key] = length
    return found


def _length(event: Component, floating_zone: tzinfo, trainer_zone: tzinfo) -> Optional[_Length]:
    first = event.start
    if not isinstance(first, datetime):
        return None  # all-day: whole dates, the library's end is right
    if "DURATION" in event:
        duration = event["DURATION"].dt
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            return None
        return _Length(days=timedelta(days=duration.days), rest=duration - timedelta(days=duration.days))
    if "DTEND" in event:
        last = _instant(event.end, floating_zone, trainer_zone)
        return _Length(exact=last - _instant(first, floating_zone, trainer_zone))
    return _Length(exact=timedelta(0))


_RECURRENCE = ("RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID")


def _one_offs(calendar: Calendar) -> list[Component]:
    """The VEVENTs that are one instance and nothing else: no recurrence property, and no
    ``RECURRENCE-ID`` override anywhere for their UID. The library would only copy each one
    (its expansion makes a new component per occurrence, the most of its cost for them);
    :func:`_one_off_busy` reads them as they are. Events are already readable here."""
    overridden = {str(c.get("UID", "")) for c in calendar.subcomponents if c.name == "VEVENT" and "RECURRENCE-ID" in c}
    return [
        c
        for c in calendar.subcomponents
        if c.name == "VEVENT" and str(c.get("UID", "")) not in overridden and not any(p in c for p in _RECURRENCE)
    ]


def _one_off_busy(
    event: Component, floating_zone: tzinfo, trainer_zone: tzinfo, ignored: frozenset[str]
) -> BusyTime | None:
    """The busy time of a one-off event, by the same rules as an expanded occurrence."""
    try:
        length = _length(event, floating_zone, trainer_zone)
        lengths = {} if length is None else {(str(event.get("UID", "")), None): length}
        return _occurrence_busy(event, event.start, event.end, floating_zone, trainer_zone, ignored, lengths)
    except Exception:  # one unreadable event never fails the calendar
        log.debug("skipped an unreadable calendar event", exc_info=True)
        return None


def _event_busy(
    calendar: Calendar,
    floating_zone: tzinfo,
    trainer_zone: tzinfo,
    lo: datetime,
    hi: datetime,
    ignored: frozenset[str],
    lengths: dict[_Key, _Length],
    fast: bool = True,
) -> Iterator[BusyTime]:
    for source, first, last in _occurrences(calendar, lo, hi, fast):
        try:
            busy = _occurrence_busy(source, first, last, floating_zone, trainer_zone, ignored, lengths)
        except Exception:  # one unreadable occurrence never fails the calendar
            log.debug("skipped an unreadable calendar event", exc_info=True)
            continue
        if busy is not None:
            yield busy


# An occurrence: the VEVENT it comes from (the series or its override), its start and its end.
_Occurrence = tuple[Component, date, date]


def _occurrences(calendar: Calendar, lo: datetime, hi: datetime, fast: bool = True) -> list[_Occurrence]:
    """Every occurrence of every VEVENT overlapping [lo, hi), expanded by the library.

    ``skip_bad_series`` makes the library drop series it cannot expand. Should the
    expansion still fail, each UID's series is expanded on its own, so one bad event
    costs only itself.
    """
    try:
        return _expand(calendar, lo, hi, fast)
    except Exception:
        log.debug("calendar expansion failed; expanding event by event", exc_info=True)
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    series: dict[str, list[Component]] = {}
    for component in calendar.subcomponents:
        if component.name == "VEVENT":
            series.setdefault(str(component.get("UID", id(component))), []).append(component)
    found: list[_Occurrence] = []
    for components in series.values():
        single = Calendar()
        for key, value in calendar.items():
            single[key] = value
        single.subcomponents = [*timezones, *components]
        try:
            found.extend(_expand(single, lo, hi, fast))
        except Exception:
            log.debug("skipped an unreadable calendar event", exc_info=True)
    return found


def _expand(calendar: Calendar, lo: datetime, hi: datetime, fast: bool) -> list[_Occurrence]:
    """The library's occurrences in [lo, hi). Its public ``between`` makes a copy of the source
    component for each (most of its cost, and all we read of a copy is its source's properties
    and the occurrence's start and end); the fast path takes the occurrences themselves
    (recurring-ical-events is pinned; the property test compares both paths)."""
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    if not fast or not hasattr(query, "_occurrences_between"):
        return [(c, c.start, c.end) for c in query.between(lo, hi)]
    found: list[_Occurrence] = []
    for occurrence in query._occurrences_between(query.to_datetime(lo), query.to_datetime(hi)):  # noqa: SLF001
        source = getattr(getattr(occurrence, "_adapter", None), "_component", None)
        if isinstance(source, Component) and isinstance(occurrence.end, date):
            found.append((source, occurrence.start, occurrence.end))
        else:  # not what this version of the library is known to give: its own copy, then
            copy = occurrence.as_component(False)
            found.append((copy, copy.start, copy.end))
    return found


def _occurrence_busy(
    event: Component,
    first: date,
    last: date,
    floating_zone: tzinfo,
    trainer_zone: tzinfo,
    ignored: frozenset[str],
    lengths: dict[_Key, _Length],
) -> BusyTime | None:
    """The busy time of one occurrence [first, last) of ``event`` (a series, its override or a
    one-off), or None when it is not busy."""
    key_uid = str(event.get("UID", ""))
    uid = key_uid.split(_REUSED, 1)[0]
    if uid and uid in ignored:
        return None
    if str(event.get("TRANSP", "OPAQUE")).strip().upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).strip().upper() == "CANCELLED":
        return None
    busy_start = _instant(first, floating_zone, trainer_zone)
    busy_end = _instant(last, floating_zone, trainer_zone)
    if isinstance(first, datetime):
        rid = event.get("RECURRENCE-ID")  # an override's; a series' occurrence is named by its start
        override = (key_uid, _instant(first if rid is None else rid.dt, floating_zone, trainer_zone))
        length = lengths.get(override) if override in lengths else lengths.get((key_uid, None))
        if length is not None:
            busy_end = length.end(first, floating_zone, trainer_zone)
    if busy_end <= busy_start:  # zero-length (no DTEND nor DURATION) blocks nothing
        return None
    return BusyTime(busy_start, busy_end, uid, str(event.get("SUMMARY", "")))


def _instant(value: date | datetime, floating_zone: tzinfo, trainer_zone: tzinfo) -> datetime:
    """An aware UTC instant: dates at 00:00 in the trainer's zone, floating in ``floating_zone``."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=trainer_zone).astimezone(timezone.utc)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=floating_zone)
    return value.astimezone(timezone.utc)


# --- VFREEBUSY ----------------------------------------------------------------------------


def _freebusy(calendar: Calendar, floating_zone: tzinfo, trainer_zone: tzinfo) -> Iterator[BusyTime]:
    for component in calendar.walk("VFREEBUSY"):
        uid = str(component.get("UID", ""))
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            try:
                if str(period.params.get("FBTYPE", "BUSY")).strip().upper() == "FREE":
                    continue
                first = _instant(period.start, floating_zone, trainer_zone)
                last = _instant(period.end, floating_zone, trainer_zone)
            except Exception:  # an unreadable period is skipped like an unreadable event
                log.debug("skipped an unreadable FREEBUSY period", exc_info=True)
                continue
            if last > first:
                yield BusyTime(first, last, uid, "Busy")


def _clip(busy: BusyTime, start: datetime, end: datetime) -> BusyTime | None:
    first, last = max(busy.start, start), min(busy.end, end)
    if last <= first:
        return None
    return BusyTime(first, last, busy.uid, busy.summary)
