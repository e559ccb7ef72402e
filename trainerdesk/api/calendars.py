"""Calendars outside TrainerDesk (docs/api.md): connected calendars, their busy times, and the subscribe feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from .. import routes
from ..domain.errors import ValidationFailed
from ..domain.inputs import parse_date
from ..models import utcnow
from ..services import busy, calendars, feeds, trainers
from .deps import SessionDep, TrainerDep
from .schemas import (
    BusyOut,
    CalendarResponse,
    ConnectCalendarBody,
    ConnectionOut,
    FeedOut,
    PatchCalendarBody,
    connection_json,
    errors,
    ok,
    text_response,
)

BUSY_DAYS = 366  # the longest span one request may ask for

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


@router.get(
    "/api/trainers/{trainer_id}/busy",
    summary="Busy times from the trainer's outside calendars",
    responses={**ok(200, list[BusyOut], "Before the buffer, in the trainer's zone."), **errors(401, 403, 404, 422)},
)
def list_busy(
    trainer_id: str,
    session: SessionDep,
    actor: TrainerDep,
    from_: Optional[str] = Query(None, alias="from", description="First trainer-local date (default today)."),
    to: Optional[str] = Query(None, description="Last trainer-local date (default 60 days after `from`)."),
):
    trainer = trainers.managed_trainer(session, actor=actor, trainer_id=trainer_id)
    zone = ZoneInfo(trainer.timezone)
    first = parse_date(from_, field="from") if from_ is not None else utcnow().astimezone(zone).date()
    last = parse_date(to, field="to") if to is not None else first + timedelta(days=60)
    if last < first or (last - first).days >= BUSY_DAYS:
        raise ValidationFailed(f"Ask for 1 to {BUSY_DAYS} days, `from` first.", {"field": "to"})
    rows = busy.busy_between(session, actor=actor, trainer_id=trainer.id, first=first, last=last)
    return [
        {
            "startTime": row.start_at.astimezone(zone).isoformat(),
            "endTime": row.end_at.astimezone(zone).isoformat(),
            "calendarId": row.connection_id,
            "summary": row.summary,
        }
        for row in rows
    ]


@router.post(
    "/api/trainers/{trainer_id}/calendars",
    status_code=201,
    summary="Connect an outside calendar (fetched before the answer)",
    responses={**ok(201, ConnectionOut), **errors(400, 401, 403, 404, 422)},
)
def connect_calendar(trainer_id: str, body: ConnectCalendarBody, session: SessionDep, actor: TrainerDep):
    made = calendars.connect_calendar(
        session,
        actor=actor,
        trainer_id=trainer_id,
        kind=body.kind,
        url=body.url,
        name=body.name,
        username=body.username,
        password=body.password,
    )
    return connection_json(made)


@router.get(
    "/api/trainers/{trainer_id}/calendars",
    summary="The trainer's connected calendars",
    responses={**ok(200, list[ConnectionOut]), **errors(401, 403, 404, 422)},
)
def list_calendars(trainer_id: str, session: SessionDep, actor: TrainerDep):
    return [connection_json(c) for c in calendars.list_connections(session, actor=actor, trainer_id=trainer_id)]


@router.patch(
    "/api/trainers/{trainer_id}/calendars/{connection_id}",
    summary="Rename a connected calendar; choose a CalDAV account's calendars",
    responses={**ok(200, ConnectionOut), **errors(400, 401, 403, 404, 422)},
)
def patch_calendar(
    trainer_id: str, connection_id: str, body: PatchCalendarBody, session: SessionDep, actor: TrainerDep
):
    made = calendars.update_connection(
        session,
        actor=actor,
        trainer_id=trainer_id,
        connection_id=connection_id,
        name=body.name,
        calendars=body.calendars,
    )
    return connection_json(made)


@router.delete(
    "/api/trainers/{trainer_id}/calendars/{connection_id}",
    status_code=204,
    summary="Disconnect a calendar (its busy times stop counting at once)",
    responses={**errors(401, 403, 404, 422)},
)
def delete_calendar(trainer_id: str, connection_id: str, session: SessionDep, actor: TrainerDep):
    calendars.remove_connection(session, actor=actor, trainer_id=trainer_id, connection_id=connection_id)
    return Response(status_code=204)


@router.post(
    "/api/trainers/{trainer_id}/calendars/{connection_id}/sync",
    summary="Fetch a connected calendar now",
    responses={**ok(200, ConnectionOut, "status and lastError say whether it worked."), **errors(401, 403, 404, 422)},
)
def sync_calendar(trainer_id: str, connection_id: str, session: SessionDep, actor: TrainerDep):
    made = calendars.sync_connection(session, actor=actor, trainer_id=trainer_id, connection_id=connection_id)
    return connection_json(made)
