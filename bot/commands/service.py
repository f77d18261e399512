"""Command: run — the service (bot/scheduler.py), or one full cycle with --once."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli import (
    app,
    console,
    err_console,
    fail,
    get_settings,
    now_utc,
    open_engine,
    print_json,
)


@app.command("run")
def run_command(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run one full cycle of every job now, then exit.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --once: print the cycle as one JSON object.")
    ] = False,
) -> None:
    """The service: poll sources, process new articles, resolve, match, make and send
    digests on a schedule. With --once: every job once now (each channel's digest of what
    is new whatever its schedule); exit 0 when the cycle ran, even if some sources or
    articles failed, 1 when a job itself raised."""
    from bot.config_files import sync_files
    from bot.http import make_async_client
    from bot.scheduler import CycleSummary, run_cycle

    settings = get_settings(ctx)
    engine = open_engine(ctx)
    synced = sync_files(engine, settings, now=now_utc())
    for error in synced.errors:
        err_console.print(f"warning: {error}", markup=False, highlight=False, soft_wrap=True)
    if not once:
        import logging

        from bot.scheduler import serve_forever

        logging.getLogger("bot").setLevel(settings.log_level)
        if as_json:
            fail("--json goes with --once (the service logs to stderr)")
        asyncio.run(serve_forever(engine, settings))
        return

    async def cycle() -> CycleSummary:
        async with make_async_client(settings) as client:
            return await run_cycle(engine, client, settings, now_utc())

    summary = asyncio.run(cycle())
    if as_json:
        print_json(summary.to_json())
    else:
        for result in summary.results:
            console.print(result.line(), markup=False, highlight=False, soft_wrap=True)
    if summary.errored:
        raise typer.Exit(1)
