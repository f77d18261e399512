"""Raw import lines → records ready to store: parsed, checked, fingerprinted and shingled.

Pure and picklable: a large import runs :func:`prepare_lines` in worker processes while the
main process writes to the database; a small one calls :func:`prepare_records` in-process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from bot.match.shingles import batch_packed_shingles
from bot.originals.records import CONVERTERS, Record


@dataclass(slots=True)
class Prepared:
    """One batch of an import, in file order.

    ``shingles[i]`` is ``(packed, listed)`` — the sorted int64 shingles of ``records[i]`` as
    bytes and as a JSON list — or None for a transcript (its passages are indexed instead).
    """

    records: list[Record] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    shingles: list[tuple[bytes, str] | None] = field(default_factory=list)
    rejects: list[tuple[int, str]] = field(default_factory=list)


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
    parts = (
        text,
        url,
        author_name,
        author_handle,
        posted_at.isoformat() if posted_at else None,
        title,
        kind,
        status,
        "rt" if is_retweet else "",
        position,
    )
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
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
    numbered: Sequence[tuple[int, Record | str]], *, shingle: bool = True
) -> Prepared:
    """Fingerprint (and *shingle*) a batch of (line number, Record or the reason it was bad)."""
    prepared = Prepared()
    for number, item in numbered:
        if isinstance(item, str):
            prepared.rejects.append((number, item))
        else:
            prepared.records.append(item)
    records = prepared.records
    prepared.hashes = [record_hash(record) for record in records]
    prepared.shingles = [None] * len(records)
    if not shingle:
        return prepared
    posts = [i for i, record in enumerate(records) if record.kind != "transcript"]
    packed = batch_packed_shingles([records[i].text for i in posts])
    for i, shingles in zip(posts, packed, strict=True):
        prepared.shingles[i] = shingles
    return prepared


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


def prepare_lines(task: tuple[str, bool, list[tuple[int, bytes]]]) -> Prepared:
    """Parse and prepare ``(format, shingle?, numbered JSON lines)`` (blank lines dropped)."""
    converter_key, shingle, lines = task
    numbered = [(number, parse_line(line, converter_key)) for number, line in lines]
    return prepare_records(numbered, shingle=shingle)
