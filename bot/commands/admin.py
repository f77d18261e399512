"""Commands: status, channels (logic in bot/admin.py); sources are in bot/commands/sources.py."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import (
    app,
    channels_app,
    console,
    get_settings,
    minute_text,
    now_utc,
    open_engine,
    print_json,
    print_table,
)


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
    console.print(
        f"deliveries: pending {deliveries['pending']}, retrying {deliveries['retrying']}, "
        f"dead {deliveries['dead']}"
    )
    for item in deliveries["problems"]:
        when = f", next try {item['next_attempt_at']}" if item["next_attempt_at"] else ""
        console.print(
            f"  [{item['id']}] {item['channel']} part {item['part']}: {item['status']}, "
            f"{item['attempts']} attempt(s){when}\n      {item['last_error'] or '?'}",
            markup=False,
            highlight=False,
        )
    console.print(f"channels: {report['channels']['total']}")


@channels_app.command("add")
def channels_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the channel, e.g. newsroom.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="slack, discord, teams, mattermost, googlechat, matrix, webhook, apprise, stdout.",
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
    speakers: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Only quotes of this speaker (repeat for several)."),
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--source", help="Only articles of this source URL or outlet host name."),
    ] = None,
    platforms: Annotated[
        list[str] | None,
        typer.Option("--platform", help="Only originals on this platform, e.g. twitter."),
    ] = None,
) -> None:
    """Send digests to a chat channel on a schedule (cron, or immediate), optionally filtered."""
    from bot import admin

    info = admin.add_channel(
        open_engine(ctx),
        name,
        kind=kind,
        url=url,
        schedule=schedule or get_settings(ctx).digest_schedule,
        min_severity=min_severity,
        now=now_utc(),
        speakers=speakers or (),
        sources=sources or (),
        platforms=platforms or (),
    )
    filters = f"; {info.filters}" if info.filters else ""
    console.print(
        f"added channel {info.name} ({info.kind}, '{info.schedule}', from {info.min_severity}"
        f"{filters})",
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
        ("URL", "filters"),
        [
            (
                info.name,
                info.kind,
                info.schedule,
                info.min_severity,
                minute_text(info.last_digest_at),
                info.url,
                info.filters or "-",
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
