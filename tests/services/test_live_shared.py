"""One push round shares the slot read among the pages that show the same thing (``live.shared``):
pages of one trainer with the same month, zone, length, date and excluded booking cost one read; a
page that differs in any of them, a page's own event and the next round read again."""

from __future__ import annotations

import asyncio
from datetime import date
from types import SimpleNamespace

import pytest

from tests.conftest import run_coroutine
from trainerdesk import live
from trainerdesk.services import availability
from trainerdesk.state.slot_picker import SlotPicker

FIRST, DAY = date(2030, 3, 1), date(2030, 3, 12)


@pytest.fixture
def reads(monkeypatch, db_url):
    """Counts the slot computations; each answers from its own arguments."""
    calls: list[tuple] = []

    def dates_with_slots(session, **kw):
        calls.append(("dates", kw["client_tz"].key, kw["duration"], kw.get("exclude_booking_id")))
        return {DAY}

    def slots_for_date(session, **kw):
        calls.append(("day", kw["client_tz"].key, kw["duration"], kw["day"]))
        return None, {kw["duration"]: []}

    monkeypatch.setattr(availability, "dates_with_slots", dates_with_slots)
    monkeypatch.setattr(availability, "slots_for_date", slots_for_date)
    monkeypatch.setattr(availability, "schedule_version", lambda session, ids: 7)
    return calls


def page(zone="Europe/Berlin", duration=60, exclude="", trainer="t1"):
    return SimpleNamespace(
        client_zone=zone,
        duration=duration,
        _exclude_booking_id=exclude,
        team_id="",
        chosen_trainer="",
        trainer_id=trainer,
        _whose=lambda: {"trainer_id": trainer},
    )


def read(p, day=DAY):
    return SlotPicker._read_slots(p, [p.trainer_id], FIRST, day)


def push_round(pages, monkeypatch, day=DAY) -> list:
    """Run one real ``live._push`` round over these pages, each doing its slot read."""
    answers = []
    by_token = {str(i): p for i, p in enumerate(pages)}

    async def push_one(app, token, cls):
        await asyncio.sleep(0)  # pages of a round interleave, as real pushes do
        answers.append(read(by_token[token], day))

    monkeypatch.setattr(live, "_push_one", push_one)
    run_coroutine(live._push(None, None, [(t, object) for t in by_token]))
    return answers


def test_pages_showing_the_same_share_one_read_per_round(reads, monkeypatch):
    answers = push_round([page() for _ in range(50)], monkeypatch)
    assert len(answers) == 50 and len(set(answers)) == 1
    assert answers[0] == (7, frozenset({DAY}), ())
    assert sorted(reads) == [("dates", "Europe/Berlin", 60, None), ("day", "Europe/Berlin", 60, DAY)]


def test_pages_that_differ_in_anything_read_their_own(reads, monkeypatch):
    pages = [page(), page(zone="Asia/Tokyo"), page(duration=30), page(exclude="b1"), page(trainer="t2"), page()]
    push_round(pages, monkeypatch)
    dates = [c for c in reads if c[0] == "dates"]
    assert len(dates) == 5  # the last page is the first one again
    assert ("dates", "Europe/Berlin", 60, "b1") in dates


def test_the_next_round_and_a_pages_own_event_read_again(reads, monkeypatch):
    push_round([page(), page()], monkeypatch)
    push_round([page(), page()], monkeypatch)
    assert len([c for c in reads if c[0] == "dates"]) == 2
    reads.clear()
    read(page())
    read(page())  # outside a round: a page's own event always reads
    assert len([c for c in reads if c[0] == "dates"]) == 2


def test_a_different_date_is_a_different_read(reads, monkeypatch):
    push_round([page()], monkeypatch, day=DAY)
    push_round([page()], monkeypatch, day=date(2030, 3, 13))
    assert [c[3] for c in reads if c[0] == "day"] == [DAY, date(2030, 3, 13)]


def test_the_safety_poll_finds_pages_left_behind():
    registry = live.Registry()
    registry.register("a", object, ["t1"], version=3)
    registry.register("b", object, ["t1", "t2"], version=5)
    registry.register("c", object, ["t1"])  # keeps its own poll (a dashboard): never swept
    registry.register("d", object, ["gone"], version=-1)
    assert registry.watched_trainers() == {"t1", "t2", "gone"}
    assert registry.stale({"t1": 3, "t2": 2}) == []
    assert registry.stale({"t1": 4, "t2": 2}) == [("a", object), ("b", object)]
    registry.touch(["a"], now=1e12)
    assert registry.expire(now=1e12 + 1) == 3
    assert registry.tokens() == ["a"]
