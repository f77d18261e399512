"""Commands: digest preview and send (bot/digests.py makes digests, bot/deliver.py sends)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.cli import app, console, fail, get_settings, now_utc, open_engine

digest_app = typer.Typer(help="Digests sent to the chat channels.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


ChannelOption = Annotated[
    str | None, typer.Option("--channel", help="Only this channel (default: all).")
]


def _channel_id(engine: Engine, name: str | None) -> int | None:
    from bot.models import Channel

    if name is None:
        return None
    with Session(engine) as session:
        row = session.exec(select(Channel).where(col(Channel.name) == name.strip())).first()
    if row is None:
        fail(f"no channel {name!r}; see `quotecheck channels list`")
    return row.id


@digest_app.command("preview")
def digest_preview(ctx: typer.Context, channel: ChannelOption = None) -> None:
    """Print what each channel would be sent now, message by message; nothing is stored or
    sent, and the schedule is not consulted."""
    from bot.digests import preview

    engine = open_engine(ctx)
    shown = preview(engine, get_settings(ctx), now_utc(), _channel_id(engine, channel))
    if not shown:
        console.print("nothing new for any channel", markup=False)
        return
    for composed in shown:
        for message in composed.messages:
            console.print(
                f"── {composed.channel} ({composed.kind}) message {message.part}/{message.parts}"
                f", {message.text_length} characters as the platform counts",
                markup=False,
                highlight=False,
                style="bold",
            )
            body = message.body
            text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=2)
            console.out(text, highlight=False)


@digest_app.command("send")
def digest_send(ctx: typer.Context, channel: ChannelOption = None) -> None:
    """Make each channel's digest of what it was not sent yet (whether due or not), then send
    everything waiting in the outbox now (exit 1 if any failed)."""
    from bot.deliver import Summary, send_deliveries
    from bot.digests import compose_digests
    from bot.http import make_async_client

    engine = open_engine(ctx)
    settings = get_settings(ctx)
    channel_id = _channel_id(engine, channel)
    made = compose_digests(
        engine,
        settings,
        now_utc(),
        channel_ids=None if channel_id is None else [channel_id],
        force=True,
    )
    console.print(
        f"made {made.digests} digest(s) of {made.citations} citation(s) in {made.messages} "
        "message(s)",
        markup=False,
    )
    for error in made.errors:
        console.print(f"  {error}", markup=False, highlight=False)

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
    if summary.failed or summary.dead or made.errors:
        raise typer.Exit(1)
