"""The originals search index: hashed word shingles in the database, ranked, then reranked.

Each original's text is cut into hashed 4-word shingles (:mod:`bot.match.shingles`), of which
the winnowed ones (all of them while ``WINDOW`` is 1) are stored as rows
``(shingle, original_id)`` in ``match_shingles`` (a clustered key on SQLite, a btree on
PostgreSQL) and as one packed list in ``match_docs`` so re-indexing can remove them. A quote
is looked up by all its shingles.

:func:`search` looks up the quote's shingles, skips stop-shingles (more than
:data:`STOP_POSTINGS` originals share them), ranks originals by the rarity-weighted shingles
they share, applies the ``before``/``speaker_ids`` filters in SQL, and reranks the best
:data:`POOL` with rapidfuzz against the whole text. Reads and writes run on the caller's
connection (inside its transaction), with the driver's executemany for speed.
"""

from __future__ import annotations

import math
import os
from array import array
from bisect import insort
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, repeat
from operator import itemgetter
from typing import Any, TypeVar

from rapidfuzz import fuzz
from sqlalchemy import Connection

from bot.db import sqlite_pragmas
from bot.match.normalize import split_fragments
from bot.match.shingles import (
    batch_packed_shingles,
    index_words,
    indexed_shingles,
    shingles_of_words,
)
from bot.models import Original

STOP_POSTINGS = 100
"""A shingle shared by more originals than this says nothing about which one is quoted."""
POOL = 20
"""Candidates (by shared shingles) reranked with rapidfuzz."""
RELATIVE_WEIGHT = 0.2
"""Candidates whose shared-shingle weight is under this share of the best one's are dropped."""
MAX_QUERY_SHINGLES = 120
"""A longer quote is looked up by an even sample of this many shingles."""
_CHUNK = 500  # ids per IN (…) / rows per executemany batch
_SHINGLE_BATCH = 2_000  # texts shingled at once when staging (passages can be long)
SORT_CACHE_KIB = 4096  # SQLite's page cache while it sorts a bulk build's postings
SORT_THREADS = min(4, os.cpu_count() or 1)  # helper threads SQLite may sort them with
PG_KEY_BUILD_MEMORY = "256MB"  # PostgreSQL's sort memory while it builds an empty index's key

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An original that may be the source of a quote.

    ``score`` is the rapidfuzz similarity (0–100) of the quote to the original's normalised
    text (``partial_ratio``, or ``ratio`` when the original is the shorter); ``shared`` is
    the number of the quote's shingles the original contains.
    """

    original_id: int
    score: float
    shared: int


@dataclass(frozen=True, slots=True)
class OriginalRow:
    """What reranking and matching need of an original."""

    id: int
    text: str
    platform: str
    post_id: str
    url: str | None
    author_name: str | None
    author_handle: str | None
    speaker_id: int | None
    posted_at: datetime | None
    status: str
    kind: str
    is_retweet: bool
    parent_id: int | None


_ORIGINALS: Any = Original.__table__  # type: ignore[attr-defined]


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _pack(values: Iterable[int]) -> bytes:
    return array("q", sorted(values)).tobytes()


def _unpack(blob: bytes) -> list[int]:
    values = array("q")
    values.frombytes(bytes(blob))
    return values.tolist()


def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _stored(connection: Connection, ids: Sequence[int]) -> dict[int, list[int]]:
    """The shingles stored for those of *ids* that are indexed."""
    found: dict[int, list[int]] = {}
    mark = "%s" if _is_postgres(connection) else "?"
    for chunk in _batched(ids, _CHUNK):
        marks = ", ".join([mark] * len(chunk))
        result = connection.exec_driver_sql(
            f"SELECT original_id, shingles FROM match_docs WHERE original_id IN ({marks})",
            tuple(chunk),
        )
        for original_id, blob in result:
            found[original_id] = _unpack(blob)
    return found


def _insert_postings(connection: Connection, rows: list[tuple[int, int]]) -> None:
    if not rows:
        return
    if _is_postgres(connection):
        for chunk in _batched(rows, 50_000):
            connection.exec_driver_sql(
                "INSERT INTO match_shingles (shingle, original_id) "
                "SELECT * FROM unnest(%s::bigint[], %s::integer[]) ON CONFLICT DO NOTHING",
                ([row[0] for row in chunk], [row[1] for row in chunk]),
            )
        return
    rows.sort(key=itemgetter(0))  # in key order: b-tree pages fill in turn, fewer seeks
    connection.exec_driver_sql(
        "INSERT INTO match_shingles (shingle, original_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


def _delete_postings(connection: Connection, rows: list[tuple[int, int]]) -> None:
    if not rows:
        return
    if _is_postgres(connection):
        for chunk in _batched(rows, 50_000):
            connection.exec_driver_sql(
                "DELETE FROM match_shingles WHERE (shingle, original_id) IN "
                "(SELECT * FROM unnest(%s::bigint[], %s::integer[]))",
                ([row[0] for row in chunk], [row[1] for row in chunk]),
            )
        return
    connection.exec_driver_sql(
        "DELETE FROM match_shingles WHERE shingle = ? AND original_id = ?", rows
    )


def _upsert_docs(connection: Connection, docs: list[tuple[int, bytes]]) -> None:
    if not docs:
        return
    mark = "%s" if _is_postgres(connection) else "?"
    connection.exec_driver_sql(
        f"INSERT INTO match_docs (original_id, shingles) VALUES ({mark}, {mark}) "
        "ON CONFLICT (original_id) DO UPDATE SET shingles = excluded.shingles",
        docs,
    )


def _delete_docs(connection: Connection, ids: Sequence[int]) -> None:
    mark = "%s" if _is_postgres(connection) else "?"
    for chunk in _batched(ids, _CHUNK):
        marks = ", ".join([mark] * len(chunk))
        connection.exec_driver_sql(
            f"DELETE FROM match_docs WHERE original_id IN ({marks})", tuple(chunk)
        )


def index_originals(connection: Connection, items: Iterable[tuple[int, str]]) -> None:
    """Index (or re-index) these ``(original_id, text)`` pairs, replacing earlier entries.

    Runs in the caller's transaction; the originals must exist (``match_docs`` refers to
    them). When an id comes twice, its last text counts.
    """
    for batch in _batched(items, 5_000):
        new = {int(key): indexed_shingles(text) for key, text in batch}
        old = _stored(connection, list(new))
        added: list[tuple[int, int]] = []
        removed: list[tuple[int, int]] = []
        docs: list[tuple[int, bytes]] = []
        for original_id, current in new.items():
            before = old.get(original_id)
            if before is None:
                added.extend(zip(current, repeat(original_id)))
            else:
                earlier = set(before)
                if earlier == current:
                    continue
                removed.extend(zip(earlier - current, repeat(original_id)))
                added.extend(zip(current - earlier, repeat(original_id)))
            docs.append((original_id, _pack(current)))
        _delete_postings(connection, removed)
        _insert_postings(connection, added)
        _upsert_docs(connection, docs)


def unindex(connection: Connection, ids: Iterable[int]) -> None:
    """Remove these originals from the index (ids not indexed are ignored)."""
    wanted = [int(original_id) for original_id in ids]
    for chunk in _batched(wanted, _CHUNK):
        stored = _stored(connection, chunk)
        _delete_postings(
            connection,
            [(shingle, original_id) for original_id, items in stored.items() for shingle in items],
        )
        _delete_docs(connection, list(stored))


class BulkIndex:
    """Index many new originals at once: stage their shingles, then build in one sorted pass.

    Each staged original is one row of a temporary table (its packed shingles and the same
    list as JSON); :meth:`finish` expands them into ``match_shingles`` in key order, so each
    page of that index is written once instead of once per batch. Staging runs in whatever
    transactions the caller is in (the temporary table outlives them); an original indexed
    meanwhile another way (re-indexed after a change) keeps that entry. Memory stays bounded.
    """

    def __init__(self, connection: Connection, schema: str = "temp") -> None:
        """Stage in a temporary table, or in one in *schema*: a scratch database the caller
        attached (SQLite), whose file it deletes at the end: dropping a temporary table of
        a million rows takes seconds, deleting a file none."""
        self.connection = connection
        self._pg = _is_postgres(connection)
        self._table = f"{schema}.qc_stage"
        self._scratch = schema != "temp"
        blob = "BYTEA" if self._pg else "BLOB"
        if self._pg:  # PostgreSQL: CREATE TEMP TABLE (its temporary schema has another name)
            create = "CREATE TEMP TABLE IF NOT EXISTS qc_stage"
            self._table = "qc_stage"
        else:
            create = f"CREATE {'' if self._scratch else 'TEMP '}TABLE IF NOT EXISTS {self._table}"
        connection.exec_driver_sql(
            f"{create} (original_id INTEGER NOT NULL, shingles {blob} NOT NULL, "
            "postings TEXT NOT NULL)"
        )
        connection.exec_driver_sql(f"DELETE FROM {self._table}")

    def add(self, rows: Sequence[tuple[int, bytes, str]]) -> None:
        """Stage ``(original_id, packed shingles, the same shingles as a JSON list)`` rows."""
        if not rows:
            return
        if self._pg:
            driver: Any = self.connection.connection.driver_connection
            sql = f"COPY {self._table} (original_id, shingles, postings) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {self._table} VALUES (?, ?, ?)"
            self.connection.exec_driver_sql(sql, list(rows))

    def add_select(self, select_sql: str, params: Sequence[Any] = ()) -> None:
        """Stage what a ``SELECT original_id, packed shingles, JSON list …`` gives (SQL)."""
        self.connection.exec_driver_sql(
            f"INSERT INTO {self._table} (original_id, shingles, postings) {select_sql}",
            tuple(params),
        )

    def add_texts(self, items: Sequence[tuple[int, str]]) -> None:
        """Stage these ``(original_id, text)`` pairs (shingled here, a few thousand at once:
        the words of a batch are held in memory while it is shingled)."""
        for chunk in _batched(items, _SHINGLE_BATCH):
            packed = batch_packed_shingles([text for _, text in chunk])
            rows = [
                (original_id, blob, listed)
                for (original_id, _), (blob, listed) in zip(chunk, packed, strict=True)
            ]
            self.add(rows)

    def finish(self) -> int:
        """Write what was staged into the index; returns how many originals it indexed."""
        fresh = "NOT EXISTS (SELECT 1 FROM match_docs d WHERE d.original_id = s.original_id)"
        expand = (
            "unnest(string_to_array(trim(both '[]' from s.postings), ',')::bigint[])"
            if self._pg
            else "j.value"
        )
        source = f"{self._table} s" if self._pg else f"{self._table} s, json_each(s.postings) j"
        select = f"SELECT {expand}, s.original_id FROM {source} WHERE {fresh}"
        if self._pg and self._postings_empty():
            self._fill_then_key(select)
        else:
            # SQLite sorts the postings fastest in small runs (a 4 MB page cache, not a large
            # one) merged by helper threads: at 1M originals 15 µs an original instead of 27.
            with sqlite_pragmas(self.connection, cache_size=-SORT_CACHE_KIB, threads=SORT_THREADS):
                self.connection.exec_driver_sql(
                    f"INSERT INTO match_shingles (shingle, original_id) {select} "
                    "ORDER BY 1, 2 ON CONFLICT DO NOTHING"
                )
        result = self.connection.exec_driver_sql(
            "INSERT INTO match_docs (original_id, shingles) "
            f"SELECT s.original_id, s.shingles FROM {self._table} s WHERE {fresh}"
        )
        if not self._scratch:
            self.connection.exec_driver_sql(f"DROP TABLE {self._table}")
        return int(result.rowcount or 0)

    def _postings_empty(self) -> bool:
        """Whether the index has no postings; on PostgreSQL, then locked so it stays so."""
        run = self.connection.exec_driver_sql
        if run("SELECT 1 FROM match_shingles LIMIT 1").first() is not None:
            return False
        run("LOCK TABLE match_shingles IN ACCESS EXCLUSIVE MODE")
        return run("SELECT 1 FROM match_shingles LIMIT 1").first() is None

    def _fill_then_key(self, select: str) -> None:
        """PostgreSQL, into an empty index: insert the postings without the primary key, then
        build the key in one sorted pass, not a btree filled row by row (at 300k originals
        the bulk build took 10 s instead of 27). The table stays locked until the transaction
        ends; nothing searched it yet. Each staged original's shingles are distinct and each
        original is staged once, so no row comes twice."""
        run = self.connection.exec_driver_sql
        name = run(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = 'match_shingles'::regclass AND contype = 'p'"
        ).scalar_one()
        run(f'ALTER TABLE match_shingles DROP CONSTRAINT "{name}"')
        run(f"INSERT INTO match_shingles (shingle, original_id) {select}")
        run(f"SET LOCAL maintenance_work_mem = '{PG_KEY_BUILD_MEMORY}'")
        run(
            f'ALTER TABLE match_shingles ADD CONSTRAINT "{name}" PRIMARY KEY (shingle, original_id)'
        )


def index_missing(
    connection: Connection,
    *,
    page: int = 10_000,
    progress: Callable[[int], None] | None = None,
    upto: int | None = None,
) -> int:
    """Index, in bulk, every original without an index entry (whole transcripts excepted).

    Completes the index after an interrupted import or one run without indexing; *upto*
    looks only at originals with ids up to it (an import's own are indexed already). Memory
    stays bounded (*page* texts at a time). Runs in the caller's transaction; returns how
    many originals were indexed. *progress* is called with the running count after each page.
    """
    mark = "%s" if _is_postgres(connection) else "?"
    bulk = BulkIndex(connection)
    last, count = 0, 0
    while True:
        rows = connection.exec_driver_sql(
            f"SELECT id, text FROM originals o WHERE id > {mark} AND id <= {mark} "
            "AND kind <> 'transcript' "
            "AND NOT EXISTS (SELECT 1 FROM match_docs d WHERE d.original_id = o.id) "
            f"ORDER BY id LIMIT {mark}",
            (last, upto if upto is not None else 2**63 - 1, page),
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        bulk.add_texts([(original_id, text) for original_id, text in rows])
        count += len(rows)
        if progress is not None:
            progress(count)
    bulk.finish()
    return count


def _postings(connection: Connection, shingles: Sequence[int]) -> dict[int, list[int]]:
    """Up to STOP_POSTINGS + 1 originals for each shingle."""
    found: dict[int, list[int]] = {}
    if _is_postgres(connection):
        result = connection.exec_driver_sql(
            "SELECT q.s, m.original_id FROM unnest(%s::bigint[]) AS q(s) CROSS JOIN LATERAL "
            "(SELECT original_id FROM match_shingles WHERE shingle = q.s LIMIT %s) AS m",
            (list(shingles), STOP_POSTINGS + 1),
        )
        for shingle, original_id in result:
            found.setdefault(shingle, []).append(original_id)
        return found
    cursor: Any = connection.connection.cursor()
    try:
        for shingle in shingles:
            rows = cursor.execute(
                "SELECT original_id FROM match_shingles WHERE shingle = ? LIMIT ?",
                (shingle, STOP_POSTINGS + 1),
            ).fetchall()
            if rows:
                found[shingle] = [row[0] for row in rows]
    finally:
        cursor.close()
    return found


def _rank(postings: dict[int, list[int]]) -> tuple[list[int], dict[int, float], dict[int, int]]:
    """Originals by the rarity-weighted count of shingles they share with the quote."""
    usable = {s: docs for s, docs in postings.items() if len(docs) <= STOP_POSTINGS}
    if not usable:  # only common shingles: better than nothing (a much-copied post)
        usable = postings
    weight: dict[int, float] = {}
    shared: dict[int, int] = {}
    for docs in usable.values():
        value = 1.0 / math.log2(1 + len(docs))
        for original_id in docs:
            weight[original_id] = weight.get(original_id, 0.0) + value
            shared[original_id] = shared.get(original_id, 0) + 1
    ranked = sorted(weight, key=lambda original_id: (-weight[original_id], original_id))
    return ranked, weight, shared


def _rows(
    connection: Connection,
    ids: Sequence[int],
    *,
    before: datetime | None = None,
    speaker_ids: Collection[int] | None = None,
) -> dict[int, OriginalRow]:
    """Rows of *ids* passing the filters (plain SQL on the driver: this is the hot path)."""
    dialect = connection.dialect
    mark = "%s" if _is_postgres(connection) else "?"
    posted_type = _ORIGINALS.c.posted_at.type.dialect_impl(dialect)
    to_db = posted_type.bind_processor(dialect)
    from_db = posted_type.result_processor(dialect, None)
    columns = ", ".join(OriginalRow.__dataclass_fields__)
    found: dict[int, OriginalRow] = {}
    for chunk in _batched(ids, _CHUNK):
        sql = f"SELECT {columns} FROM originals WHERE id IN ({', '.join([mark] * len(chunk))})"
        params: list[Any] = list(chunk)
        if speaker_ids is not None:
            wanted = list(speaker_ids)
            sql += f" AND speaker_id IN ({', '.join([mark] * len(wanted))})"
            params += wanted
        if before is not None:
            sql += f" AND (posted_at IS NULL OR posted_at <= {mark})"
            params.append(to_db(before) if to_db else before)
        for row in connection.exec_driver_sql(sql, tuple(params)):
            values = list(row)
            values[8] = from_db(values[8]) if from_db else values[8]  # posted_at
            values[11] = bool(values[11])  # is_retweet (0/1 on SQLite)
            found[values[0]] = OriginalRow(*values)
    return found


def candidate_texts(connection: Connection, ids: Iterable[int]) -> dict[int, OriginalRow]:
    """The originals with these ids (missing ids are left out)."""
    return _rows(connection, [int(original_id) for original_id in ids])


def similarity(query: str, text: str, cutoff: float = 0.0) -> float:
    """rapidfuzz similarity of two normalised texts; whole strings when *text* is shorter.

    ``partial_ratio`` alone scores 100 for any short text contained in a long quote. A score
    under *cutoff* may come back as 0 (rapidfuzz then stops early).
    """
    if len(text) < len(query):
        return float(fuzz.ratio(query, text, score_cutoff=cutoff))
    return float(fuzz.partial_ratio(query, text, score_cutoff=cutoff))


def _fragments_similarity(parts: Sequence[str], target: str, cutoff: float = 0.0) -> float:
    """Similarity of a quote (its fragments, when elided) to a normalised text, by length."""
    if len(parts) == 1:
        return similarity(parts[0], target, cutoff)
    total = sum(len(part) for part in parts) or 1
    return sum(similarity(part, target) * len(part) for part in parts) / total


def _rerank(parts: Sequence[str], targets: Sequence[str], limit: int) -> list[float]:
    """Scores of the normalised *targets* (in retrieval order); only the best *limit* exact."""
    scores: list[float] = []
    best: list[float] = []  # the *limit* best so far, ascending
    for target in targets:
        cutoff = best[0] - 1 if len(best) >= limit else 0.0  # near ties are ordered below
        score = _fragments_similarity(parts, target, cutoff)
        scores.append(score)
        if len(best) < limit:
            insort(best, score)
        elif score > best[0]:
            best.pop(0)
            insort(best, score)
    return scores


def search(
    connection: Connection,
    text: str,
    *,
    limit: int = 20,
    before: datetime | None = None,
    speaker_ids: Collection[int] | None = None,
) -> list[Candidate]:
    """The originals most likely quoted by *text*, best first (at most *limit*).

    ``before`` drops originals posted after it (originals without a date stay);
    ``speaker_ids`` keeps only originals of those speakers.
    """
    if limit <= 0 or (speaker_ids is not None and not speaker_ids):
        return []
    words = index_words(text)
    wanted = sorted(shingles_of_words(words))
    if not wanted:
        return []
    if len(wanted) > MAX_QUERY_SHINGLES:
        step = len(wanted) / MAX_QUERY_SHINGLES
        wanted = [wanted[int(i * step)] for i in range(MAX_QUERY_SHINGLES)]
    ranked, weight, shared = _rank(_postings(connection, wanted))
    pool = max(limit, POOL)
    filtered = before is not None or speaker_ids is not None
    if not filtered:
        floor = RELATIVE_WEIGHT * weight[ranked[0]] if ranked else 0.0
        ranked = [i for i in ranked[:pool] if weight[i] >= floor]
    chunk = pool * 10 if filtered else pool
    rows: list[OriginalRow] = []
    for start in range(0, len(ranked), chunk):
        ids = ranked[start : start + chunk]
        found = _rows(connection, ids, before=before, speaker_ids=speaker_ids)
        rows.extend(found[original_id] for original_id in ids if original_id in found)
        if len(rows) >= pool:
            break
    if rows:  # originals sharing far less than the best one are not worth a rerank
        floor = RELATIVE_WEIGHT * weight[rows[0].id]
        rows = [row for row in rows if weight[row.id] >= floor]
    parts = [" ".join(index_words(part)) for part in split_fragments(text)]
    if len(parts) < 2:
        parts = [" ".join(words)]
    rows = rows[:pool]
    targets = [" ".join(index_words(row.text)) for row in rows]
    length = len(" ".join(words))
    closeness = {
        row.id: abs(len(target) - length) for row, target in zip(rows, targets, strict=True)
    }
    scored = list(zip(_rerank(parts, targets, limit), rows, strict=True))
    # Equal scores (to the point): the post before a retweet, then the text closest in length
    # to the quote (the post itself rather than a longer text that contains it).
    scored.sort(
        key=lambda item: (
            -round(item[0]),
            item[1].is_retweet,
            closeness[item[1].id],
            -weight[item[1].id],
            item[1].id,
        )
    )
    return [
        Candidate(original_id=row.id, score=score, shared=shared[row.id])
        for score, row in scored[:limit]
    ]
