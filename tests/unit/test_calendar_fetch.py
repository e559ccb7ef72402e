"""Safe fetching of calendar URLs, against a real HTTP server on 127.0.0.1 (in a thread).

Loopback is an internal address, so most cases either pass ``allow_private_networks``
(as ``CALENDAR_ALLOW_PRIVATE_NETWORKS=1`` does for tests on this machine) or give a
resolver and an address policy that stand in for public DNS: "calendar.test" is
127.0.0.1 and allowed, "internal.test" is 127.0.0.2 and not. No assertion is about
how long anything took.
"""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from trainerdesk.calendars.busy import busy_times
from trainerdesk.calendars.fetch import (
    Fetched,
    NotModified,
    RefusedUrl,
    TimedOut,
    TooLarge,
    Unreachable,
    address_allowed,
    check_url,
    fetch_calendar,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
ETAG = '"v1"'
MODIFIED = "Wed, 01 Jul 2026 10:00:00 GMT"


class _Handler(BaseHTTPRequestHandler):
    seen_hosts: list[str] = []
    stop = threading.Event()

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen_hosts.append(self.headers.get("Host", ""))
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/cal.ics":
            if self.headers.get("If-None-Match") == ETAG or self.headers.get("If-Modified-Since") == MODIFIED:
                self._send(304, headers={"ETag": ETAG})
            else:
                self._send(200, CALENDAR, {"Content-Type": "text/calendar", "ETag": ETAG, "Last-Modified": MODIFIED})
        elif url.path == "/google.ics":
            body = (FIXTURES / "google.ics").read_bytes()
            self._send(200, body, {"Content-Type": "text/calendar; charset=UTF-8"})
        elif url.path == "/redirect":
            self._send(302, headers={"Location": query.get("to", ["/cal.ics"])[0]})
        elif url.path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif url.path == "/big":  # no Content-Length: the cap must stop the stream itself
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"X" * 65536)
            except OSError:
                pass
            self.close_connection = True
        elif url.path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            self.close_connection = True
        elif url.path == "/bomb":
            self._send(200, gzip.compress(b"\0" * (20 * 1024 * 1024)), {"Content-Encoding": "gzip"})
        elif url.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                while not self.stop.is_set():
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
            self.close_connection = True
        elif url.path == "/silent":
            self.stop.wait(30)
            self.close_connection = True
        else:
            self._send(int(url.path.strip("/")) if url.path.strip("/").isdigit() else 404)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    _Handler.stop.set()
    server.shutdown()
    server.server_close()


def fake_dns(table: dict[str, list[str]], calls: list[str] | None = None):
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        try:
            return [str(ipaddress.ip_address(host))]  # a literal, as getaddrinfo answers it
        except ValueError:
            pass
        if host not in table:
            raise Unreachable("The calendar's server name could not be found. Check the address.")
        return table[host]

    return resolve


DNS = {"calendar.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"]}


def only_first_loopback(ip) -> bool:
    return ip == ipaddress.ip_address("127.0.0.1")


def fetch_public(url: str, **kwargs):
    """As if calendar.test were a public server (the only allowed address is 127.0.0.1)."""
    kwargs.setdefault("resolver", fake_dns(DNS))
    return fetch_calendar(url, address_policy=only_first_loopback, **kwargs)


# --- URLs and addresses, without a network --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/cal.ics",
        "gopher://example.com/",
        "javascript:alert(1)",
        "data:text/calendar,BEGIN:VCALENDAR",
        "mailto:anna@example.com",
        "",
        "not a url",
        "http://",
    ],
)
def test_only_http_and_https_urls_are_accepted(url):
    with pytest.raises(RefusedUrl) as info:
        check_url(url)
    assert info.value.code == "validation"


def test_webcal_links_are_read_as_https():
    assert str(check_url("webcal://p01-caldav.icloud.example/published/2/abc")) == (
        "https://p01-caldav.icloud.example/published/2/abc"
    )
    assert check_url("WEBCALS://cal.example/x.ics").scheme == "https"
    assert check_url("http://cal.example/x.ics").scheme == "http"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "198.18.0.1",
        "fc00::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:a00:1::",
        "not an ip",
    ],
)
def test_internal_addresses_are_refused(address):
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address)


def test_private_networks_setting_allows_loopback_and_private_but_never_link_local_or_unspecified():
    for address in ("127.0.0.1", "::1", "10.1.2.3", "192.168.1.1", "::ffff:127.0.0.1"):
        assert address_allowed(address, allow_private_networks=True)
    for address in ("169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "::ffff:169.254.169.254"):
        assert not address_allowed(address, allow_private_networks=True)


# --- against the local server ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "10.0.0.1", "169.254.169.254", "0.0.0.0", "[::ffff:127.0.0.1]"]
)
def test_internal_hosts_are_refused_before_any_request(host, port):
    with pytest.raises(RefusedUrl) as info:
        fetch_calendar(f"http://{host}:{port}/cal.ics")
    assert info.value.code == "validation"
    assert "127.0.0.1" not in str(info.value) and host not in str(info.value)  # no internal detail


def test_fetch_with_private_networks_allowed(port):
    result = fetch_calendar(f"http://127.0.0.1:{port}/cal.ics", allow_private_networks=True)
    assert isinstance(result, Fetched)
    assert result.body == CALENDAR
    assert result.etag == ETAG
    assert result.last_modified == MODIFIED


def test_etag_and_last_modified_give_not_modified(port):
    url = f"http://127.0.0.1:{port}/cal.ics"
    assert fetch_calendar(url, etag=ETAG, allow_private_networks=True) == NotModified(
        etag=ETAG, last_modified=None
    )  # as the 304 says
    assert isinstance(fetch_calendar(url, last_modified=MODIFIED, allow_private_networks=True), NotModified)
    assert isinstance(fetch_calendar(url, etag='"old"', allow_private_networks=True), Fetched)


def test_the_checked_address_is_the_one_connected_to_and_the_host_name_is_kept(port):
    """DNS rebinding: the name is resolved once per connection, and the HTTP request
    still names the host (Host header; SNI the same way for https)."""
    calls: list[str] = []
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])

    def rebinding_dns(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    _Handler.seen_hosts.clear()
    result = fetch_public(f"http://calendar.test:{port}/cal.ics", resolver=rebinding_dns)
    assert isinstance(result, Fetched)
    assert calls == ["calendar.test"]
    assert _Handler.seen_hosts == [f"calendar.test:{port}"]


def test_a_name_with_any_internal_address_is_refused(port):
    dns = fake_dns({"calendar.test": ["127.0.0.1", "127.0.0.2"]})
    with pytest.raises(RefusedUrl):
        fetch_public(f"http://calendar.test:{port}/cal.ics", resolver=dns)


def test_redirects_are_followed_and_each_hop_rechecked(port):
    calls: list[str] = []
    dns = fake_dns(DNS, calls)
    ok = fetch_public(f"http://calendar.test:{port}/redirect?to=http://calendar.test:{port}/cal.ics", resolver=dns)
    assert isinstance(ok, Fetched) and ok.url.endswith("/cal.ics")

    with pytest.raises(RefusedUrl):
        fetch_public(f"http://calendar.test:{port}/redirect?to=http://internal.test:{port}/cal.ics", resolver=dns)
    assert "internal.test" in calls  # refused after its own resolution, on the redirect hop

    with pytest.raises(RefusedUrl):  # an internal IP literal in the Location
        fetch_public(f"http://calendar.test:{port}/redirect?to=http://10.0.0.1:{port}/cal.ics")


def test_redirect_to_another_scheme_is_refused(port):
    for target in ("file:///etc/passwd", "ftp://calendar.test/cal.ics", "gopher://calendar.test/"):
        with pytest.raises((RefusedUrl, Unreachable)):
            fetch_public(f"http://calendar.test:{port}/redirect?to={target}")


def test_redirect_loop_stops(port):
    with pytest.raises(Unreachable) as info:
        fetch_calendar(f"http://127.0.0.1:{port}/loop", allow_private_networks=True)
    assert "redirect" in str(info.value)


@pytest.mark.parametrize("path", ["/big", "/big-declared", "/bomb"])
def test_size_cap(path, port):
    with pytest.raises(TooLarge) as info:
        fetch_calendar(f"http://127.0.0.1:{port}{path}", allow_private_networks=True)
    assert info.value.code == "validation"


def test_a_smaller_cap_can_be_chosen(port):
    with pytest.raises(TooLarge):
        fetch_calendar(f"http://127.0.0.1:{port}/cal.ics", allow_private_networks=True, max_bytes=10)


@pytest.mark.parametrize("path", ["/trickle", "/silent"])
def test_time_cap_covers_a_server_that_trickles_or_says_nothing(path, port):
    with pytest.raises(TimedOut) as info:
        fetch_calendar(f"http://127.0.0.1:{port}{path}", allow_private_networks=True, timeout=0.5)
    assert info.value.code == "unreachable"


@pytest.mark.parametrize("status", [401, 403, 404, 410, 500, 503])
def test_error_answers_are_unreachable_with_a_plain_message(status, port):
    with pytest.raises(Unreachable) as info:
        fetch_calendar(f"http://127.0.0.1:{port}/{status}", allow_private_networks=True)
    assert info.value.code == "unreachable"
    assert "127.0.0.1" not in str(info.value)


def test_nothing_listening_is_unreachable():
    with pytest.raises(Unreachable) as info:
        fetch_calendar("http://127.0.0.1:9/cal.ics", allow_private_networks=True)
    assert "could not be reached" in str(info.value)


def test_unknown_host_is_unreachable():
    with pytest.raises(Unreachable):
        fetch_calendar("https://no-such-host.invalid/cal.ics")


def test_a_served_calendar_is_fetched_and_read_end_to_end(port):
    fetched = fetch_public(f"http://calendar.test:{port}/google.ics")
    assert isinstance(fetched, Fetched)
    busy = busy_times(
        fetched.body,
        trainer_zone=ZoneInfo("Europe/Berlin"),
        start=datetime(2026, 3, 1, tzinfo=timezone.utc),
        end=datetime(2026, 4, 1, tzinfo=timezone.utc),
    )
    assert busy[0].start == datetime(2026, 3, 5, 9, tzinfo=timezone.utc)


# --- HTTPS: the checked IP is connected to, the name is verified --------------------------


@pytest.fixture(scope="module")
def tls_port(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for calendar.test only."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "calendar.test")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("calendar.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert_file
    server.shutdown()
    server.server_close()


@pytest.fixture
def trust(monkeypatch):
    """Make the fetcher trust one certificate file (instead of the public CAs)."""
    import ssl

    import httpx

    def use(cert_file: Path) -> None:
        monkeypatch.setattr(httpx, "create_ssl_context", lambda **_: ssl.create_default_context(cafile=str(cert_file)))

    return use


def test_https_connects_to_the_checked_ip_and_verifies_the_name(tls_port, trust):
    port, cert_file = tls_port
    trust(cert_file)
    _Handler.seen_hosts.clear()
    result = fetch_public(f"webcal://calendar.test:{port}/cal.ics")  # webcal -> https
    assert isinstance(result, Fetched) and result.body == CALENDAR
    assert result.url == f"https://calendar.test:{port}/cal.ics"
    assert _Handler.seen_hosts == [f"calendar.test:{port}"]


def test_https_certificate_is_still_checked(tls_port, trust):
    port, cert_file = tls_port
    trust(cert_file)
    with pytest.raises(Unreachable):  # the certificate names calendar.test, not 127.0.0.1
        fetch_calendar(f"https://127.0.0.1:{port}/cal.ics", allow_private_networks=True)


def test_a_slow_dns_answer_counts_against_the_deadline():
    release = threading.Event()

    def slow_dns(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["127.0.0.1"]

    try:
        with pytest.raises(TimedOut):
            fetch_public("http://calendar.test/cal.ics", resolver=slow_dns, timeout=0.3)
    finally:
        release.set()
