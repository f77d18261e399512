"""Write originals: batched upserts that keep earlier texts as revisions, split transcripts into
passages, link speakers and keep the search index in step — all in the caller's transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlmodel import Session

from bot.match.index import index_originals, unindex
from bot.models import MatchRow, Original, OriginalRevision, Speaker, SpeakerAlias
from bot.originals.known import OFFICE_HANDLES
from bot.originals.prepare import fingerprint
from bot.originals.records import Record
from bot.originals.speakers import (
    author_speaker,
    fold,
    get_or_create_speaker,
    holder_on,
    seed_known_speakers,
)
from bot.originals.transcripts import split_transcript

log = logging.getLogger(__name__)

Outcome = Literal["added", "updated", "unchanged"]
ORIGINALS: Table = Original.__table__  # type: ignore[attr-defined]
REVISIONS: Table = OriginalRevision.__table__  # type: ignore[attr-defined]
SPEAKERS: Table = Speaker.__table__  # type: ignore[attr-defined]
SPEAKER_ALIASES: Table = SpeakerAlias.__table__  # type: ignore[attr-defined]
MATCHES: Table = MatchRow.__table__  # type: ignore[attr-defined]
_MAX_POST_ID = 256


def content_hash(row: dict[str, Any]) -> str:
    """The :func:`bot.originals.prepare.fingerprint` of a row about to be stored."""
    return fingerprint(
        row["text"],
        row.get("url"),
        row.get("author_name"),
        row.get("author_handle"),
        row.get("posted_at"),
        row.get("title"),
        row["kind"],
        row["status"],
        bool(row.get("is_retweet")),
        row.get("position"),
    )


def passage_post_id(parent_post_id: str, position: int) -> str:
    suffix = f"#{position}"
    if len(parent_post_id) + len(suffix) <= _MAX_POST_ID:
        return parent_post_id + suffix
    digest = hashlib.sha1(parent_post_id.encode()).hexdigest()[:12]
    return f"{parent_post_id[: _MAX_POST_ID - len(suffix) - 13]}~{digest}{suffix}"


@dataclass
class Speakers:
    """Speaker ids by author key, remembered across the batches of one import."""

    by_key: dict[tuple[str, str], int | None] = field(default_factory=dict)
    by_surname: dict[str, str | None] = field(default_factory=dict)
    seeded: bool = False

    def for_record(self, session: Session, record: Record) -> int | None:
        handle = (record.author_handle or "").lower()
        office = OFFICE_HANDLES.get((record.platform, handle)) if handle else None
        if office is not None:
            holder = holder_on(office, record.posted_at) if record.posted_at else None
            return self.for_name(session, holder) if holder else None
        if handle:
            key = (record.platform, "@" + handle)
            if key not in self.by_key:
                speaker = author_speaker(
                    session, platform=record.platform, handle=handle, name=None
                )
                if speaker is None:
                    name = record.author_name or "@" + (record.author_handle or handle)
                    speaker = get_or_create_speaker(
                        session, name, handles=[(record.platform, handle)]
                    )
                self.by_key[key] = speaker.id
            return self.by_key[key]
        return self.for_name(session, record.author_name)

    def for_name(self, session: Session, name: str | None) -> int | None:
        if not name:
            return None
        key = ("name", fold(name))
        if key not in self.by_key:
            self.by_key[key] = get_or_create_speaker(session, name).id
        return self.by_key[key]

    def surname(self, session: Session, surname: str) -> str | None:
        """A known speaker's full name from a surname alias, if exactly one has it."""
        if surname not in self.by_surname:
            aliases = SPEAKER_ALIASES.c
            rows = session.connection().execute(
                select(SPEAKERS.c.name)
                .join(SPEAKER_ALIASES, aliases.speaker_id == SPEAKERS.c.id)
                .where(aliases.alias == surname)
            )
            names = {row[0] for row in rows}
            self.by_surname[surname] = names.pop() if len(names) == 1 else None
        return self.by_surname[surname]


def _row(record: Record, speaker_id: int | None, fingerprint: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "platform": record.platform,
        "post_id": record.post_id,
        "url": record.url,
        "author_name": record.author_name,
        "author_handle": record.author_handle,
        "posted_at": record.posted_at,
        "title": record.title,
        "text": record.text,
        "kind": record.kind,
        "status": record.status,
        "is_retweet": record.is_retweet,
        "speaker_id": speaker_id,
        "parent_id": None,
        "position": None,
    }
    row["content_hash"] = fingerprint or content_hash(row)
    return row


@dataclass
class Written:
    outcomes: list[Outcome]
    ids: list[int]
    passages: int = 0
    unindexed: list[tuple[int, str]] = field(default_factory=list)
    """New passages left unindexed (``index_new=False``), as ``(id, text)``."""


_CHUNK = 5_000  # keys per IN (…): under SQLite's 32,766 bound variables


def _existing(
    connection: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Any]:
    """(id, content_hash) of the stored originals among *keys*: one query per 5,000 keys."""
    by_platform: dict[str, list[str]] = {}
    for platform, post_id in keys:
        by_platform.setdefault(platform, []).append(post_id)
    found: dict[tuple[str, str], Any] = {}
    c = ORIGINALS.c
    postgres = connection.dialect.name == "postgresql"
    for platform, post_ids in by_platform.items():
        for start in range(0, len(post_ids), _CHUNK):
            chunk = post_ids[start : start + _CHUNK]
            if postgres:  # a join on the keys: an IN list of thousands, planned on the stale
                # statistics of a table the import is filling, can become a scan per batch
                rows: Any = connection.exec_driver_sql(
                    "SELECT o.id, o.post_id, o.content_hash FROM unnest(%s::text[]) AS k(post_id) "
                    "JOIN originals o ON o.platform = %s AND o.post_id = k.post_id",
                    (chunk, platform),
                )
            else:
                rows = connection.execute(
                    select(c.id, c.post_id, c.content_hash).where(
                        c.platform == platform, c.post_id.in_(chunk)
                    )
                )
            for row in rows:
                found[(platform, row.post_id)] = row
    return found


def _old_texts(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(text, status) of these originals, for the revisions of changed ones."""
    c = ORIGINALS.c
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        statement = select(c.id, c.text, c.status).where(c.id.in_(ids[start : start + _CHUNK]))
        for row in connection.execute(statement):
            found[row.id] = (row.text, row.status)
    return found


def _upsert(
    connection: Connection, rows: list[dict[str, Any]], now: datetime
) -> tuple[list[Outcome], list[int]]:
    """Insert new rows, update changed ones (keeping a revision), skip equal ones."""
    existing = _existing(connection, [(row["platform"], row["post_id"]) for row in rows])
    outcomes: list[Outcome] = []
    ids: list[int | None] = []
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        old = existing.get((row["platform"], row["post_id"]))
        if old is None:
            new.append(row)
            outcomes.append("added")
            ids.append(None)
        elif old.content_hash == row["content_hash"]:
            outcomes.append("unchanged")
            ids.append(old.id)
        else:
            changed.append({**row, "_id": old.id, "updated_at": now})
            outcomes.append("updated")
            ids.append(old.id)
    if new:
        new_ids = iter(_insert_rows(connection, new, now))
        ids = [next(new_ids) if value is None else value for value in ids]
    if changed:
        olds = _old_texts(connection, [row["_id"] for row in changed])
        revisions = [
            {"original_id": row["_id"], "text": text, "status": status, "replaced_at": now}
            for row in changed
            for text, status in [olds[row["_id"]]]
            if text != row["text"] or status != row["status"]
        ]
        values: dict[str, Any] = {key: bindparam(key) for key in changed[0] if key != "_id"}
        connection.execute(
            update(ORIGINALS).where(ORIGINALS.c.id == bindparam("_id")).values(values), changed
        )
        if revisions:
            connection.execute(insert(REVISIONS), revisions)
    return outcomes, [value for value in ids if value is not None]


_COLUMNS = (
    "platform", "post_id", "url", "author_name", "author_handle", "posted_at", "title", "text",
    "kind", "status", "is_retweet", "speaker_id", "parent_id", "position", "content_hash",
    "created_at", "updated_at", "resolved_at",
)  # fmt: skip


def _sqlite_time(value: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it ("%Y-%m-%d %H:%M:%S.%f")."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    if value.year < 1000:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _insert_rows(connection: Connection, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """INSERT new rows in bulk and return their ids, in order.

    SQLite: the driver's executemany (SQLAlchemy's per-value bind processing costs more than
    the insert) with the ids given, counting up from the highest one (the same transaction
    read it, so no other writer can come between), times written as the UTCDateTime type
    writes them. PostgreSQL: ``COPY``, then the ids read back as the rows above the highest
    id seen before the insert.
    """
    sqlite = connection.dialect.name == "sqlite"
    before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM originals").scalar()
    stamp: Any = _sqlite_time(now) if sqlite else now.astimezone(UTC)
    when: Any = _sqlite_time if sqlite else (lambda value: value)
    params = [
        (
            row["platform"], row["post_id"], row["url"], row["author_name"],
            row["author_handle"], when(row["posted_at"]), row["title"], row["text"], row["kind"],
            row["status"], row["is_retweet"], row["speaker_id"], row["parent_id"],
            row["position"], row["content_hash"], stamp, stamp, None,
        )
        for row in rows
    ]  # fmt: skip
    columns = ", ".join(_COLUMNS)
    driver: Any = connection.connection.driver_connection
    if sqlite:  # the driver's own cursor: no per-row wrapping on the way in
        ids = list(range(before + 1, before + 1 + len(rows)))
        cursor = driver.cursor()
        try:
            marks = ", ".join("?" * (len(_COLUMNS) + 1))
            cursor.executemany(
                f"INSERT INTO originals (id, {columns}) VALUES ({marks})",
                [(id_, *item) for id_, item in zip(ids, params, strict=True)],
            )
        finally:
            cursor.close()
        return ids
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY originals ({columns}) FROM STDIN") as copy,
    ):
        for item in params:
            copy.write_row(item)
    back = connection.exec_driver_sql(
        "SELECT id, platform, post_id FROM originals WHERE id > %s", (before,)
    ).fetchall()
    created = {(platform, post_id): id_ for id_, platform, post_id in back}
    return [created[(row["platform"], row["post_id"])] for row in rows]


def write_records(
    connection: Connection,
    records: Sequence[Record],
    *,
    now: datetime,
    speakers: Speakers,
    index: bool = True,
    index_new: bool = True,
    hashes: Sequence[str] | None = None,
) -> Written:
    """Store *records* in one go: upsert, split new or changed transcripts into passages, link
    speakers and index what changed (posts, statements, passages; not whole transcripts).

    With ``index_new=False`` only updated originals are re-indexed here; new ones are left to
    the caller (a bulk build at the end of a large import), and the new passages of
    transcripts come back in ``Written.unindexed``. *hashes* are the records' content hashes
    when already computed (:func:`bot.originals.prepare.record_hash`)."""
    session = Session(bind=connection)
    if not speakers.seeded:
        seed_known_speakers(session)
        speakers.seeded = True
    fingerprints = hashes if hashes is not None else [None] * len(records)
    rows = [
        _row(record, speakers.for_record(session, record), fingerprint)
        for record, fingerprint in zip(records, fingerprints, strict=True)
    ]
    session.flush()
    outcomes, ids = _upsert(connection, rows, now)
    written = Written(outcomes, ids)
    wanted: tuple[Outcome, ...] = ("added", "updated") if index_new else ("updated",)
    to_index = [
        (original_id, row["text"])
        for original_id, row, outcome in zip(ids, rows, outcomes, strict=True)
        if outcome in wanted and row["kind"] != "transcript"
    ]
    for original_id, record, outcome in zip(ids, records, outcomes, strict=True):
        if record.kind == "transcript" and outcome != "unchanged":
            passage_rows = _passage_rows(session, record, original_id, speakers)
            session.flush()
            p_outcomes, p_ids = _upsert(connection, passage_rows, now)
            written.passages += len(p_ids)
            for pid, prow, pout in zip(p_ids, passage_rows, p_outcomes, strict=True):
                if pout in wanted:
                    to_index.append((pid, prow["text"]))
                elif pout == "added":
                    written.unindexed.append((pid, prow["text"]))
            _drop_stale_passages(connection, original_id, keep=p_ids)
    if index and to_index:
        index_originals(connection, to_index)
    session.close()
    return written


def _passage_rows(
    session: Session, record: Record, parent_id: int, speakers: Speakers
) -> list[dict[str, Any]]:
    passages = split_transcript(
        record.text,
        title=record.title,
        author=record.author_name,
        when=record.posted_at,
        lookup=lambda surname: speakers.surname(session, surname),
    )
    rows = []
    for passage in passages:
        speaker_id = speakers.for_name(session, passage.speaker) if passage.resolved else None
        row = _row(
            Record(
                platform=record.platform,
                post_id=passage_post_id(record.post_id, passage.position),
                text=passage.text,
                url=record.url,
                author_name=(passage.speaker or "")[:256] or None,
                posted_at=record.posted_at,
                title=record.title,
                kind="passage",
                status=record.status,
            ),
            speaker_id,
        )
        row["parent_id"] = parent_id
        row["position"] = passage.position
        row["content_hash"] = content_hash(row)
        rows.append(row)
    return rows


def _drop_stale_passages(connection: Connection, parent_id: int, *, keep: list[int]) -> None:
    """Remove passages a new text no longer has, unless a verdict points at them."""
    c = ORIGINALS.c
    matched = select(MATCHES.c.original_id).where(MATCHES.c.original_id.is_not(None))
    stale = [
        row[0]
        for row in connection.execute(
            select(c.id).where(c.parent_id == parent_id, c.id.not_in(keep), c.id.not_in(matched))
        )
    ]
    if stale:
        unindex(connection, stale)
        connection.execute(delete(REVISIONS).where(REVISIONS.c.original_id.in_(stale)))
        connection.execute(delete(ORIGINALS).where(c.id.in_(stale)))
