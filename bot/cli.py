"""The command line: thin commands that parse arguments, build settings, call the library.

Every command that reads the database builds the engine through :func:`open_engine`, which
applies pending migrations first. A bad argument or setting exits 2 with one line on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
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


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")


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


# -- originals and speakers (bot/originals) ---------------------------------------------------


@originals_app.command("import")
def originals_import(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Files of originals (.jsonl, .json, .csv, .gz).")
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="auto|jsonl|csv|tta|tweets|whitehouse")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Do not update the search index.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON summary a file.")] = False,
) -> None:
    """Import originals from files; importing the same file again changes nothing."""
    from bot.originals.importers import FORMATS, ImportFormatError, import_file

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} is unknown; use one of {', '.join(FORMATS)}")
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file; pass the path of an originals file")
    engine = open_engine(ctx)
    for path in files:
        with _import_progress(str(path), enabled=not quiet and not as_json) as progress:
            try:
                summary = import_file(engine, path, fmt=fmt, progress=progress, index=not no_index)
            except ImportFormatError as exc:
                fail(str(exc))
        if as_json:
            print_json({"file": str(path), **summary.to_json()})
            continue
        console.print(
            f"{path}: added {summary.added}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}, rejected {summary.rejected_count}"
            + (f" ({summary.passages} passages written)" if summary.passages else ""),
            markup=False,
            highlight=False,
        )
        for line, reason in summary.rejected[:20]:
            console.print(f"  line {line}: {reason}", markup=False, highlight=False)
        if summary.rejected_count > 20:
            console.print(f"  … {summary.rejected_count - 20} more rejected", markup=False)


@contextmanager
def _import_progress(label: str, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr, only when stderr is a terminal."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@originals_app.command("show")
def originals_show(
    ctx: typer.Context,
    original_id: Annotated[int, typer.Argument(metavar="ID", help="The original's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show an original: status, text, passages or parent, earlier texts."""
    from sqlmodel import Session

    from bot.originals.show import describe_original

    with Session(open_engine(ctx)) as session:
        data = describe_original(session, original_id)
    if data is None:
        fail(f"no original with id {original_id}; find ids with `quotecheck originals search`")
    if as_json:
        print_json(data)
        return
    out = console
    out.print(
        f"#{data['id']} {data['platform']} {data['post_id']} [{data['kind']}, {data['status']}"
        + (", retweet" if data["is_retweet"] else "")
        + "]",
        markup=False,
        highlight=False,
    )
    for key in ("url", "author_name", "author_handle", "speaker", "posted_at", "title"):
        if data[key]:
            out.print(f"{key}: {data[key]}", markup=False, highlight=False)
    if data["parent"]:
        out.print(f"part of #{data['parent']['id']} ({data['parent']['title']})", markup=False)
    out.print("", data["text"], "", sep="\n", markup=False, highlight=False)
    for passage in data["passages"]:
        out.print(
            f"  passage #{passage['id']} ({passage['author_name']}): {passage['text'][:100]}",
            markup=False,
            highlight=False,
        )
    for revision in data["revisions"]:
        out.print(
            f"  earlier ({revision['replaced_at']}, {revision['status']}): {revision['text']}",
            markup=False,
            highlight=False,
        )


@speakers_app.command("add")
def speakers_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The speaker's full name.")],
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Another name (repeatable).")
    ] = None,
    handle: Annotated[
        list[str] | None,
        typer.Option(
            "--handle", help="PLATFORM:HANDLE, e.g. twitter:realDonaldTrump (repeatable)."
        ),
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role or office.")] = None,
) -> None:
    """Add a speaker, or add aliases and handles to one."""
    from bot.db import session_scope
    from bot.originals.speakers import get_or_create_speaker

    pairs: list[tuple[str, str]] = []
    for item in handle or []:
        platform, _, value = item.partition(":")
        if not platform.strip() or not value.strip().lstrip("@"):
            fail(f"--handle {item!r} must be PLATFORM:HANDLE, e.g. twitter:realDonaldTrump")
        pairs.append((platform.strip(), value.strip()))
    if not name.strip():
        fail("NAME is empty; pass the speaker's full name")
    with session_scope(open_engine(ctx)) as session:
        speaker = get_or_create_speaker(
            session, name, role=role, aliases=alias or (), handles=pairs
        )
        console.print(f"speaker #{speaker.id} {speaker.name}", markup=False, highlight=False)


@speakers_app.command("list")
def speakers_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List speakers with their aliases and handles."""
    from sqlmodel import Session

    from bot.originals.show import list_speakers

    with Session(open_engine(ctx)) as session:
        rows = list_speakers(session)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"#{row['id']} {row['name']}"
            + (f" ({row['role']})" if row["role"] else "")
            + (f" — {', '.join(row['handles'])}" if row["handles"] else "")
            + (f" — aka {', '.join(row['aliases'])}" if row["aliases"] else ""),
            markup=False,
            highlight=False,
        )


# -- extract (bot/extract) ----------------------------------------------------------------


@app.command("extract")
def extract_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str], typer.Argument(help="Article URL, HTML file, or - for standard input.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the contract JSON (one line per source).")
    ] = False,
) -> None:
    """Extract title, date, embedded posts and quotes from articles; nothing is stored."""
    import asyncio

    from bot.extract.article import extract_article
    from bot.http import make_async_client
    from bot.pipeline import SourceError, load_source

    settings = get_settings(ctx)
    stdin = sys.stdin.buffer.read() if "-" in sources else None

    async def run() -> list[str]:
        failed: list[str] = []
        async with make_async_client(settings) as client:
            for source in sources:
                try:
                    loaded = await load_source(client, source, stdin=stdin)
                except SourceError as exc:
                    if len(sources) == 1:
                        fail(str(exc))
                    err_console.print(f"error: {exc}", markup=False, highlight=False)
                    failed.append(source)
                    continue
                article = extract_article(
                    loaded.content, loaded.url, content_type=loaded.content_type
                )
                for problem in article.errors:
                    logging.getLogger("bot.extract").warning("%s: %s", source, problem)
                if as_json:
                    print_json(article.to_json())
                else:
                    _print_article(article, source)
        return failed

    failed = asyncio.run(run())
    if failed:
        fail(f"{len(failed)} of {len(sources)} sources could not be read: {', '.join(failed)}")


def _print_article(article: Any, source: str) -> None:
    """A readable summary of one extracted article: title, date, embeds, quotes."""
    from rich.markup import escape

    console.rule(escape(article.title or source))
    console.print(f"[dim]source[/dim] {escape(source)}", highlight=False)
    if article.canonical_url:
        console.print(f"[dim]canonical[/dim] {escape(article.canonical_url)}", highlight=False)
    published = article.published_at or "unknown"
    language = article.language or "unknown"
    console.print(f"[dim]published[/dim] {published}  [dim]language[/dim] {language}")
    console.print(f"[bold]Embedded posts ({len(article.embeds)})[/bold]")
    for embed in article.embeds:
        who = embed.author_name or ""
        if embed.author_handle:
            who = f"{who} (@{embed.author_handle})".strip()
        when = f", {embed.posted_at}" if embed.posted_at else ""
        console.print(f"  {embed.platform}: {escape(who or '?')}{when}", highlight=False)
        console.print(f"    {escape(embed.url)}", highlight=False)
        if embed.text:
            console.print(f"    [italic]{escape(embed.text[:280])}[/italic]", highlight=False)
    console.print(f"[bold]Quotes ({len(article.quotes)})[/bold]")
    for quote in article.quotes:
        speaker = quote.speaker or "unknown speaker"
        if quote.speaker_role:
            speaker = f"{speaker}, {quote.speaker_role}"
        hints = ", ".join(h for h in (quote.cue, quote.platform_hint, quote.date_hint) if h)
        console.print(f"  “{escape(quote.text)}”", highlight=False)
        console.print(f"    — {escape(speaker)}" + (f" ({escape(hints)})" if hints else ""))
    console.print()


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit 0 on success, 1 on problems found (--fail-on), 2 on bad input."""
    try:
        app(args=argv, standalone_mode=False)
    except ConfigError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        hint = f" (see `quotecheck {exc.ctx.command_path.partition(' ')[2]} --help`)".replace(
            "  ", " "
        ) if exc.ctx else ""
        err_console.print(
            f"error: {exc.format_message()}{hint}", markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
