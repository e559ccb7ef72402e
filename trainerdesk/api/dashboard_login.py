"""The dashboard's login cookie: set and cleared over plain HTTP, so it can be HttpOnly.

The log-in form runs over the websocket and ends with a one-time ticket; the page posts it here
and gets the session cookie (HttpOnly, SameSite=Strict, Secure when the public address is https).
Script in the page never sees the session token, and nothing mirrors it into client state.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Request, Response

from .. import routes
from ..config import settings
from ..domain.errors import Forbidden
from ..services import trainers
from .deps import SessionDep

router = APIRouter(include_in_schema=False)


def _same_origin(request: Request) -> None:
    """Refuse cross-site posts (login CSRF): a browser always sends Origin with a fetch POST."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {settings().public_url, f"{request.url.scheme}://{request.headers.get('host', '')}"}
    parts = urlsplit(origin)
    if f"{parts.scheme}://{parts.netloc}" not in allowed:
        raise Forbidden("This request must come from the TrainerDesk page itself.")


def _secure() -> bool:
    return settings().public_url.startswith("https://")


@router.post(routes.SESSION_START, status_code=204)
def start_session(request: Request, session: SessionDep, body: Any = Body(None)) -> Response:
    _same_origin(request)
    ticket: Optional[str] = body.get("ticket") if isinstance(body, dict) else None
    token = trainers.redeem_login_ticket(session, ticket)
    response = Response(status_code=204)
    response.set_cookie(
        routes.SESSION_COOKIE,
        token,
        max_age=trainers.LOGIN_SESSION_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(),
    )
    return response


@router.post(routes.SESSION_END, status_code=204)
def end_session(request: Request, session: SessionDep) -> Response:
    _same_origin(request)
    trainers.end_login_session(session, token=request.cookies.get(routes.SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(routes.SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure())
    return response
