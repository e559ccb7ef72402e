"""Who may read responses cross-origin, and who may frame a page (trainerdesk/http.py, rxconfig.py).

Two levels: the middlewares called directly with fake ASGI scopes (every
path and header case, fast), and the production server started the way
``make run`` starts it (tests/e2e does the same), because the CORS layer that
matters is the one Reflex wraps around everything (pages, the ``/_event``
socket and the API), which only exists in the app Reflex serves.
"""

from __future__ import annotations

import http.client
import json
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from trainerdesk.http import CorsPolicy, allowed_origins, is_frameable, security_headers

EVIL = "https://evil.example"


# ---------------------------------------------------------------- ASGI level: fakes


def scope(
    path: str, raw: bytes | None = None, *, method: str = "GET", headers: dict | None = None, kind: str = "http"
) -> dict:
    return {
        "type": kind,
        "method": method,
        "path": path,
        "raw_path": raw if raw is not None else path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }


def inner_app(extra_headers=()):
    """An app that answers 200 with the given headers (as Starlette, engineio or a handler might add them)."""

    async def app(scope, receive, send):
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html"), *extra_headers]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def call(app, scope_: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope_, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], [(k.decode().lower(), v.decode()) for k, v in start["headers"]], body


def values(headers, name: str) -> list[str]:
    return [v for k, v in headers if k == name]


def run(coro):
    import asyncio

    return asyncio.run(coro)


# ---------------------------------------------------------------- framing

FRAMEABLE = [("/embed/erin-coach", None), ("/embed/erin-coach/", None), ("/embed/Studio_2", None)]
NOT_FRAMEABLE = [
    ("/embed/../dashboard/", b"/embed/..%2Fdashboard%2F"),  # the static server serves dashboard.html
    ("/embed/../dashboard", b"/embed/%2e%2e/dashboard"),
    ("/embed/../dashboard", b"/embed/%2E%2E%2Fdashboard"),
    ("/embed/../dashboard", None),
    ("/embed//dashboard", None),
    ("/embed/..\\dashboard", b"/embed/..%5Cdashboard"),
    ("/embed/..\\dashboard", None),
    ("/embed/%2e%2e/dashboard", b"/embed/%252e%252e/dashboard"),
    ("/embed/x/../../dashboard", None),
    ("/embed/erin-coach", b"/embed/erin%2Dcoach"),  # anything encoded is not the plain page
    ("/embed/erin-coach/x", None),
    ("/embed/.", None),
    ("/embed/..", None),
    ("/embed/", None),
    ("/embed", None),
    ("/embedx/erin", None),
    ("/EMBED/erin", None),
    ("/dashboard", None),
    ("/login", None),
    ("/book/erin", None),
    ("/api/embed/calendar/abc", None),
    ("/", None),
]


@pytest.mark.parametrize("path, raw", FRAMEABLE)
def test_the_embed_page_may_be_framed_anywhere(path, raw):
    status, headers, _ = run(call(security_headers(inner_app()), scope(path, raw)))
    assert values(headers, "content-security-policy") == ["frame-ancestors *"]
    assert values(headers, "x-frame-options") == []


@pytest.mark.parametrize("path, raw", NOT_FRAMEABLE)
def test_nothing_else_may_be_framed_even_if_it_normalises_to_an_embed_page(path, raw):
    inner = inner_app([(b"x-frame-options", b"ALLOWALL"), (b"content-security-policy", b"frame-ancestors *")])
    status, headers, _ = run(call(security_headers(inner), scope(path, raw)))
    assert values(headers, "content-security-policy") == ["frame-ancestors 'none'"]
    assert values(headers, "x-frame-options") == ["DENY"]
    assert values(headers, "x-content-type-options") == ["nosniff"]


def test_without_raw_path_the_decoded_path_decides():
    assert is_frameable({"type": "http", "path": "/embed/erin"})
    assert not is_frameable({"type": "http", "path": "/embed/../dashboard"})
    assert is_frameable({"type": "http", "path": "/embed/erin", "raw_path": b"/embed/erin?x=1"})


# ---------------------------------------------------------------- CORS policy

OWN = "http://localhost:3000"
REFLECTED_WITH_CREDENTIALS = [
    (b"access-control-allow-origin", EVIL.encode()),
    (b"Access-Control-Allow-Credentials", b"true"),  # engineio's casing
    (b"vary", b"Origin"),
    (b"vary", b"Origin"),
]


def policy(inner=None, origins=(OWN,)):
    return CorsPolicy(inner or inner_app(REFLECTED_WITH_CREDENTIALS), allow_origins=origins)


def cors(headers) -> dict:
    return {k: v for k, v in headers if k.startswith("access-control-")}


def test_a_foreign_origin_gets_no_cors_grant_whatever_inner_layers_said():
    status, headers, _ = run(call(policy(), scope("/api/trainers/t1/preferences", headers={"Origin": EVIL})))
    assert status == 200
    assert cors(headers) == {}
    assert values(headers, "vary") == ["Origin"]


def test_the_apps_own_origin_is_reflected_with_credentials():
    _, headers, _ = run(call(policy(), scope("/api/trainers/t1/preferences", headers={"Origin": OWN})))
    assert cors(headers) == {"access-control-allow-origin": OWN, "access-control-allow-credentials": "true"}
    assert len(values(headers, "access-control-allow-origin")) == 1


def test_the_embed_snippet_is_open_to_any_origin_without_credentials():
    inner = inner_app([(b"access-control-allow-origin", b"*"), (b"access-control-allow-credentials", b"true")])
    _, headers, _ = run(call(policy(inner), scope("/api/embed/calendar/abc123", headers={"Origin": EVIL})))
    assert cors(headers) == {"access-control-allow-origin": "*"}


@pytest.mark.parametrize(
    "path, raw",
    [
        ("/api/embed/calendar/abc/../../trainers/t1/preferences", b"/api/embed/calendar/abc%2F..%2F..%2Ftrainers"),
        ("/api/embed/calendar/../../trainers/t1", None),
        ("/api/embed/calendar/", None),
        ("/api/embed/calendar/abc", b"/api/embed/calendar/%61bc"),
        ("/api/embed/calendar/abc/x", None),
    ],
)
def test_only_the_plain_embed_snippet_path_is_open(path, raw):
    _, headers, _ = run(call(policy(), scope(path, raw, headers={"Origin": EVIL})))
    assert cors(headers) == {}


def test_the_embed_snippets_preflight_is_answered_for_any_origin_without_credentials():
    request = scope(
        "/api/embed/calendar/abc123",
        method="OPTIONS",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-requested-with",
        },
    )
    status, headers, _ = run(call(policy(), request))
    assert status == 204
    assert cors(headers)["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in cors(headers)
    assert "GET" in cors(headers)["access-control-allow-methods"]
    assert cors(headers)["access-control-allow-headers"] == "x-requested-with"


def test_a_foreign_preflight_is_refused_and_never_reaches_the_app():
    reached = []

    async def app(scope, receive, send):  # pragma: no cover - must not run
        reached.append(scope)

    request = scope(
        "/api/bookings",
        method="OPTIONS",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    status, headers, _ = run(call(CorsPolicy(app, allow_origins=(OWN,)), request))
    assert status == 400 and cors(headers) == {} and not reached


def test_the_own_origins_preflight_is_granted_with_credentials():
    request = scope(
        "/api/bookings",
        method="OPTIONS",
        headers={
            "Origin": OWN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    status, headers, _ = run(call(policy(), request))
    assert status == 204
    assert cors(headers)["access-control-allow-origin"] == OWN
    assert cors(headers)["access-control-allow-credentials"] == "true"
    assert cors(headers)["access-control-allow-headers"] == "authorization"


def test_a_configured_star_never_comes_with_credentials():
    _, headers, _ = run(call(policy(origins=("*",)), scope("/api/health", headers={"Origin": EVIL})))
    assert cors(headers) == {"access-control-allow-origin": "*"}


def test_requests_without_origin_and_websockets_pass_untouched():
    inner = inner_app([(b"access-control-allow-origin", b"*")])
    _, headers, _ = run(call(policy(inner), scope("/api/embed/calendar/abc")))
    assert cors(headers) == {"access-control-allow-origin": "*"}
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    run(
        CorsPolicy(app, allow_origins=(OWN,))(scope("/_event/", kind="websocket", headers={"Origin": EVIL}), None, None)
    )
    assert seen == ["websocket"]


def test_nested_policies_give_the_same_answer():
    nested = policy(policy(policy()))
    _, headers, _ = run(call(nested, scope("/api/health", headers={"Origin": EVIL})))
    assert cors(headers) == {} and values(headers, "vary") == ["Origin"]
    _, headers, _ = run(call(nested, scope("/api/embed/calendar/a", headers={"Origin": EVIL})))
    assert cors(headers) == {"access-control-allow-origin": "*"}


def test_the_open_path_is_the_embed_snippets_route():
    from trainerdesk.api import embed
    from trainerdesk.http import OPEN_CORS_PATH
    from trainerdesk.models import new_id

    paths = [route.path for route in embed.router.routes]
    assert paths == ["/api/embed/calendar/{trainer_id}"]
    assert OPEN_CORS_PATH.fullmatch(paths[0].replace("{trainer_id}", new_id()))


def test_allowed_origins_are_the_public_origin_and_loopback_aliases_of_localhost():
    assert allowed_origins("https://Book.Example-Studio.com") == ("https://book.example-studio.com",)
    assert allowed_origins("https://book.example-studio.com:8443/") == ("https://book.example-studio.com:8443",)
    assert allowed_origins("http://localhost:3000") == (
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    )


# ---------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The production server (as ``make run`` serves it) on a throw-away SQLite database, and a trainer on it."""
    from tests.api.helpers import PASSWORD
    from tests.live import running_server

    with running_server(tmp_path_factory, "cors") as (live, _db_url):
        yield from _with_trainer(live, PASSWORD)


def _with_trainer(live, password):
    made = httpx.post(
        f"{live.base}/api/auth/signup",
        json={"email": "cors@example.com", "password": password, "name": "Cora Coach", "timezone": "UTC"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    yield {"base": live.base, "port": live.port, **made.json()}


def raw_request(server, method: str, path: str, headers: dict) -> tuple[int, dict, bytes, list]:
    """A request with the path sent byte for byte (no client-side normalising of dots or escapes)."""
    conn = http.client.HTTPConnection("localhost", server["port"], timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        pairs = [(k.lower(), v) for k, v in response.getheaders()]
        return response.status, dict(pairs), response.read(), pairs
    finally:
        conn.close()


def test_live_a_foreign_origin_cannot_read_the_api(server):
    for headers in (
        {"Origin": EVIL},
        {"Origin": EVIL, "Authorization": f"Bearer {server['apiKey']}"},
        {"Origin": EVIL, "Cookie": "td_session=x"},
    ):
        for path in (f"/api/trainers/{server['trainerId']}/preferences", "/api/health", "/dashboard", "/"):
            status, _, _, pairs = raw_request(server, "GET", path, headers)
            assert not [k for k, _ in pairs if k.startswith("access-control-")], (path, pairs)


def test_live_a_foreign_preflight_is_refused(server):
    status, headers, _, pairs = raw_request(
        server,
        "OPTIONS",
        "/api/bookings",
        {"Origin": EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert status == 400
    assert not [k for k, _ in pairs if k.startswith("access-control-")]


def test_live_the_apps_own_origin_is_granted(server):
    status, headers, _, _ = raw_request(
        server,
        "GET",
        f"/api/trainers/{server['trainerId']}/preferences",
        {"Origin": server["base"], "Authorization": f"Bearer {server['apiKey']}"},
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == server["base"]
    assert headers["access-control-allow-credentials"] == "true"


def test_live_the_socket_refuses_a_foreign_origin(server):
    status, _, body, pairs = raw_request(server, "GET", "/_event/?EIO=4&transport=polling", {"Origin": EVIL})
    assert status == 400 and b"not an accepted origin" in body.lower()
    assert not [k for k, _ in pairs if k.startswith("access-control-")]
    assert websocket_handshake(server, EVIL).split()[1] != "101"
    # The app's own pages still get their socket (polling is refused to everyone: Reflex uses websockets only).
    _, _, body, _ = raw_request(server, "GET", "/_event/?EIO=4&transport=polling", {"Origin": server["base"]})
    assert b"not an accepted origin" not in body.lower()
    assert websocket_handshake(server, server["base"]).split()[1] == "101"


def websocket_handshake(server, origin: str) -> str:
    """The status line the server answers a socket.io websocket upgrade from ``origin`` with."""
    with socket.create_connection(("localhost", server["port"]), timeout=30) as conn:
        conn.sendall(
            (
                f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost:{server['port']}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n\r\n"
            ).encode()
        )
        return conn.recv(4096).split(b"\r\n", 1)[0].decode()


def test_live_the_embed_snippet_is_open_to_any_origin_without_credentials(server):
    path = f"/api/embed/calendar/{server['trainerId']}"
    status, headers, body, _ = raw_request(server, "GET", path, {"Origin": EVIL, "Cookie": "td_session=x"})
    assert status == 200 and b"<iframe" in body
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers
    status, headers, _, _ = raw_request(
        server,
        "OPTIONS",
        path,
        {"Origin": EVIL, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-requested-with"},
    )
    assert 200 <= status < 300
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers


def test_live_only_the_real_embed_page_may_be_framed(server):
    def frame_rule(path):
        status, headers, body, _ = raw_request(server, "GET", path, {})
        return status, headers.get("content-security-policy"), headers.get("x-frame-options")

    assert frame_rule(f"/embed/{server['slug']}")[1:] == ("frame-ancestors *", None)
    for path in (
        "/embed/..%2Fdashboard%2F",
        "/embed/..%2Flogin%2F",
        "/embed//dashboard",
        "/embed/..%5Cdashboard",
        "/embed/%2e%2e/dashboard",
        "/embed/../dashboard",
        "/dashboard/",
        "/login/",
    ):
        status, policy_, deny = frame_rule(path)
        assert (policy_, deny) == ("frame-ancestors 'none'", "DENY"), (path, status, policy_, deny)


def test_live_a_warm_slot_answer_has_the_full_stacks_bytes_and_headers(server):
    """The second identical query is answered by ``api/fastpath.py`` in front of Reflex's stack: same
    status, headers (security headers included) and body as the full stack's first answer."""
    headers = {"Authorization": f"Bearer {server['apiKey']}", "Content-Type": "application/json"}
    week = [{"dayOfWeek": d, "startTime": "09:00", "endTime": "12:00"} for d in range(7)]
    base, trainer = server["base"], server["trainerId"]
    assert httpx.put(f"{base}/api/trainers/{trainer}/availability", json={"blocks": week}, headers=headers).is_success
    day = (datetime.now(timezone.utc).date() + timedelta(days=3)).isoformat()
    path = f"/api/bookings/availability?trainerId={trainer}&date={day}&duration=60"
    answers = [raw_request(server, "GET", path, {}) for _ in range(3)]
    for status, _, body, pairs in answers:
        assert status == 200 and len(json.loads(body)) == 3
        assert [p for p in pairs if p[0] != "date"] == [p for p in answers[0][3] if p[0] != "date"]
        assert body == answers[0][2]
    assert dict(answers[0][3])["x-frame-options"] == "DENY"
