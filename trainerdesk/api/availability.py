"""Weekly hours, date overrides and the public slot queries."""

from __future__ import annotations

from datetime import date
from typing import Optional

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from ..domain import inputs
from ..domain.errors import ValidationFailed
from ..domain.preferences import parse_zone
from ..models import utcnow
from ..services import availability as svc
from ..services.trainers import managed_trainer
from . import fastpath
from .deps import SessionDep, TrainerDep
from .schemas import (
    BLOCK_LINKS,
    BlockBody,
    BlockOut,
    OverrideBody,
    OverrideOut,
    SlotOut,
    WeekBody,
    block_json,
    errors,
    iso,
    ok,
    override_json,
)

router = APIRouter(tags=["availability"])


def parse_date(value: Optional[str], *, field: str) -> date:
    """``YYYY-MM-DD`` within ``inputs.SUPPORTED_DATES`` (422 naming ``field`` otherwise)."""
    return inputs.parse_date(value, field=field)


def parse_duration(value: Optional[str]) -> Optional[int]:
    if value in (None, ""):
        return None
    return inputs.parse_whole_number(
        value, field="duration", low=1, high=1440, message="duration must be a whole number of minutes, such as 60."
    )


# ---------------------------------------------------------------- weekly hours


@router.get(
    "/api/trainers/{trainer_id}/availability",
    summary="Weekly hours",
    responses={**ok(200, list[BlockOut]), **errors(401, 403, 404, 422)},
)
def get_week(trainer_id: str, session: SessionDep, actor: TrainerDep):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    return [block_json(r) for r in svc.list_weekly(session, trainer.id)]


@router.post(
    "/api/trainers/{trainer_id}/availability",
    status_code=201,
    summary="Add a weekly block",
    responses={**ok(201, BlockOut, "The new block.", BLOCK_LINKS), **errors(400, 401, 403, 404, 409, 422)},
)
def add_block(trainer_id: str, body: BlockBody, session: SessionDep, actor: TrainerDep):
    block = svc.parse_weekly_block(body.day_of_week, body.start_time, body.end_time)
    return block_json(svc.add_weekly_block(session, actor=actor, trainer_id=trainer_id, block=block))


@router.put(
    "/api/trainers/{trainer_id}/availability",
    summary="Replace the whole week atomically",
    responses={**ok(200, list[BlockOut]), **errors(400, 401, 403, 404, 409, 422)},
)
def replace_week(trainer_id: str, body: WeekBody, session: SessionDep, actor: TrainerDep):
    blocks = [svc.parse_weekly_block(b.day_of_week, b.start_time, b.end_time) for b in body.blocks]
    return [block_json(r) for r in svc.replace_week(session, actor=actor, trainer_id=trainer_id, blocks=blocks)]


@router.delete(
    "/api/trainers/{trainer_id}/availability/{block_id}",
    status_code=204,
    summary="Delete a weekly block",
    responses={204: {"description": "Deleted."}, **errors(401, 403, 404, 422)},
)
def delete_block(trainer_id: str, block_id: str, session: SessionDep, actor: TrainerDep):
    svc.delete_weekly_block(session, actor=actor, trainer_id=trainer_id, block_id=block_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- date overrides


@router.get(
    "/api/trainers/{trainer_id}/overrides",
    summary="Date overrides",
    responses={**ok(200, list[OverrideOut]), **errors(401, 403, 404, 422)},
)
def get_overrides(
    trainer_id: str,
    session: SessionDep,
    actor: TrainerDep,
    from_: Optional[str] = Query(None, alias="from", description="First date, YYYY-MM-DD."),
    to: Optional[str] = Query(None, description="Last date, YYYY-MM-DD."),
):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    first = parse_date(from_, field="from") if from_ else None
    last = parse_date(to, field="to") if to else None
    return [override_json(r) for r in svc.list_overrides(session, trainer.id, first, last)]


@router.put(
    "/api/trainers/{trainer_id}/overrides/{day}",
    summary="Set the hours of one date ([] blocks it)",
    responses={**ok(200, OverrideOut), **errors(400, 401, 403, 404, 409, 422)},
)
def put_override(trainer_id: str, day: str, body: OverrideBody, session: SessionDep, actor: TrainerDep):
    parsed = parse_date(day, field="date")
    blocks = [svc.parse_hours_block(b.start_time, b.end_time) for b in body.blocks]
    return override_json(svc.set_override(session, actor=actor, trainer_id=trainer_id, day=parsed, blocks=blocks))


@router.delete(
    "/api/trainers/{trainer_id}/overrides/{day}",
    status_code=204,
    summary="Remove a date override",
    responses={204: {"description": "Deleted: weekly hours again."}, **errors(401, 403, 404, 422)},
)
def delete_override(trainer_id: str, day: str, session: SessionDep, actor: TrainerDep):
    svc.delete_override(session, actor=actor, trainer_id=trainer_id, day=parse_date(day, field="date"))
    return Response(status_code=204)


# ---------------------------------------------------------------- slots (public)


def _who(trainer_id: Optional[str], team_id: Optional[str]) -> None:
    if not trainer_id and not team_id:
        raise ValidationFailed("Give trainerId (or teamId for a team).", {"field": "trainerId"})


# Query parameters are strings that the services parse (their 422 names the parameter); documented here.
TRAINER_ID = Query(None, description="The trainer (or teamId).")
TEAM_ID = Query(None, description="A primary trainer's id: the union of the team's slots, with trainerIds.")
DURATION = Query(
    None, description="Minutes (one of the trainer's session durations); all durations when absent.", examples=["60"]
)
CLIENT_ZONE = Query(
    None, description="IANA zone the times are given in (default: the trainer's).", examples=["America/New_York"]
)


def _question(first, *, trainerId, teamId, duration, clientTimezone):  # noqa: N803
    """The steps both public reads share, in the order their errors are reported: who, ``first()`` (the
    date or the month), the duration, the zone. Returns ``first()``'s value and the service's arguments."""
    _who(trainerId, teamId)
    when = first()
    wanted = parse_duration(duration)
    zone = parse_zone(clientTimezone, field_name="clientTimezone") if clientTimezone else None
    asked = {"trainer_id": trainerId, "team_id": teamId, "client_tz": zone, "duration": wanted}
    return when, {**asked, "now": utcnow(), "horizon": svc.Horizon()}


def slots_answer(
    session,
    *,
    date: Optional[str] = None,
    trainerId: Optional[str] = None,  # noqa: N803
    teamId: Optional[str] = None,  # noqa: N803
    duration: Optional[str] = None,
    clientTimezone: Optional[str] = None,  # noqa: N803
) -> tuple[list, svc.Horizon]:
    """The slot query's 200 body (query parameters as sent) and its horizon; a domain error otherwise.

    One place for the endpoint below and for ``fastpath``, which calls it without the ASGI stack.
    """
    day, asked = _question(
        lambda: parse_date(date, field="date"),
        trainerId=trainerId,
        teamId=teamId,
        duration=duration,
        clientTimezone=clientTimezone,
    )
    used, per_duration = svc.slots_for_date(session, day=day, **asked)
    ordered = sorted((s.start, d, s) for d, found in per_duration.items() for s in found)
    out = []
    for _, d, s in ordered:
        item = {"startTime": iso(s.start, used), "endTime": iso(s.end, used), "available": True}
        if asked["duration"] is None:
            item["duration"] = d
        if teamId:
            item["trainerIds"] = list(s.trainer_ids)
        out.append(item)
    return out, asked["horizon"]


def dates_answer(
    session,
    *,
    month: Optional[str] = None,
    trainerId: Optional[str] = None,  # noqa: N803
    teamId: Optional[str] = None,  # noqa: N803
    duration: Optional[str] = None,
    clientTimezone: Optional[str] = None,  # noqa: N803
) -> tuple[list, svc.Horizon]:
    """The month-dates query's 200 body and its horizon (as :func:`slots_answer`)."""
    month_first, asked = _question(
        lambda: inputs.parse_month(month, field="month"),
        trainerId=trainerId,
        teamId=teamId,
        duration=duration,
        clientTimezone=clientTimezone,
    )
    found = svc.dates_with_slots(session, month_first=month_first, **asked)
    return [d.isoformat() for d in found], asked["horizon"]


# The public reads ``fastpath`` may answer in front of the ASGI stack: path -> (answer, its query parameters).
PUBLIC_READS = {
    fastpath.SLOTS_PATH: (slots_answer, frozenset(("date", "trainerId", "teamId", "duration", "clientTimezone"))),
    fastpath.DATES_PATH: (dates_answer, frozenset(("month", "trainerId", "teamId", "duration", "clientTimezone"))),
}


def remembered(scope: dict, content: list, horizon: svc.Horizon, *, team: bool) -> bytes:
    """The 200 body (what FastAPI makes of ``content``), kept for ``fastpath`` when it is one trainer's."""
    body = JSONResponse(content).body
    if not team and len(horizon.versions) == 1:
        ((trainer_id, version),) = horizon.versions.items()
        fastpath.remember(scope, trainer_id=trainer_id, version=version, valid_until=horizon.valid_until, body=body)
    return body


@router.get(
    "/api/bookings/availability",
    summary="Bookable slots of a date (public)",
    responses={**ok(200, list[SlotOut]), **errors(404, 422)},
)
def slots(
    session: SessionDep,
    request: Request,
    date: Optional[str] = Query(
        None, description="Required: the date, YYYY-MM-DD, in clientTimezone.", examples=["2027-03-15"]
    ),
    trainerId: Optional[str] = TRAINER_ID,
    teamId: Optional[str] = TEAM_ID,  # noqa: N803
    duration: Optional[str] = DURATION,
    clientTimezone: Optional[str] = CLIENT_ZONE,
):  # noqa: N803
    content, horizon = slots_answer(
        session, date=date, trainerId=trainerId, teamId=teamId, duration=duration, clientTimezone=clientTimezone
    )
    return _answer(request, content, horizon, team=bool(teamId))


def _answer(request: Request, content: list, horizon: svc.Horizon, *, team: bool) -> Response:
    return Response(remembered(request.scope, content, horizon, team=team), media_type="application/json")


@router.get(
    "/api/bookings/availability/dates",
    summary="Dates of a month with slots (public)",
    responses={**ok(200, list[date], "Client-zone dates, YYYY-MM-DD."), **errors(404, 422)},
)
def dates(
    session: SessionDep,
    request: Request,
    month: Optional[str] = Query(None, description="Required: YYYY-MM.", examples=["2027-03"]),
    trainerId: Optional[str] = TRAINER_ID,
    teamId: Optional[str] = TEAM_ID,  # noqa: N803
    duration: Optional[str] = DURATION,
    clientTimezone: Optional[str] = CLIENT_ZONE,
):  # noqa: N803
    content, horizon = dates_answer(
        session, month=month, trainerId=trainerId, teamId=teamId, duration=duration, clientTimezone=clientTimezone
    )
    return _answer(request, content, horizon, team=bool(teamId))
