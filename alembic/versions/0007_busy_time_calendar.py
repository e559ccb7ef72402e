"""busy time calendar

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

Which calendar of a CalDAV account a busy time comes from (empty for an iCalendar address), so
unchecking one calendar frees its times at once.
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("busy_time", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_href", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("busy_time", schema=None) as batch_op:
        batch_op.drop_column("calendar_href")
