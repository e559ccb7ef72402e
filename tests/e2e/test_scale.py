"""Two app instances sharing one PostgreSQL and one Redis, as a studio scales out.

Each instance runs from its own copy of the app (as on two machines), started the way ``make run``
starts it. Clients racing for one slot through both instances get exactly one booking, and a
dashboard open on instance A shows a booking made through instance B without a reload.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from scripts.live_server import LiveServer, ServerFailed, copy_app, free_port
from tests.conftest import _drop_postgres_database, _postgres_database
from tests.e2e.helpers import first_slot, make_trainer
from tests.e2e.test_dashboard import login
from trainerdesk.db import engine_for
from trainerdesk.migrations import upgrade
from trainerdesk.models import Booking

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    db_url, reason = _postgres_database()
    _need(db_url is not None, reason)
    try:
        store = redis.Redis.from_url(REDIS_URL)
        store.flushdb()
    except redis.RedisError as exc:
        _drop_postgres_database(db_url)
        _need(False, f"Redis not reachable at {REDIS_URL}: {exc}")
    upgrade(db_url)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REFLEX_REDIS_URL": REDIS_URL,
        "RATE_LIMIT_PER_MINUTE": "0",
        "GRANIAN_WORKERS": "2",
    }
    root = tmp_path_factory.mktemp("cluster")
    servers = [LiveServer(free_port(), env, root / f"{name}.log", app_dir=copy_app(root / name)) for name in "ab"]
    try:
        for server in servers:
            server.start()
        yield {"a": servers[0].base, "b": servers[1].base, "db_url": db_url}
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
        for server in servers:
            server.stop()
        _drop_postgres_database(db_url)


def test_clients_racing_through_both_instances_get_one_booking(cluster):
    trainer = make_trainer(cluster["a"], "cluster-race@example.com")
    slot = first_slot(cluster["a"], trainer["trainerId"])
    barrier = threading.Barrier(16)

    def attempt(n: int) -> int:
        base = cluster["a"] if n % 2 else cluster["b"]
        barrier.wait()
        return httpx.post(
            f"{base}/api/bookings",
            timeout=30,
            json={
                "trainerId": trainer["trainerId"],
                "startTime": slot["startTime"],
                "duration": 60,
                "name": f"Racer {n}",
                "email": f"racer{n}@example.com",
                "privacyAccepted": True,
            },
        ).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(attempt, range(16)))
    assert sorted(codes) == [201] + [409] * 15, codes
    with Session(engine_for(cluster["db_url"])) as session:
        held = session.exec(select(Booking).where(Booking.trainer_id == trainer["trainerId"])).all()
    assert len(held) == 1


def test_a_dashboard_on_one_instance_sees_a_booking_made_through_the_other(cluster, browser: Browser):
    trainer = make_trainer(cluster["a"], "cluster-live@example.com")
    page = login(browser, cluster["a"], "cluster-live@example.com")
    page.goto("/dashboard/bookings")
    expect(page.get_by_text("0 bookings")).to_be_visible()
    slot = first_slot(cluster["b"], trainer["trainerId"])
    made = httpx.post(
        f"{cluster['b']}/api/bookings",
        json={
            "trainerId": trainer["trainerId"],
            "startTime": slot["startTime"],
            "duration": 60,
            "name": "Through B",
            "email": "through-b@example.com",
            "privacyAccepted": True,
        },
    )
    assert made.status_code == 201, made.text
    expect(page.get_by_text("New booking: Through B", exact=False)).to_be_visible(timeout=10000)
    expect(page.get_by_text("1 bookings")).to_be_visible()
