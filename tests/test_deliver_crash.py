"""A worker process killed mid-delivery loses nothing: after its lease expires another worker
sends the message, with the same idempotency key (real processes, real databases, a real
local webhook receiver)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.deliver import send_deliveries
from bot.digests import compose_digests
from bot.http import make_async_client
from bot.models import Article, Channel, Citation, Delivery, MatchRow

CHILD = Path(__file__).with_name("crash_child.py")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request it answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str | None, dict[str, object]]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.headers.get("Idempotency-Key"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest) -> str:
    found: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return found


def _queue_one_digest(engine: Engine, hook: str) -> None:
    with db.session_scope(engine) as session:
        session.add(
            Channel(name="desk", kind="webhook", url=hook, schedule="immediate", created_at=NOW)
        )
        article = Article(url="https://news.example/1", canonical_url="https://news.example/1")
        session.add(article)
        session.flush()
        citation = Citation(article_id=article.id, kind="quote", text="Invented words")
        session.add(citation)
        session.flush()
        session.add(
            MatchRow(
                citation_id=citation.id,
                relation="none",
                attribution="unknown",
                original_status="unknown",
                date_check="unknown",
                created_at=NOW,
            )
        )
    assert compose_digests(engine, SETTINGS, NOW).messages == 1


def _crash(url: str, where: str) -> None:
    done = subprocess.run(
        [sys.executable, str(CHILD), url, NOW.isoformat(), where],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 17, done.stderr  # it died where it was told to


def _send(engine: Engine, url: str, now: datetime) -> int:
    settings = Settings(_env_file=None, database_url=url, allow_private_networks=True)  # type: ignore[call-arg]

    async def run() -> int:
        async with make_async_client(settings) as client:
            return (await send_deliveries(engine, client, settings, now, owner="survivor")).sent

    return asyncio.run(run())


def _row(engine: Engine) -> Delivery:
    with Session(engine) as session:
        return session.exec(select(Delivery)).one()


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_worker_killed_mid_delivery(url: str, where: str, receiver: Receiver) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    _queue_one_digest(engine, receiver.url)

    _crash(url, where)
    row = _row(engine)
    assert (row.status, row.attempts, row.lease_owner) == ("sending", 1, "doomed")
    assert len(receiver.requests) == (0 if where == "before" else 1)

    # While the dead worker's lease runs, nobody else takes the row ...
    assert _send(engine, url, NOW + timedelta(minutes=1)) == 0
    # ... once it has expired, another worker sends it.
    assert _send(engine, url, NOW + timedelta(minutes=6)) == 1
    row = _row(engine)
    assert (row.status, row.attempts) == ("sent", 2)
    keys = {key for key, _ in receiver.requests}
    if where == "before":  # nothing had left: the message arrives exactly once
        assert len(receiver.requests) == 1
    else:  # it had arrived: the resend carries the same key, for the receiver to drop
        assert len(receiver.requests) == 2
        assert receiver.requests[0][1] == receiver.requests[1][1]
    assert keys == {f"quotecheck-delivery-{row.id}"}
    assert receiver.requests[-1][1]["schema"] == "quotecheck.digest/1"
    # and the next run sends nothing more
    assert _send(engine, url, NOW + timedelta(hours=1)) == 0
    engine.dispose()
