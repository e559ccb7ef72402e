"""A live TrainerDesk in production mode for browser tests, and Debian's Chromium to drive it.

The app is started the way ``make run`` starts it (``scripts/serve.sh``: the
production build on one port) against a throw-away SQLite database, so the
browser meets exactly what a user meets.
"""

from __future__ import annotations

import os

import pytest

from tests.live import running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """Base URL and database URL of a running production server."""
    # Calendars served by the tests on this machine may be connected (never in production).
    with running_server(tmp_path_factory, "e2e", CALENDAR_ALLOW_PRIVATE_NETWORKS="1") as (server, db_url):
        yield {"base": server.base, "db_url": db_url}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    }
