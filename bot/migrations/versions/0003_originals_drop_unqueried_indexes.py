"""originals: drop the two indexes nothing queries (posted_at; author_handle, posted_at)

Both are filled in random order by an import (tweets arrive by account, not by time), so at
a million rows they cost a dirty B-tree page per inserted row; no query reads them (originals
are found by id, by (platform, post_id), by parent_id or by speaker_id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_originals_author_posted", table_name="originals")
    op.drop_index("ix_originals_posted_at", table_name="originals")


def downgrade() -> None:
    op.create_index("ix_originals_posted_at", "originals", ["posted_at"], unique=False)
    op.create_index(
        "ix_originals_author_posted", "originals", ["author_handle", "posted_at"], unique=False
    )
