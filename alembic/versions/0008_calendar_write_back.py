"""calendar write back

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

CalDAV write-back: an outbox of "bring this booking up to date in that calendar" rows, and the
last write error of each connection.
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import trainerdesk.models


revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("write_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default="")
        )
    op.create_table(
        "calendar_write",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("booking_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("calendar_href", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.ForeignKeyConstraint(["connection_id"], ["calendar_connection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("calendar_write", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_write_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_write_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index("ix_calendar_write_pending", ["done_at", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_write", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_write_pending")
        batch_op.drop_index(batch_op.f("ix_calendar_write_connection_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_write_booking_id"))
    op.drop_table("calendar_write")
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.drop_column("write_error")
