"""A booking as an iCalendar (RFC 5545) event, built with ``icalendar``.

The UID never changes for a booking and SEQUENCE grows with every reschedule
or cancellation, so calendar apps update the event they already have instead
of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vCalAddress, vText

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
    cal = _calendar()
    cal.add("method", "CANCEL" if entry.status == "CANCELLED" else "REQUEST")
    cal.add_component(booking_event(entry, stamp=stamp))
    return cal.to_ical()


def feed_calendar(entries: Iterable[CalendarEntry], *, name: str, stamp: datetime) -> bytes:
    """A subscribe feed: one event per booking, with the UID of the booking's own .ics, so a calendar
    that has both shows one event. No METHOD: a feed is published, not an invitation."""
    cal = _calendar()
    cal.add("x-wr-calname", name)
    # How often calendar apps should fetch it again (RFC 7986, and the older Microsoft name).
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for entry in entries:
        cal.add_component(booking_event(entry, stamp=stamp))
    return cal.to_ical()


def stored_calendar(entry: CalendarEntry, *, stamp: datetime) -> bytes:
    """The booking as the one event object of a CalDAV resource (RFC 4791 4.1): no METHOD, and no
    ORGANIZER or ATTENDEE, since a server that does implicit scheduling (RFC 6638: Nextcloud,
    iCloud) would otherwise email the client an invitation on every write."""
    cal = _calendar()
    cal.add_component(booking_event(entry, stamp=stamp, participants=False))
    return cal.to_ical()


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//TrainerDesk//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def booking_uid(booking_id: str, domain: str) -> str:
    """The UID every calendar file of a booking carries (its .ics, the feed, a CalDAV copy)."""
    return f"booking-{booking_id}@{domain}"


def booking_event(entry: CalendarEntry, *, stamp: datetime, participants: bool = True) -> Event:
    event = Event()
    event.add("uid", booking_uid(entry.booking_id, entry.domain))
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    # In UTC ("...Z"): every calendar reads it the same way, no VTIMEZONE needed.
    event.add("dtstart", entry.start.astimezone(timezone.utc))
    event.add("dtend", entry.end.astimezone(timezone.utc))
    event.add("summary", entry.summary or f"Training session with {entry.trainer_name}")
    lines = [f"Session with {entry.trainer_name} for {entry.client_name}."]
    if entry.notes:
        lines.append(f"Notes: {entry.notes}")
    lines.extend(f"{label}: {url}" for label, url in entry.manage_links)
    event.add("description", "\n".join(lines))
    event.add("status", _ICS_STATUS.get(entry.status, "TENTATIVE"))
    if not participants:
        return event
    organizer = vCalAddress(f"mailto:{entry.trainer_email}")
    organizer.params["cn"] = vText(entry.trainer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{entry.client_email}")
    attendee.params["cn"] = vText(entry.client_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    return event
