"""Fetching a calendar URL that a user typed, without letting it reach inside our network.

A URL typed into TrainerDesk is fetched by our server, so it is a server-side request
(SSRF) waiting to happen: ``http://169.254.169.254/...`` (cloud metadata),
``http://localhost:6379``, a router's admin page, or a public name whose DNS answer is
``10.0.0.5``. :func:`fetch_calendar` refuses all of these:

- **Schemes**: ``http`` and ``https`` only. ``webcal://`` / ``webcals://`` (what calendar
  apps hand out for "subscribe") are read as ``https://``: every service that issues
  them serves the same path over HTTPS.
- **Addresses**: the host is resolved and *every* address it resolves to must be public
  (:func:`address_allowed`): no loopback, private (10/8, 172.16/12, 192.168/16,
  fc00::/7), shared (100.64/10), link-local (169.254/16, fe80::/10), multicast,
  reserved, unspecified (0.0.0.0, ::), documentation or benchmarking ranges, and no
  IPv6 address that embeds one of those (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
  ``64:ff9b::/96``, 6to4 ``2002::/16``). With ``allow_private_networks`` (the
  ``CALENDAR_ALLOW_PRIVATE_NETWORKS`` setting, for tests on one machine) private and
  loopback addresses are accepted; link-local, multicast and unspecified never are.
- **DNS rebinding**: the check and the connection use the *same* resolution. The
  check lives in the network layer that opens the TCP connection (an ``httpcore``
  network backend behind a normal ``httpx`` client): it resolves the name once,
  checks every address, and connects to one of those checked IPs, never resolving
  again. HTTP above it is untouched: the ``Host`` header, TLS SNI and certificate
  verification all still use the host name from the URL. A second answer from a
  malicious DNS server therefore has no say; there is no window between check and
  connect. Environment proxies are ignored (``trust_env=False``), as a proxy would
  connect on our behalf to an address we never checked.
- **Redirects** are followed by hand (at most ``max_redirects``, 5): each ``Location``
  is checked for its scheme, and its connection goes through the same checking
  network layer, so every hop is re-checked after its own DNS resolution.
- **Size**: the body is streamed and reading stops past ``max_bytes`` (5 MB) of
  decoded content (so a small gzip bomb does not get through either).
- **Time**: one deadline (10 s) for the whole fetch, redirects included, enforced in
  every socket read and write, so a server that trickles a byte a second cannot hold
  us; the DNS lookup is waited for within the same deadline.
- **Caching**: ``etag`` / ``last_modified`` from the previous fetch go out as
  ``If-None-Match`` / ``If-Modified-Since``; a 304 returns :class:`NotModified`.

Errors are :class:`FetchError` s whose message is written for the trainer and names
no internal detail (no IP address, no exception text; the cause stays chained for the
log). Their ``code`` is the API error code: ``RefusedUrl`` and ``TooLarge`` ->
``validation``, ``Unreachable`` (and ``TimedOut``) -> ``unreachable``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Optional, Union

import httpcore
import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT_SECONDS",
    "FetchError",
    "Fetched",
    "NotModified",
    "RefusedUrl",
    "TimedOut",
    "TooLarge",
    "Unreachable",
    "address_allowed",
    "check_url",
    "fetch_calendar",
    "read_capped",
    "safe_client",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "TrainerDesk calendar reader"

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
Resolver = Callable[[str, int], list[str]]
AddressPolicy = Callable[[IPAddress], bool]


# --- errors -------------------------------------------------------------------------------


class FetchError(Exception):
    """A calendar could not be fetched; ``str(error)`` is meant for the trainer."""

    code = "unreachable"


class RefusedUrl(FetchError):
    """The URL is not one we fetch (scheme, internal address, malformed)."""

    code = "validation"


class TooLarge(FetchError):
    """The answer is larger than the cap."""

    code = "validation"


class Unreachable(FetchError):
    """The server could not be reached or did not answer with the calendar."""

    code = "unreachable"


class TimedOut(Unreachable):
    """The whole fetch took longer than its deadline."""


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """A 2xx answer: the body and the validators to send next time."""

    body: bytes
    etag: Optional[str]
    last_modified: Optional[str]
    url: str  # after redirects


@dataclass(frozen=True)
class NotModified:
    """A 304 answer to a conditional request: the calendar has not changed."""

    etag: Optional[str]
    last_modified: Optional[str]


# --- the checks ---------------------------------------------------------------------------

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NEVER = (
    ipaddress.IPv4Network("169.254.0.0/16"),  # link-local, cloud metadata
    ipaddress.IPv6Network("fe80::/10"),
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> Optional[ipaddress.IPv4Address]:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_allowed(ip: IPAddress | str, *, allow_private_networks: bool = False) -> bool:
    """Whether TrainerDesk may connect to this address to fetch a calendar.

    Public (globally routable unicast) addresses only; with ``allow_private_networks``
    also loopback and private ones. Link-local, multicast and unspecified addresses
    are never allowed. IPv6 addresses embedding an IPv4 address are judged by it too.
    """
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:a.b.c.d reaches a.b.c.d: judged as that IPv4 address, and only as it.
        return address_allowed(ip.ipv4_mapped, allow_private_networks=allow_private_networks)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not address_allowed(embedded, allow_private_networks=allow_private_networks):
            return False
    if (
        ip.is_multicast
        or ip.is_unspecified
        or ip.is_link_local
        or any(ip in net for net in _NEVER if net.version == ip.version)
    ):
        return False
    if allow_private_networks:
        return True
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_reserved or getattr(ip, "is_site_local", False)
    )


def check_url(url: str) -> httpx.URL:
    """The URL to fetch (``webcal`` read as ``https``), or :class:`RefusedUrl`.

    Checks the form only; the address is checked when connecting.
    """
    text = (url or "").strip()
    lowered = text.lower()
    for prefix in ("webcals://", "webcal://"):
        if lowered.startswith(prefix):
            text = "https://" + text[len(prefix) :]
            break
    try:
        parsed = httpx.URL(text)
    except Exception as exc:
        raise RefusedUrl("This is not a valid web address.") from exc
    if parsed.scheme not in ("http", "https"):
        raise RefusedUrl("Only web addresses (http:// or https://) can be used for a calendar.")
    if not parsed.host:
        raise RefusedUrl("This web address has no server name.")
    return parsed


def _system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unreachable("The calendar's server name could not be found. Check the address.") from exc
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


# --- the network layer: check, then connect to what was checked -----------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self, timeout: Optional[float] = None) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimedOut("The calendar server took too long to answer.")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        return self._inner.read(max_bytes, timeout=self._deadline.remaining(timeout))

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self._inner.write(buffer, timeout=self._deadline.remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: Optional[str] = None, timeout: Optional[float] = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, timeout=self._deadline.remaining(timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CheckingBackend(httpcore.NetworkBackend):
    """Resolves once, refuses if any address is not allowed, connects to a checked IP."""

    def __init__(self, *, resolve: Resolver, allowed: AddressPolicy, deadline: _Deadline) -> None:
        self._resolve = resolve
        self._allowed = allowed
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[Iterable[Any]] = None,
    ) -> httpcore.NetworkStream:
        addresses = self._resolve_by_deadline(host, port)
        if not addresses:
            raise Unreachable("The calendar's server name could not be found. Check the address.")
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError as exc:
                raise RefusedUrl("This web address cannot be used for a calendar.") from exc
            if not self._allowed(ip):
                raise RefusedUrl(
                    "This address points to a private or internal network. "
                    "Use the public address your calendar service gives you."
                )
        last: Optional[Exception] = None
        for address in addresses:
            try:
                stream = self._sockets.connect_tcp(
                    address,
                    port,
                    timeout=self._deadline.remaining(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        assert last is not None
        raise last

    def _resolve_by_deadline(self, host: str, port: int) -> list[str]:
        """The resolver's answer, waited for no longer than the deadline (the system
        resolver has no timeout of its own; a late lookup finishes in its thread)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calendar-dns")
        try:
            return pool.submit(self._resolve, host, port).result(timeout=self._deadline.remaining())
        except FutureTimeout as exc:
            raise TimedOut("The calendar server took too long to answer.") from exc
        finally:
            pool.shutdown(wait=False)

    def connect_unix_socket(self, path: str, timeout: Optional[float] = None, socket_options: Any = None) -> Any:
        raise RefusedUrl("This web address cannot be used for a calendar.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _CheckingTransport(httpx.HTTPTransport):
    """httpx's own transport with its connection pool on the checking network layer.

    httpx 0.28 does not take a network backend as an argument, so the pool is replaced
    after construction (``_pool`` is the attribute ``HTTPTransport`` sends through);
    ``tests/unit/test_calendar_fetch.py`` fails if that ever stops being used.
    """

    def __init__(self, backend: _CheckingBackend) -> None:
        super().__init__(trust_env=False, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=4,
            max_keepalive_connections=2,
            network_backend=backend,
        )


# --- the fetch ----------------------------------------------------------------------------


def safe_client(
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    allow_private_networks: bool = False,
    resolver: Optional[Resolver] = None,
    address_policy: Optional[AddressPolicy] = None,
    auth: Optional[tuple[str, str]] = None,
) -> tuple[httpx.Client, _Deadline]:
    """An ``httpx`` client whose every connection goes through the checking network layer, and the
    one deadline (``timeout`` s) that all its requests share. Redirects are not followed: a caller
    follows them by hand, checking each ``Location`` with :func:`check_url` (CalDAV uses it)."""
    deadline = _Deadline(timeout)
    policy = address_policy or (lambda ip: address_allowed(ip, allow_private_networks=allow_private_networks))
    backend = _CheckingBackend(resolve=resolver or _system_resolver, allowed=policy, deadline=deadline)
    client = httpx.Client(
        transport=_CheckingTransport(backend), trust_env=False, follow_redirects=False, timeout=timeout, auth=auth
    )
    return client, deadline


def read_capped(response: httpx.Response, deadline: _Deadline, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A streamed response's body, :class:`TooLarge` past ``max_bytes`` (decoded), by the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(_too_large(max_bytes))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(_too_large(max_bytes))
        chunks.append(chunk)
        deadline.remaining()
    return b"".join(chunks)


def fetch_calendar(
    url: str,
    *,
    etag: Optional[str] = None,
    last_modified: Optional[str] = None,
    allow_private_networks: bool = False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    resolver: Optional[Resolver] = None,
    address_policy: Optional[AddressPolicy] = None,
) -> Fetched | NotModified:
    """GET a calendar URL safely (see the module docstring); blocking, at most ``timeout`` s.

    ``resolver`` (host, port -> IP strings) and ``address_policy`` (IP -> allowed?)
    replace the system resolver and :func:`address_allowed` in tests; callers leave
    them unset and pass ``allow_private_networks`` from the settings.
    """
    target = check_url(url)
    deadline = _Deadline(timeout)
    policy = address_policy or (lambda ip: address_allowed(ip, allow_private_networks=allow_private_networks))
    backend = _CheckingBackend(resolve=resolver or _system_resolver, allowed=policy, deadline=deadline)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with httpx.Client(
            transport=_CheckingTransport(backend), trust_env=False, follow_redirects=False, timeout=timeout
        ) as client:
            request = client.build_request("GET", target, headers=headers)
            for hop in range(max_redirects + 1):
                response = client.send(request, stream=True)
                try:
                    if not response.has_redirect_location or response.next_request is None:
                        return _answer(response, deadline, max_bytes)
                    if hop == max_redirects:
                        raise Unreachable("The calendar address redirects too many times.")
                    request = response.next_request
                    check_url(str(request.url))
                finally:
                    response.close()
    except FetchError:
        raise
    except httpx.TimeoutException as exc:
        raise TimedOut("The calendar server took too long to answer.") from exc
    except httpx.HTTPError as exc:
        raise Unreachable("The calendar server could not be reached. Check the address and try again.") from exc
    raise Unreachable("The calendar address redirects too many times.")  # pragma: no cover


def _answer(response: httpx.Response, deadline: _Deadline, max_bytes: int) -> Fetched | NotModified:
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    if response.status_code == 304:
        return NotModified(etag=etag, last_modified=modified)
    if response.status_code in (401, 403):
        raise Unreachable("The calendar server refused access. Use the calendar's public or secret iCal address.")
    if response.status_code == 404 or response.status_code == 410:
        raise Unreachable("The calendar server says this calendar does not exist (any more). Check the address.")
    if not response.is_success:
        raise Unreachable(f"The calendar server answered with an error ({response.status_code}). Try again later.")
    body = read_capped(response, deadline, max_bytes)
    return Fetched(body=body, etag=etag, last_modified=modified, url=str(response.url))


def _too_large(max_bytes: int) -> str:
    return f"This calendar is larger than {max_bytes // (1024 * 1024) or 1} MB, more than TrainerDesk reads."
