"""The public JSON API (docs/api.md), a FastAPI app mounted in the Reflex app by ``api_transformer``."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from . import accounts, availability, bookings, calendars, dashboard_login, embed, health, webhooks
from .deps import reject_unstorable_text
from .errors import install_error_handlers


def build_api() -> FastAPI:
    api = FastAPI(
        title="TrainerDesk API",
        version="1.0",
        description="Availability, slots and bookings of personal trainers. See docs/api.md in the repository.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        dependencies=[Depends(reject_unstorable_text)],
    )
    install_error_handlers(api)
    for module in (health, accounts, availability, bookings, calendars, webhooks, embed, dashboard_login):
        api.include_router(module.router)
    return api
