"""Bookings: create (public), read, change, history, .ics, list, CSV and bulk status."""

from __future__ import annotations

from typing import Optional
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from ..domain.inputs import parse_whole_number
from ..models import utcnow
from ..services import bookings as svc
from ..services.exports import csv_chunks
from ..services.trainers import managed_trainer
from .deps import OptionalTrainerDep, RateLimit, SessionDep, TrainerDep
from .schemas import BookingBody, BulkStatusBody, CancelBody, RescheduleBody, StatusBody, booking_json, event_json

router = APIRouter(tags=["bookings"])


def _caller(trainer, token: Optional[str]) -> svc.Caller:
    return svc.Caller(trainer=trainer, token=None if trainer else token)


@router.post("/api/bookings", status_code=201, dependencies=[RateLimit])
def create_booking(body: BookingBody, session: SessionDep):
    made = svc.create_booking(
        session, trainer_id=body.trainer_id, team_id=body.team_id, start_time=body.start_time,
        duration=body.duration, name=body.name, email=body.email, phone=body.phone, notes=body.notes,
        client_timezone=body.client_timezone, privacy_accepted=body.privacy_accepted,
    )
    return booking_json(made.booking, made.trainer, made.client, token=made.token)


@router.get("/api/bookings/{booking_id}")
def get_booking(booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = None):
    booking, owner, client = svc.get_booking(session, booking_id=booking_id, caller=_caller(trainer, token))
    return booking_json(booking, owner, client)


@router.get("/api/bookings/{booking_id}/ics")
def booking_ics(booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = None):
    data = svc.calendar_file(session, booking_id=booking_id, caller=_caller(trainer, token))
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'})


@router.get("/api/bookings/{booking_id}/history")
def booking_history(booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = None):
    return [event_json(e) for e in svc.history(session, booking_id=booking_id, caller=_caller(trainer, token))]


@router.patch("/api/bookings/{booking_id}/status")
def change_status(booking_id: str, body: StatusBody, session: SessionDep, trainer: TrainerDep):
    svc.change_status(session, booking_id=booking_id, trainer=trainer, status=body.status, notes=body.notes)
    return _fresh(session, booking_id, svc.Caller(trainer=trainer))


@router.post("/api/bookings/{booking_id}/cancel", dependencies=[RateLimit])
def cancel(booking_id: str, body: CancelBody, session: SessionDep, trainer: OptionalTrainerDep,
           token: Optional[str] = None):
    caller = _caller(trainer, token or body.token)
    svc.cancel_booking(session, booking_id=booking_id, caller=caller, reason=body.reason,
                       acknowledge_late=body.acknowledge_late_cancellation is True)
    return _fresh(session, booking_id, caller)


@router.post("/api/bookings/{booking_id}/reschedule", dependencies=[RateLimit])
def reschedule(booking_id: str, body: RescheduleBody, session: SessionDep, trainer: OptionalTrainerDep,
               token: Optional[str] = None):
    caller = _caller(trainer, token or body.token)
    svc.reschedule_booking(session, booking_id=booking_id, caller=caller, start_time=body.start_time)
    return _fresh(session, booking_id, caller)


def _fresh(session, booking_id: str, caller: svc.Caller) -> dict:
    booking, owner, client = svc.get_booking(session, booking_id=booking_id, caller=caller)
    return booking_json(booking, owner, client)


# ---------------------------------------------------------------- a trainer's list

def _page(value: Optional[str], *, field: str, default: int, high: int) -> int:
    if value in (None, ""):
        return default
    return parse_whole_number(value, field=field, low=1, high=high)  # length-checked before int()


def _query(from_: Optional[str], to: Optional[str], view: Optional[str], status: Optional[str], q: Optional[str],
           sort: Optional[str]) -> svc.BookingQuery:
    return svc.parse_query(view=view or "all", status=status or None, date_from=from_, date_to=to, q=q or "",
                           sort=sort or "startTime")


@router.get("/api/trainers/{trainer_id}/bookings")
def list_bookings(trainer_id: str, session: SessionDep, actor: TrainerDep, view: Optional[str] = None,
                  status: Optional[str] = None, from_: Optional[str] = Query(None, alias="from"),
                  to: Optional[str] = None, q: Optional[str] = None, sort: Optional[str] = None,
                  page: Optional[str] = None, pageSize: Optional[str] = None):  # noqa: N803
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    spec = _query(from_, to, view, status, q, sort)
    page_no = _page(page, field="page", default=1, high=1_000_000)
    size = _page(pageSize, field="pageSize", default=20, high=200)
    rows, total = svc.list_bookings(session, actor=actor, trainer_ids=[trainer.id], spec=spec, tz=ZoneInfo(trainer.timezone),
                                    page=page_no, page_size=size)
    return {"items": [booking_json(b, trainer, c) for b, c in rows], "total": total, "page": page_no, "pageSize": size}


@router.get("/api/trainers/{trainer_id}/bookings.csv")
def export_csv(trainer_id: str, session: SessionDep, actor: TrainerDep, view: Optional[str] = None,
               status: Optional[str] = None, from_: Optional[str] = Query(None, alias="from"),
               to: Optional[str] = None, q: Optional[str] = None, sort: Optional[str] = None,
               ids: Optional[str] = None):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    spec = _query(from_, to, view, status, q, sort)
    id_list = [i for i in ids.split(",") if i] if ids else None
    filename = f"bookings-{trainer.slug}-{utcnow().date().isoformat()}.csv"
    # csv_chunks checks everything and runs its query before it returns: an error is a JSON answer, never a
    # CSV that breaks off after its header.
    return StreamingResponse(csv_chunks(actor, [trainer.id], trainer.timezone, spec, id_list), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/api/trainers/{trainer_id}/bookings/bulk-status")
def bulk_status(trainer_id: str, body: BulkStatusBody, session: SessionDep, actor: TrainerDep):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    updated, failed = svc.bulk_change_status(session, trainer=actor, trainer_ids=[trainer.id],
                                             booking_ids=body.booking_ids, status=body.status)
    return {"updated": updated,
            "failed": [{"id": i, "error": {"code": e.code, "message": e.message}} for i, e in failed]}
