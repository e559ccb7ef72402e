"""The heap keeper (``trainerdesk.heap``): frozen objects are left alone by ordinary collections,
garbage in their cycles is freed by the keeper's full collection, and the keeper's loop freezes."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from tests.conftest import run_coroutine
from trainerdesk import heap


class Node:
    pass


@pytest.fixture(autouse=True)
def _thawed():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual
    gc.set_threshold(*thresholds)


def test_a_frozen_cycle_waits_for_the_full_collection():
    node = Node()
    node.me = node  # a reference cycle: only the cycle collector can free it
    gone = weakref.ref(node)
    heap.freeze()
    del node
    gc.collect()
    assert gone() is not None  # frozen: ordinary collections do not look at it
    took = heap.collect()
    assert gone() is None and took >= 0
    assert gc.get_freeze_count() > 0  # the survivors are frozen again


def test_garbage_made_after_a_freeze_is_collected_as_usual():
    heap.freeze()
    node = Node()
    node.me = node
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None


def test_the_keeper_freezes_every_period_and_collects_fully_when_due(monkeypatch):
    monkeypatch.setattr(heap, "FREEZE_SECONDS", 0.01)
    monkeypatch.setattr(heap, "COLLECT_SECONDS", 0.05)
    calls: list[str] = []
    monkeypatch.setattr(heap, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(heap, "collect", lambda: calls.append("collect") or 0.0)

    async def run_a_while() -> None:
        keeper = asyncio.create_task(heap.run_heap_keeper())
        await asyncio.sleep(0.3)
        keeper.cancel()

    run_coroutine(run_a_while())
    assert "freeze" in calls and "collect" in calls
    assert calls.index("freeze") < calls.index("collect")
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
