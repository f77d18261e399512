"""The command line: thin commands that parse arguments, build settings, call the library.

Every command that reads the database builds the engine through :func:`open_engine`, which
applies pending migrations first. A bad argument or setting exits 2 with one line on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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


def _minute(moment: datetime | None) -> str:
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


# ----------------------------------------------------------------- status, sources, channels


@app.command("status")
def status_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Sources failing, articles by status, citations and deliveries waiting or dead."""
    from bot import admin

    report = admin.status_report(open_engine(ctx))
    if as_json:
        print_json(report)
        return
    sources = report["sources"]
    console.print(f"sources: {sources['total']}, failing: {len(sources['failing'])}")
    for item in sources["failing"]:
        console.print(
            f"  [{item['id']}] {item['url']}: {item['failures']} failures, last: "
            f"{item['last_error'] or '?'}",
            markup=False,
            highlight=False,
        )
    articles = ", ".join(f"{name} {n}" for name, n in report["articles"].items())
    console.print(f"articles: {articles}")
    console.print(f"citations pending resolution: {report['citations']['pending']}")
    deliveries = report["deliveries"]
    console.print(f"deliveries: pending {deliveries['pending']}, dead {deliveries['dead']}")
    console.print(f"channels: {report['channels']['total']}")


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="http(s) URL of the feed, sitemap or page.")],
    kind: Annotated[
        str, typer.Option("--kind", help="feed, sitemap, page or statements.")
    ] = "feed",
    every: Annotated[
        str | None,
        typer.Option(
            "--every", help="Poll interval, e.g. 15m or 1h (default QUOTECHECK_POLL_INTERVAL)."
        ),
    ] = None,
) -> None:
    """Watch a new source; it is polled first on the next cycle."""
    from bot import admin

    interval = every if every is not None else get_settings(ctx).poll_interval
    info = admin.add_source(open_engine(ctx), url, kind=kind, every=interval, now=_now())
    console.print(
        f"added source {info.id}: {info.url} ({info.kind}, every "
        f"{admin.format_every(info.every_seconds)})",
        markup=False,
        highlight=False,
    )


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The sources watched, with their interval, next poll and last error."""
    from bot import admin

    infos = admin.list_sources(open_engine(ctx))
    if as_json:
        print_json([info.to_json() for info in infos])
        return
    if not infos:
        console.print("no sources; add one with `quotecheck sources add URL`", markup=False)
        return
    print_table(
        ("id", "kind", "every", "next poll (UTC)", "failures"),
        ("URL", "last error"),
        [
            (
                str(info.id),
                info.kind,
                admin.format_every(info.every_seconds),
                _minute(info.next_poll_at),
                str(info.failures),
                info.url,
                info.last_error or "",
            )
            for info in infos
        ],
    )


@sources_app.command("remove")
def sources_remove(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The source's id or URL.")],
) -> None:
    """Stop watching a source (its articles are kept)."""
    from bot import admin

    info = admin.remove_source(open_engine(ctx), source)
    console.print(f"removed source {info.id}: {info.url}", markup=False, highlight=False)


@channels_app.command("add")
def channels_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the channel, e.g. newsroom.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="slack, discord, teams, mattermost, googlechat, matrix, webhook or stdout.",
        ),
    ],
    url: Annotated[
        str | None, typer.Option("--url", help="Webhook URL (not needed for stdout).")
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", help="Cron of the digest (default QUOTECHECK_DIGEST_SCHEDULE)."),
    ] = None,
    min_severity: Annotated[
        str,
        typer.Option("--min-severity", help="Least severe verdict reported, e.g. paraphrase."),
    ] = "verbatim",
) -> None:
    """Send digests to a chat channel on a cron schedule."""
    from bot import admin

    info = admin.add_channel(
        open_engine(ctx),
        name,
        kind=kind,
        url=url,
        schedule=schedule or get_settings(ctx).digest_schedule,
        min_severity=min_severity,
        now=_now(),
    )
    console.print(
        f"added channel {info.name} ({info.kind}, '{info.schedule}', from {info.min_severity})",
        markup=False,
        highlight=False,
    )


@channels_app.command("list")
def channels_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The channels, their schedule and threshold (webhook URLs shown masked)."""
    from bot import admin

    infos = admin.list_channels(open_engine(ctx))
    if as_json:
        print_json([info.to_json() for info in infos])
        return
    if not infos:
        console.print(
            "no channels; add one with `quotecheck channels add NAME --kind K --url URL`",
            markup=False,
        )
        return
    print_table(
        ("name", "kind", "schedule", "min severity", "last digest (UTC)"),
        ("URL",),
        [
            (
                info.name,
                info.kind,
                info.schedule,
                info.min_severity,
                _minute(info.last_digest_at),
                info.url,
            )
            for info in infos
        ],
    )


@channels_app.command("remove")
def channels_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The channel's name.")],
) -> None:
    """Remove a channel, with its digests and their deliveries."""
    from bot import admin

    info = admin.remove_channel(open_engine(ctx), name)
    console.print(f"removed channel {info.name}", markup=False, highlight=False)


def _now() -> datetime:
    return datetime.now(UTC)


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
            soft_wrap=True,
        )
        for line, reason in summary.rejected[:20]:
            console.print(f"  line {line}: {reason}", markup=False, highlight=False)
        if summary.rejected_count > 20:
            console.print(
                f"  … {summary.rejected_count - 20} more rejected", markup=False, soft_wrap=True
            )


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
        soft_wrap=True,
    )
    for key in ("url", "author_name", "author_handle", "speaker", "posted_at", "title"):
        if data[key]:
            out.print(f"{key}: {data[key]}", markup=False, highlight=False)
    if data["parent"]:
        out.print(
            f"part of #{data['parent']['id']} ({data['parent']['title']})",
            markup=False,
            soft_wrap=True,
        )
    out.print("", data["text"], "", sep="\n", markup=False, highlight=False, soft_wrap=True)
    for passage in data["passages"]:
        out.print(
            f"  passage #{passage['id']} ({passage['author_name']}): {passage['text'][:100]}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for revision in data["revisions"]:
        out.print(
            f"  earlier ({revision['replaced_at']}, {revision['status']}): {revision['text']}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@originals_app.command("search")
def originals_search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The quote to look for.")],
    speaker: Annotated[
        str | None,
        typer.Option("--speaker", help="Only this speaker's originals (name, alias, @handle)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many candidates, best first.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find the originals a quote may come from, best first (rapidfuzz score 0-100)."""
    from rich.table import Table
    from sqlmodel import Session

    from bot.match.index import candidate_texts, search
    from bot.match.shingles import index_words
    from bot.originals.speakers import find_speaker

    if limit < 1:
        fail(f"--limit {limit} is too small; pass 1 or more")
    if not index_words(text):
        fail("TEXT has no words; pass the quote to look for")
    engine = open_engine(ctx)
    speaker_ids: set[int] | None = None
    if speaker is not None:
        with Session(engine) as session:
            found = find_speaker(session, speaker)
        if found is None or found.id is None:
            fail(
                f"--speaker {speaker!r} is not a known speaker; see `quotecheck speakers list` "
                "or add one with `quotecheck speakers add`"
            )
        speaker_ids = {found.id}
    with engine.connect() as connection:
        candidates = search(connection, text, limit=limit, speaker_ids=speaker_ids)
        rows = candidate_texts(connection, [c.original_id for c in candidates])
    results: list[dict[str, Any]] = []
    for candidate in candidates:
        row = rows.get(candidate.original_id)
        if row is None:  # deleted since the search
            continue
        results.append(
            {
                "id": row.id,
                "score": round(candidate.score, 1),
                "shared": candidate.shared,
                "platform": row.platform,
                "post_id": row.post_id,
                "url": row.url,
                "author_name": row.author_name,
                "author_handle": row.author_handle,
                "posted_at": row.posted_at.isoformat() if row.posted_at else None,
                "status": row.status,
                "kind": row.kind,
                "text": row.text,
            }
        )
    if as_json:
        print_json({"query": text, "results": results})
        return
    if not results:
        console.print("no original found", markup=False, soft_wrap=True)
        return
    table = Table("id", "score", "date", "author", "status", "text", show_lines=True)
    for item in results:
        table.add_row(
            str(item["id"]),
            f"{item['score']:.0f}",
            str(item["posted_at"] or "")[:10],
            str(item["author_handle"] or item["author_name"] or ""),
            str(item["status"]),
            str(item["text"]),
        )
    console.print(table)


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
            soft_wrap=True,
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
    from bot.report import render_extraction

    settings = get_settings(ctx)
    stdin = sys.stdin.buffer.read() if "-" in sources else None

    async def run() -> list[str]:
        failed: list[str] = []
        async with make_async_client(settings) as client:
            for source in sources:
                try:
                    loaded = await load_source(client, source, stdin=stdin)
                except SourceError as exc:
                    _source_failed(exc, source, sources, failed)
                    continue
                article = extract_article(
                    loaded.content, loaded.url, content_type=loaded.content_type
                )
                for problem in article.errors:
                    logging.getLogger("bot.extract").warning("%s: %s", source, problem)
                if as_json:
                    print_json(article.to_json())
                else:
                    console.print(render_extraction(article, source), highlight=False)
        return failed

    _fail_if_any_failed(asyncio.run(run()), sources)


def _source_failed(exc: Exception, source: str, sources: list[str], failed: list[str]) -> None:
    """A source that cannot be read: alone, exit 2 now; among several, say so and go on."""
    if len(sources) == 1:
        fail(str(exc))
    err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    failed.append(source)


def _fail_if_any_failed(failed: list[str], sources: list[str]) -> None:
    if failed:
        fail(f"{len(failed)} of {len(sources)} sources could not be read: {', '.join(failed)}")


# -- check and demo (matching) -------------------------------------------------------------


def _fail_on_level(fail_on: str | None) -> int | None:
    from bot.config import SEVERITIES

    if fail_on is None:
        return None
    name = fail_on.strip().lower().replace(" ", "_").replace("-", "_")
    if name not in SEVERITIES:
        fail(f"--fail-on {fail_on!r}: use one of {', '.join(SEVERITIES)}")
    return SEVERITIES.index(name)


def _run_checks(
    ctx: typer.Context,
    sources: list[str],
    *,
    as_json: bool,
    resolve: bool,
    fail_level: int | None,
) -> None:
    """Check each source in order, printing each result as it comes; exit 1 per --fail-on."""
    import asyncio

    from bot.http import make_async_client
    from bot.match.verdict import severity
    from bot.pipeline import SourceError, check_source
    from bot.report import render

    settings = get_settings(ctx)
    engine = open_engine(ctx)
    stdin = sys.stdin.buffer.read() if "-" in sources else None

    failed: list[str] = []

    async def run() -> bool:
        problem = False
        async with make_async_client(settings) as client:
            for source in sources:
                try:
                    result = await check_source(
                        source,
                        settings=settings,
                        engine=engine,
                        client=client,
                        now=datetime.now(UTC),
                        resolve=resolve,
                        stdin=stdin,
                    )
                except SourceError as exc:
                    _source_failed(exc, source, sources, failed)
                    continue
                if as_json:
                    print_json(result.to_json())
                else:
                    console.print(render(result.article, result.verdicts))
                    console.print()
                if fail_level is not None and any(
                    severity(v.headline) >= fail_level for v in result.verdicts
                ):
                    problem = True
        return problem

    problem = asyncio.run(run())
    _fail_if_any_failed(failed, sources)
    if problem:
        raise typer.Exit(1)


@app.command("check")
def check_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str], typer.Argument(help="Article URL, HTML file, or - for standard input.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the contract JSON (one line per source).")
    ] = False,
    no_post: Annotated[
        bool, typer.Option("--no-post", help="Post nothing to chat (check never posts yet).")
    ] = False,
    no_resolve: Annotated[
        bool,
        typer.Option(
            "--no-resolve", help="Fetch no embedded post: match against stored originals only."
        ),
    ] = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            help="Exit 1 when a verdict is this serious or worse (e.g. altered).",
        ),
    ] = None,
) -> None:
    """Extract, resolve and match articles now; print a report, or JSON with --json."""
    del no_post  # accepted for the contract; nothing is posted from check yet
    level = _fail_on_level(fail_on)
    _run_checks(ctx, sources, as_json=as_json, resolve=not no_resolve, fail_level=level)


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract JSON.")] = False,
) -> None:
    """Import the bundled invented originals, then check the bundled article (offline)."""
    from bot.demo import ARTICLE, ORIGINALS
    from bot.originals.importers import import_file

    summary = import_file(open_engine(ctx), ORIGINALS)
    if not as_json:
        console.print(
            f"demo originals: {summary.added} added, {summary.unchanged} unchanged",
            style="dim",
            highlight=False,
        )
    _run_checks(ctx, [str(ARTICLE)], as_json=as_json, resolve=False, fail_level=None)


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
