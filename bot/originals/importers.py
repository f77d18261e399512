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
import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine

from bot.db import attached, sqlite_pragmas
from bot.match.index import BulkIndex, index_missing
from bot.models import utcnow
from bot.originals import records as fmt_records
from bot.originals.prepare import (
    Prepared,
    Staged,
    convert,
    line_count,
    numbered_lines,
    parse_line,
    prepare_lines,
    prepare_range,
    prepare_records,
)
from bot.originals.records import Record
from bot.originals.store import Speakers, Written, highest_id, write_records, write_staged

FORMATS = ("auto", "jsonl", "csv", "tta", "tweets", "whitehouse")
BATCH = 10_000
BULK_INDEX_BYTES = 8 << 20
"""From this file size on, new originals are indexed in one bulk build at the end, and a JSON
lines file is parsed and shingled by worker processes."""
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
WORKERS = min(2, _CPUS) if _CPUS > 1 else 0
"""Worker processes for a large JSON lines file (the main process writes to the database);
none on one CPU, where they would only take turns with it."""
SQLITE_CACHE_KIB = 64 << 10  # the page cache of the importing connection, while it imports
MAX_REJECTS_KEPT = 1_000
MAX_BATCH_CHARS = 8_000_000
"""A batch is written early once its texts hold this many characters (long transcripts
are split into many passages, all held while the batch is written)."""
RANGE_READ_BYTES = 1 << 22
MAX_RANGE_BYTES = 16 << 20  # a worker's piece of a file is cut at a line end from this size on

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
    stream: IO[bytes]  # raw, or its gunzipped content
    text: IO[str]
    container: str
    key: str  # the record format: a key of records.CONVERTERS
    size: int

    @property
    def converter(self) -> Callable[[dict[str, Any]], Record]:
        return fmt_records.CONVERTERS[self.key]


def _open(path: Path) -> tuple[IO[bytes], IO[bytes], IO[str]]:
    raw = path.open("rb")
    gzipped = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw  # type: ignore[assignment]
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    return raw, stream, text


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
    raw, _, text = _open(path)
    with raw, text:
        name = path.name.lower().removesuffix(".gz")
        container = "csv" if name.endswith(".csv") or fmt == "csv" else "jsonl"
        if container == "jsonl" and _first_char(text) == "[":
            container = "json"
    raw, _, text = _open(path)
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
    raw, stream, text = _open(path)
    return _Source(raw, stream, text, container, chosen, path.stat().st_size)


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
            yield number, convert(source.converter, item)
        return
    if source.container == "csv":
        reader = csv.DictReader(source.text)
        for row in reader:
            yield reader.line_num, convert(source.converter, row)
        return
    for number, line in enumerate(source.text, start=1):
        if line.strip():
            yield number, parse_line(line, source.key)


def _line_chunks(stream: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    """The non-blank lines of *stream*, numbered as text mode numbers them, *size* at a time
    (fewer when they come to :data:`MAX_RANGE_BYTES`)."""
    chunk: list[tuple[int, bytes]] = []
    held = 0
    for entry in numbered_lines(stream):
        chunk.append(entry)
        held += len(entry[1])
        if len(chunk) >= size or held >= MAX_RANGE_BYTES:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def _ranges(raw: IO[bytes], lines: int) -> Iterator[tuple[int, int, int]]:
    """``(start, end, lines before)`` of pieces of *lines* lines of an uncompressed file (the
    last piece may hold fewer), each ending after a newline or at the end of the file."""
    start = number = 0
    pending = b""
    while True:
        block = raw.read(RANGE_READ_BYTES)
        data = pending + block if pending else block
        if not block:
            if data:
                yield start, start + len(data), number
            return
        cut = 0
        while True:
            end = _after_lines(data, cut, lines)
            if not end and len(data) - cut > MAX_RANGE_BYTES:  # long lines or bare CRs: by size
                # (not at a CR that is the last byte: a LF may follow it)
                end = data.rfind(b"\n", cut) + 1 or data.rfind(b"\r", cut, len(data) - 1) + 1
            if end <= cut:
                break
            yield start, start + end - cut, number
            number += line_count(data, cut, end)
            start += end - cut
            cut = end
        pending = data[cut:]


def _after_lines(data: bytes, start: int, lines: int) -> int:
    """Where the *lines*-th LF from *start* ends (0 when *data* holds fewer): counted a
    stretch at a time, so the Python loop only walks the last stretch."""
    position, wanted = start, lines
    while position < len(data):
        stop = min(position + 65_536, len(data))
        found = data.count(b"\n", position, stop)
        if found >= wanted:
            for _ in range(wanted):
                position = data.index(b"\n", position, stop) + 1
            return position
        wanted -= found
        position = stop
    return 0


def _prepared(
    source: _Source, size: int, workers: int, shingle: bool, stage: str | None
) -> Iterator[Prepared]:
    """The file's records in batches, prepared in *workers* processes (JSON lines only), the
    shingles written to stage files in the *stage* folder when one is given."""
    if workers <= 0 or source.container != "jsonl":
        numbered: list[tuple[int, Record | str]] = []
        for entry in iter_records(source):
            numbered.append(entry)
            if len(numbered) >= size:
                yield prepare_records(numbered, shingle=shingle)
                numbered = []
        if numbered:
            yield prepare_records(numbered, shingle=shingle)
        return
    context = multiprocessing.get_context("spawn")  # no copy of this process's connections
    tasks: Iterator[tuple[Callable[[Any], Prepared], Any]]
    if source.stream is source.raw:  # uncompressed: the workers read their own pieces
        path = source.raw.name
        tasks = (
            (prepare_range, (source.key, shingle, stage, path, start, end, number))
            for start, end, number in _ranges(source.raw, size)
        )
    else:
        tasks = (
            (prepare_lines, (source.key, shingle, stage, chunk))
            for chunk in _line_chunks(source.stream, size)
        )
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        ahead: deque[Future[Prepared]] = deque()
        try:
            for function, task in tasks:
                ahead.append(pool.submit(function, task))
                if len(ahead) > 2 * workers:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        except BaseException:  # a failed write or Ctrl-C: do not prepare what comes after
            pool.shutdown(wait=False, cancel_futures=True)
            raise


@dataclass
class _Run:
    """One import under way: the batch being gathered, what was written, the bulk stage."""

    source: _Source
    index: bool
    bulk: bool
    stamp: datetime
    progress: Progress | None
    summary: ImportSummary = field(default_factory=ImportSummary)
    speakers: Speakers = field(default_factory=Speakers)
    staging: BulkIndex | None = None
    batch: dict[tuple[str, str], tuple[Record, str, tuple[bytes, str] | None]] = field(
        default_factory=dict
    )
    held: int = 0  # characters of text in the batch (a batch of transcripts is flushed early)
    read: int = 0  # bytes of the file that the workers read (0: the file's own position tells)

    def take(self, connection: Connection, prepared: Prepared, batch_size: int) -> None:
        """Count a prepared batch's rejects; store it (a stage file) or gather its records."""
        self.read = prepared.end
        for number, reason in prepared.rejects:
            self.summary.reject(number, reason)
        if prepared.staged is not None:
            self.flush(connection)  # the lines before it first
            self.store_staged(connection, prepared.staged)
            return
        for record, fingerprint, shingles in zip(
            prepared.records, prepared.hashes, prepared.shingles, strict=True
        ):
            if record.key in self.batch:
                self.flush(connection)  # the same original twice: the later line counts
            self.batch[record.key] = (record, fingerprint, shingles)
            self.held += len(record.text)
            if len(self.batch) >= batch_size or self.held >= MAX_BATCH_CHARS:
                self.flush(connection)

    def flush(self, connection: Connection) -> None:
        """Write the gathered records in one transaction (new ones staged when in bulk)."""
        if not self.batch:
            return
        entries = list(self.batch.values())
        with connection.begin():
            written = write_records(
                connection,
                [record for record, _, _ in entries],
                now=self.stamp,
                speakers=self.speakers,
                index=self.index,
                index_new=not self.bulk,
                hashes=[fingerprint for _, fingerprint, _ in entries],
            )
            if self.staging is not None:
                self.staging.add(
                    [
                        (original_id, *shingles)
                        for (_, _, shingles), original_id, outcome in zip(
                            entries, written.ids, written.outcomes, strict=True
                        )
                        if outcome == "added" and shingles is not None
                    ]
                )
                self.staging.add_texts(written.unindexed)
        self.batch.clear()
        self.held = 0
        self._count(written)

    def store_staged(self, connection: Connection, staged: Staged) -> None:
        """Copy a worker's stage file in, in one transaction, and delete it."""
        with attached(connection, "qc_batch", staged.path), connection.begin():
            written = write_staged(
                connection,
                "qc_batch",
                staged,
                now=self.stamp,
                speakers=self.speakers,
                staging=self.staging,
                index=self.index,
            )
        os.remove(staged.path)
        self._count(written)

    def _count(self, written: Written) -> None:
        for outcome in written.outcomes:
            setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        self.summary.passages += written.passages
        if self.progress is not None:
            share = 0.8 if self.bulk else 1.0  # of the progress bar for reading the file
            position = self.read or self.source.raw.tell()
            self.progress(int(position * share), self.source.size)


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
    workers: int | None = None,
) -> ImportSummary:
    """Import one file of originals; importing the same file again changes nothing.

    Each batch is one transaction. With *bulk_index* (by default for files of 8 MB and more)
    the shingles of new originals are staged and written in one sorted pass at the end,
    which then also completes the index after an interrupted run; changed ones are
    re-indexed batch by batch. A JSON lines file is parsed and shingled by *workers*
    processes (by default :data:`WORKERS` when indexing in bulk, or for a file of 8 MB and
    more imported into SQLite without indexing; else none). On SQLite the workers write each
    batch of posts to a stage file that the import copies from in SQL
    (:func:`~bot.originals.store.write_staged`); a batch with a transcript or a post twice
    comes back to this process instead.
    """
    source = open_source(Path(path), fmt)
    large = source.size >= BULK_INDEX_BYTES
    bulk = index and (large if bulk_index is None else bulk_index)
    # On SQLite a bulk import (or one without indexing) stages in a scratch folder: the
    # workers' batches (stage files, copied from in SQL) and the shingles for the bulk build
    # (a scratch database file). An import indexing batch by batch cannot use stage files.
    sqlite = engine.dialect.name == "sqlite"
    stage_files = sqlite and (bulk or not index)
    if workers is None:  # they pay off when they shingle or write stage files, on large files
        workers = WORKERS if bulk or (large and stage_files) else 0
    run = _Run(source, index=index, bulk=bulk, stamp=now or utcnow(), progress=progress)
    folder = tempfile.TemporaryDirectory(prefix="quotecheck-import-") if stage_files else None
    try:
        with ExitStack() as stack:
            connection = stack.enter_context(engine.connect())
            stack.enter_context(sqlite_pragmas(connection, cache_size=-SQLITE_CACHE_KIB))
            connection.commit()  # end what the PRAGMAs began: each batch is its own transaction
            if folder is not None and bulk:
                scratch = Path(folder.name) / "scratch.db"
                stack.enter_context(attached(connection, "qc_scratch", scratch))
                # No journal: a failed batch ends the import, and the scratch file with it.
                connection.exec_driver_sql("PRAGMA qc_scratch.journal_mode=OFF")
                connection.exec_driver_sql("PRAGMA qc_scratch.synchronous=OFF")
                connection.commit()
            known = 0
            if bulk:
                with connection.begin():
                    run.staging = BulkIndex(connection, "qc_scratch" if sqlite else "temp")
                    known = highest_id(connection)  # what came before is checked at the end
            stage = folder.name if folder is not None and workers > 0 else None
            for prepared in _prepared(source, batch_size, workers, shingle=bulk, stage=stage):
                run.take(connection, prepared, batch_size)
            run.flush(connection)
            if run.staging is not None:
                with connection.begin():
                    run.staging.finish()
                    index_missing(connection, upto=known)  # what a run cut short left
                if progress is not None:
                    progress(source.size, source.size)
    finally:
        source.text.close()
        source.raw.close()
        if folder is not None:
            folder.cleanup()
    return run.summary
