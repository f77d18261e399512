"""Commands: originals import|show|search, speakers add|list (logic in bot/originals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli import (
    console,
    err_console,
    fail,
    open_engine,
    originals_app,
    print_json,
    speakers_app,
)


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
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help="Processes parsing and shingling a JSON lines file (default: 2 for a file "
            "of 8 MB or more, indexed in bulk or imported into SQLite without indexing; none "
            "on one CPU; 0 = all in this process).",
        ),
    ] = None,
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
                summary = import_file(
                    engine,
                    path,
                    fmt=fmt,
                    progress=progress,
                    index=not no_index,
                    workers=workers,
                )
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
