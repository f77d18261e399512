"""The command line: thin commands that parse arguments, build settings, call the library.

Every command that reads the database builds the engine through :func:`open_engine`, which
applies pending migrations first. A bad argument or setting exits 2 with one line on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from typer import _click as click  # typer >= 0.2x vendors click (no separate package)

from bot import db
from bot.config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="quotecheck",
    help="Check the posts and statements that news articles quote against the originals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
originals_app = typer.Typer(
    help="The store of originals quotes are checked against.", no_args_is_help=True
)
app.add_typer(originals_app, name="originals")
speakers_app = typer.Typer(
    help="Speakers: names, aliases and platform handles.", no_args_is_help=True
)
app.add_typer(speakers_app, name="speakers")
sources_app = typer.Typer(
    help="News sources to watch: feeds, sitemaps, pages.", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")
channels_app = typer.Typer(help="Chat channels that receive digests.", no_args_is_help=True)
app.add_typer(channels_app, name="channels")

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    """What every command shares: the settings and the engine, built once and on demand."""

    settings: Settings | None = None
    engine: Engine | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def get_settings(ctx: typer.Context) -> Settings:
    current = state(ctx)
    if current.settings is None:
        current.settings = load_settings(**current.overrides)
    return current.settings


def open_engine(ctx: typer.Context) -> Engine:
    """The database engine, with migrations applied (start-up upgrade)."""
    current = state(ctx)
    if current.engine is None:
        current.engine = db.make_engine(get_settings(ctx).database_url)
        db.upgrade(current.engine)
    return current.engine


def fail(message: str) -> NoReturn:
    """Bad input or configuration: one line on stderr, exit 2."""
    raise ConfigError(message)


def now_utc() -> datetime:
    return datetime.now(UTC)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")


def print_table(
    columns: Sequence[str], folded: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """A Rich table: *columns* kept on one line, then *folded* columns that may wrap."""
    from rich.table import Table

    table = Table()
    for name in columns:
        table.add_column(name, no_wrap=True)
    for name in folded:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def minute_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Overrides QUOTECHECK_DATABASE_URL."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    current = state(ctx)
    if database_url:
        current.overrides["database_url"] = database_url
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending schema migration (start-up does this too)."""
    engine = open_engine(ctx)
    console.print(f"database at revision {db.current_revision(engine)}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit 0 on success, 1 on problems found (--fail-on), 2 on bad input."""
    try:
        # Without standalone mode click returns typer.Exit's code instead of raising it.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except ConfigError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        hint = (
            f" (see `quotecheck {exc.ctx.command_path.partition(' ')[2]} --help`)".replace(
                "  ", " "
            )
            if exc.ctx
            else ""
        )
        err_console.print(
            f"error: {exc.format_message()}{hint}", markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)


# Registers the commands on the Typer apps above (they import this module's helpers).
from bot.commands import admin as _admin  # noqa: E402, F401
from bot.commands import articles as _articles  # noqa: E402, F401
from bot.commands import channels as _channels  # noqa: E402, F401
from bot.commands import digest as _digest  # noqa: E402, F401
from bot.commands import originals as _originals  # noqa: E402, F401
from bot.commands import receipt as _receipt  # noqa: E402, F401
from bot.commands import recheck as _recheck  # noqa: E402, F401
from bot.commands import service as _service  # noqa: E402, F401
from bot.commands import sources as _sources  # noqa: E402, F401
