"""FastAPI dependencies: a database session per request, the calling trainer, rate limits."""

from __future__ import annotations

import json
import threading
import time
from typing import Annotated, Any, Iterator, Optional

from fastapi import Depends, Header, Request
from pydantic.alias_generators import to_camel
from sqlmodel import Session

from ..config import settings
from ..db import session_scope
from ..domain.preferences import unstorable
from ..domain.errors import RateLimited, ValidationFailed
from ..models import Trainer
from ..services import trainers


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(authorization: Optional[str]) -> Optional[str]:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def current_trainer(session: SessionDep, authorization: Annotated[Optional[str], Header()] = None) -> Trainer:
    return trainers.trainer_for_api_key(session, _bearer(authorization))


def optional_trainer(session: SessionDep, authorization: Annotated[Optional[str], Header()] = None) -> Optional[Trainer]:
    """The trainer when a key is sent (then it must be valid), else None (a client with a token)."""
    key = _bearer(authorization)
    if authorization is None:
        return None
    return trainers.trainer_for_api_key(session, key)


TrainerDep = Annotated[Trainer, Depends(current_trainer)]
OptionalTrainerDep = Annotated[Optional[Trainer], Depends(optional_trainer)]


class RateLimiter:
    """Fixed one-minute windows per client address, per process.

    Per process is a deliberate simplification: behind N processes a client
    gets up to N times the limit, which still stops floods from one address.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, int], int] = {}

    def check(self, address: str, limit: int, *, now: Optional[float] = None) -> None:
        if limit <= 0:
            return
        now = time.time() if now is None else now
        window = int(now // 60)
        with self._lock:
            if len(self._hits) > 10_000:
                self._hits = {k: v for k, v in self._hits.items() if k[1] >= window}
            count = self._hits.get((address, window), 0) + 1
            self._hits[(address, window)] = count
        if count > limit:
            raise RateLimited("Too many requests from your address; please wait a minute and try again.",
                              {"retryAfter": 60 - int(now % 60)})

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


rate_limiter = RateLimiter()


def rate_limited(request: Request) -> None:
    address = request.client.host if request.client else "unknown"
    rate_limiter.check(address, settings().rate_limit_per_minute)


RateLimit = Depends(rate_limited)


# ---------------------------------------------------------------- text the databases cannot store

def _first_unstorable(value: Any, where: str) -> Optional[str]:
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
        found = _first_unstorable(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


async def reject_unstorable_text(request: Request) -> None:
    """422 for a NUL or a lone surrogate in the path, the query or a JSON body (else a 500 from the database driver).

    Installed on the whole API; the error never echoes the text (a surrogate cannot be written out as UTF-8).
    """
    found = next((to_camel(k) for k, v in request.path_params.items() if isinstance(v, str) and unstorable(v)), None)
    found = found or next((k if not unstorable(k) else "query" for k, v in request.query_params.multi_items()
                           if unstorable(k) or unstorable(v)), None)
    if not found:
        raw = await request.body()
        if raw:
            try:
                found = _first_unstorable(json.loads(raw), "")
            except (ValueError, RecursionError):
                return None  # not JSON we can read: FastAPI's own validation answers, or the route takes no body
    if found:
        raise ValidationFailed(f"{found} contains a character that cannot be stored (NUL or invalid Unicode).",
                               {"field": found})
