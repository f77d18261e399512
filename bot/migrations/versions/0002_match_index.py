"""match index: hashed word shingles of the originals (bot.match.index)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:34:09.293522
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Posting lists: one row per (shingle, original); a clustered primary key on SQLite
    # (WITHOUT ROWID), a btree on PostgreSQL. No foreign key: rows of a deleted original are
    # ignored by search (it joins originals) and removed by unindex().
    op.create_table(
        "match_shingles",
        sa.Column("shingle", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("original_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("shingle", "original_id"),
        sqlite_with_rowid=False,
    )
    # The shingles stored for each indexed original, so re-indexing can remove them.
    op.create_table(
        "match_docs",
        sa.Column("original_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shingles", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["original_id"], ["originals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("original_id"),
    )


def downgrade() -> None:
    op.drop_table("match_docs")
    op.drop_table("match_shingles")
