"""Reflex configuration: app name, database, plugins; Redis comes from REFLEX_REDIS_URL when set."""

import os

import reflex as rx

from trainerdesk.config import settings

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
)
