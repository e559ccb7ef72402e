"""A live TrainerDesk in production mode for browser tests, and Debian's Chromium to drive it.

The app is started the way ``make run`` starts it (``scripts/serve.sh``: the
production build on one port) against a throw-away SQLite database, so the
browser meets exactly what a user meets.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from trainerdesk.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """Base URL and database URL of a running production server."""
    port = _free_port()
    db_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'app.db'}"
    upgrade(db_url)
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0",
           "PUBLIC_URL": f"http://localhost:{port}"}
    log = open(tmp_path_factory.mktemp("e2e-log") / "server.log", "w+")
    proc = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://localhost:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"the app stopped while starting:\n{log.read()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200 and \
                    httpx.get(f"{base}/", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(1)
    else:
        log.seek(0)
        pytest.fail(f"the app did not start in time:\n{log.read()[-3000:]}")
    yield {"base": base, "db_url": db_url}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]}
