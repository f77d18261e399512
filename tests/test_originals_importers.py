from __future__ import annotations

import gzip
import json
import shutil
from array import array
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import db
from bot.match.shingles import indexed_shingles
from bot.models import Original, OriginalRevision
from bot.originals.importers import ImportFormatError, import_file
from bot.originals.records import parse_time

DATA = Path(__file__).parent / "data" / "originals"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _originals(engine: Engine) -> dict[tuple[str, str], Original]:
    with Session(engine) as session:
        rows = session.exec(select(Original)).scalars().all()  # type: ignore[call-overload]
        return {(row.platform, row.post_id): row for row in rows}


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _indexed(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text("SELECT original_id FROM match_docs"))}


@pytest.mark.parametrize(
    ("name", "fmt", "added", "rejected_lines"),
    [
        ("originals.jsonl", "auto", 4, [5, 6, 7, 8]),
        ("originals.jsonl", "jsonl", 4, [5, 6, 7, 8]),
        ("tta_condensed.json", "auto", 2, [3, 4]),
        ("tta_condensed.json", "tta", 2, [3, 4]),
        ("tta.csv", "auto", 2, [4]),
        ("tta.csv", "tta", 2, [4]),
        ("tta.csv", "csv", 2, [4]),
        ("tweets.jsonl", "auto", 2, [3]),
        ("tweets.jsonl", "tweets", 2, [3]),
        ("congress.jsonl", "auto", 1, []),
        ("whitehouse.jsonl", "auto", 3, []),
        ("whitehouse.jsonl", "whitehouse", 3, []),
    ],
)
def test_each_format_imports_and_reports_bad_lines(
    engine: Engine, name: str, fmt: str, added: int, rejected_lines: list[int]
) -> None:
    summary = import_file(engine, DATA / name, fmt=fmt, now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (added, 0, 0)
    assert [line for line, _reason in summary.rejected] == rejected_lines
    assert all(reason for _line, reason in summary.rejected)
    again = import_file(engine, DATA / name, fmt=fmt, now=NOW)
    assert (again.added, again.updated, again.unchanged) == (0, 0, added)


def test_originals_jsonl_fields_and_reasons(engine: Engine) -> None:
    summary = import_file(engine, DATA / "originals.jsonl", now=NOW)
    reasons = dict(summary.rejected)
    assert "not JSON" in reasons[5]
    assert "kind 'tweetstorm'" in reasons[6]
    assert "text" in reasons[7]
    assert "object" in reasons[8]
    stored = _originals(engine)
    bridge = stored[("twitter", "1001")]
    assert bridge.author_handle == "MayorQuill" and bridge.status == "live"
    assert bridge.posted_at == datetime(2019, 3, 4, 15, tzinfo=UTC)
    assert bridge.speaker_id is not None
    library = stored[("bluesky", "3kabc")]
    assert library.status == "deleted"
    assert library.posted_at == datetime(2024, 5, 6, 7, 30, tzinfo=UTC)
    assert stored[("twitter", "1002")].is_retweet  # "RT @…" text marks a retweet
    assert stored[("statement", "press/2020-01-01")].kind == "statement"


def test_tta_rows_belong_to_the_archive_account(engine: Engine) -> None:
    import_file(engine, DATA / "tta.csv", now=NOW)
    stored = _originals(engine)
    first = stored[("twitter", "900000000000000010")]
    assert first.author_handle == "realDonaldTrump"
    assert first.text == "Invented tweet, with a comma, about the harvest."
    assert first.url == "https://twitter.com/realDonaldTrump/status/900000000000000010"
    assert first.posted_at == datetime(2018, 1, 3, 12, tzinfo=UTC)
    assert stored[("twitter", "900000000000000011")].is_retweet


def test_congress_rows_keep_the_member_name_without_an_account(engine: Engine) -> None:
    import_file(engine, DATA / "congress.jsonl", now=NOW)
    (row,) = _originals(engine).values()
    assert (row.author_name, row.author_handle) == ("Wilhelmina Oakhart", None)
    assert row.speaker_id is not None


def test_changed_text_updates_and_keeps_history(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    row = {"platform": "twitter", "post_id": "5", "author_handle": "MayorQuill", "text": "First."}
    path.write_text(json.dumps(row) + "\n")
    import_file(engine, path, now=NOW)
    path.write_text(json.dumps({**row, "text": "First, edited."}) + "\n")
    summary = import_file(engine, path, now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    stored = _originals(engine)[("twitter", "5")]
    assert stored.text == "First, edited."
    with Session(engine) as session:
        revisions = session.exec(select(OriginalRevision)).scalars().all()  # type: ignore[call-overload]
    assert [(r.original_id, r.text) for r in revisions] == [(stored.id, "First.")]
    assert stored.id in _indexed(engine)


def test_gzip_is_read_and_a_duplicate_line_counts_once(engine: Engine, tmp_path: Path) -> None:
    row = {"platform": "twitter", "post_id": "9", "text": "Twice the same."}
    path = tmp_path / "posts.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    summary = import_file(engine, path, now=NOW)
    assert (summary.added, summary.unchanged) == (1, 1)


def test_transcripts_are_split_and_only_passages_indexed(engine: Engine) -> None:
    import_file(engine, DATA / "whitehouse.jsonl", now=NOW)
    stored = _originals(engine)
    briefing = next(
        o for o in stored.values() if o.kind == "transcript" and o.platform == "whitehouse"
    )
    statement = next(o for o in stored.values() if o.kind == "statement")
    passages = sorted(
        (o for o in stored.values() if o.parent_id == briefing.id), key=lambda o: o.position or 0
    )
    assert [p.author_name for p in passages] == [
        "Jen Psaki",
        "Tobias Fernsworth",
        "Q (press)",
        "Jen Psaki",
        "Joe Biden",
        "Q (press)",
    ]
    indexed = _indexed(engine)
    assert briefing.id not in indexed
    assert statement.id in indexed
    assert {p.id for p in passages} <= indexed


def test_index_false_leaves_the_index_alone(engine: Engine) -> None:
    import_file(engine, DATA / "tweets.jsonl", now=NOW, index=False)
    assert _indexed(engine) == set()


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (None, "auto", "no such file"),
        ("plain words\n", "auto", "cannot tell the format"),
        ('{"a": 1}\n', "auto", "cannot tell the format"),
        ('{"a": 1}\n', "yaml", "unknown format"),
    ],
)
def test_unusable_files_raise_a_clear_error(
    engine: Engine, tmp_path: Path, content: str | None, fmt: str, message: str
) -> None:
    path = tmp_path / "input.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ImportFormatError, match=message):
        import_file(engine, path, fmt=fmt)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon Jan 01 13:37:52 +0000 2018", datetime(2018, 1, 1, 13, 37, 52, tzinfo=UTC)),
        ("2018-09-09T15:31:58+00:00", datetime(2018, 9, 9, 15, 31, 58, tzinfo=UTC)),
        ("2021-01-20 19:06:00-05:00", datetime(2021, 1, 21, 0, 6, tzinfo=UTC)),
        ("2021-01-20", datetime(2021, 1, 20, 12, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_time(value: str | None, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_cli_import_prints_a_summary_and_exit_2_on_bad_input(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DATA / "originals.jsonl", tmp_path / "o.jsonl")
    code, out, _err = run_cli("originals", "import", str(tmp_path / "o.jsonl"))
    assert code == 0
    assert "added 4, updated 0, unchanged 0, rejected 4" in out
    assert "line 5: not JSON" in out
    code, out, _err = run_cli("originals", "import", "--json", str(tmp_path / "o.jsonl"))
    assert code == 0 and json.loads(out)["unchanged"] == 4
    code, _out, err = run_cli("originals", "import", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "no such file" in err and len(err.strip().splitlines()) == 1
    code, _out, err = run_cli("originals", "import", "--format", "xml", str(tmp_path / "o.jsonl"))
    assert code == 2 and "--format" in err
    code, _out, err = run_cli("originals", "import", "--workers", "-1", str(tmp_path / "o.jsonl"))
    assert code == 2 and "--workers" in err


def test_cli_import_with_workers_imports_the_same(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(DATA / "tweets.jsonl", tmp_path / "t.jsonl")
    code, out, _err = run_cli(
        "originals", "import", "--json", "--workers", "2", str(tmp_path / "t.jsonl")
    )
    assert code == 0
    assert (json.loads(out)["added"], json.loads(out)["rejected"]) == (2, 1)


def test_cli_show_lists_passages_and_revisions(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _out, _err = run_cli("originals", "import", str(DATA / "whitehouse.jsonl"))
    assert code == 0
    code, out, _err = run_cli("originals", "show", "1", "--json")
    data = json.loads(out)
    assert data["kind"] == "transcript" and len(data["passages"]) == 6
    passage_id = data["passages"][0]["id"]
    code, out, _err = run_cli("originals", "show", str(passage_id), "--json")
    assert json.loads(out)["parent"]["id"] == 1
    code, _out, err = run_cli("originals", "show", "4242")
    assert code == 2 and "no original with id 4242" in err


# -- the real shared data ---------------------------------------------------------------------


def _count_records(path: Path) -> int:
    if path.suffix == ".json":
        return len(json.loads(path.read_text()))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        return sum(1 for line in handle if line.strip())


@pytest.mark.shared_data
def test_every_shared_file_imports_and_a_second_import_is_a_no_op(
    shared_data: Path, engine: Engine
) -> None:
    files = sorted(shared_data.glob("tweets/**/*.json*")) + sorted(
        shared_data.glob("statements/*.json*")
    )
    assert len(files) >= 16
    for path in files:  # the index has its own tests; here it would only add minutes
        expected = _count_records(path)
        summary = import_file(engine, path, now=NOW, index=False)
        assert summary.rejected == [], path
        assert summary.added + summary.unchanged == expected, path
    for path in files[:3] + files[-2:]:
        again = import_file(engine, path, now=NOW, index=False)
        assert (again.added, again.updated, again.rejected_count) == (0, 0, 0), path
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(Original)).scalar_one()
    assert total > 60_000


def _index_by_post(engine: Engine) -> tuple[dict[str, bytes], set[tuple[int, str]]]:
    """match_docs and match_shingles, keyed by post_id (ids may differ between databases)."""
    with engine.connect() as connection:
        posts = dict(connection.execute(text("SELECT id, post_id FROM originals")).all())
        docs = connection.execute(text("SELECT original_id, shingles FROM match_docs")).all()
        rows = connection.execute(text("SELECT shingle, original_id FROM match_shingles")).all()
    return (
        {posts[original_id]: bytes(blob) for original_id, blob in docs},
        {(shingle, posts[original_id]) for shingle, original_id in rows},
    )


@pytest.mark.parametrize("name", ["tweets.jsonl", "whitehouse.jsonl", "originals.jsonl"])
def test_bulk_index_builds_the_same_index_as_batch_by_batch(
    engine: Engine, tmp_path: Path, name: str
) -> None:
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    bulk = import_file(engine, DATA / name, now=NOW, bulk_index=True, batch_size=2)
    step = import_file(other, DATA / name, now=NOW, bulk_index=False, batch_size=2)
    assert bulk.to_json() == step.to_json()
    docs, postings = _index_by_post(engine)
    assert docs and postings
    assert (docs, postings) == _index_by_post(other)
    other.dispose()


def test_bulk_index_completes_an_interrupted_import(engine: Engine) -> None:
    import_file(engine, DATA / "whitehouse.jsonl", now=NOW, index=False)  # as if cut short
    assert _indexed(engine) == set()
    again = import_file(engine, DATA / "whitehouse.jsonl", now=NOW, bulk_index=True)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    stored = _originals(engine)
    expected = {o.id for o in stored.values() if o.kind != "transcript"}
    assert _indexed(engine) == expected


def test_index_missing_up_to_an_id_leaves_later_originals_alone(
    engine: Engine, tmp_path: Path
) -> None:
    from bot.match.index import index_missing

    path = tmp_path / "posts.jsonl"
    rows = [
        {"platform": "twitter", "post_id": str(n), "text": f"Tide tables for pier {n} are out."}
        for n in range(5)
    ]
    _write_jsonl(path, rows)
    import_file(engine, path, now=NOW, index=False)
    ids = sorted(o.id for o in _originals(engine).values())
    assert len(ids) == 5
    with engine.begin() as connection:
        assert index_missing(connection, upto=ids[1]) == 2
    assert _indexed(engine) == set(ids[:2])
    with engine.begin() as connection:
        assert index_missing(connection) == 3
    assert _indexed(engine) == set(ids)


def test_bulk_index_reindexes_a_changed_text(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    row = {"platform": "twitter", "post_id": "7", "text": "The ferry leaves at noon sharp."}
    path.write_text(json.dumps(row) + "\n")
    import_file(engine, path, now=NOW, bulk_index=True)
    before = _index_by_post(engine)
    path.write_text(json.dumps({**row, "text": "The ferry leaves at dawn instead."}) + "\n")
    summary = import_file(engine, path, now=NOW, bulk_index=True)
    assert summary.updated == 1
    after = _index_by_post(engine)
    assert after[0]["7"] != before[0]["7"]
    now_stored = array("q", after[0]["7"]).tolist()
    assert after[1] == {(shingle, "7") for shingle in now_stored}  # no stale postings
    assert after[1] != before[1]


def _snapshot(engine: Engine) -> tuple[object, ...]:
    """Everything an import writes that does not depend on row ids: every column of every
    original (its speaker by name), the earlier texts kept, the speakers and the index."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT o.platform, o.post_id, o.text, o.url, o.author_name, o.author_handle, "
                "o.posted_at, o.title, o.kind, o.status, o.is_retweet, o.content_hash, "
                "o.parent_id IS NULL, o.position, o.created_at, o.updated_at, o.resolved_at, "
                "s.name FROM originals o LEFT JOIN speakers s ON s.id = o.speaker_id "
                "ORDER BY o.platform, o.post_id"
            )
        ).all()
        revisions = connection.execute(
            text(
                "SELECT o.post_id, r.text, r.status FROM original_revisions r "
                "JOIN originals o ON o.id = r.original_id ORDER BY o.post_id, r.id"
            )
        ).all()
        speakers = connection.execute(text("SELECT name FROM speakers ORDER BY name")).all()
    return (
        tuple(map(tuple, rows)),
        tuple(map(tuple, revisions)),
        tuple(map(tuple, speakers)),
        *_index_by_post(engine),
    )


@pytest.mark.parametrize("index", [True, False], ids=["indexed in bulk", "not indexed"])
def test_staged_batches_store_exactly_what_one_process_does(
    engine: Engine, tmp_path: Path, index: bool
) -> None:
    """New, equal and changed posts, office handles on either side of an inauguration, names
    without handles, retweets, a post twice in one batch and bad lines: workers that stage
    their batches in files leave the same database as one process, import after import."""

    def post(number: int, text_: str, **extra: object) -> dict[str, object]:
        return {"platform": "twitter", "post_id": str(number), "text": text_, **extra}

    first = [
        post(1, "The harbour bridge opens to cyclists on Monday morning.", author_handle="Quill"),
        post(2, "Snow is expected across the valley tonight and tomorrow.", author_handle="quill"),
        post(3, "Our office hours change next week for the holiday.", author_name="Bea Marrow"),
        post(4, "Thank you to every volunteer at the food bank today!", author_handle="POTUS",
             posted_at="2021-01-20T18:00:00+00:00"),
        post(5, "Thank you to every volunteer at the food bank today!", author_handle="POTUS",
             posted_at="2021-01-20T15:00:00+00:00"),
        post(6, "RT @Quill: The harbour bridge opens to cyclists on Monday morning.",
             author_handle="ferryfan", is_retweet=True),
    ]  # fmt: skip
    second = [
        post(1, "The harbour bridge opens to cyclists on Tuesday morning.", author_handle="Quill"),
        post(2, "Snow is expected across the valley tonight and tomorrow.", author_handle="quill"),
        post(7, "Ferries run every twenty minutes on the weekend.", author_handle="ferryfan"),
        post(8, "A new reading room opens in the east wing.", author_name="Bea Marrow",
             title="Library notice"),
        post(9, "Short one."),
        post(9, "Short one, corrected."),
        post(3, "Our office hours change next week for the holidays.", author_name="Bea Marrow"),
    ]  # fmt: skip
    runs = []
    for rows in (first, second):
        path = tmp_path / f"run{len(runs)}.jsonl"
        lines = [json.dumps(row) for row in rows]
        path.write_text("\n".join([*lines[:3], "not json", *lines[3:]]) + "\n")
        runs.append(path)
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    for path in runs:
        pooled = import_file(
            engine, path, now=NOW, index=index, bulk_index=index, workers=2, batch_size=3
        )
        alone = import_file(
            other, path, now=NOW, index=index, bulk_index=index, workers=0, batch_size=3
        )
        assert pooled.to_json() == alone.to_json()
        assert _snapshot(engine) == _snapshot(other)
    # by hand, the second run: 1 and 3 changed, 2 equal, 7 and 8 new, 9 new then changed
    assert (pooled.added, pooled.updated, pooled.unchanged) == (3, 3, 1)
    assert [line for line, _ in pooled.rejected] == [4]
    with engine.connect() as connection:
        speakers = dict(
            connection.execute(
                text(
                    "SELECT o.post_id, s.name FROM originals o "
                    "LEFT JOIN speakers s ON s.id = o.speaker_id"
                )
            ).all()
        )
    # POTUS before noon Eastern (17:00 UTC) on 2021-01-20 is still the outgoing president
    assert (speakers["4"], speakers["5"]) == ("Joe Biden", "Donald J. Trump")
    assert speakers["3"] == speakers["8"] == "Bea Marrow"
    assert speakers["1"] == speakers["2"]
    other.dispose()


@pytest.mark.parametrize("name", ["tweets.jsonl", "originals.jsonl", "whitehouse.jsonl"])
def test_worker_processes_import_exactly_what_one_process_does(
    engine: Engine, tmp_path: Path, name: str
) -> None:
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    pooled = import_file(engine, DATA / name, now=NOW, bulk_index=True, workers=2, batch_size=2)
    alone = import_file(other, DATA / name, now=NOW, bulk_index=True, workers=0, batch_size=2)
    assert pooled.to_json() == alone.to_json()
    assert pooled.added > 0
    assert _snapshot(engine) == _snapshot(other)
    other.dispose()


@pytest.mark.parametrize(
    ("index", "large", "staged"),
    [(False, True, True), (False, False, False), (True, True, True), (True, False, False)],
)
def test_large_files_go_through_worker_stage_files_by_default(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, index: bool, large: bool, staged: bool
) -> None:
    from bot.originals import importers

    calls = {"n": 0}
    real = importers.write_staged

    def counting(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importers, "write_staged", counting)
    monkeypatch.setattr(importers, "BULK_INDEX_BYTES", 1 if large else 1 << 40)
    monkeypatch.setattr(importers, "WORKERS", 2)  # as on any machine with two CPUs or more
    summary = import_file(engine, DATA / "originals.jsonl", now=NOW, index=index)
    assert summary.added == 4
    assert (calls["n"] > 0) == staged


@pytest.mark.parametrize("workers", [2, 0], ids=["stage files", "one process"])
def test_no_other_writer_can_take_ids_while_a_batch_counts_them(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """New originals get ids counted up from the highest one: when that is read, the batch
    already holds the write lock, so another writer waits instead of taking those ids."""
    import sqlite3

    from bot.originals import store

    database = engine.url.database
    assert database
    seen: list[str] = []
    real = store.highest_id

    def another_writer_tries_first(connection: Connection) -> int:
        other = sqlite3.connect(database, timeout=0)
        try:
            other.execute("INSERT INTO speakers (name) VALUES (?)", (f"Intruder {len(seen)}",))
            other.commit()
            seen.append("wrote")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()
        return real(connection)

    path = tmp_path / "one_author.jsonl"
    rows = [  # one author: only the first batch writes (a new speaker) before counting ids
        {"platform": "twitter", "post_id": str(n), "author_handle": "QuayWatch",
         "text": f"Berth {n} is free from noon until the evening tide."}
        for n in range(1, 5)
    ]  # fmt: skip
    _write_jsonl(path, rows)
    monkeypatch.setattr(store, "highest_id", another_writer_tries_first)
    summary = import_file(engine, path, now=NOW, bulk_index=True, workers=workers, batch_size=1)
    assert summary.added == 4
    assert len(seen) >= 4 and set(seen) == {"database is locked"}


def test_a_batch_of_long_texts_is_written_early(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transcripts are split into many passages, all held while a batch is written: a batch
    is flushed once its texts come to MAX_BATCH_CHARS, whatever its count."""
    from bot.originals import importers

    batches: list[int] = []
    real = importers.write_records

    def counting(connection: Connection, records: list[object], **kwargs: object) -> object:
        batches.append(len(records))
        return real(connection, records, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importers, "write_records", counting)
    monkeypatch.setattr(importers, "MAX_BATCH_CHARS", 100)
    path = tmp_path / "long.jsonl"
    rows = [
        {"platform": "twitter", "post_id": str(n), "text": f"Ferry timetable {n}: " + "ok " * 20}
        for n in range(5)
    ]  # each about 80 characters: two make a batch
    _write_jsonl(path, rows)
    summary = import_file(engine, path, now=NOW, workers=0)
    assert summary.added == 5
    assert batches == [2, 2, 1]


@pytest.mark.parametrize("workers", [2, 0], ids=["stage files", "one process"])
def test_progress_moves_forward_and_ends_at_the_file_size(
    engine: Engine, tmp_path: Path, workers: int
) -> None:
    path = tmp_path / "posts.jsonl"
    rows = [
        {"platform": "twitter", "post_id": str(n), "text": f"Lock {n} opens at the turn."}
        for n in range(30)
    ]
    _write_jsonl(path, rows)
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []
    import_file(
        engine,
        path,
        now=NOW,
        bulk_index=True,
        workers=workers,
        batch_size=7,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(seen) >= 5  # one a batch of 7, then the end
    assert all(total == size for _, total in seen)
    done = [position for position, _ in seen]
    assert done == sorted(done) and 0 < done[0] < size
    assert done[-1] == size


def test_worker_processes_number_lines_as_text_mode_does(engine: Engine, tmp_path: Path) -> None:
    """Blank lines, a bare CR line ending and bad lines: the same line numbers either way."""
    good = json.dumps({"platform": "twitter", "post_id": "1", "text": "Bridges open at nine."})
    other = json.dumps({"platform": "twitter", "post_id": "2", "text": "Ferries run late today."})
    body = f'{good}\n\nnot json\r{other}\r\n[1, 2]\n\n{{"platform": "x"}}\n'
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(body.encode())
    second = db.make_engine(f"sqlite:///{tmp_path / 'second.db'}")
    db.upgrade(second)
    pooled = import_file(engine, path, now=NOW, bulk_index=True, workers=2)
    alone = import_file(second, path, now=NOW, bulk_index=True, workers=0)
    # by hand: 1 good, 2 blank, 3 "not json" (ended by CR), 4 second post, 5 a list, 6 blank,
    # 7 a record without post_id or text
    assert [line for line, _ in alone.rejected] == [3, 5, 7]
    assert pooled.to_json() == alone.to_json()
    assert pooled.added == 2
    second.dispose()


def test_bulk_import_of_the_same_post_twice_indexes_only_the_later_text(
    engine: Engine, tmp_path: Path
) -> None:
    first = {"platform": "twitter", "post_id": "9", "text": "The market opens on the quay at six."}
    later = {**first, "text": "The market moves to the old station hall this spring."}
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(later) + "\n")
    summary = import_file(engine, path, now=NOW, bulk_index=True, workers=2)
    assert (summary.added, summary.updated) == (1, 1)
    docs, postings = _index_by_post(engine)
    stored = set(array("q", docs["9"]).tolist())
    assert stored == indexed_shingles(later["text"])
    assert postings == {(shingle, "9") for shingle in stored}


@pytest.mark.parametrize("name", ["tweets.jsonl", "whitehouse.jsonl"])
def test_bulk_import_on_postgres_builds_the_same_index_as_on_sqlite(
    engine: Engine, pg_engine: Engine, name: str
) -> None:
    on_pg = import_file(pg_engine, DATA / name, now=NOW, bulk_index=True, workers=2)
    on_sqlite = import_file(engine, DATA / name, now=NOW, bulk_index=True, workers=0)
    assert on_pg.to_json() == on_sqlite.to_json()
    docs, postings = _index_by_post(pg_engine)
    assert docs and postings
    assert (docs, postings) == _index_by_post(engine)


def _pg_primary_key(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
                    "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                    "WHERE c.conrelid = 'match_shingles'::regclass AND c.contype = 'p' "
                    "ORDER BY array_position(c.conkey, a.attnum)"
                )
            ).scalars()
        )


def test_postgres_bulk_builds_into_an_empty_index_and_into_a_filled_one_alike(
    engine: Engine, pg_engine: Engine, tmp_path: Path
) -> None:
    """Into an empty index PostgreSQL fills the postings first and builds the primary key
    after; into a filled one it inserts in key order. Both leave what SQLite leaves, and
    the key is there afterwards (a posting twice is refused)."""
    second = tmp_path / "more.jsonl"
    rows = [
        {"platform": "twitter", "post_id": f"9{n}", "text": f"Quay {n} closes for repairs in May."}
        for n in range(6)
    ]
    _write_jsonl(second, rows)
    for path in (DATA / "tweets.jsonl", second):
        import_file(pg_engine, path, now=NOW, bulk_index=True, workers=0)
        import_file(engine, path, now=NOW, bulk_index=True, workers=0)
        assert _pg_primary_key(pg_engine) == ["shingle", "original_id"]
        assert _index_by_post(pg_engine) == _index_by_post(engine)
    with pg_engine.connect() as connection:
        shingle, original_id = connection.execute(
            text("SELECT shingle, original_id FROM match_shingles LIMIT 1")
        ).one()
        with pytest.raises(IntegrityError):
            connection.execute(
                text("INSERT INTO match_shingles VALUES (:s, :o)"),
                {"s": shingle, "o": original_id},
            )


def test_bulk_index_completes_an_interrupted_import_on_postgres(pg_engine: Engine) -> None:
    import_file(pg_engine, DATA / "tweets.jsonl", now=NOW, index=False)  # as if cut short
    assert _indexed(pg_engine) == set()
    again = import_file(pg_engine, DATA / "tweets.jsonl", now=NOW, bulk_index=True)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert _indexed(pg_engine) == {o.id for o in _originals(pg_engine).values()}


def test_a_failed_write_stops_a_pooled_import_and_keeps_the_batches_before_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.originals import importers

    path = tmp_path / "many.jsonl"
    rows = [
        {"platform": "twitter", "post_id": str(n), "text": f"Harbour notice number {n} is out."}
        for n in range(1, 41)
    ]
    _write_jsonl(path, rows)
    calls = {"n": 0}

    def failing_on_the_second(name: str) -> None:  # either way a batch is written
        real = getattr(importers, name)

        def failing(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")
            return real(*args, **kwargs)

        monkeypatch.setattr(importers, name, failing)

    failing_on_the_second("write_records")
    failing_on_the_second("write_staged")
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(engine, path, now=NOW, bulk_index=True, workers=2, batch_size=10)
    assert calls["n"] == 2
    assert len(_originals(engine)) == 10  # the first batch, committed
    monkeypatch.undo()
    again = import_file(engine, path, now=NOW, bulk_index=True, workers=2, batch_size=10)
    assert (again.added, again.unchanged) == (30, 10)
    assert _indexed(engine) == {o.id for o in _originals(engine).values()}  # completed
