"""reminders and webhooks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Reminder emails (a preference, and reminders as outbox rows with a due time) and webhooks (the
trainer's endpoints and their deliveries, an outbox of their own).
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import trainerdesk.models


revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("booking_preferences", schema=None) as batch_op:
        # Existing trainers get the default: one reminder a day before.
        batch_op.add_column(sa.Column("reminder_hours", sa.JSON(), nullable=False, server_default="[24]"))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("remind_start", trainerdesk.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "not_sent_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=""
            )
        )
        batch_op.create_index("ux_outbox_reminder", ["booking_id", "remind_hours", "remind_start"], unique=True)

    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("trainer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("failing_since", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["trainer_id"], ["trainer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoint_trainer_id"), ["trainer_id"], unique=False)

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leased_until", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_index("ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_due")
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_endpoint_id"))
    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoint_trainer_id"))
    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ux_outbox_reminder")
        batch_op.drop_column("not_sent_reason")
        batch_op.drop_column("remind_start")
        batch_op.drop_column("remind_hours")
    with op.batch_alter_table("booking_preferences", schema=None) as batch_op:
        batch_op.drop_column("reminder_hours")
