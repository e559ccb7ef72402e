"""outside calendars

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Calendars outside TrainerDesk (an iCalendar address or a CalDAV account per row, secrets
encrypted) and their expanded busy intervals, read by the slot rules like bookings.
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import trainerdesk.models


revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "calendar_connection",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("trainer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("url_hint", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("calendars", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("last_synced_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("last_modified", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("expanded_until", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sync_claimed_until", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["trainer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_connection_trainer_id"), ["trainer_id"], unique=False)

    op.create_table(
        "busy_time",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("connection_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("start_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["calendar_connection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["trainer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("busy_time", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_busy_time_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index("ix_busy_time_trainer_end", ["trainer_id", "end_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("busy_time", schema=None) as batch_op:
        batch_op.drop_index("ix_busy_time_trainer_end")
        batch_op.drop_index(batch_op.f("ix_busy_time_connection_id"))

    op.drop_table("busy_time")
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_connection_trainer_id"))

    op.drop_table("calendar_connection")
