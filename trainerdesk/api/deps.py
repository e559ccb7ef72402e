"""FastAPI dependencies: a database session per request, the calling trainer, rate limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Optional

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic.alias_generators import to_camel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..db import get_engine
from ..domain.errors import ValidationFailed
from ..domain.preferences import unstorable
from ..models import Trainer
from ..services import throttle, trainers


async def get_session() -> AsyncIterator[Session]:
    """``db.session_scope()`` for one request, without two hops to the thread pool around it.

    Making a session touches no connection, so it is made on the event loop. Closing it is done there
    too when it holds no transaction (a write endpoint has committed); one still open (a read) is
    rolled back in the thread pool, since that may wait on the database.
    """
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(authorization: Optional[str]) -> Optional[str]:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


# The Bearer scheme of the OpenAPI document. auto_error=False: it never answers by itself; the header is read
# below and ``trainers.trainer_for_api_key`` gives the project's own 401.
bearer_scheme = HTTPBearer(auto_error=False, description="The trainer's API key: `Authorization: Bearer <apiKey>`.")
BearerDoc = Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer_scheme)]


def current_trainer(session: SessionDep, request: Request, _scheme: BearerDoc = None) -> Trainer:
    return trainers.trainer_for_api_key(session, _bearer(request.headers.get("authorization")))


def optional_trainer(session: SessionDep, request: Request, _scheme: BearerDoc = None) -> Optional[Trainer]:
    """The trainer when a key is sent (then it must be valid), else None (a client with a token)."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    return trainers.trainer_for_api_key(session, _bearer(authorization))


TrainerDep = Annotated[Trainer, Depends(current_trainer)]
OptionalTrainerDep = Annotated[Optional[Trainer], Depends(optional_trainer)]


def client_address(request: Request) -> str:
    """The caller's address as the rate limits count it."""
    return scope_address(request.scope)


def scope_address(scope: dict) -> str:
    """:func:`client_address` of an ASGI request's scope (``api/fastpath.py`` has no ``Request``)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


async def rate_limited(request: Request) -> None:
    """A public write: counted per address by ``services/throttle`` (shared through Redis when configured).

    Counted on the event loop when the counts are in this process's memory; through Redis in the thread pool.
    """
    if throttle.default().storage_uri is None:
        throttle.check_write(client_address(request))
    else:
        await run_in_threadpool(throttle.check_write, client_address(request))


RateLimit = Depends(rate_limited)


# ---------------------------------------------------------------- text the databases cannot store


def first_unstorable(value: Any, where: str) -> Optional[str]:
    if isinstance(value, str):
        return where if unstorable(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and unstorable(key):
            return where or "body"
        found = first_unstorable(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


async def reject_unstorable_text(request: Request) -> None:
    """422 for a NUL or a lone surrogate in the path, the query or a JSON body (else a 500 from the database driver).

    Installed on the whole API; the error never echoes the text (a surrogate cannot be written out as UTF-8).
    """
    found = next((to_camel(k) for k, v in request.path_params.items() if isinstance(v, str) and unstorable(v)), None)
    found = found or next(
        (
            k if not unstorable(k) else "query"
            for k, v in request.query_params.multi_items()
            if unstorable(k) or unstorable(v)
        ),
        None,
    )
    if not found:
        raw = await request.body()
        if raw:
            try:
                found = first_unstorable(json.loads(raw), "")
            except (ValueError, RecursionError):
                return None  # not JSON we can read: FastAPI's own validation answers, or the route takes no body
    if found:
        raise ValidationFailed(
            f"{found} contains a character that cannot be stored (NUL or invalid Unicode).", {"field": found}
        )
