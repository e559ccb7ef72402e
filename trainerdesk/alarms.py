"""The background senders' alarm clocks: a sender sleeps until its next row is due, or until a
commit in this process queued work for it, never longer than :data:`MAX_SLEEP`.

The outbox (emails and reminders), calendar write-back and webhook senders used to look at their
tables every 1-2 s whether anything was due, each look a write transaction (on SQLite the one
writer lock, which every booking waits for): an idle server ran two write transactions a second,
and a queued email waited up to 2 s. Now each queueing function calls :meth:`Alarm.ring_on_commit`
in its transaction; the session's ``after_commit`` rings the alarm once the rows are committed (a
rolled-back transaction rings nothing), and the sender's next round starts :data:`GATHER` later
(one round for every commit of that half second, rather than one per booking). Between rings
a sender sleeps until the first due row (a reminder's hour, a retry's back-off) as its last round
read it.

The database stays the only truth: an alarm is a hint. Rows another process or instance queued are
found within :data:`MAX_SLEEP` (that process rings its own sender first), and a lost ring only
delays a row to that bound.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Optional

from sqlalchemy import Select, case, event, func, select
from sqlalchemy.orm import Session

from .db import session_scope
from .models import utcnow

log = logging.getLogger(__name__)

INFO_KEY = "trainerdesk_alarms"
# The longest a sender sleeps between looks (s): how late a row queued by another process is found.
MAX_SLEEP = 30.0
# After a ring, what the sender waits for more (s), so that one round serves every commit of that
# moment: a round per booking cost more than the booking itself under load (docs/performance.md).
GATHER = 0.5


class Alarm:
    """One background sender's wake-up call; usable from any thread, awaited on the app's loop."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._event: Optional[asyncio.Event] = None

    def ring_on_commit(self, session: Session) -> None:
        """Ring once ``session``'s transaction commits (called where rows are queued)."""
        session.info.setdefault(INFO_KEY, set()).add(self)

    def ring(self) -> None:
        """Wake the sender now (thread-safe; nothing happens while no sender sleeps on this alarm)."""
        with self._lock:
            loop, flag = self._loop, self._event
        if loop is None or flag is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(flag.set)
        except RuntimeError:  # the loop is shutting down
            pass

    async def sleep(self, due: Optional[datetime], *, at_least: float = 0.0, now: Optional[datetime] = None) -> bool:
        """Sleep until ``due`` (None: nothing is queued), at least ``at_least`` s and at most
        :data:`MAX_SLEEP` s, or until rung (then :data:`GATHER` s more). Returns whether it rang."""
        with self._lock:
            if self._event is None or self._loop is not asyncio.get_running_loop():
                self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
            flag = self._event
        seconds = MAX_SLEEP if due is None else (due - (now or utcnow())).total_seconds()
        seconds = min(MAX_SLEEP, max(at_least, seconds))
        try:
            await asyncio.wait_for(flag.wait(), timeout=seconds)
        except TimeoutError:
            return False  # (a ring at this very moment stays set: the next sleep returns at once)
        await asyncio.sleep(GATHER)  # rings meanwhile are served by the round that follows
        flag.clear()
        return True

    def round(self, next_due: Select, work: Callable[[], int]) -> tuple[int, Optional[datetime]]:
        """One wake-up of the sender: ``work`` (a claim and send) runs only if a row is due, which a
        read of ``next_due`` (a :func:`first_due_query`) decides, so an idle round takes no write
        lock. Returns what ``work`` did and when the next row is due."""
        with session_scope() as session:
            due = session.execute(next_due).scalar()
        if due is None or due > utcnow():
            return 0, due
        done = work()
        with session_scope() as session:
            return done, session.execute(next_due).scalar()

    async def run(self, next_due: Select, work: Callable[[], int], *, interval: float) -> None:
        """The sender's lifespan loop: a round in a worker thread whenever rung or due, at most
        :data:`MAX_SLEEP` apart, and ``interval`` s at least after a round that did nothing."""
        while True:
            done, due = 0, utcnow()
            try:
                done, due = await asyncio.to_thread(self.round, next_due, work)
            except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
                log.exception("%s: round failed", self.name)
            await self.sleep(due, at_least=0.0 if done else interval)


def first_due_query(due_at, *pending, leased_until=None) -> Select:
    """The statement that reads when the first pending row can be claimed: the least ``due_at`` of
    the rows matching ``pending``, where a row under a lease (``leased_until`` after its due time)
    counts from the lease's end; its scalar is None when nothing is pending. Each sender builds its
    own once (building a statement costs more than running it) and reads it after every round."""
    when = due_at if leased_until is None else case((leased_until > due_at, leased_until), else_=due_at)
    return select(func.min(when)).where(*pending)


@event.listens_for(Session, "after_commit")
def _ring_committed(session: Session) -> None:
    for alarm in session.info.pop(INFO_KEY, ()):
        alarm.ring()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(INFO_KEY, None)
