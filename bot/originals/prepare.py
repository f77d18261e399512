"""Raw import lines → records ready to store: parsed, checked, fingerprinted and shingled.

Picklable: a large import runs :func:`prepare_range` or :func:`prepare_lines` in worker
processes while the main process writes to the database; a small one calls
:func:`prepare_records` in-process. On SQLite a worker writes each batch it prepared to a
*stage file* of its own (:func:`stage_batch`: every column the originals table needs, the
speaker to link and the shingles), which the importing connection attaches and copies from
in SQL, so the rows never pass through the main process's Python code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from bot.match.shingles import batch_packed_shingles
from bot.originals.known import is_office_handle, speaker_key
from bot.originals.records import CONVERTERS, Record


@dataclass(slots=True)
class Staged:
    """A batch written to a stage file (:func:`stage_batch`) instead of sent back."""

    path: str
    speakers: list[str]
    """The distinct speaker keys of its rows (JSON, :func:`speaker_key`), first seen first."""


@dataclass(slots=True)
class Prepared:
    """One batch of an import, in file order.

    ``shingles[i]`` is ``(packed, listed)`` — the sorted int64 shingles of ``records[i]`` as
    bytes and as a JSON list — or None for a transcript (its passages are indexed instead).
    When the batch went to a stage file, ``staged`` says where and ``records`` is empty.
    ``end`` is how far into the file the batch reaches (bytes; 0 when not known).
    """

    records: list[Record] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    shingles: list[tuple[bytes, str] | None] = field(default_factory=list)
    rejects: list[tuple[int, str]] = field(default_factory=list)
    staged: Staged | None = None
    end: int = 0


def fingerprint(
    text: str,
    url: str | None,
    author_name: str | None,
    author_handle: str | None,
    posted_at: datetime | None,
    title: str | None,
    kind: str,
    status: str,
    is_retweet: bool,
    position: int | None,
) -> str:
    """A fingerprint of everything an import sets; equal fingerprints mean nothing changed."""
    joined = "\x1f".join(  # a missing value and an empty one are the same: ""
        (
            text,
            url or "",
            author_name or "",
            author_handle or "",
            posted_at.isoformat() if posted_at else "",
            title or "",
            kind,
            status,
            "rt" if is_retweet else "",
            "" if position is None else str(position),
        )
    )
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def record_hash(record: Record) -> str:
    """The :func:`fingerprint` of a record (its stored ``content_hash``)."""
    return fingerprint(
        record.text,
        record.url,
        record.author_name,
        record.author_handle,
        record.posted_at,
        record.title,
        record.kind,
        record.status,
        record.is_retweet,
        None,
    )


def prepare_records(
    numbered: Sequence[tuple[int, Record | str]],
    *,
    shingle: bool = True,
    stage: str | None = None,
) -> Prepared:
    """Fingerprint (and *shingle*) a batch of (line number, Record or the reason it was bad).

    With a *stage* folder, a batch of posts (no transcript, no post twice) is written to a
    stage file there (:func:`stage_batch`) instead of coming back in ``records``.
    """
    prepared = Prepared()
    for number, item in numbered:
        if isinstance(item, str):
            prepared.rejects.append((number, item))
        else:
            prepared.records.append(item)
    records = prepared.records
    prepared.hashes = [record_hash(record) for record in records]
    prepared.shingles = [None] * len(records)
    if shingle:
        posts = [i for i, record in enumerate(records) if record.kind != "transcript"]
        packed = batch_packed_shingles([records[i].text for i in posts])
        for i, shingles in zip(posts, packed, strict=True):
            prepared.shingles[i] = shingles
    if stage is not None and records and _stageable(records):
        prepared.staged = stage_batch(stage, records, prepared.hashes, prepared.shingles)
        prepared.records, prepared.hashes, prepared.shingles = [], [], []
    return prepared


def _stageable(records: Sequence[Record]) -> bool:
    """Whether a batch can go through a stage file: no transcript (its passages are split
    where it is stored) and no post twice (the later line is an update of the earlier)."""
    if any(record.kind == "transcript" for record in records):
        return False
    return len({record.key for record in records}) == len(records)


STAGE_TABLE = "qc_rows"
STAGE_COLUMNS = (
    "platform", "post_id", "url", "author_name", "author_handle", "posted_at", "title", "text",
    "kind", "status", "is_retweet", "content_hash",
)  # fmt: skip
"""The columns of a stage file's rows that are the originals table's own."""


def stage_batch(
    folder: str,
    records: Sequence[Record],
    hashes: Sequence[str],
    shingles: Sequence[tuple[bytes, str] | None],
) -> Staged:
    """Write a prepared batch to a new stage file in *folder*: a scratch SQLite database (no
    journal) with one row per record, numbered from 1 (``seq``) in file order."""
    descriptor, path = tempfile.mkstemp(prefix="batch-", suffix=".db", dir=folder)
    os.close(descriptor)
    keys: dict[str, None] = {}
    known: dict[tuple[str, str | None, str | None], str | None] = {}  # by author
    rows = []
    for seq, (record, content_hash, pair) in enumerate(
        zip(records, hashes, shingles, strict=True), start=1
    ):
        author = (record.platform, record.author_handle, record.author_name)
        if author in known:
            speaker = known[author]
        else:
            key = speaker_key(record)
            speaker = orjson.dumps(key).decode() if key is not None else None
            if not is_office_handle(record.platform, record.author_handle):  # not by date
                known[author] = speaker
        if speaker is not None:
            keys.setdefault(speaker)
        blob, listed = pair if pair is not None else (None, None)
        rows.append(
            (
                seq, record.platform, record.post_id, record.url, record.author_name,
                record.author_handle, sqlite_time(record.posted_at), record.title, record.text,
                record.kind, record.status, int(record.is_retweet), content_hash, speaker,
                blob, listed,
            )
        )  # fmt: skip
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA page_size=65536")  # 20% faster to fill than 4 KB pages
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(STAGE_COLUMNS)
        connection.execute(
            f"CREATE TABLE {STAGE_TABLE} (seq INTEGER PRIMARY KEY, {columns}, speaker TEXT, "
            "shingles BLOB, postings TEXT)"
        )
        connection.execute("BEGIN")
        marks = ", ".join("?" * (len(STAGE_COLUMNS) + 4))
        connection.executemany(f"INSERT INTO {STAGE_TABLE} VALUES ({marks})", rows)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return Staged(path, list(keys))


def sqlite_time(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it ("%Y-%m-%d %H:%M:%S.%f")."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def parse_line(line: bytes | str, converter_key: str) -> Record | str:
    """One JSON line → a Record, or the reason it was rejected."""
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses (NaN, huge ints, bad UTF-8) or the reason in json's words
            text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
            item = json.loads(text)
        except ValueError as exc:
            return f"not JSON: {exc.args[0] if exc.args else exc}"
    return convert(CONVERTERS[converter_key], item)


def convert(converter: Callable[[dict[str, Any]], Record], item: object) -> Record | str:
    """One parsed object → a Record, or the reason it was rejected."""
    if not isinstance(item, dict):
        return "not a JSON object"
    try:
        return converter(item)
    except ValueError as exc:
        return str(exc)


def numbered_lines(lines: Iterable[bytes], number: int = 0) -> Iterable[tuple[int, bytes]]:
    """The non-blank lines of *lines* (as a binary file yields them), numbered as text mode
    numbers them (a bare CR ends a line too), counting on from *number*."""
    for line in lines:
        for part in line.splitlines() if b"\r" in line else (line,):
            number += 1
            if part.strip():
                yield number, part


def line_count(data: bytes, start: int = 0, end: int | None = None) -> int:
    """How many lines :func:`numbered_lines` counts in ``data[start:end]``, which ends with a
    line end (not a CR that a LF follows)."""
    end = len(data) if end is None else end
    count = data.count(b"\n", start, end)
    if data.find(b"\r", start, end) < 0:
        return count
    return count + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def prepare_lines(task: tuple[str, bool, str | None, list[tuple[int, bytes]]]) -> Prepared:
    """Parse and prepare ``(format, shingle?, stage folder, numbered JSON lines)``."""
    converter_key, shingle, stage, lines = task
    numbered = [(number, parse_line(line, converter_key)) for number, line in lines]
    return prepare_records(numbered, shingle=shingle, stage=stage)


def prepare_range(task: tuple[str, bool, str | None, str, int, int, int]) -> Prepared:
    """Read bytes ``start:end`` of a JSON lines file (whole lines; *number* lines come before
    them) and prepare them: ``(format, shingle?, stage folder, path, start, end, number)``."""
    converter_key, shingle, stage, path, start, end, number = task
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    lines = list(numbered_lines(io.BytesIO(data), number))
    prepared = prepare_lines((converter_key, shingle, stage, lines))
    prepared.end = end
    return prepared
