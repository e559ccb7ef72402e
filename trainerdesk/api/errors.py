"""Every error as ``{"error": {"code", "message", "details"}}``: domain errors mapped to HTTP in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from ..domain import errors as e

log = logging.getLogger(__name__)

STATUS = {
    e.ValidationFailed: 422,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PolicyViolation: 422,
    e.InvalidTransition: 422,
    e.RateLimited: 429,
    e.Unreachable: 422,
}


def status_for(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(status: int, code: str, message: str, details=None, headers=None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status, headers=headers
    )


def domain_error_response(exc: e.DomainError) -> JSONResponse:
    """The answer to a refused request: its status, code, sentence and details (and the headers it calls for)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, e.Unauthorized) else None
    if isinstance(exc, e.RateLimited):
        headers = {"Retry-After": str((exc.details or {}).get("retryAfter", 60))}
    return error_response(status_for(exc), exc.code, exc.message, exc.details, headers)


def crash_response(exc: Exception) -> JSONResponse:
    """The answer to a bug: logged with its trace; the client is told nothing was changed."""
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal", "Something went wrong on our side; nothing was changed.")


def _allowed_methods(request: Request) -> list[str]:
    """The methods of every route whose path matches this request's (for a 405's ``Allow``)."""
    methods: set[str] = set()
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # FastAPI wraps an included router (no prefixes here)
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return sorted(methods)


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(e.DomainError)
    async def _domain(_request: Request, exc: e.DomainError):
        return domain_error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            if err.get("type") == "json_invalid":  # its loc ends with a character position, not a field
                loc = []
            problems.append({"field": ".".join(loc) or "body", "problem": err.get("msg", "invalid")})
        first = problems[0] if problems else {"field": "body", "problem": "invalid"}
        message = (
            f"{first['field']}: {first['problem']}"
            if first["field"] != "body"
            else "The request body is not valid JSON of the expected shape."
        )
        return error_response(422, "validation", message, {"field": first["field"], "problems": problems})

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "error"
        )
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        if exc.status_code == 400:  # FastAPI: a body it cannot parse (too deep, a number too long, ...)
            return error_response(400, "validation", "The request body is not valid JSON.", {"field": "body"})
        headers = getattr(exc, "headers", None)
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed:  # RFC 9110: list every method of the path, not only those of its first route
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return error_response(exc.status_code, code, message, headers=headers)

    @api.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception):  # pragma: no cover - a bug, logged with its trace
        return crash_response(exc)
