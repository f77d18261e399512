"""Command: recheck (logic in bot/recheck.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.text import Text

from bot.cli import app, console, err_console, fail, get_settings, now_utc, open_engine, print_json
from bot.commands.articles import with_receipt_urls
from bot.config import parse_duration
from bot.recheck import Rechecked, RecheckError, choose_articles, recheck_article
from bot.report import LABELS
from bot.web.links import receipt_links


def _changes_line(done: Rechecked) -> Text:
    changes = done.changes
    if not changes:
        return Text("no verdict changed", style="dim")
    parts = [
        f"{position}. {LABELS[now]}" + (f" (was {LABELS[before]})" if before else " (new)")
        for position, before, now in changes
    ]
    noun = "verdict" if len(changes) == 1 else "verdicts"
    return Text(f"{len(changes)} {noun} changed: " + "; ".join(parts), style="bold")


def _print(done: Rechecked) -> None:
    from bot.report import render

    result = done.result
    if done.note:
        err_console.print(
            f"article {result.article_id}: {done.note}; matched its stored extraction",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not done.changes:
        title = result.article.title or "(untitled article)"
        where = result.article.canonical_url or result.article.url or ""
        console.print(
            Text(f"unchanged: article {result.article_id}, {title} {where}".rstrip(), style="dim")
        )
        return
    console.print(render(result.article, result.verdicts))
    console.print(_changes_line(done))
    console.print()


def _post(ctx: typer.Context) -> None:
    """Make each channel's digest of what is new now (whatever its schedule) and send it."""
    from bot.deliver import send_deliveries
    from bot.digests import compose_digests
    from bot.http import make_async_client

    engine = open_engine(ctx)
    settings = get_settings(ctx)
    made = compose_digests(engine, settings, now_utc(), force=True)

    async def send() -> tuple[int, int, int]:
        async with make_async_client(settings) as client:
            sent = await send_deliveries(engine, client, settings, now_utc())
        return sent.sent, sent.failed, sent.dead

    sent, failed, dead = asyncio.run(send())
    err_console.print(
        f"posted: {made.digests} digest(s) made; sent {sent}, failed {failed} (retried later), "
        f"dead {dead}",
        markup=False,
        highlight=False,
    )
    for error in made.errors:
        err_console.print(f"  {error}", markup=False, highlight=False)


@app.command("recheck")
def recheck_command(
    ctx: typer.Context,
    articles: Annotated[
        list[str] | None,
        typer.Argument(help="Stored articles: an ID, or the URL it was fetched from."),
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every stored article.")] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Articles checked in this last while, e.g. 24h or 7d."),
    ] = None,
    unresolved: Annotated[
        bool,
        typer.Option(
            "--unresolved",
            help="Articles with a citation that has no original yet or an unresolved link.",
        ),
    ] = False,
    post: Annotated[
        bool,
        typer.Option("--post", help="Then make and send the channels' digests of what is new."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print check's JSON, one line per article.")
    ] = False,
    no_resolve: Annotated[
        bool, typer.Option("--no-resolve", help="Fetch no embedded post again.")
    ] = False,
    no_fetch: Annotated[
        bool,
        typer.Option("--no-fetch", help="Do not read the pages again: match what was extracted."),
    ] = False,
) -> None:
    """Check stored articles again now: read, extract, resolve and match; a changed verdict
    is stored (the next digest shows it as an update), an unchanged one writes nothing."""
    from bot.http import HostThrottle, make_async_client

    window = None
    if since is not None:
        try:
            window = parse_duration(since)
        except ValueError as exc:
            fail(f"--since: {exc}")
    settings = get_settings(ctx)
    engine = open_engine(ctx)
    now = now_utc()
    ids = choose_articles(
        engine,
        articles or [],
        everything=everything,
        since=window,
        unresolved=unresolved,
        now=now,
    )
    receipt_url = receipt_links(engine, settings)
    failed: list[str] = []

    async def run() -> None:
        throttle = HostThrottle(settings.http_host_delay)
        async with make_async_client(settings) as client:
            for article_id in ids:
                try:
                    done = await recheck_article(
                        engine,
                        client,
                        article_id,
                        settings=settings,
                        now=now,
                        resolve=not no_resolve,
                        fetch=not no_fetch,
                        throttle=throttle,
                    )
                except RecheckError as exc:
                    err_console.print(f"error: {exc}", markup=False, highlight=False)
                    failed.append(str(article_id))
                    continue
                if as_json:
                    print_json(with_receipt_urls(done.to_json(), receipt_url))
                else:
                    _print(done)

    asyncio.run(run())
    if not ids and not as_json:
        console.print("no stored article matches", markup=False)
    if post:
        _post(ctx)
    if failed:
        fail(f"{len(failed)} of {len(ids)} articles could not be re-checked: {', '.join(failed)}")
