"""The server's heap keeper: Python's cycle collector kept off the open pages' states.

Every open page holds a Reflex state of a few thousand objects. With thousands of pages, each full
(generation 2) collection walks all of them: about 1.3 s with 5,000 open booking pages, on the event
loop, so every page waits. Pushing a booking to every page replaces their slot lists, and those new
survivors trigger a full collection about once per push round; measured with 5,000 pages, the
collector took 60% of the CPU of the push rounds and most of their p99
(docs/performance.md, "Live updates at scale").

So every :data:`FREEZE_SECONDS` the keeper moves every tracked object into the permanent generation
(``gc.freeze()``, constant time): ordinary collections then look only at objects made since, and
reference counting frees frozen objects as before. Only garbage in reference cycles among frozen
objects waits: every :data:`COLLECT_SECONDS` the keeper thaws everything, runs one full collection
and freezes again, so such garbage lives at most that long.

The price, written down: one full collection every :data:`COLLECT_SECONDS` (the same pause one
push round used to pay), and with several Granian workers, the heap Reflex froze before forking
them stops being shared copy-on-write after the first such collection (each worker's pages of it
become its own).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)

FREEZE_SECONDS = 60.0
COLLECT_SECONDS = 15 * 60.0
# The youngest generation is collected after this many net allocations (Python's default is 700):
# a push round allocates millions of short-lived objects, and most are freed by reference counting
# before a larger threshold is reached, so the collector does far less work for the same garbage.
YOUNG_THRESHOLD = 20_000


def freeze() -> None:
    """Exempt every object alive now from the cycle collector (constant time)."""
    gc.freeze()


def collect() -> float:
    """Thaw, collect everything once, freeze the survivors; returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


async def run_heap_keeper() -> None:
    """Lifespan task of every backend process: freeze each minute, collect fully each quarter hour."""
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    last_collect = time.monotonic()
    while True:
        await asyncio.sleep(FREEZE_SECONDS)
        if time.monotonic() - last_collect >= COLLECT_SECONDS:
            took = collect()
            last_collect = time.monotonic()
            log.info("heap: full collection in %.3f s, %d objects frozen", took, gc.get_freeze_count())
        else:
            freeze()
