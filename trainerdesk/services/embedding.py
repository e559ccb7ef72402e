"""The HTML snippet a trainer pastes into their own site: the widget's iframe plus the lines that resize it."""

from __future__ import annotations

from html import escape

from .. import routes

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


def embed_snippet(*, name: str, slug: str, origin: str) -> str:
    return SNIPPET.format(
        name=escape(name), slug=escape(slug), src=escape(routes.embed_url(slug, origin)), origin=escape(origin)
    )
