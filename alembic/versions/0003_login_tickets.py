"""login tickets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

One-time tickets that the log-in page trades over HTTP for an HttpOnly session
cookie (the session token no longer passes through the websocket).
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import trainerdesk.models


revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "login_ticket",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("trainer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("expires_at", trainerdesk.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["trainer.id"],
        ),
        sa.PrimaryKeyConstraint("ticket_hash"),
    )
    with op.batch_alter_table("login_ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_ticket_trainer_id"), ["trainer_id"], unique=False)
    # Sessions started before this revision had their token mirrored into client state: end them.
    op.execute(sa.text("DELETE FROM login_session"))


def downgrade() -> None:
    with op.batch_alter_table("login_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_ticket_trainer_id"))
    op.drop_table("login_ticket")
