from __future__ import annotations

from sqlalchemy import Engine, inspect

from bot import db

TABLES = {
    "sources", "articles", "citations", "originals", "speakers", "speaker_aliases",
    "speaker_handles", "matches", "channels", "digests", "deliveries",
}


def _round_trip(engine: Engine) -> None:
    db.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    db.downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) is not None
    engine.dispose()


def test_migrations_round_trip_on_sqlite(sqlite_url: str) -> None:
    _round_trip(db.make_engine(sqlite_url))


def test_migrations_round_trip_on_postgres(pg_url: str) -> None:
    _round_trip(db.make_engine(pg_url))
