"""Accounts, sub-trainers and booking preferences."""

from __future__ import annotations

from fastapi import APIRouter, Body as BodyParam, Request
from pydantic.alias_generators import to_camel

from ..domain.errors import Unauthorized, ValidationFailed
from ..domain.preferences import PREFERENCE_FIELDS, Preferences, plain_values
from ..models import utcnow
from ..services import outbox, throttle, trainers
from .deps import RateLimit, SessionDep, TrainerDep, client_address
from .schemas import (
    PREFERENCES_PATCH_SCHEMA,
    LoginBody,
    LoginOut,
    PreferencesOut,
    SignupBody,
    SignupOut,
    TrainerOut,
    errors,
    ok,
    trainer_json,
)

router = APIRouter(tags=["accounts"])

CAMEL = {name: to_camel(name) for name in PREFERENCE_FIELDS}
SNAKE = {camel: snake for snake, camel in CAMEL.items()}


@router.post(
    "/api/auth/signup",
    status_code=201,
    dependencies=[RateLimit],
    summary="Sign up a trainer",
    responses={**ok(201, SignupOut, "The new trainer and its API key."), **errors(400, 409, 422, 429)},
)
def signup(body: SignupBody, session: SessionDep):
    trainer, key = trainers.signup(
        session, email=body.email, password=body.password, name=body.name, timezone=body.timezone
    )
    return {"trainerId": trainer.id, "slug": trainer.slug, "apiKey": key}


@router.post(
    "/api/auth/login",
    dependencies=[RateLimit],
    summary="Log in: the trainer's API key",
    responses={**ok(200, LoginOut), **errors(400, 401, 422, 429)},
)
def login(body: LoginBody, request: Request, session: SessionDep):
    # Throttled per account and per address (services/throttle): refused before the password is checked.
    address = client_address(request)
    throttle.check_login_allowed(body.email, address)
    try:
        trainer, key = trainers.login(session, email=body.email, password=body.password)
    except Unauthorized:
        throttle.record_login_failure(body.email, address)
        raise
    throttle.record_login_success(body.email, address)
    return {"trainerId": trainer.id, "apiKey": key}


@router.post(
    "/api/trainers/{trainer_id}/sub-trainers",
    status_code=201,
    summary="Add a sub-trainer (primary's key)",
    responses={**ok(201, SignupOut), **errors(400, 401, 403, 404, 409, 422)},
)
def add_sub_trainer(trainer_id: str, body: SignupBody, session: SessionDep, actor: TrainerDep):
    trainer, key = trainers.add_sub_trainer(
        session,
        actor=actor,
        primary_id=trainer_id,
        email=body.email,
        password=body.password,
        name=body.name,
        timezone=body.timezone,
    )
    return {"trainerId": trainer.id, "slug": trainer.slug, "apiKey": key}


@router.get(
    "/api/trainers/{trainer_id}/sub-trainers",
    summary="The team's sub-trainers",
    responses={**ok(200, list[TrainerOut]), **errors(401, 403, 404, 422)},
)
def list_sub_trainers(trainer_id: str, session: SessionDep, actor: TrainerDep):
    return [trainer_json(t) for t in trainers.list_sub_trainers(session, actor=actor, primary_id=trainer_id)]


def preferences_json(timezone: str, prefs: Preferences) -> dict:
    return {"timezone": timezone, **{CAMEL[k]: v for k, v in plain_values(prefs).items()}}


@router.get(
    "/api/trainers/{trainer_id}/preferences",
    summary="Booking preferences",
    responses={**ok(200, PreferencesOut), **errors(401, 403, 404, 422)},
)
def get_preferences(trainer_id: str, session: SessionDep, actor: TrainerDep):
    trainer = trainers.managed_trainer(session, actor=actor, trainer_id=trainer_id)
    return preferences_json(trainer.timezone, trainers.load_preferences(session, trainer.id))


@router.patch(
    "/api/trainers/{trainer_id}/preferences",
    summary="Change some preferences",
    responses={**ok(200, PreferencesOut, "The whole object."), **errors(400, 401, 403, 404, 422)},
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": PREFERENCES_PATCH_SCHEMA}}}},
)
def patch_preferences(trainer_id: str, session: SessionDep, actor: TrainerDep, body: dict = BodyParam(...)):
    changes = {}
    for key, value in body.items():
        if key == "timezone":
            continue
        if key not in SNAKE:
            raise ValidationFailed(f"{key} is not a booking preference.", {"field": key})
        changes[SNAKE[key]] = value
    trainer, prefs = trainers.update_preferences(
        session, actor=actor, trainer_id=trainer_id, changes=changes, names=CAMEL, timezone=body.get("timezone")
    )
    outbox.preferences_changed(session, trainer, changes, now=utcnow())
    return preferences_json(trainer.timezone, prefs)
