"""ASGI middleware for response headers: who may frame a page, and who may read a response cross-origin.

Framing (:func:`security_headers`): the embed page may be framed anywhere,
nothing else may. The decision is taken on the path as the client sent it
*and* as the server decoded it, and both must be exactly ``/embed/<slug>``
(``routes.FRAMEABLE_PATH``): ``/embed/..%2Fdashboard%2F`` decodes to a path
that the static file server normalises to the dashboard, so anything that
needs decoding or normalising to look like an embed page is not one.

CORS (:class:`CorsPolicy`): Reflex wraps its whole ASGI app (pages, the
``/_event`` socket and the mounted API) in Starlette's ``CORSMiddleware``
with ``allow_credentials=True``, which adds ``Access-Control-Allow-Credentials``
to every response and answers every preflight itself. :func:`install_cors_policy`
(called from ``rxconfig.py``) makes Reflex install :class:`CorsPolicy` in its
place, which grants

- the app's own origin(s) (``rxconfig.cors_allowed_origins``: ``PUBLIC_URL``,
  see :func:`allowed_origins`): the origin reflected, with credentials;
- the embed snippet ``GET /api/embed/calendar/{trainerId}`` (docs/api.md: "served
  with CORS headers"; a trainer's own site fetches it): any origin, as ``*``
  and never with credentials, preflight included;
- every other origin: nothing. No ``Access-Control-Allow-*`` header at all, and
  preflights are refused. The API takes Bearer keys, not cookies, so a
  cross-origin read could not act as the visitor anyway; but docs/api.md grants
  CORS to the embed snippet only (the widget is an iframe of our own origin
  and integrations call the API from servers), and the dashboard's login
  cookie lives on the same origin, so nothing else is opened up.

A configured ``*`` means any origin *without* credentials: an arbitrary
origin is never reflected together with ``Access-Control-Allow-Credentials``.
The socket.io server gets the same list from Reflex's config and refuses the
handshake of any other origin itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse, Response

from . import routes

# Responses any site may read (without credentials): the embed snippet, one trainer id per request.
OPEN_CORS_PATH = re.compile(r"/api/embed/calendar/[A-Za-z0-9_-]+")
ALLOWED_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
PREFLIGHT_MAX_AGE = "600"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _paths(scope) -> tuple[str, str]:
    """The path as decoded by the server and as sent by the client (``raw_path``, without any query)."""
    path = scope.get("path", "")
    raw = scope.get("raw_path")
    sent = raw.decode("latin-1").split("?", 1)[0] if raw else path
    return path, sent


def _plain_path(scope, pattern: re.Pattern) -> bool:
    """Whether the request's path is ``pattern`` both as sent and as decoded (so no encoding or dot tricks)."""
    return all(pattern.fullmatch(p) for p in _paths(scope))


def is_frameable(scope) -> bool:
    return _plain_path(scope, routes.FRAMEABLE_PATH)


FRAMEABLE_HEADERS = ((b"content-security-policy", b"frame-ancestors *"),)
UNFRAMEABLE_HEADERS = ((b"content-security-policy", b"frame-ancestors 'none'"), (b"x-frame-options", b"DENY"))
COMMON_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"))


def response_security_headers(scope) -> list[tuple[bytes, bytes]]:
    """The headers :func:`security_headers` appends to a response of this request."""
    return [*(FRAMEABLE_HEADERS if is_frameable(scope) else UNFRAMEABLE_HEADERS), *COMMON_HEADERS]


def security_headers(app):
    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        added = response_security_headers(scope)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"x-frame-options", b"content-security-policy")
                ]
                message = {**message, "headers": headers + added}
            await send(message)

        return await app(scope, receive, send_with_headers)

    return middleware


# ---------------------------------------------------------------- CORS


def allowed_origins(public_url: str) -> tuple[str, ...]:
    """The origins the app's own pages are served from: ``PUBLIC_URL``'s origin.

    When that host is ``localhost`` (the default, ``http://localhost:$PORT``),
    also ``127.0.0.1`` and ``[::1]`` on the same scheme and port: Reflex's
    pages then open their socket to whatever host they were loaded from
    (``SAME_DOMAIN_HOSTNAMES`` in its ``state.js``), so a page opened as
    ``http://127.0.0.1:3000`` would otherwise be refused its own backend. Only
    a process on this machine can serve a page with a loopback origin, and on
    that port that is this app. Any other name (a LAN address, a proxy's
    address) must be given as ``PUBLIC_URL``, which emails and links need anyway.
    """
    parts = urlsplit(public_url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if (parts.hostname or "").lower() != "localhost":
        return (origin,)
    port = f":{parts.port}" if parts.port else ""
    return tuple(f"{parts.scheme}://{host}{port}".lower() for host in LOOPBACK_HOSTS)


def _without_cors(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")]


def _vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``Vary`` with ``Origin`` exactly once (inner layers and the socket server may each have added it)."""
    tokens: list[str] = []
    for k, v in headers:
        if k.lower() == b"vary":
            tokens += [t.strip() for t in v.decode("latin-1").split(",") if t.strip()]
    seen: dict[str, str] = {}
    for token in [*tokens, "Origin"]:
        seen.setdefault(token.lower(), token)
    return [(k, v) for k, v in headers if k.lower() != b"vary"] + [(b"vary", ", ".join(seen.values()).encode())]


class CorsPolicy:
    """CORS for the whole app (see the module's docstring); idempotent, so Reflex may nest it."""

    def __init__(self, app, allow_origins: Sequence[str] = ()):
        self.app = app
        origins = tuple(allow_origins)
        self.any_origin = "*" in origins
        self.origins = frozenset(o.lower().rstrip("/") for o in origins if o != "*")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin:
            return await self.app(scope, receive, send)
        open_to_all = self.any_origin or _plain_path(scope, OPEN_CORS_PATH)
        own = origin.lower() in self.origins
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            return await self._preflight(own, open_to_all, origin, headers)(scope, receive, send)
        grant = self._grant(own, open_to_all, origin)

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": _vary_origin(_without_cors(message.get("headers", [])) + grant)}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _grant(own: bool, open_to_all: bool, origin: str) -> list[tuple[bytes, bytes]]:
        if own:  # our own pages: the origin itself, with credentials (never for an origin we do not know)
            return [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
            ]
        if open_to_all:  # anyone may read it, but no browser sends or exposes credentials with it
            return [(b"access-control-allow-origin", b"*")]
        return []

    def _preflight(self, own: bool, open_to_all: bool, origin: str, headers: dict) -> Response:
        grant = self._grant(own, open_to_all, origin)
        if not grant:
            return PlainTextResponse("Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"})
        allow = {k.decode(): v.decode("latin-1") for k, v in grant}
        allow["Access-Control-Allow-Methods"] = ALLOWED_METHODS if own else "GET, HEAD, OPTIONS"
        if b"access-control-request-headers" in headers:
            allow["Access-Control-Allow-Headers"] = headers[b"access-control-request-headers"].decode("latin-1")
        allow["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        allow["Vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        return Response(status_code=204, headers=allow)


def install_cors_policy() -> None:
    """Make Reflex put :class:`CorsPolicy` (with ``cors_allowed_origins``) wherever it would put its own CORS.

    Reflex 0.10 adds ``CORSMiddleware(allow_credentials=True, ...)`` in one
    place, ``App._add_cors``, to its own Starlette app, to each Starlette
    ``api_transformer`` and to the outermost app it serves; no setting changes
    the credentials or exempts a path, and the outermost layer sits outside
    any ``api_transformer``. So that one hook is replaced (idempotent).
    """
    from reflex.app import App
    from reflex_base.config import get_config

    if not hasattr(App, "_add_cors"):  # pragma: no cover - a Reflex upgrade moved it: fail loudly, not open
        raise RuntimeError("reflex.app.App._add_cors is gone: re-check trainerdesk/http.py's CORS policy")
    if getattr(App._add_cors, "_trainerdesk", False):
        return

    def add_cors(api) -> None:
        api.add_middleware(CorsPolicy, allow_origins=tuple(get_config().cors_allowed_origins))

    add_cors._trainerdesk = True
    App._add_cors = staticmethod(add_cors)
