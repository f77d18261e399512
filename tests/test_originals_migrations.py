from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect

from bot import db

DROPPED = {"ix_originals_posted_at", "ix_originals_author_posted"}
KEPT = {"ix_originals_speaker_id", "ix_originals_parent_id"}


def _indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("originals")}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_0003_drops_the_unqueried_originals_indexes_and_puts_them_back(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url")
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, "0003")
        assert not DROPPED & _indexes(engine) and _indexes(engine) >= KEPT
        db.downgrade(engine, "0002")
        assert _indexes(engine) >= DROPPED | KEPT
        db.upgrade(engine, "0003")
        assert not DROPPED & _indexes(engine) and _indexes(engine) >= KEPT
    finally:
        engine.dispose()
