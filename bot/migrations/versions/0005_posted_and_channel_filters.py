"""posted: what each channel was sent about each citation; channel filters

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speakers", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sources", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("platforms", sa.Text(), nullable=True))
    op.create_table(
        "posted",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("citation_id", sa.Integer(), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("headline", sa.String(length=16), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"]),
        sa.ForeignKeyConstraint(["citation_id"], ["citations.id"]),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"]),
        sa.ForeignKeyConstraint(["verdict_id"], ["matches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "verdict_id"),
    )
    with op.batch_alter_table("posted", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posted_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posted_citation_id"), ["citation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posted_digest_id"), ["digest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posted", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posted_digest_id"))
        batch_op.drop_index(batch_op.f("ix_posted_citation_id"))
        batch_op.drop_index(batch_op.f("ix_posted_channel_id"))
    op.drop_table("posted")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("platforms")
        batch_op.drop_column("sources")
        batch_op.drop_column("speakers")
