"""Command: receipt (one verdict's receipt as a self-contained HTML file; bot/web)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli import app, console, fail, get_settings, open_engine


@app.command("receipt")
def receipt_command(
    ctx: typer.Context,
    verdict_id: Annotated[int, typer.Argument(help="The verdict id (check --json).")],
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Write the page to FILE (default: stdout)."),
    ] = None,
) -> None:
    """Write a verdict's receipt as one self-contained HTML page (no server needed)."""
    from bot.web.links import Linker
    from bot.web.load import load_receipt
    from bot.web.render import render_receipt

    settings = get_settings(ctx)
    engine = open_engine(ctx)
    linker = Linker(engine, settings)
    with Session(engine) as session:
        receipt = load_receipt(session, verdict_id, zones=settings.timezone_list, link=linker.url)
    if receipt is None:
        fail(f"no verdict {verdict_id}; `check --json` prints each result's verdict_id")
    page = render_receipt(receipt, standalone=True)
    if html is None:
        sys.stdout.write(page)
        return
    try:
        html.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"--html {html}: cannot write the file ({exc.strerror})")
    console.print(
        f"receipt of verdict {verdict_id} written to {html}", markup=False, soft_wrap=True
    )
    url = linker.url(verdict_id)
    if url:
        console.print(f"online: {url}", markup=False, highlight=False, soft_wrap=True)
