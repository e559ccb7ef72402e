"""Bookings: create (public), read, change, history, .ics, list, CSV and bulk status."""

from __future__ import annotations

from typing import Optional
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ..domain.inputs import parse_whole_number
from ..models import utcnow
from ..services import bookings as svc
from ..services.exports import csv_chunks
from ..services.trainers import managed_trainer
from .deps import OptionalTrainerDep, RateLimit, SessionDep, TrainerDep
from .schemas import (
    BOOKING_LINKS,
    BookingBody,
    BookingOut,
    BookingPageOut,
    BulkStatusBody,
    BulkStatusOut,
    CalendarResponse,
    CancelBody,
    CreatedBookingOut,
    EventOut,
    RescheduleBody,
    StatusBody,
    booking_json,
    errors,
    event_json,
    ok,
    text_response,
)

router = APIRouter(tags=["bookings"])

# A booking's own endpoints: a trainer's Bearer key, or no key and the booking's token.
OPTIONAL_AUTH = {"security": [{}]}
TOKEN_QUERY = Query(None, description="The booking's secret token (instead of a trainer key).")


class CsvResponse(StreamingResponse):
    media_type = "text/csv"


def _caller(trainer, token: Optional[str]) -> svc.Caller:
    return svc.Caller(trainer=trainer, token=None if trainer else token)


@router.post(
    "/api/bookings",
    status_code=201,
    dependencies=[RateLimit],
    summary="Book a slot (public)",
    responses={
        **ok(201, CreatedBookingOut, "The booking with its token and private links (shown once).", BOOKING_LINKS),
        **errors(400, 404, 409, 422, 429),
    },
)
def create_booking(body: BookingBody, session: SessionDep):
    # Plain JSON types already: sent as they are, without FastAPI's generic encoder walking them (a booking's
    # hot path; the same bytes). ``api/fastpath.py`` sends the same for a plain JSON POST.
    return JSONResponse(created_booking(session, body), status_code=201)


def created_booking(session, body: BookingBody) -> dict:
    """Book what ``body`` asks for; the 201's content (the booking with its token and links)."""
    made = svc.create_booking(
        session,
        trainer_id=body.trainer_id,
        team_id=body.team_id,
        start_time=body.start_time,
        duration=body.duration,
        name=body.name,
        email=body.email,
        phone=body.phone,
        notes=body.notes,
        client_timezone=body.client_timezone,
        privacy_accepted=body.privacy_accepted,
    )
    return booking_json(made.booking, made.trainer, made.client, token=made.token)


@router.get(
    "/api/bookings/{booking_id}",
    summary="A booking (trainer key or token)",
    openapi_extra=OPTIONAL_AUTH,
    responses={**ok(200, BookingOut), **errors(401, 403, 404, 422)},
)
def get_booking(booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = TOKEN_QUERY):
    booking, owner, client = svc.load_booking(session, booking_id, _caller(trainer, token))
    return booking_json(booking, owner, client)


@router.get(
    "/api/bookings/{booking_id}/ics",
    summary="The booking's calendar file",
    response_class=CalendarResponse,
    openapi_extra=OPTIONAL_AUTH,
    responses={**text_response("text/calendar", "One VEVENT."), **errors(401, 403, 404, 422, json_route=False)},
)
def booking_ics(booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = TOKEN_QUERY):
    data = svc.calendar_file(session, booking_id=booking_id, caller=_caller(trainer, token))
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'},
    )


@router.get(
    "/api/bookings/{booking_id}/history",
    summary="What happened to a booking, oldest first",
    openapi_extra=OPTIONAL_AUTH,
    responses={**ok(200, list[EventOut]), **errors(401, 403, 404, 422)},
)
def booking_history(
    booking_id: str, session: SessionDep, trainer: OptionalTrainerDep, token: Optional[str] = TOKEN_QUERY
):
    return [event_json(e) for e in svc.history(session, booking_id=booking_id, caller=_caller(trainer, token))]


@router.patch(
    "/api/bookings/{booking_id}/status",
    summary="Change a booking's status (trainer)",
    responses={**ok(200, BookingOut), **errors(400, 401, 403, 404, 422)},
)
def change_status(booking_id: str, body: StatusBody, session: SessionDep, trainer: TrainerDep):
    svc.change_status(session, booking_id=booking_id, trainer=trainer, status=body.status, notes=body.notes)
    return _fresh(session, booking_id, svc.Caller(trainer=trainer))


@router.post(
    "/api/bookings/{booking_id}/cancel",
    dependencies=[RateLimit],
    summary="Cancel (trainer key or token)",
    openapi_extra=OPTIONAL_AUTH,
    responses={**ok(200, BookingOut), **errors(400, 401, 403, 404, 422, 429)},
)
def cancel(
    booking_id: str,
    body: CancelBody,
    session: SessionDep,
    trainer: OptionalTrainerDep,
    token: Optional[str] = TOKEN_QUERY,
):
    caller = _caller(trainer, token or body.token)
    svc.cancel_booking(
        session,
        booking_id=booking_id,
        caller=caller,
        reason=body.reason,
        acknowledge_late=body.acknowledge_late_cancellation is True,
    )
    return _fresh(session, booking_id, caller)


@router.post(
    "/api/bookings/{booking_id}/reschedule",
    dependencies=[RateLimit],
    summary="Move (trainer key or token)",
    openapi_extra=OPTIONAL_AUTH,
    responses={**ok(200, BookingOut), **errors(400, 401, 403, 404, 409, 422, 429)},
)
def reschedule(
    booking_id: str,
    body: RescheduleBody,
    session: SessionDep,
    trainer: OptionalTrainerDep,
    token: Optional[str] = TOKEN_QUERY,
):
    caller = _caller(trainer, token or body.token)
    svc.reschedule_booking(session, booking_id=booking_id, caller=caller, start_time=body.start_time)
    return _fresh(session, booking_id, caller)


def _fresh(session, booking_id: str, caller: svc.Caller) -> dict:
    booking, owner, client = svc.load_booking(session, booking_id, caller)
    return booking_json(booking, owner, client)


# ---------------------------------------------------------------- a trainer's list


def _page(value: Optional[str], *, field: str, default: int, high: int) -> int:
    if value in (None, ""):
        return default
    return parse_whole_number(value, field=field, low=1, high=high)  # length-checked before int()


def _query(
    from_: Optional[str],
    to: Optional[str],
    view: Optional[str],
    status: Optional[str],
    q: Optional[str],
    sort: Optional[str],
) -> svc.BookingQuery:
    return svc.parse_query(
        view=view or "all", status=status or None, date_from=from_, date_to=to, q=q or "", sort=sort or "startTime"
    )


@router.get(
    "/api/trainers/{trainer_id}/bookings",
    summary="A trainer's bookings, filtered and paged",
    responses={**ok(200, BookingPageOut), **errors(401, 403, 404, 422)},
)
def list_bookings(
    trainer_id: str,
    session: SessionDep,
    actor: TrainerDep,
    view: Optional[str] = Query(None, description="upcoming, past, cancelled or all (default)."),
    status: Optional[str] = Query(None, description="pending, confirmed, cancelled, completed or no_show."),
    from_: Optional[str] = Query(None, alias="from", description="First date, YYYY-MM-DD."),
    to: Optional[str] = Query(None, description="Last date, YYYY-MM-DD."),
    q: Optional[str] = Query(None, description="Matches the client's name or email."),
    sort: Optional[str] = Query(None, description="startTime (default) or -startTime."),
    page: Optional[str] = Query(None, description="From 1.", examples=["1"]),
    pageSize: Optional[str] = Query(None, description="1 to 200, default 20.", examples=["20"]),
):  # noqa: N803
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    spec = _query(from_, to, view, status, q, sort)
    page_no = _page(page, field="page", default=1, high=1_000_000)
    size = _page(pageSize, field="pageSize", default=20, high=200)
    rows, total = svc.list_bookings(
        session,
        actor=actor,
        trainer_ids=[trainer.id],
        spec=spec,
        tz=ZoneInfo(trainer.timezone),
        page=page_no,
        page_size=size,
    )
    return {"items": [booking_json(b, trainer, c) for b, c in rows], "total": total, "page": page_no, "pageSize": size}


@router.get(
    "/api/trainers/{trainer_id}/bookings.csv",
    summary="The bookings as CSV (same filters)",
    response_class=CsvResponse,
    responses={
        **text_response("text/csv", "A header row, then one row a booking."),
        **errors(401, 403, 404, 422, json_route=False),
    },
)
def export_csv(
    trainer_id: str,
    session: SessionDep,
    actor: TrainerDep,
    view: Optional[str] = None,
    status: Optional[str] = None,
    from_: Optional[str] = Query(None, alias="from"),
    to: Optional[str] = None,
    q: Optional[str] = None,
    sort: Optional[str] = None,
    ids: Optional[str] = None,
):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    spec = _query(from_, to, view, status, q, sort)
    id_list = [i for i in ids.split(",") if i] if ids else None
    filename = f"bookings-{trainer.slug}-{utcnow().date().isoformat()}.csv"
    # csv_chunks checks everything and runs its query before it returns: an error is a JSON answer, never a
    # CSV that breaks off after its header.
    return StreamingResponse(
        csv_chunks(actor, [trainer.id], trainer.timezone, spec, id_list),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/api/trainers/{trainer_id}/bookings/bulk-status",
    summary="Change the status of several bookings",
    responses={**ok(200, BulkStatusOut), **errors(400, 401, 403, 404, 422)},
)
def bulk_status(trainer_id: str, body: BulkStatusBody, session: SessionDep, actor: TrainerDep):
    trainer = managed_trainer(session, actor=actor, trainer_id=trainer_id)
    updated, failed = svc.bulk_change_status(
        session, trainer=actor, trainer_ids=[trainer.id], booking_ids=body.booking_ids, status=body.status
    )
    return {
        "updated": updated,
        "failed": [{"id": i, "error": {"code": e.code, "message": e.message}} for i, e in failed],
    }
