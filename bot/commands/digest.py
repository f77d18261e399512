"""Commands: digest send (the outbox, bot/deliver.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from bot.cli import app, console, fail, get_settings, now_utc, open_engine

digest_app = typer.Typer(help="Digests sent to the chat channels.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("send")
def digest_send(
    ctx: typer.Context,
    channel: Annotated[
        str | None, typer.Option("--channel", help="Only this channel (default: all).")
    ] = None,
) -> None:
    """Send the messages waiting in the outbox now (exit 1 if any failed)."""
    from bot.deliver import Summary, send_deliveries
    from bot.http import make_async_client
    from bot.models import Channel

    engine = open_engine(ctx)
    settings = get_settings(ctx)
    channel_id = None
    if channel is not None:
        with Session(engine) as session:
            row = session.exec(select(Channel).where(col(Channel.name) == channel)).first()
        if row is None:
            fail(f"no channel {channel!r}; see `quotecheck channels list`")
        channel_id = row.id

    async def run() -> Summary:
        async with make_async_client(settings) as client:
            return await send_deliveries(engine, client, settings, now_utc(), channel_id=channel_id)

    summary = asyncio.run(run())
    console.print(
        f"sent {summary.sent}, failed {summary.failed} (retried later), dead {summary.dead}",
        markup=False,
    )
    for error in summary.errors:
        console.print(f"  {error}", markup=False, highlight=False)
    if summary.failed or summary.dead:
        raise typer.Exit(1)
