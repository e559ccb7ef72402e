"""ASGI middleware for response headers: the embed page may be framed anywhere, nothing else may."""

from __future__ import annotations

from . import routes


def security_headers(app):
    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        path = scope.get("path", "")
        frameable = path.startswith(routes.FRAMEABLE_PREFIXES)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"x-frame-options", b"content-security-policy")]
                if frameable:
                    headers.append((b"content-security-policy", b"frame-ancestors *"))
                else:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                    headers.append((b"x-frame-options", b"DENY"))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                message = {**message, "headers": headers}
            await send(message)

        return await app(scope, receive, send_with_headers)

    return middleware
