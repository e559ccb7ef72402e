"""A live TrainerDesk in production mode for browser tests, and Debian's Chromium to drive it.

The app is started the way ``make run`` starts it (``scripts/serve.sh``: the
production build on one port) against a throw-away SQLite database, so the
browser meets exactly what a user meets.
"""

from __future__ import annotations

import os

import pytest

from scripts.live_server import LiveServer, ServerFailed, free_port
from trainerdesk.migrations import upgrade

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """Base URL and database URL of a running production server."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'app.db'}"
    upgrade(db_url)
    env = {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0"}
    server = LiveServer(free_port(), env, tmp_path_factory.mktemp("e2e-log") / "server.log")
    try:
        server.start()
    except ServerFailed as exc:
        pytest.fail(str(exc))
    yield {"base": server.base, "db_url": db_url}
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]}
