"""Shared fixtures: a fresh migrated SQLite database per test, a PostgreSQL one on demand,
the shared real data by path, and a CLI runner."""

from __future__ import annotations

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
        return f"PostgreSQL not reachable at 127.0.0.1:5432 ({type(exc).__name__}); .ci/run starts it"


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
        def entry() -> None:
            main(list(args))

        result = runner.invoke(_Entry(entry), [], input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


class _Entry:
    """Adapts bot.cli.main to CliRunner.invoke, which expects a click command."""

    def __init__(self, fn):  # type: ignore[no-untyped-def]
        from typer import _click as click  # typer vendors click

        self.command = click.Command("quotecheck", callback=fn)

    def main(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.command.main(*args, **kwargs)
