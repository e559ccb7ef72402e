"""Secrets at rest: no API key, booking token or password is stored in clear (docs/api.md "Bookings", models.py).

After a signup, a login (a second key) and a booking (its token) the test
reads what the database holds: on SQLite the raw bytes of the database file
and its WAL, on PostgreSQL every column of every row of every table as text.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.api.helpers import book, future_day, local, open_trainer
from trainerdesk.db import engine_for


def _read_elsewhere(path: Path) -> bytes:
    """The file's bytes, read by another process.

    Opening and closing a database file in this process would drop SQLite's POSIX locks on it (they
    belong to the process, and close() releases them all), and the app's open connections would then
    corrupt the shared WAL index: "disk I/O error" in later tests.
    """
    return subprocess.run(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())", str(path)],
        check=True,
        capture_output=True,
    ).stdout


def stored_text(db_url: str) -> dict[str, str]:
    """Where -> what is stored there: the SQLite file (and WAL) as bytes, or each PostgreSQL table's rows as text."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        base = Path(url.database)
        raw = b"".join(_read_elsewhere(p) for p in (base, base.with_name(base.name + "-wal")) if p.exists())
        assert raw, "the SQLite file is empty"
        return {base.name: raw.decode("latin-1")}
    engine = engine_for(db_url)
    chunks = {}
    with engine.connect() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            )
            .scalars()
            .all()
        )
        assert "booking" in tables and "api_key" in tables, tables
        for table in tables:
            chunks[table] = "\n".join(conn.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars().all())
    return chunks


def test_no_secret_is_stored_in_clear(client, db_url):
    password = f"pw-{uuid.uuid4().hex}"  # unique, so no other test's data can match it
    trainer = open_trainer(client, password=password)
    login = client.post("/api/auth/login", json={"email": trainer.email, "password": password})
    assert login.status_code == 200
    login_key = login.json()["apiKey"]
    booking = book(client, trainer.id, local(future_day(9), 10), notes="see you")
    moved = client.post(
        f"/api/bookings/{booking['id']}/reschedule",
        json={"token": booking["token"], "startTime": local(future_day(9), 12).isoformat()},
    )
    assert moved.status_code == 200, moved.text

    stored = stored_text(db_url)
    everything = "\n".join(stored.values())
    # The rows are there (the test reads the right data) ...
    assert booking["id"] in everything and trainer.email in everything and "see you" in everything
    # ... but not the secrets.
    secrets = {
        "signup API key": trainer.key,
        "login API key": login_key,
        "booking token": booking["token"],
        "password": password,
    }
    leaked = [
        f"{name} (in {', '.join(where for where, data in stored.items() if secret in data)})"
        for name, secret in secrets.items()
        if secret in everything
    ]
    assert not leaked, f"stored in clear: {', '.join(leaked)}"
