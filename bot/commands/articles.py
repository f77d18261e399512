"""Commands: extract, check, demo (logic in bot/extract, bot/pipeline)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from bot.cli import (
    app,
    console,
    err_console,
    fail,
    get_settings,
    open_engine,
    print_json,
)

Sources = Annotated[
    list[str], typer.Argument(help="Article URL, HTML file, or - for standard input.")
]
ContractJson = Annotated[
    bool, typer.Option("--json", help="Print the contract JSON (one line per source).")
]


@app.command("extract")
def extract_command(
    ctx: typer.Context,
    sources: Sources,
    as_json: ContractJson = False,
) -> None:
    """Extract title, date, embedded posts and quotes from articles; nothing is stored."""

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
    from bot.match.verdict import SEVERITIES

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

    from bot.http import make_async_client
    from bot.match.verdict import severity
    from bot.pipeline import SourceError, check_source
    from bot.report import render
    from bot.web.links import receipt_links

    settings = get_settings(ctx)
    engine = open_engine(ctx)
    stdin = sys.stdin.buffer.read() if "-" in sources else None
    receipt_url = receipt_links(engine, settings)

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
                    print_json(with_receipt_urls(result.to_json(), receipt_url))
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


def with_receipt_urls(
    data: dict[str, Any], receipt_url: Callable[[int], str | None] | None
) -> dict[str, Any]:
    """*data* (``check --json``) with each stored result's ``receipt_url`` beside its
    ``verdict_id`` (added keys: the contract's keys stay as they are)."""
    if receipt_url is not None:
        for result in data["results"]:
            if "verdict_id" in result:
                result["receipt_url"] = receipt_url(result["verdict_id"])
    return data


@app.command("check")
def check_command(
    ctx: typer.Context,
    sources: Sources,
    as_json: ContractJson = False,
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
