"""service work state: citations are leased work items (resolve, re-match) with retry
state and the originals watermark they were matched against; articles keep fetch attempts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lease_until", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("resolve_after", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("resolve_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("matched_upto", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_citations_lease_until"), ["lease_until"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_citations_matched_upto"), ["matched_upto"], unique=False
        )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("next_attempt_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
    # Before this revision every embed was marked done, even when resolving failed or was
    # skipped, and quotes stayed pending for ever: quotes have nothing to resolve.
    op.execute("UPDATE citations SET resolve_status = 'skipped' WHERE kind = 'quote'")


def downgrade() -> None:
    op.execute("UPDATE citations SET resolve_status = 'pending' WHERE resolve_status = 'skipped'")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citations_matched_upto"))
        batch_op.drop_index(batch_op.f("ix_citations_lease_until"))
        batch_op.drop_column("matched_upto")
        batch_op.drop_column("resolve_error")
        batch_op.drop_column("resolve_after")
        batch_op.drop_column("resolve_attempts")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
