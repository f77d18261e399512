"""Shared fixtures: a fresh migrated SQLite database per test, a PostgreSQL one on demand,
the shared real data by path, and a CLI runner."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bot import db

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip: the real material is not part of the project."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (the shared/ folder beside the repo)")
    return SHARED_DATA


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'quotecheck.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A fresh SQLite database at the head migration."""
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_available() -> str | None:
    try:
        probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as connection:
            connection.execute(text("select 1"))
        probe.dispose()
        return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        name = type(exc).__name__
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({name}); .ci/run starts it"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    name = f"qc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A fresh PostgreSQL database at the head migration."""
    engine = db.make_engine(pg_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def run_cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the CLI in-process on a fresh SQLite database; returns (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from bot.cli import main

    monkeypatch.setenv("QUOTECHECK_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)  # no stray .env from the repo
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
        # bot.cli.main is the real entry point (it maps errors to exit codes), so run it
        # inside the runner's stream isolation rather than through runner.invoke(app).
        code: int = 0
        with runner.isolation(input=input) as (stdout, stderr, _):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            return code, stdout.getvalue().decode(), stderr.getvalue().decode()

    return run
