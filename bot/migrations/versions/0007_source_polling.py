"""sources: title, last good poll, robots flag; articles: item guid, item hash, first seen,
unique per source; source_alerts (failing / recovered notes for the channels)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("last_ok_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("robots", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guid", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True)
        )
        batch_op.add_column(
            sa.Column("item_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("seen_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint("uq_articles_source_id_guid", ["source_id", "guid"])
        batch_op.create_unique_constraint(
            "uq_articles_source_id_item_hash", ["source_id", "item_hash"]
        )
    op.create_table(
        "source_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("source_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_alerts_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_alerts_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_alerts_sent_at"))
        batch_op.drop_index(batch_op.f("ix_source_alerts_source_id"))
    op.drop_table("source_alerts")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("uq_articles_source_id_item_hash", type_="unique")
        batch_op.drop_constraint("uq_articles_source_id_guid", type_="unique")
        batch_op.drop_column("seen_at")
        batch_op.drop_column("item_hash")
        batch_op.drop_column("guid")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("robots")
        batch_op.drop_column("last_ok_at")
        batch_op.drop_column("title")
