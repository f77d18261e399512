"""Engine, sessions, migrations and work leases.

SQLite is the default (one file, WAL, foreign keys on); PostgreSQL serves several replicas.
Due work (a source to poll, an article to process, a delivery to send) is claimed with
:func:`claim_due`, so that each item is handled by one worker until its lease expires.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, create_engine

from bot.models import Leased

MIGRATIONS = Path(__file__).parent / "migrations"

L = TypeVar("L", bound=Leased)


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """An engine for *database_url*; for SQLite the folder is created and WAL switched on."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def sqlite_pragmas(connection: Connection, **values: int) -> Iterator[None]:
    """Set these integer PRAGMAs on a SQLite connection for a while, then the earlier values
    (on another database, nothing)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    run = connection.exec_driver_sql
    before = {name: int(run(f"PRAGMA {name}").scalar() or 0) for name in values}
    for name, value in values.items():
        run(f"PRAGMA {name}={int(value)}")
    try:
        yield
    finally:
        for name, value in before.items():
            run(f"PRAGMA {name}={value}")


@contextmanager
def attached(connection: Connection, name: str, path: str | Path) -> Iterator[None]:
    """ATTACH a SQLite database file as *name* for a while. Call it outside a transaction
    (SQLite cannot attach or detach inside one); a transaction left open is rolled back."""
    connection.exec_driver_sql(f"ATTACH DATABASE ? AS {name}", (str(path),))
    connection.commit()  # ATTACH began nothing: leave the connection free to begin
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql(f"DETACH DATABASE {name}")
        connection.commit()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to *revision* (what `quotecheck db upgrade` and start-up do)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def claim_due(
    engine: Engine,
    model: type[L],
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 10,
    due: Sequence[ColumnElement[bool]] = (),
) -> list[int]:
    """Claim up to *limit* rows of *model* matching *due* whose lease is free or expired.

    On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so workers running at
    the same moment get disjoint sets; on SQLite the claim is one ``UPDATE … RETURNING``
    statement, which SQLite runs under its single write lock. Returns the claimed ids.
    """
    table: Any = model.__table__  # type: ignore[attr-defined]
    free = or_(table.c.lease_until.is_(None), table.c.lease_until < now)
    pick = select(table.c.id).where(free, *due).order_by(table.c.id).limit(limit)
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(pick.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(table.c.id)
    )
    with engine.begin() as connection:
        return sorted(row[0] for row in connection.execute(statement))


def release(engine: Engine, model: type[L], ids: Sequence[int], *, owner: str) -> None:
    """Give back leases this *owner* holds (work done, or handed back)."""
    if not ids:
        return
    table: Any = model.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id.in_(list(ids)), table.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )
