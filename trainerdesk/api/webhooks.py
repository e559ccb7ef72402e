"""Webhooks (docs/api.md, "Webhooks and reminders"): the trainer's endpoints, a ping, and each
endpoint's deliveries log."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..services import webhooks
from .deps import SessionDep, TrainerDep
from .schemas import (
    DeliveryOut,
    NewWebhookOut,
    PingOut,
    WebhookBody,
    WebhookOut,
    delivery_json,
    errors,
    ok,
    webhook_json,
)

router = APIRouter(tags=["webhooks"])


@router.post(
    "/api/trainers/{trainer_id}/webhooks",
    status_code=201,
    summary="Register a webhook (its signing secret is in this answer only)",
    responses={**ok(201, NewWebhookOut), **errors(400, 401, 403, 404, 422)},
)
def create_webhook(trainer_id: str, body: WebhookBody, session: SessionDep, actor: TrainerDep):
    made = webhooks.create_endpoint(session, actor=actor, trainer_id=trainer_id, url=body.url, events=body.events)
    return webhook_json(made.endpoint, secret=made.secret)


@router.get(
    "/api/trainers/{trainer_id}/webhooks",
    summary="The trainer's webhooks (no secrets)",
    responses={**ok(200, list[WebhookOut]), **errors(401, 403, 404, 422)},
)
def list_webhooks(trainer_id: str, session: SessionDep, actor: TrainerDep):
    return [webhook_json(e) for e in webhooks.list_endpoints(session, actor=actor, trainer_id=trainer_id)]


@router.delete(
    "/api/trainers/{trainer_id}/webhooks/{webhook_id}",
    status_code=204,
    summary="Remove a webhook (nothing more is sent to it)",
    responses={**errors(401, 403, 404, 422)},
)
def delete_webhook(trainer_id: str, webhook_id: str, session: SessionDep, actor: TrainerDep):
    webhooks.delete_endpoint(session, actor=actor, trainer_id=trainer_id, endpoint_id=webhook_id)
    return Response(status_code=204)


@router.post(
    "/api/trainers/{trainer_id}/webhooks/{webhook_id}/ping",
    status_code=202,
    summary="Send a ping event (also turns a turned-off webhook on again)",
    responses={**ok(202, PingOut), **errors(401, 403, 404, 422)},
)
def ping_webhook(trainer_id: str, webhook_id: str, session: SessionDep, actor: TrainerDep):
    return {"eventId": webhooks.ping(session, actor=actor, trainer_id=trainer_id, endpoint_id=webhook_id)}


@router.get(
    "/api/trainers/{trainer_id}/webhooks/{webhook_id}/deliveries",
    summary="The webhook's deliveries, newest first",
    responses={**ok(200, list[DeliveryOut]), **errors(401, 403, 404, 422)},
)
def list_deliveries(trainer_id: str, webhook_id: str, session: SessionDep, actor: TrainerDep):
    rows = webhooks.list_deliveries(session, actor=actor, trainer_id=trainer_id, endpoint_id=webhook_id)
    return [delivery_json(d) for d in rows]
