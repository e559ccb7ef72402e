"""``GET /api/health``: 200 when the database answers."""

from fastapi import APIRouter
from sqlalchemy import text

from .deps import SessionDep
from .errors import error_response
from .schemas import HealthOut, errors, ok

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Is the database answering?", responses={**ok(200, HealthOut), **errors(503)})
def health(session: SessionDep):
    try:
        session.exec(text("SELECT 1")).one()
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return error_response(503, "unavailable", "The database does not answer.")
    return {"status": "ok"}
