"""Import throughput: rows per second for N originals into SQLite and PostgreSQL.

The rows are generated from the real tweets in ../shared/data/tweets (repeated with new ids
and a small edit), written once to a temporary JSONL file, then imported with
``import_file`` with and without search indexing. The baseline is the obvious ORM loop (one
``session.add`` per row, a commit every 2,000) on the first ``--baseline-rows`` of the same file.

    .venv/bin/python bench/import.py --rows 200000
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.models import Original, utcnow  # noqa: E402
from bot.originals.importers import import_file  # noqa: E402
from bot.originals.records import from_originals  # noqa: E402

TWEETS = ROOT.parent / "shared" / "data" / "tweets"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _real_tweets() -> list[dict[str, str]]:
    rows = []
    for path in sorted(TWEETS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                rows.append(
                    {
                        "handle": item.get("screen_name") or "",
                        "name": item.get("speaker_name") or "",
                        "time": item.get("time") or item.get("time_from_snowflake"),
                        "text": item["text"],
                    }
                )
    return rows


def _generated(count: int) -> Iterator[str]:
    base = _real_tweets()
    for number, item in zip(range(count), itertools.cycle(base), strict=False):
        round_ = number // len(base)
        body = item["text"] if round_ == 0 else f"{item['text']} ({round_})"  # a small edit
        yield json.dumps(
            {
                "platform": "twitter",
                "post_id": str(10**18 + number),
                "author_handle": item["handle"] or None,
                "author_name": item["name"] or None,
                "posted_at": item["time"],
                "text": body,
                "kind": "post",
            }
        )


def _timed_import(url: str, path: Path, rows: int, *, index: bool) -> float:
    engine = db.make_engine(url)
    db.upgrade(engine)
    start = time.perf_counter()
    summary = import_file(engine, path, index=index)
    elapsed = time.perf_counter() - start
    engine.dispose()
    assert summary.added == rows, summary.to_json()
    return rows / elapsed


def _baseline(url: str, path: Path, rows: int) -> float:
    """The obvious loop: parse, one ORM object a row, commit every 2,000."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    start = time.perf_counter()
    with path.open(encoding="utf-8") as handle, Session(engine) as session:
        for number, line in enumerate(itertools.islice(handle, rows), start=1):
            record = from_originals(json.loads(line))
            session.add(
                Original(
                    platform=record.platform,
                    post_id=record.post_id,
                    author_handle=record.author_handle,
                    author_name=record.author_name,
                    posted_at=record.posted_at,
                    text=record.text,
                    created_at=utcnow(),
                )
            )
            if number % 2000 == 0:
                session.commit()
        session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return rows / elapsed


def _pg_database() -> tuple[str, str] | None:
    try:
        admin = create_engine(
            PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        name = f"qc_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:  # no server: report and go on with SQLite only
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}".splitlines()[0])
        return None


def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="originals to import")
    parser.add_argument("--baseline-rows", type=int, default=20_000, help="rows for the ORM loop")
    parser.add_argument("--no-index-only", action="store_true", help="skip the indexed runs")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    if not TWEETS.is_dir():
        sys.exit(f"real tweets not found at {TWEETS}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "originals.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for line in _generated(args.rows):
                handle.write(line + "\n")
        size = path.stat().st_size >> 20
        print(f"{args.rows:,} originals generated from the real tweets ({size} MB)")
        runs = [("no index", False)] + ([] if args.no_index_only else [("with index", True)])
        base_rows = min(args.baseline_rows, args.rows)
        if not args.no_sqlite:
            sqlite_base = _baseline(f"sqlite:///{folder}/baseline.db", path, base_rows)
            for label, index in runs:
                rate = _timed_import(
                    f"sqlite:///{folder}/{label.replace(' ', '_')}.db", path, args.rows, index=index
                )
                _report("SQLite", label, rate, sqlite_base, base_rows)
        database = None if args.no_postgres else _pg_database()
        if database is None:
            return
        name, url = database
        try:
            pg_base = _baseline(url, path, base_rows)
            for label, index in runs:
                _drop(name)
                database = _pg_database()
                assert database is not None
                name, url = database
                rate = _timed_import(url, path, args.rows, index=index)
                _report("PostgreSQL", label, rate, pg_base, base_rows)
        finally:
            _drop(name)


def _report(engine: str, label: str, rate: float, base: float, base_rows: int) -> None:
    print(
        f"{engine:10} {label:10}: {rate:9,.0f} rows/s   baseline ORM loop "
        f"{base:8,.0f} rows/s ({base_rows:,} rows) ratio {rate / base:5.1f}x"
    )


if __name__ == "__main__":
    main()
