"""Commands: sources add, list, remove, test (logic in bot/admin.py and bot/sources/)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli import (
    console,
    fail,
    get_settings,
    minute_text,
    now_utc,
    open_engine,
    print_json,
    print_table,
    sources_app,
)

KIND_HELP = "feed, sitemap, page or statements (default: detected by fetching the URL once)."


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="http(s) URL of the feed, sitemap or page.")],
    kind: Annotated[str | None, typer.Option("--kind", help=KIND_HELP)] = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every", help="Poll interval, e.g. 15m or 1h (default QUOTECHECK_POLL_INTERVAL)."
        ),
    ] = None,
    ignore_robots: Annotated[
        bool,
        typer.Option(
            "--ignore-robots",
            help="Fetch its article pages whatever the site's robots.txt says "
            "(only with the publisher's consent).",
        ),
    ] = False,
) -> None:
    """Watch a new source; it is polled first on the next cycle."""
    from bot import admin
    from bot.http import make_async_client
    from bot.sources.probe import ProbeFailed, detect

    settings = get_settings(ctx)
    interval = every if every is not None else settings.poll_interval
    url = admin.check_url(url)
    admin.check_every(interval)
    if kind is not None:
        admin.check_choice(kind, admin.SOURCE_KINDS, "--kind")
    engine = open_engine(ctx)
    admin.check_new_source(engine, url)
    if kind is None:

        async def run() -> str:
            async with make_async_client(settings) as client:
                return await detect(client, url, settings=settings, now=now_utc())

        try:
            kind = asyncio.run(run())
        except ProbeFailed as exc:
            fail(f"{exc}; give --kind feed, sitemap, page or statements")
    info = admin.add_source(
        engine, url, kind=kind, every=interval, now=now_utc(), robots=not ignore_robots
    )
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
    """The sources watched and their health: last poll, failures in a row, last error, next
    poll."""
    from bot import admin

    infos = admin.list_sources(open_engine(ctx))
    if as_json:
        print_json([info.to_json() for info in infos])
        return
    if not infos:
        console.print("no sources; add one with `quotecheck sources add URL`", markup=False)
        return
    for info in infos:  # two lines a source: a table has no room for URL and error at 80
        health = "ok" if not info.failures else f"{info.failures} failed in a row"
        if info.last_polled_at is None:
            health = "not polled yet"
        console.print(
            f"[{info.id}] {info.kind}, every {admin.format_every(info.every_seconds)}"
            f"{'' if info.robots else ', ignoring robots.txt'}: {info.url}\n"
            f"    {health}; last poll {minute_text(info.last_polled_at)}, next "
            f"{minute_text(info.next_poll_at)} (UTC)"
            + (f"; last error: {info.last_error}" if info.last_error else ""),
            markup=False,
            highlight=False,
            soft_wrap=True,
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


@sources_app.command("test")
def sources_test(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="http(s) URL of the feed, sitemap or page.")],
    kind: Annotated[str | None, typer.Option("--kind", help=KIND_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fetch a URL once and print what a poll would pick up: kind, items, dates, which are
    new. Stores nothing."""
    from bot import admin
    from bot.http import make_async_client
    from bot.sources.probe import Probe, ProbeFailed, probe

    settings = get_settings(ctx)
    url = admin.check_url(url)
    if kind is not None:
        admin.check_choice(kind, admin.SOURCE_KINDS, "--kind")
    engine = open_engine(ctx)

    async def run() -> Probe:
        async with make_async_client(settings) as client:
            return await probe(engine, client, url, kind=kind, settings=settings, now=now_utc())

    try:
        result = asyncio.run(run())
    except ProbeFailed as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_json())
        return
    counts = {state: 0 for state in ("new", "seen", "too old")}
    for entry in result.items:
        counts[entry.state] += 1
    title = f" “{result.title}”" if result.title else ""
    console.print(
        f"{result.url}: {result.kind} ({result.detail}){title}, {len(result.items)} items: "
        + ", ".join(f"{n} {state}" for state, n in counts.items()),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if result.note:
        console.print(f"note: {result.note}", markup=False, highlight=False)
    if result.first_poll and result.kind != "statements" and counts["new"]:
        first = get_settings(ctx).first_poll
        if first == "record":
            console.print(
                "first poll: the new items would be recorded, not checked "
                "(QUOTECHECK_FIRST_POLL=record)",
                markup=False,
                highlight=False,
            )
    if result.items:
        print_table(
            ("state", "date (UTC)"),
            ("URL", "title"),
            [
                (
                    entry.state,
                    minute_text(entry.item.date),
                    entry.item.url,
                    entry.item.title or "",
                )
                for entry in result.items
            ],
        )
