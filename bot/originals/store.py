"""Write originals: batched upserts that keep earlier texts as revisions, split transcripts into
passages, link speakers and keep the search index in step — all in the caller's transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlmodel import Session

from bot.match.index import BulkIndex, index_originals, unindex
from bot.models import MatchRow, Original, OriginalRevision, Speaker, SpeakerAlias
from bot.originals.known import speaker_key
from bot.originals.prepare import STAGE_COLUMNS, STAGE_TABLE, Staged, fingerprint, sqlite_time
from bot.originals.records import Record
from bot.originals.speakers import (
    author_speaker,
    fold,
    get_or_create_speaker,
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
        return self.for_key(session, speaker_key(record))

    def for_key(self, session: Session, key: Sequence[str] | None) -> int | None:
        """The speaker id for a :func:`~bot.originals.known.speaker_key` (made if new)."""
        if key is None:
            return None
        if key[0] == "name":
            return self.for_name(session, key[1])
        _, platform, handle, name = key
        cached = (platform, "@" + handle)
        if cached not in self.by_key:
            speaker = author_speaker(session, platform=platform, handle=handle, name=None)
            if speaker is None:
                speaker = get_or_create_speaker(session, name, handles=[(platform, handle)])
            self.by_key[cached] = speaker.id
        return self.by_key[cached]

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


def hold_write_lock(connection: Connection) -> None:
    """On SQLite, take the database's write lock now, for the rest of the transaction.

    New originals get their ids counted up from the highest one: with the lock held from
    before that is read, no other writer can take those ids in between. (A DELETE that
    deletes nothing starts a write transaction.) PostgreSQL needs nothing: it reads the ids
    back."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DELETE FROM originals WHERE 0")


def highest_id(connection: Connection) -> int:
    """The highest id among the originals (0 when there are none)."""
    result = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM originals")
    return int(result.scalar_one())


def _insert_rows(connection: Connection, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """INSERT new rows in bulk and return their ids, in order.

    SQLite: the driver's executemany (SQLAlchemy's per-value bind processing costs more than
    the insert) with the ids given, counting up from the highest one (the same transaction
    read it, so no other writer can come between), times written as the UTCDateTime type
    writes them. PostgreSQL: ``COPY``, then the ids read back as the rows above the highest
    id seen before the insert.
    """
    sqlite = connection.dialect.name == "sqlite"
    before = highest_id(connection)
    stamp: Any = sqlite_time(now) if sqlite else now.astimezone(UTC)
    when: Any = sqlite_time if sqlite else (lambda value: value)
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
    hold_write_lock(connection)
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


def write_staged(
    connection: Connection,
    schema: str,
    staged: Staged,
    *,
    now: datetime,
    speakers: Speakers,
    staging: BulkIndex | None = None,
    index: bool = True,
) -> Written:
    """Store a batch from a stage file attached as *schema* (SQLite; :func:`bot.db.attached`):
    new rows are copied in SQL and their shingles staged in *staging*; changed ones go
    through :func:`write_records` (re-indexed there, with *index*); equal ones are left alone.

    Runs in the caller's transaction. The stage file holds posts only, each once
    (:func:`bot.originals.prepare.stage_batch`).
    """
    hold_write_lock(connection)
    session = Session(bind=connection)
    if not speakers.seeded:
        seed_known_speakers(session)
        speakers.seeded = True
    linked = [(key, speakers.for_key(session, orjson.loads(key))) for key in staged.speakers]
    session.flush()
    session.close()
    run = connection.exec_driver_sql
    run(
        "CREATE TEMP TABLE IF NOT EXISTS qc_speaker_keys (key TEXT PRIMARY KEY, speaker_id INTEGER)"
    )
    if linked:
        run("INSERT OR REPLACE INTO qc_speaker_keys VALUES (?, ?)", linked)
    rows = f"{schema}.{STAGE_TABLE}"
    existing = run(
        f"SELECT s.seq, o.content_hash = s.content_hash FROM {rows} s JOIN originals o "
        "ON o.platform = s.platform AND o.post_id = s.post_id"
    ).fetchall()
    stored = orjson.dumps([seq for seq, _ in existing]).decode()
    changed = [seq for seq, same in existing if not same]
    before = highest_id(connection)
    stamp = sqlite_time(now)
    columns = ", ".join(STAGE_COLUMNS)
    new = "s.seq NOT IN (SELECT value FROM json_each(?))"
    added = run(
        f"INSERT INTO originals (id, {columns}, speaker_id, created_at, updated_at) "
        f"SELECT ? + s.seq, {', '.join('s.' + name for name in STAGE_COLUMNS)}, k.speaker_id, "
        f"?, ? FROM {rows} s LEFT JOIN qc_speaker_keys k ON k.key = s.speaker WHERE {new} "
        "ORDER BY s.seq",
        (before, stamp, stamp, stored),
    ).rowcount
    if staging is not None:
        staging.add_select(
            f"SELECT ? + s.seq, s.shingles, s.postings FROM {rows} s "
            f"WHERE s.shingles IS NOT NULL AND {new}",
            (before, stored),
        )
    new_rows: list[Outcome] = ["added"] * added
    equal_rows: list[Outcome] = ["unchanged"] * (len(existing) - len(changed))
    outcomes = new_rows + equal_rows
    written = Written(outcomes, [])
    if changed:
        fetched = run(
            f"SELECT {columns} FROM {rows} WHERE seq IN (SELECT value FROM json_each(?)) "
            "ORDER BY seq",
            (orjson.dumps(changed).decode(),),
        ).fetchall()
        records = [_staged_record(*row) for row in fetched]
        revised = write_records(
            connection,
            records,
            now=now,
            speakers=speakers,
            index=index,
            index_new=False,
            hashes=[row[-1] for row in fetched],
        )
        written.outcomes += revised.outcomes
    return written


def _staged_record(
    platform: str,
    post_id: str,
    url: str | None,
    author_name: str | None,
    author_handle: str | None,
    posted_at: str | None,
    title: str | None,
    text: str,
    kind: str,
    status: str,
    is_retweet: int,
    _content_hash: str,
) -> Record:
    return Record(
        platform=platform,
        post_id=post_id,
        text=text,
        url=url,
        author_name=author_name,
        author_handle=author_handle,
        posted_at=_parse_sqlite_time(posted_at),
        title=title,
        kind=kind,
        status=status,
        is_retweet=bool(is_retweet),
    )


def _parse_sqlite_time(value: str | None) -> datetime | None:
    """The UTC time :func:`~bot.originals.prepare.sqlite_time` wrote."""
    if value is None:
        return None
    date_part, _, clock = value.partition(" ")
    year, month, day = (int(part) for part in date_part.split("-"))
    hms, _, micro = clock.partition(".")
    hour, minute, second = (int(part) for part in hms.split(":"))
    return datetime(year, month, day, hour, minute, second, int(micro or 0), tzinfo=UTC)


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
