"""A booking as an iCalendar (RFC 5545) event.

The UID never changes for a booking and SEQUENCE grows with every reschedule
or cancellation, so calendar apps update the event they already have instead
of adding a second one.

The files are written line by line here, not with ``icalendar`` (which the app still uses to read
calendars): every booking's email carries one, and ``icalendar``'s component model cost about a
third of building that email. The bytes are the ones ``icalendar`` wrote for the same calendar
(property order, escaping, parameter quoting and folding, checked against it by
tests/unit/test_ics_builder.py), so no calendar app sees a difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

# The domain part of every UID we write; an outside calendar's event with such a UID is one of our
# own bookings read back (services/calendars.py skips it: the booking already counts).
UID_DOMAIN = "trainerdesk.localhost"


@dataclass(frozen=True)
class CalendarEntry:
    booking_id: str
    sequence: int
    status: str  # BookingStatus value
    start: datetime
    end: datetime
    trainer_name: str
    trainer_email: str
    client_name: str
    client_email: str
    notes: str
    manage_links: tuple[tuple[str, str], ...] = ()  # (label, url)
    summary: str = ""  # the event's title; by default the client's view, "Training session with <trainer>"
    domain: str = UID_DOMAIN


_ICS_STATUS = {
    "PENDING": "TENTATIVE",
    "CONFIRMED": "CONFIRMED",
    "CANCELLED": "CANCELLED",
    "COMPLETED": "CONFIRMED",
    "NO_SHOW": "CONFIRMED",
}


def booking_calendar(entry: CalendarEntry, *, stamp: datetime) -> bytes:
    """The .ics bytes for one booking; ``stamp`` is DTSTAMP (when the file was made)."""
    lines = _calendar_head()
    lines.append("METHOD:" + ("CANCEL" if entry.status == "CANCELLED" else "REQUEST"))
    lines += _event_lines(entry, stamp=stamp)
    return _file(lines)


def feed_calendar(entries: Iterable[CalendarEntry], *, name: str, stamp: datetime) -> bytes:
    """A subscribe feed: one event per booking, with the UID of the booking's own .ics, so a calendar
    that has both shows one event. No METHOD: a feed is published, not an invitation."""
    if "\n" in name:  # a line break cannot be written in this value (icalendar refused it too)
        raise ValueError("A calendar name cannot contain a line break.")
    lines = _calendar_head()
    # As written before (icalendar knows X-WR-CALNAME as an unknown property): not TEXT-escaped.
    lines.append(f"X-WR-CALNAME:{name}")
    # How often calendar apps should fetch it again (RFC 7986, and the older Microsoft name).
    lines.append("REFRESH-INTERVAL;VALUE=DURATION:PT15M")
    lines.append("X-PUBLISHED-TTL:PT15M")
    for entry in entries:
        lines += _event_lines(entry, stamp=stamp)
    return _file(lines)


def stored_calendar(entry: CalendarEntry, *, stamp: datetime) -> bytes:
    """The booking as the one event object of a CalDAV resource (RFC 4791 4.1): no METHOD, and no
    ORGANIZER or ATTENDEE, since a server that does implicit scheduling (RFC 6638: Nextcloud,
    iCloud) would otherwise email the client an invitation on every write."""
    lines = _calendar_head()
    lines += _event_lines(entry, stamp=stamp, participants=False)
    return _file(lines)


def booking_uid(booking_id: str, domain: str) -> str:
    """The UID every calendar file of a booking carries (its .ics, the feed, a CalDAV copy)."""
    return f"booking-{booking_id}@{domain}"


def _calendar_head() -> list[str]:
    return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//TrainerDesk//Bookings//EN", "CALSCALE:GREGORIAN"]


def _event_lines(entry: CalendarEntry, *, stamp: datetime, participants: bool = True) -> list[str]:
    """The VEVENT of a booking; its properties in icalendar's order (its canonical ones first, then
    the others alphabetically)."""
    lines = [f"Session with {entry.trainer_name} for {entry.client_name}."]
    if entry.notes:
        lines.append(f"Notes: {entry.notes}")
    lines.extend(f"{label}: {url}" for label, url in entry.manage_links)
    event = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(entry.summary or f"Training session with {entry.trainer_name}"),
        # In UTC ("...Z"): every calendar reads it the same way, no VTIMEZONE needed.
        "DTSTART:" + _utc(entry.start),
        "DTEND:" + _utc(entry.end),
        "DTSTAMP:" + _utc(stamp),
        "UID:" + _text(booking_uid(entry.booking_id, entry.domain)),
        f"SEQUENCE:{int(entry.sequence)}",
    ]
    if participants:
        event.append(f"ATTENDEE;CN={_cn(entry.client_name)};ROLE=REQ-PARTICIPANT:mailto:{entry.client_email}")
    event.append("DESCRIPTION:" + _text("\n".join(lines)))
    if participants:
        event.append(f"ORGANIZER;CN={_cn(entry.trainer_name)}:mailto:{entry.trainer_email}")
    event.append("STATUS:" + _ICS_STATUS.get(entry.status, "TENTATIVE"))
    event.append("END:VEVENT")
    return event


def _file(lines: list[str]) -> bytes:
    lines.append("END:VCALENDAR")
    return ("\r\n".join(map(_fold, lines)) + "\r\n").encode("utf-8")


def _utc(instant: datetime) -> str:
    """A DATE-TIME in UTC form (RFC 5545 3.3.5, form #2), to the second."""
    t = instant.astimezone(timezone.utc)
    return f"{t.year:04}{t.month:02}{t.day:02}T{t.hour:02}{t.minute:02}{t.second:02}Z"


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped. As
    icalendar does, a written ``\\N`` is first taken for a line break, and CR LF, LF or a lone CR
    each become ``\\n``."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


_PARAM_ESCAPES = {"^": "^^", "\r\n": "^n", "\n": "^n", "\r": "^n", '"': "^'"}
_PARAM_ESCAPED = re.compile(r'\^|\r\n|\r|\n|"')
_PARAM_QUOTED = re.compile("[,;:\u2019]")


def _cn(name: str) -> str:
    """A CN parameter value: RFC 6868 escapes (``^^``, ``^n``, ``^'`` for a double quote), in double
    quotes when it holds a comma, semicolon, colon, space or apostrophe (as icalendar quotes it)."""
    escaped = _PARAM_ESCAPED.sub(lambda m: _PARAM_ESCAPES[m.group(0)], name)
    if " " in name or "'" in name or _PARAM_QUOTED.search(escaped):
        return f'"{escaped}"'
    return escaped


def _fold(line: str) -> str:
    """A content line folded (RFC 5545 3.1) as icalendar folds it: a line break and a space before
    the character that would make a line 75 octets long, and never right after a ``\\`` or ``^``
    (the escape moves to the next line with what it escapes)."""
    if len(line) < 75 and (line.isascii() or len(line.encode("utf-8")) < 75):
        return line
    folded: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                folded.append("".join(current))
                current, size = [carried], len(carried.encode("utf-8"))
            else:
                folded.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    if current:
        folded.append("".join(current))
    return "\r\n ".join(folded)
