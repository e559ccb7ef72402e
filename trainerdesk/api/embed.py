"""``GET /api/embed/calendar/{trainerId}``: the snippet a trainer pastes into their site, with CORS."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ..config import settings
from ..services.embedding import embed_snippet
from ..services.trainers import get_trainer
from .deps import SessionDep

router = APIRouter(tags=["embedding"])


@router.get("/api/embed/calendar/{trainer_id}", response_class=HTMLResponse)
def embed_calendar(trainer_id: str, session: SessionDep):
    trainer = get_trainer(session, trainer_id)
    html = embed_snippet(name=trainer.name, slug=trainer.slug, origin=settings().public_url)
    return HTMLResponse(html, headers={"Access-Control-Allow-Origin": "*"})
