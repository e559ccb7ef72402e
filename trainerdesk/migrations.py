"""Bring a database up to the newest Alembic revision (run by ``make run`` and the tests, never at import)."""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config

from .config import PROJECT_ROOT, ensure_secret_key, settings
from .db import engine_for


def upgrade(url: str | None = None) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    with engine_for(url or settings().database_url).connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


if __name__ == "__main__":
    ensure_secret_key()
    upgrade(sys.argv[1] if len(sys.argv) > 1 else None)
