"""``GET /api/embed/calendar/{trainerId}``: the snippet a trainer pastes into their site, with CORS.

Any site may read it, never with credentials: ``Access-Control-Allow-Origin: *`` here, and in the
served app ``trainerdesk.http.CorsPolicy`` (which knows this path as ``OPEN_CORS_PATH``) answers its
preflight the same way and keeps Reflex's ``Access-Control-Allow-Credentials`` off it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ..config import settings
from ..services.embedding import embed_snippet
from ..services.trainers import get_trainer
from .deps import SessionDep
from .schemas import errors

router = APIRouter(tags=["embedding"])


@router.get(
    "/api/embed/calendar/{trainer_id}",
    response_class=HTMLResponse,
    summary="The embed snippet (HTML, CORS)",
    responses={
        200: {"description": "An iframe of /embed/{slug}.", "content": {"text/html": {"schema": {"type": "string"}}}},
        **errors(404, 422, json_route=False),
    },
)
def embed_calendar(trainer_id: str, session: SessionDep):
    trainer = get_trainer(session, trainer_id)
    html = embed_snippet(name=trainer.name, slug=trainer.slug, origin=settings().public_url)
    return HTMLResponse(html, headers={"Access-Control-Allow-Origin": "*"})
