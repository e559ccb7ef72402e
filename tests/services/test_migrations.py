"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL.

Some columns are derived (one per declared preference, ``models.BookingPreferences``), so a
preference added without its migration, or a migration that drifts from the models, fails here.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import trainerdesk.models  # noqa: F401 - registers every table on SQLModel.metadata
from trainerdesk.db import engine_for
from trainerdesk.domain.preferences import PREFERENCES


def test_migrated_schema_matches_the_models(db_url):
    with engine_for(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_every_declared_preference_is_a_column(db_url):
    with engine_for(db_url).connect() as conn:
        context = MigrationContext.configure(conn)
        columns = {c["name"] for c in context.impl.dialect.get_columns(conn, "booking_preferences")}
    assert {spec.name for spec in PREFERENCES} <= columns
