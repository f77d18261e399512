from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from sqlmodel import col

from bot import db
from bot.models import Source

TABLES = {
    "sources",
    "articles",
    "citations",
    "originals",
    "speakers",
    "speaker_aliases",
    "speaker_handles",
    "matches",
    "channels",
    "digests",
    "deliveries",
    "posted",
}


def _round_trip(engine: Engine) -> None:
    db.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
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


def _drift(engine: Engine) -> list[Any]:
    """What the migrations' schema lacks or has beyond the models (alembic's autogenerate
    comparison; indexes and types included)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import bot.models  # noqa: F401  (registers the tables)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, SQLModel.metadata))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrations_build_exactly_the_models_schema(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url")
    engine = db.make_engine(url)
    db.upgrade(engine)
    try:
        assert _drift(engine) == []
    finally:
        engine.dispose()


def test_the_drift_check_sees_a_missing_column(sqlite_url: str) -> None:
    from sqlalchemy import text

    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE channels DROP COLUMN platforms"))
    drift = _drift(engine)
    engine.dispose()
    assert any(d[0] == "add_column" and d[3].name == "platforms" for d in drift), drift


# ------------------------------------------------------------------------------ leases

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database of each kind (PostgreSQL skips when the server is absent)."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return url


def _add_sources(engine: Engine, due: int, later: int = 0) -> None:
    with db.session_scope(engine) as session:
        for n in range(due + later):
            when = NOW - timedelta(minutes=1) if n < due else NOW + timedelta(hours=1)
            session.add(Source(url=f"https://feeds.example/{n}", next_poll_at=when))


def _due() -> list[Any]:
    return [col(Source.next_poll_at) <= NOW]


def test_claim_due_claims_only_due_free_rows_and_expired_leases_again(any_url: str) -> None:
    engine = db.make_engine(any_url)
    _add_sources(engine, due=3, later=2)
    first = db.claim_due(engine, Source, owner="a", now=NOW, lease=LEASE, limit=2, due=_due())
    rest = db.claim_due(engine, Source, owner="b", now=NOW, lease=LEASE, limit=10, due=_due())
    assert (first, rest) == ([1, 2], [3])  # rows 4 and 5 are not due
    # while the leases run nobody gets them
    assert db.claim_due(engine, Source, owner="c", now=NOW + LEASE, lease=LEASE, due=_due()) == []
    # once expired (a crashed worker), another worker takes them over
    later = NOW + LEASE + timedelta(seconds=1)
    assert db.claim_due(engine, Source, owner="c", now=later, lease=LEASE, due=_due()) == [1, 2, 3]
    with engine.connect() as connection:
        owners = connection.execute(select(Source.lease_owner).order_by(Source.id)).scalars().all()
    assert owners == ["c", "c", "c", None, None]
    engine.dispose()


def test_release_frees_only_the_owners_leases(any_url: str) -> None:
    engine = db.make_engine(any_url)
    _add_sources(engine, due=4)
    mine = db.claim_due(engine, Source, owner="a", now=NOW, lease=LEASE, limit=2, due=_due())
    db.claim_due(engine, Source, owner="b", now=NOW, lease=LEASE, limit=2, due=_due())
    db.release(engine, Source, [1, 2, 3, 4], owner="a")
    assert db.claim_due(engine, Source, owner="c", now=NOW, lease=LEASE, due=_due()) == mine
    engine.dispose()


def _claim_all(url: str, owner: str, barrier: Any, results: Any) -> None:
    """Worker process: claim due sources 3 at a time until none are left."""
    engine = db.make_engine(url)
    claimed: list[int] = []
    barrier.wait(timeout=60)
    while True:
        ids = db.claim_due(engine, Source, owner=owner, now=NOW, lease=LEASE, limit=3, due=_due())
        if not ids:
            break
        claimed.extend(ids)
    engine.dispose()
    results.put((owner, claimed))


def test_two_processes_claim_disjoint_sets(any_url: str) -> None:
    rows = 120
    engine = db.make_engine(any_url)
    _add_sources(engine, due=rows, later=5)
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_claim_all, args=(any_url, owner, barrier, results))
        for owner in ("w1", "w2")
    ]
    for worker in workers:
        worker.start()
    got = dict(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()
    assert not set(got["w1"]) & set(got["w2"])  # nothing claimed twice
    assert sorted(got["w1"] + got["w2"]) == list(range(1, rows + 1))  # every due row claimed


def test_sqlite_pragmas_are_set_for_a_while_then_restored(engine: Engine) -> None:
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        before = (pragma("PRAGMA cache_size").scalar(), pragma("PRAGMA threads").scalar())
        assert before != (-4096, 3)
        with db.sqlite_pragmas(connection, cache_size=-4096, threads=3):
            assert pragma("PRAGMA cache_size").scalar() == -4096
            assert pragma("PRAGMA threads").scalar() == 3
        assert (pragma("PRAGMA cache_size").scalar(), pragma("PRAGMA threads").scalar()) == before
