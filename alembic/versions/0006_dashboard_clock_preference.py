"""dashboard clock preference

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

How the trainer's dashboard writes times: as the browser's language does, 24-hour or 12-hour.
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("booking_preferences", schema=None) as batch_op:
        # Existing trainers keep what they had: times as their browser's language writes them.
        batch_op.add_column(
            sa.Column("clock", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="auto")
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_preferences", schema=None) as batch_op:
        batch_op.drop_column("clock")
