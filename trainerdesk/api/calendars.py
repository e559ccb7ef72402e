"""Calendars outside TrainerDesk (docs/api.md): the trainer's subscribe feed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .. import routes
from ..services import feeds
from .deps import SessionDep, TrainerDep
from .schemas import CalendarResponse, FeedOut, errors, ok, text_response

router = APIRouter(tags=["calendars"])


@router.get(
    "/api/trainers/{trainer_id}/feed",
    summary="The trainer's secret subscribe feed address",
    responses={**ok(200, FeedOut), **errors(401, 403, 404, 422)},
)
def get_feed(trainer_id: str, session: SessionDep, actor: TrainerDep):
    return {"url": feeds.feed_url(session, actor=actor, trainer_id=trainer_id)}


@router.post(
    "/api/trainers/{trainer_id}/feed/rotate",
    summary="A new feed address (the old one stops working)",
    responses={**ok(200, FeedOut), **errors(401, 403, 404, 422)},
)
def rotate_feed(trainer_id: str, session: SessionDep, actor: TrainerDep):
    return {"url": feeds.rotate_feed(session, actor=actor, trainer_id=trainer_id)}


@router.get(
    routes.FEED,
    summary="A trainer's bookings as a calendar feed (the address is the key)",
    response_class=CalendarResponse,
    openapi_extra={"security": [{}]},
    responses={
        **text_response("text/calendar", "Every PENDING or CONFIRMED session from 30 days ago on."),
        **errors(404, json_route=False),
    },
)
def feed(token: str, session: SessionDep):
    return Response(
        feeds.feed_ics(session, token=token),
        media_type="text/calendar; charset=utf-8",
        # A feed changes with every booking: calendar apps and proxies must fetch it afresh.
        headers={"Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="trainerdesk.ics"'},
    )
