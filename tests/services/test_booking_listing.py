"""Listing a trainer's bookings: views, search, date ranges in the trainer's zone, pages and order."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.services.svc_helpers import BERLIN, at, book, local, make_trainer
from trainerdesk.db import session_scope
from trainerdesk.domain.errors import ValidationFailed
from trainerdesk.services import bookings
from trainerdesk.services.bookings import Caller

ZONE = ZoneInfo(BERLIN)
LIST_NOW = at("2027-03-03T12:00:00Z")  # Wednesday 3 March, 13:00 in Berlin
ROUND_THE_CLOCK = [(d, "00:00", "24:00") for d in range(7)]


@pytest.fixture
def calendar(db_url):
    """Six bookings of one trainer, one cancelled and one completed, around LIST_NOW."""
    trainer = make_trainer(hours=ROUND_THE_CLOCK)
    made = {
        "alice": book(trainer, local(date(2027, 3, 1), "09:00"), name="Alice Smith", email="alice@example.com"),
        # Midnight starting Tuesday in Berlin is still Monday (23:00) in UTC.
        "night": book(trainer, local(date(2027, 3, 2), "00:00"), name="Night Owl", email="owl@example.net"),
        "bob": book(trainer, local(date(2027, 3, 3), "10:00"), name="Bob Jones", email="BOB@Example.ORG"),
        "carol": book(trainer, local(date(2027, 3, 4), "10:00"), name="Carol", email="carol@example.com"),
        "cooper": book(trainer, local(date(2027, 3, 5), "10:00"), name="alice cooper", email="ac@example.com"),
        "dan": book(trainer, local(date(2027, 3, 8), "10:00"), name="Dan_Brown", email="dan@example.com"),
    }
    ids = {k: nb.booking.id for k, nb in made.items()}
    with session_scope() as s:
        bookings.cancel_booking(s, booking_id=ids["carol"], caller=Caller(trainer=trainer), now=LIST_NOW)
    with session_scope() as s:
        bookings.change_status(s, booking_id=ids["alice"], trainer=trainer, status="COMPLETED", now=LIST_NOW)
    return trainer, ids


def listing(trainer, *, page=1, page_size=20, trainer_ids=None, **filters):
    spec = bookings.parse_query(**filters)
    with session_scope() as s:
        rows, total = bookings.list_bookings(
            s,
            actor=trainer,
            trainer_ids=trainer_ids or [trainer.id],
            spec=spec,
            tz=ZONE,
            page=page,
            page_size=page_size,
            now=LIST_NOW,
        )
    return [b.id for b, _ in rows], total


def names(ids, wanted):
    return [ids[k] for k in wanted]


def test_views(db_url, calendar):
    trainer, ids = calendar
    assert listing(trainer, view="upcoming") == (names(ids, ["cooper", "dan"]), 2)
    assert listing(trainer, view="past") == (names(ids, ["alice", "night", "bob"]), 3)
    assert listing(trainer, view="cancelled") == (names(ids, ["carol"]), 1)
    assert listing(trainer, view="all") == (names(ids, ["alice", "night", "bob", "carol", "cooper", "dan"]), 6)
    assert listing(trainer, view="all", status="COMPLETED") == (names(ids, ["alice"]), 1)
    assert listing(trainer, view="past", status="PENDING") == (names(ids, ["night", "bob"]), 2)


def test_search_is_case_insensitive_on_name_and_email(db_url, calendar):
    trainer, ids = calendar
    assert listing(trainer, q="ALICE") == (names(ids, ["alice", "cooper"]), 2)
    assert listing(trainer, q="smith") == (names(ids, ["alice"]), 1)
    assert listing(trainer, q="example.org") == (names(ids, ["bob"]), 1)
    assert listing(trainer, q="Bob@EXAMPLE") == (names(ids, ["bob"]), 1)
    assert listing(trainer, q="  owl ") == (names(ids, ["night"]), 1)
    assert listing(trainer, q="nobody") == ([], 0)
    assert listing(trainer, view="upcoming", q="alice") == (names(ids, ["cooper"]), 1)


def test_search_text_is_literal_not_a_pattern(db_url, calendar):
    trainer, ids = calendar
    # "_" and "%" are LIKE wildcards; a client searched for by "_" is the one with an underscore.
    assert listing(trainer, q="_") == (names(ids, ["dan"]), 1)
    assert listing(trainer, q="%") == ([], 0)
    assert listing(trainer, q="c_o") == ([], 0)  # as a pattern it would match "cooper"


def test_date_range_is_in_the_trainers_zone(db_url, calendar):
    trainer, ids = calendar
    # The "night" booking starts at 00:00 Tuesday in Berlin, which is 23:00 Monday in UTC.
    assert listing(trainer, date_from="2027-03-02", date_to="2027-03-02") == (names(ids, ["night"]), 1)
    assert listing(trainer, date_from="2027-03-01", date_to="2027-03-01") == (names(ids, ["alice"]), 1)
    assert listing(trainer, date_from="2027-03-04") == (names(ids, ["carol", "cooper", "dan"]), 3)
    assert listing(trainer, date_to="2027-03-03") == (names(ids, ["alice", "night", "bob"]), 3)
    assert listing(trainer, view="upcoming", date_from="2027-03-05", date_to="2027-03-07") == (
        names(ids, ["cooper"]),
        1,
    )


def test_pages_and_sort(db_url, calendar):
    trainer, ids = calendar
    everything = names(ids, ["alice", "night", "bob", "carol", "cooper", "dan"])
    assert listing(trainer, page=1, page_size=4) == (everything[:4], 6)
    assert listing(trainer, page=2, page_size=4) == (everything[4:], 6)
    assert listing(trainer, page=3, page_size=4) == ([], 6)
    assert listing(trainer, sort="-startTime") == (everything[::-1], 6)
    assert listing(trainer, sort="-startTime", page=2, page_size=2) == (everything[::-1][2:4], 6)
    assert listing(trainer, view="past", sort="-startTime", page=1, page_size=2) == (names(ids, ["bob", "night"]), 3)


def test_export_iterates_the_same_filtered_list(db_url, calendar):
    trainer, ids = calendar
    spec = bookings.parse_query(view="all", q="example.com", sort="-startTime")
    with session_scope() as s:
        exported = [
            b.id
            for b, _ in bookings.iter_bookings(
                s, actor=trainer, trainer_ids=[trainer.id], spec=spec, tz=ZONE, now=LIST_NOW
            )
        ]
    assert exported == names(ids, ["dan", "cooper", "carol", "alice"])


def test_listing_is_per_trainer_and_covers_a_team_when_asked(db_url, calendar):
    trainer, ids = calendar
    sub = make_trainer(hours=ROUND_THE_CLOCK, primary=trainer)
    theirs = book(sub, local(date(2027, 3, 1), "09:00"), name="Alice Other", email="alice@other.com")
    assert listing(trainer, q="alice") == (names(ids, ["alice", "cooper"]), 2)
    both, total = listing(trainer, q="alice", trainer_ids=[trainer.id, sub.id])
    assert total == 3 and set(both) == {ids["alice"], ids["cooper"], theirs.booking.id}


def test_listing_never_returns_what_the_actor_does_not_manage(db_url, calendar):
    """The read services check the actor: handed another tenant's id (or the primary's, by a sub-trainer),
    they return nothing of it, whoever built the list of ids."""
    trainer, ids = calendar
    stranger = make_trainer(hours=ROUND_THE_CLOCK)
    book(stranger, local(date(2027, 3, 1), "09:00"), name="Alice Stranger", email="alice@stranger.com")
    sub = make_trainer(hours=ROUND_THE_CLOCK, primary=trainer)
    spec = bookings.parse_query(view="all")
    long_ago = LIST_NOW - timedelta(days=3650)
    with session_scope() as s:
        for actor, asked in ((stranger, [trainer.id]), (trainer, [stranger.id]), (sub, [trainer.id])):
            rows, total = bookings.list_bookings(s, actor=actor, trainer_ids=asked, spec=spec, tz=ZONE, now=LIST_NOW)
            assert (rows, total) == ([], 0)
            assert list(bookings.iter_bookings(s, actor=actor, trainer_ids=asked, spec=spec, tz=ZONE)) == []
            assert bookings.created_since(s, actor=actor, trainer_ids=asked, since=long_ago) == []
            assert bookings.newest_created_at(s, actor=actor, trainer_ids=asked) is None
        # ... while the primary still sees its sub-trainer's (a team is one tenant).
        rows, total = bookings.list_bookings(s, actor=trainer, trainer_ids=[trainer.id, sub.id], spec=spec, tz=ZONE)
        assert total == len(ids)


@pytest.mark.parametrize(
    "bad",
    [
        {"view": "future"},
        {"sort": "name"},
        {"date_from": "2027-13-01"},
        {"date_to": "03/01/2027"},
        {"date_from": "2027-03-05", "date_to": "2027-03-01"},
        {"status": "DONE"},
    ],
)
def test_bad_filters_are_validation_errors(db_url, bad):
    with pytest.raises(ValidationFailed):
        bookings.parse_query(**bad)
