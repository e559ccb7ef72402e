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


SENDERS = {"emails": ("notifications", "deliver_pending"), "webhooks": ("webhooks", "deliver_due")}


def mp_sender_worker(barrier, results, sender: str, now_iso: str) -> None:
    """Runs in a spawned process: one round of a background sender (``SENDERS``) at ``now_iso``;
    reports how many it delivered."""
    try:
        import importlib

        from trainerdesk.db import get_engine

        module, function = SENDERS[sender]
        send = getattr(importlib.import_module(f"trainerdesk.services.{module}"), function)
        with get_engine().connect():  # connected before lining up, so the race is the sending itself
            pass
        barrier.wait(timeout=120)
        results.put(("ok", send(now=datetime.fromisoformat(now_iso))))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts on it
        results.put(("error", repr(exc)))


def senders_at_once(sender: str, now_iso: str, processes: int = 2) -> list[int]:
    """Run one round of ``sender`` in ``processes`` spawned processes at the same moment; what each
    delivered (fails the test if one did not report or failed)."""
    import multiprocessing
    import queue as queue_module

    import pytest

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=mp_sender_worker, args=(barrier, results, sender, now_iso)) for _ in range(processes)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=150) for _ in procs]
    except queue_module.Empty:
        pytest.fail("a sending process did not report")
    finally:
        for p in procs:
            p.join(30)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    return [n for _, n in outcomes]
