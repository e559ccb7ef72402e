"""The body of one racing process (spawned): kept apart so a child imports only what it needs."""

from __future__ import annotations

from datetime import datetime


def mp_create_worker(
    barrier, results, trainer_id: str, start_iso: str, duration: int, index: int, now_iso: str
) -> None:
    """Runs in a spawned process: its own engine (from DATABASE_URL), one create_booking at ``start_iso``.

    Reports ("ok", booking id), ("slot_unavailable", None) or ("error", text) on ``results``.
    """
    engine = None
    try:
        from trainerdesk.db import get_engine, session_scope
        from trainerdesk.services import bookings

        engine = get_engine()
        with engine.connect():  # import and connect before lining up, so the race is the booking itself
            pass
        barrier.wait(timeout=120)
        with session_scope() as s:
            new = bookings.create_booking(
                s,
                trainer_id=trainer_id,
                start_time=start_iso,
                duration=duration,
                name=f"Process {index}",
                email=f"process{index}@example.com",
                privacy_accepted=True,
                now=datetime.fromisoformat(now_iso),
            )
        results.put(("ok", new.booking.id))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts on it
        results.put(
            ("slot_unavailable", None) if getattr(exc, "code", None) == "slot_unavailable" else ("error", repr(exc))
        )
    finally:
        if engine is not None:
            engine.dispose()


def mp_deliver_worker(barrier, results, now_iso: str) -> None:
    """Runs in a spawned process: one round of the email outbox at ``now_iso``; reports how many it sent."""
    try:
        from trainerdesk.db import get_engine
        from trainerdesk.services import notifications

        with get_engine().connect():
            pass
        barrier.wait(timeout=120)
        results.put(("ok", notifications.deliver_pending(now=datetime.fromisoformat(now_iso))))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts on it
        results.put(("error", repr(exc)))


def mp_webhook_worker(barrier, results, now_iso: str) -> None:
    """Runs in a spawned process: one round of the webhook sender at ``now_iso``; reports how many it delivered."""
    try:
        from trainerdesk.db import get_engine
        from trainerdesk.services import webhooks

        with get_engine().connect():
            pass
        barrier.wait(timeout=120)
        results.put(("ok", webhooks.deliver_due(now=datetime.fromisoformat(now_iso))))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts on it
        results.put(("error", repr(exc)))
