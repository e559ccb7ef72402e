"""Two app instances sharing one PostgreSQL and one Redis, as a studio scales out.

Each instance runs from its own copy of the app (as on two machines), started the way ``make run``
starts it. Clients racing for one slot through both instances get exactly one booking, and a
dashboard open on instance A shows a booking made through instance B without a reload.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from tests.conftest import _drop_postgres_database, _postgres_database
from tests.e2e.conftest import ROOT, _free_port
from tests.e2e.helpers import first_slot, make_trainer
from tests.e2e.test_dashboard import login
from trainerdesk.db import engine_for
from trainerdesk.migrations import upgrade
from trainerdesk.models import Booking

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
APP_FILES = ("rxconfig.py", "trainerdesk", "assets", "alembic", "alembic.ini", "scripts", "reflex.lock", "pyproject.toml")
SHARED = (".venv", ".tools", ".bun-cache")


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _copy_app(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in APP_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    for name in SHARED:
        if (ROOT / name).exists():
            (target / name).symlink_to(ROOT / name)
    return target


def _start(app_dir: Path, port: int, env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")
    return subprocess.Popen([str(app_dir / "scripts" / "serve.sh")], cwd=app_dir,
                            env={**env, "PORT": str(port), "PUBLIC_URL": f"http://localhost:{port}"},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait(base: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"instance stopped while starting:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200 and \
                    httpx.get(f"{base}/login", timeout=5, follow_redirects=True).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"instance did not start:\n{log_path.read_text()[-3000:]}")


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
    env = {**os.environ, "DATABASE_URL": db_url, "REFLEX_REDIS_URL": REDIS_URL, "RATE_LIMIT_PER_MINUTE": "0",
           "GRANIAN_WORKERS": "2"}
    root = tmp_path_factory.mktemp("cluster")
    procs, bases = [], []
    for name in ("a", "b"):
        app_dir = _copy_app(root / name)
        port = _free_port()
        log_path = root / f"{name}.log"
        procs.append((_start(app_dir, port, env, log_path), log_path))
        bases.append(f"http://localhost:{port}")
    for (proc, log_path), base in zip(procs, bases):
        _wait(base, proc, log_path)
    yield {"a": bases[0], "b": bases[1], "db_url": db_url}
    for proc, _ in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc, _ in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    _drop_postgres_database(db_url)


def test_clients_racing_through_both_instances_get_one_booking(cluster):
    trainer = make_trainer(cluster["a"], "cluster-race@example.com")
    slot = first_slot(cluster["a"], trainer["trainerId"])
    barrier = threading.Barrier(16)

    def attempt(n: int) -> int:
        base = cluster["a"] if n % 2 else cluster["b"]
        barrier.wait()
        return httpx.post(f"{base}/api/bookings", timeout=30, json={
            "trainerId": trainer["trainerId"], "startTime": slot["startTime"], "duration": 60,
            "name": f"Racer {n}", "email": f"racer{n}@example.com", "privacyAccepted": True}).status_code

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
    made = httpx.post(f"{cluster['b']}/api/bookings", json={
        "trainerId": trainer["trainerId"], "startTime": slot["startTime"], "duration": 60,
        "name": "Through B", "email": "through-b@example.com", "privacyAccepted": True})
    assert made.status_code == 201, made.text
    expect(page.get_by_text("New booking: Through B", exact=False)).to_be_visible(timeout=10000)
    expect(page.get_by_text("1 bookings")).to_be_visible()
