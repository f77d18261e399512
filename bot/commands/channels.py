"""Commands: channels test (add, list and remove are in bot/commands/admin.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from bot.cli import channels_app, console, fail, get_settings, now_utc, open_engine


@channels_app.command("test")
def channels_test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The channel's name.")],
) -> None:
    """Send a small test message and print the platform's answer (exit 1 if it failed)."""
    from bot.deliver import Outcome, send_test
    from bot.http import make_async_client
    from bot.models import Channel

    engine = open_engine(ctx)
    settings = get_settings(ctx)
    with Session(engine) as session:
        channel = session.exec(select(Channel).where(col(Channel.name) == name.strip())).first()
    if channel is None:
        fail(f"no channel {name!r}; see `quotecheck channels list`")

    async def run() -> Outcome:
        async with make_async_client(settings) as client:
            return await send_test(client, channel, settings, now_utc())

    outcome = asyncio.run(run())
    if outcome.sent:
        answer = f" ({outcome.ref})" if outcome.ref else ""
        console.print(f"sent a test message to {channel.name}{answer}", markup=False)
        return
    console.print(f"test message to {channel.name} failed: {outcome.error}", markup=False)
    raise typer.Exit(1)
