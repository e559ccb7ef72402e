"""Fixtures of the API tests; the helpers they use live in ``helpers.py``.

Every test takes ``db_url`` (directly or through ``client``), so it runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from trainerdesk.api import build_api, fastpath


@pytest.fixture
def client(db_url) -> TestClient:
    """A client of a freshly built app on the test's database (server errors come back as 500s).

    With the warm-answer fast path in front, as production serves it (``api/fastpath.py``): every
    repeated slot query of the API tests is answered by it once the full stack has answered it once.
    """
    return TestClient(fastpath.in_front(build_api()), raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2 with its production cost takes ~0.3 s a hash here; the API tests make hundreds of accounts.

    The same code path runs (argon2 hashes, verified against the stored hash's
    own parameters); only the work factor is lowered, as test suites usually do.
    """
    from argon2 import PasswordHasher

    from trainerdesk.services import secrets

    # raising=False: should the module change, the tests only get slower.
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
