"""Reading a CalDAV account (RFC 4791) through the same safe network layer as :mod:`fetch`.

Plain WebDAV requests over ``httpx`` (no CalDAV library: every request must go through
:func:`fetch.safe_client`, whose connections are checked address by address):

- **Discovery**: ``PROPFIND`` the URL for ``current-user-principal``, the principal for
  ``calendar-home-set``, the home (depth 1) for its collections; a calendar is a collection
  whose ``resourcetype`` says ``calendar`` and that holds events (``VEVENT`` in its
  ``supported-calendar-component-set``, or no such set). A URL that is itself a calendar
  (or a home) works too.
- **Writing** (write-back of bookings): ``PUT`` one event object per booking at an address
  derived from the booking, ``DELETE`` it when the booking is cancelled; 404 on DELETE is
  success (already gone).
- **Events**: one ``calendar-query`` ``REPORT`` per calendar with a ``time-range`` over the
  window, asking for the raw ``calendar-data`` (no server-side expansion: the server only
  picks the objects; :func:`busy.busy_times` reads every rule itself).

Each operation (the discovery; the reading of one calendar) has one 10 s deadline and every
answer is capped at 5 MB, like a fetched ``.ics``. Redirects (at most 5) and the addresses
the server names (a calendar home on another host, as iCloud does) are checked like a typed
URL, and never lead from https down to http (the password would travel in clear). A 401 is
:class:`WrongCredentials`; anything else that fails is a :class:`fetch.FetchError`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional
from urllib.parse import unquote

import httpx

from . import fetch as web

DAV = "{DAV:}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
MAX_REDIRECTS = 5
# A document type declaration in the prolog (where it can only be): WebDAV answers never have one.
_DOCTYPE = re.compile(rb"\s*(<\?.*?\?>\s*)?(<!--.*?-->\s*)*<!DOCTYPE", re.IGNORECASE | re.DOTALL)


class WrongCredentials(web.FetchError):
    """The server refused the username and password."""

    code = "validation"


@dataclass(frozen=True)
class Account:
    url: str
    username: str
    password: str


@dataclass(frozen=True)
class FoundCalendar:
    href: str  # absolute URL of the collection
    name: str


_PROPFIND_PRINCIPAL = (
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:current-user-principal/><c:calendar-home-set/><d:resourcetype/></d:prop></d:propfind>"
)
_PROPFIND_HOME = (
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><c:calendar-home-set/></d:prop></d:propfind>"
)
_PROPFIND_CALENDARS = (
    '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/></d:prop></d:propfind>"
)


def _query(start: datetime, end: datetime) -> str:
    def stamp(t: datetime) -> str:
        return t.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        f'<c:time-range start="{stamp(start)}" end="{stamp(end)}"/>'
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


class _Dav:
    """One operation against one account: a checked client, one deadline."""

    def __init__(self, account: Account, *, allow_private_networks: bool, timeout: float) -> None:
        self.account = account
        self.origin = web.check_url(account.url)
        self.client, self.deadline = web.safe_client(
            timeout=timeout,
            allow_private_networks=allow_private_networks,
            auth=(account.username, account.password),
        )

    def __enter__(self) -> _Dav:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def request(self, method: str, url: str, body: str, depth: str) -> tuple[str, ET.Element]:
        """The multistatus answer of ``method`` on ``url`` (after checked redirects): the final
        URL and the parsed XML."""
        headers = {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"}
        with self.send(method, url, body.encode(), headers) as response:
            return str(response.url), self._answer(response)

    @contextmanager
    def send(self, method: str, url: str, content: bytes, headers: dict[str, str]) -> Iterator[httpx.Response]:
        """The (streamed) answer to ``method`` on ``url``, following at most MAX_REDIRECTS redirects,
        each checked like a typed address; network failures become :class:`fetch.FetchError`."""
        headers = {"User-Agent": web.USER_AGENT, **headers}
        try:
            request = self.client.build_request(method, url, headers=headers, content=content)
            for _ in range(MAX_REDIRECTS + 1):
                response = self.client.send(request, stream=True)
                try:
                    if response.has_redirect_location and response.next_request is not None:
                        nxt = response.next_request
                        self.check_target(str(nxt.url))
                        request = self.client.build_request(method, nxt.url, headers=headers, content=content)
                        continue
                    yield response
                    return
                finally:
                    response.close()
        except web.FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise web.TimedOut("The calendar server took too long to answer.") from exc
        except httpx.HTTPError as exc:
            raise web.Unreachable("The calendar server could not be reached. Check the address and try again.") from exc
        raise web.Unreachable("The CalDAV address redirects too many times.")

    def check_target(self, url: str) -> httpx.URL:
        """A URL the server sent us to (a redirect, a calendar home or calendar on another host, as
        iCloud does): checked like a typed one, and never from https down to http (the password
        would travel in clear). Its connection is checked address by address like any other."""
        target = web.check_url(url)
        if self.origin.scheme == "https" and target.scheme != "https":
            raise web.RefusedUrl("The CalDAV server sends us to an address without https; it cannot be used.")
        return target

    def _answer(self, response: httpx.Response) -> ET.Element:
        if response.status_code == 401:
            raise WrongCredentials(
                "The CalDAV server refused this username and password. Check them (an app password)."
            )
        if response.status_code == 403:
            raise web.Unreachable("The CalDAV server refused access to this address.")
        if response.status_code in (404, 410):
            raise web.Unreachable("The CalDAV server says this address does not exist. Check it.")
        if response.status_code != 207:
            raise web.Unreachable(
                f"This address did not answer as a CalDAV server ({response.status_code}). Check the address."
            )
        body = web.read_capped(response, self.deadline)
        if _DOCTYPE.match(body):
            # WebDAV answers never declare entities; refusing any DTD closes entity tricks for good.
            raise web.Unreachable("The CalDAV server's answer could not be read.")
        try:
            return ET.fromstring(body)
        except ET.ParseError as exc:
            raise web.Unreachable("The CalDAV server's answer could not be read.") from exc

    def absolute(self, base: str, href: str) -> str:
        url = str(httpx.URL(base).join(href.strip()))
        self.check_target(url)
        return url


def _responses(root: ET.Element) -> list[tuple[str, ET.Element]]:
    """(href, merged 200 prop element) of each response of a multistatus."""
    out = []
    for response in root.iter(f"{DAV}response"):
        href = response.findtext(f"{DAV}href") or ""
        prop = ET.Element("prop")
        for propstat in response.iter(f"{DAV}propstat"):
            status = propstat.findtext(f"{DAV}status") or ""
            if " 200 " not in f"{status} ":
                continue
            for found in propstat.iter(f"{DAV}prop"):
                prop.extend(list(found))
        out.append((href.strip(), prop))
    return out


def _href_in(prop: ET.Element, name: str) -> Optional[str]:
    element = prop.find(name)
    if element is None:
        return None
    href = element.findtext(f"{DAV}href")
    return href.strip() if href and href.strip() else None


def _is_calendar(prop: ET.Element) -> bool:
    kinds = prop.find(f"{DAV}resourcetype")
    if kinds is None or kinds.find(f"{CAL}calendar") is None:
        return False
    components = prop.find(f"{CAL}supported-calendar-component-set")
    if components is None or len(components) == 0:
        return True
    return any((c.get("name") or "").upper() == "VEVENT" for c in components.iter(f"{CAL}comp"))


def discover(
    account: Account,
    *,
    allow_private_networks: bool = False,
    timeout: float = web.DEFAULT_TIMEOUT_SECONDS,
) -> list[FoundCalendar]:
    """The account's event calendars, by name (may be empty)."""
    with _Dav(account, allow_private_networks=allow_private_networks, timeout=timeout) as dav:
        at, root = dav.request("PROPFIND", str(dav.origin), _PROPFIND_PRINCIPAL, "0")
        props = [p for _, p in _responses(root)]
        first = props[0] if props else ET.Element("prop")
        home = _href_in(first, f"{CAL}calendar-home-set")
        if home is None and _is_calendar(first):
            return [FoundCalendar(at, first.findtext(f"{DAV}displayname") or _tail(at))]
        if home is None:
            principal = _href_in(first, f"{DAV}current-user-principal")
            if principal is None:
                raise web.Unreachable(
                    "This address is not a CalDAV account. Use your calendar service's CalDAV address."
                )
            at, root = dav.request("PROPFIND", dav.absolute(at, principal), _PROPFIND_HOME, "0")
            props = [p for _, p in _responses(root)]
            home = _href_in(props[0], f"{CAL}calendar-home-set") if props else None
            if home is None:
                raise web.Unreachable("This CalDAV account has no calendars (no calendar home).")
        home_url = dav.absolute(at, home)
        at, root = dav.request("PROPFIND", home_url, _PROPFIND_CALENDARS, "1")
        found = []
        for href, prop in _responses(root):
            if not href or not _is_calendar(prop):
                continue
            url = dav.absolute(at, href)
            name = (prop.findtext(f"{DAV}displayname") or "").strip() or _tail(url)
            found.append(FoundCalendar(url, name[:120]))
        return sorted(found, key=lambda c: (c.name.casefold(), c.href))


def _tail(url: str) -> str:
    return unquote(httpx.URL(url).path.rstrip("/").rsplit("/", 1)[-1]) or "Calendar"


def read_events(
    account: Account,
    href: str,
    *,
    start: datetime,
    end: datetime,
    allow_private_networks: bool = False,
    timeout: float = web.DEFAULT_TIMEOUT_SECONDS,
) -> list[str]:
    """The iCalendar text of every event object of calendar ``href`` touching [start, end)."""
    with _Dav(account, allow_private_networks=allow_private_networks, timeout=timeout) as dav:
        dav.check_target(href)
        _, root = dav.request("REPORT", href, _query(start, end), "1")
        texts = []
        for _, prop in _responses(root):
            data = prop.findtext(f"{CAL}calendar-data")
            if data and data.strip():
                texts.append(data)
        return texts


def event_url(calendar_href: str, booking_id: str) -> str:
    """Where a booking's event lives in a calendar: one fixed address per booking, so writing it
    again replaces it (never a second copy)."""
    return str(httpx.URL(calendar_href.rstrip("/") + "/").join(f"trainerdesk-{booking_id}.ics"))


def _write_failed(response: httpx.Response, doing: str) -> web.FetchError:
    if response.status_code == 401:
        return WrongCredentials("The CalDAV server refused this username and password. Check them (an app password).")
    if response.status_code == 403:
        return web.Unreachable(f"The CalDAV server refused {doing} (403): check that this calendar can be written.")
    if response.status_code in (404, 409, 410):
        return web.Unreachable(f"The calendar to write into no longer exists on the server ({response.status_code}).")
    return web.Unreachable(f"The CalDAV server refused {doing} ({response.status_code}).")


def put_event(
    account: Account,
    calendar_href: str,
    booking_id: str,
    ics: bytes,
    *,
    allow_private_networks: bool = False,
    timeout: float = web.DEFAULT_TIMEOUT_SECONDS,
) -> None:
    """Create or replace the booking's event in calendar ``calendar_href``."""
    _write(
        account,
        "PUT",
        calendar_href,
        booking_id,
        ics,
        (200, 201, 204),
        "the booking's event",
        allow_private_networks=allow_private_networks,
        timeout=timeout,
    )


def delete_event(
    account: Account,
    calendar_href: str,
    booking_id: str,
    *,
    allow_private_networks: bool = False,
    timeout: float = web.DEFAULT_TIMEOUT_SECONDS,
) -> None:
    """Remove the booking's event from calendar ``calendar_href`` (nothing there is fine too)."""
    _write(
        account,
        "DELETE",
        calendar_href,
        booking_id,
        b"",
        (200, 202, 204, 404, 410),
        "removing the booking's event",
        allow_private_networks=allow_private_networks,
        timeout=timeout,
    )


def _write(
    account: Account,
    method: str,
    calendar_href: str,
    booking_id: str,
    body: bytes,
    done: tuple[int, ...],
    doing: str,
    *,
    allow_private_networks: bool,
    timeout: float,
) -> None:
    with _Dav(account, allow_private_networks=allow_private_networks, timeout=timeout) as dav:
        url = event_url(calendar_href, booking_id)
        dav.check_target(url)
        headers = {"Content-Type": "text/calendar; charset=utf-8"} if body else {}
        with dav.send(method, url, body, headers) as response:
            if response.status_code not in done:
                raise _write_failed(response, doing)
