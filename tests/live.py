"""A throw-away production server for a test module: the app as ``make run`` serves it, on its own SQLite file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from scripts.live_server import LiveServer, ServerFailed, free_port
from trainerdesk.migrations import upgrade


@contextmanager
def running_server(tmp_path_factory, name: str, **env: str) -> Iterator[tuple[LiveServer, str]]:
    """(server, database URL); rate limits off unless ``env`` says otherwise. Stopped on exit."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'app.db'}"
    upgrade(db_url)
    server = LiveServer(
        free_port(),
        {**os.environ, "DATABASE_URL": db_url, "RATE_LIMIT_PER_MINUTE": "0", **env},
        tmp_path_factory.mktemp(f"{name}-log") / "server.log",
    )
    try:
        server.start()
    except ServerFailed as exc:
        pytest.fail(str(exc))
    try:
        yield server, db_url
    finally:
        server.stop()
