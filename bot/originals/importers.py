"""`originals import`: stream a file of originals into the store, in batches.

The file is read one record at a time (a JSON list — the Trump Twitter Archive's condensed
export — is the exception: it is one JSON value and is parsed whole). A malformed record is
reported with its line number and reason and skipped; it never aborts the import.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine

from bot.match.index import index_missing
from bot.models import utcnow
from bot.originals import records as fmt_records
from bot.originals.records import Record
from bot.originals.store import Speakers, write_records

FORMATS = ("auto", "jsonl", "csv", "tta", "tweets", "whitehouse")
BATCH = 10_000
BULK_INDEX_BYTES = 8 << 20
"""From this file size on, new originals are indexed in one bulk build at the end."""
SQLITE_CACHE_KIB = 64 << 10  # the page cache of the importing connection, while it imports
MAX_REJECTS_KEPT = 1_000

Progress = Callable[[int, int], None]  # (bytes read, total bytes)


class ImportFormatError(ValueError):
    """The file is missing or its format cannot be told; the message says what to do."""


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    passages: int = 0  # passages written for new or changed transcripts
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), first 1,000
    rejected_count: int = 0

    def reject(self, line: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTS_KEPT:
            self.rejected.append((line, reason))

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "passages": self.passages,
            "rejected": self.rejected_count,
            "rejects": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


@dataclass
class _Source:
    """An open file and what it holds: container (jsonl|json|csv) and record format."""

    raw: IO[bytes]
    text: IO[str]
    container: str
    converter: Callable[[dict[str, Any]], Record]
    size: int


def _open(path: Path) -> tuple[IO[bytes], IO[str]]:
    raw = path.open("rb")
    gzipped = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw  # type: ignore[assignment]
    return raw, io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")


def _first_record(text: IO[str], container: str) -> dict[str, Any] | None:
    if container == "csv":
        return next(csv.DictReader(text), None)
    for line in text:
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _first_char(text: IO[str]) -> str:
    while True:
        chunk = text.read(1)
        if not chunk or not chunk.isspace():
            return chunk


def _sniff(path: Path, fmt: str) -> tuple[str, dict[str, Any] | None]:
    """The container (jsonl|json|csv) and the first record of *path*."""
    raw, text = _open(path)
    with raw, text:
        name = path.name.lower().removesuffix(".gz")
        container = "csv" if name.endswith(".csv") or fmt == "csv" else "jsonl"
        if container == "jsonl" and _first_char(text) == "[":
            container = "json"
    raw, text = _open(path)
    with raw, text:
        if container == "json":
            return container, _first_json_item(text)
        return container, _first_record(text, container)


def open_source(path: Path, fmt: str = "auto") -> _Source:
    """Open *path* and decide its format (by extension and by sniffing the first record)."""
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file")
    container, first = _sniff(path, fmt)
    chosen = fmt
    if fmt in ("auto", "csv"):
        sniffed = fmt_records.sniff(first) if first else None
        if sniffed is None:
            hint = "jsonl, csv, tta, tweets or whitehouse"
            raise ImportFormatError(f"{path}: cannot tell the format; pass --format {hint}")
        chosen = sniffed
    raw, text = _open(path)
    return _Source(raw, text, container, fmt_records.CONVERTERS[chosen], path.stat().st_size)


def _first_json_item(text: IO[str]) -> dict[str, Any] | None:
    try:
        value = json.load(text)
    except ValueError:
        return None
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def iter_records(source: _Source) -> Iterator[tuple[int, Record | str]]:
    """(line number, Record or the reason it was rejected), in file order."""
    if source.container == "json":
        try:
            items = json.load(source.text)
        except ValueError as exc:
            yield 1, f"not a JSON list: {exc}"
            return
        if not isinstance(items, list):
            yield 1, "not a JSON list"
            return
        for number, item in enumerate(items, start=1):
            yield number, _convert(source, item)
        return
    if source.container == "csv":
        reader = csv.DictReader(source.text)
        for row in reader:
            yield reader.line_num, _convert(source, row)
        return
    for number, line in enumerate(source.text, start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            try:  # what orjson refuses (NaN, huge ints) or the reason in json's words
                item = json.loads(line)
            except ValueError as exc:
                yield number, f"not JSON: {exc.args[0] if exc.args else exc}"
                continue
        yield number, _convert(source, item)


def _convert(source: _Source, item: Any) -> Record | str:
    if not isinstance(item, dict):
        return "not a JSON object"
    try:
        return source.converter(item)
    except ValueError as exc:
        return str(exc)


def import_file(
    engine: Engine,
    path: str | Path,
    *,
    fmt: str = "auto",
    progress: Progress | None = None,
    index: bool = True,
    now: datetime | None = None,
    batch_size: int = BATCH,
    bulk_index: bool | None = None,
) -> ImportSummary:
    """Import one file of originals; importing the same file again changes nothing.

    Each batch is one transaction. With *bulk_index* (by default for files of 8 MB and more)
    new originals are indexed at the end by :func:`bot.match.index.index_missing`, which also
    completes the index after an interrupted run; changed ones are re-indexed batch by batch.
    """
    source = open_source(Path(path), fmt)
    summary = ImportSummary()
    speakers = Speakers()
    stamp = now or utcnow()
    bulk = index and (source.size >= BULK_INDEX_BYTES if bulk_index is None else bulk_index)
    share = 0.6 if bulk else 1.0  # of the progress bar for reading the file
    batch: dict[tuple[str, str], Record] = {}

    def flush(connection: Connection) -> None:
        if not batch:
            return
        with connection.begin():
            written = write_records(
                connection,
                list(batch.values()),
                now=stamp,
                speakers=speakers,
                index=index,
                index_new=not bulk,
            )
        for outcome in written.outcomes:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        summary.passages += written.passages
        batch.clear()
        if progress is not None:
            progress(int(source.raw.tell() * share), source.size)

    try:
        with engine.connect() as connection, _bulk_pragmas(connection):
            for number, item in iter_records(source):
                if isinstance(item, str):
                    summary.reject(number, item)
                    continue
                if item.key in batch:
                    flush(connection)  # the same original twice: the later line counts
                batch[item.key] = item
                if len(batch) >= batch_size:
                    flush(connection)
            flush(connection)
            if bulk:
                expected = max(summary.added + summary.passages, 1)

                def indexed(count: int) -> None:
                    if progress is not None:
                        done = share + (1 - share) * min(count / expected, 1.0)
                        progress(int(source.size * done), source.size)

                with connection.begin():
                    index_missing(connection, progress=indexed)
    finally:
        source.text.close()
        source.raw.close()
    return summary


@contextmanager
def _bulk_pragmas(connection: Connection) -> Iterator[None]:
    """A larger SQLite page cache for this connection while it imports (then the old one)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")
        connection.commit()
