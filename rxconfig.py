"""Reflex configuration: app name, database, plugins, CORS; Redis comes from REFLEX_REDIS_URL when set."""

import os

import reflex as rx

from trainerdesk.config import settings
from trainerdesk.http import allowed_origins, install_cors_policy

MEMORY = rx.constants.StateManagerMode.MEMORY
# engine.io pings every open page every REFLEX_SOCKET_INTERVAL (Reflex's default 25 s); the pings
# are most of what thousands of idle pages cost. trainerdesk.heartbeat sends them on a shared beat,
# up to 5 s after the interval, so 45 s means a ping every 45-50 s: under the usual 60 s idle timeouts
# of load balancers (README, "Scaling out", sets nginx to 3600 s). Set the variable to change it.
os.environ.setdefault("REFLEX_SOCKET_INTERVAL", "45")

config = rx.Config(
    app_name="trainerdesk",
    db_url=settings().database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="iris", radius="medium")),
    ],
    # The app is served on one port in production; PORT chooses it.
    frontend_port=int(os.environ.get("PORT", "3000")),
    backend_port=int(os.environ.get("PORT", "3000")),
    # Behind a load balancer the pages must call back to its public address, not to this process's port.
    **({"api_url": os.environ["PUBLIC_URL"]} if os.environ.get("PUBLIC_URL") else {}),
    # Only the app's own pages (PUBLIC_URL's origin; loopback aliases of localhost) may use the /_event
    # socket or read responses with credentials. Reflex's default "*" let any site open a socket and
    # read any response with the visitor's cookies. The socket.io server takes this list as is.
    cors_allowed_origins=allowed_origins(settings().public_url),
    # One process without Redis keeps the open pages' Reflex states in memory. Reflex's default (DISK)
    # pickles every changed state to .states/ and walks all of them every 2 s: with thousands of idle
    # open pages that walk was most of the server's idle CPU (docs/performance.md, "Live updates at
    # scale"). A restart loses nothing a page needs: it reconnects and its on_load runs again.
    # REFLEX_REDIS_URL set: Redis, shared by every worker and instance.
    **({} if os.environ.get("REFLEX_REDIS_URL", "").strip() else {"state_manager_mode": MEMORY}),
)

# Reflex's own CORS layer sends Access-Control-Allow-Credentials on every response and answers every
# preflight; trainerdesk.http.CorsPolicy replaces it: the list above with credentials, the embed
# snippet open to any origin without credentials, nothing for anyone else (see its docstring).
install_cors_policy()
