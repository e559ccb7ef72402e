"""FastAPI dependencies: a database session per request, the calling trainer, rate limits."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Iterator, Optional

from fastapi import Depends, Header, Request
from sqlmodel import Session

from ..config import settings
from ..db import session_scope
from ..domain.errors import RateLimited
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
