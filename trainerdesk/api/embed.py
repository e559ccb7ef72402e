"""``GET /api/embed/calendar/{trainerId}``: the snippet a trainer pastes into their own site."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from .. import routes
from ..config import settings
from ..services.trainers import get_trainer
from .deps import SessionDep

router = APIRouter(tags=["embedding"])

SNIPPET = """<!-- TrainerDesk booking widget for {name} -->
<iframe id="trainerdesk-{slug}" src="{src}" title="Book a session with {name}"
        style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>
<script>
  // The widget tells its height and successful bookings through postMessage.
  window.addEventListener("message", function (event) {{
    if (event.origin !== "{origin}" || !event.data || event.data.source !== "trainerdesk") return;
    var frame = document.getElementById("trainerdesk-{slug}");
    if (event.data.type === "resize" && frame) frame.style.height = event.data.height + "px";
  }});
</script>
"""


@router.get("/api/embed/calendar/{trainer_id}", response_class=HTMLResponse)
def embed_snippet(trainer_id: str, session: SessionDep):
    trainer = get_trainer(session, trainer_id)
    origin = settings().public_url
    html = SNIPPET.format(name=escape(trainer.name), slug=escape(trainer.slug),
                          src=escape(routes.embed_url(trainer.slug, origin)), origin=escape(origin))
    return HTMLResponse(html, headers={"Access-Control-Allow-Origin": "*"})
