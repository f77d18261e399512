"""Statement sources polled from a real HTTP server on 127.0.0.1 (a thread running http.server)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import load_settings
from bot.http import make_async_client
from bot.models import Original, Source, Speaker
from bot.originals.statements import PollResult, poll_statement_source, speaker_from_title

PAGE = (Path(__file__).parent / "data" / "originals" / "statement_page.html").read_bytes()
NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
ETAG = '"feed-v1"'


def _feed(base: str, items: list[str]) -> bytes:
    entries = "".join(
        f"<item><title>Statement from Mayor Alex Quillfeather on the Orchard Week ({name})</title>"
        f"<link>{base}/items/{name}</link><guid>{base}/items/{name}</guid>"
        "<pubDate>Sat, 28 Feb 2026 15:00:00 +0000</pubDate></item>"
        for name in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Town Hall statements</title><link>{base}/</link>"
        f"<description>Invented press office</description>{entries}</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    items: ClassVar[list[str]] = ["one"]
    broken: ClassVar[set[str]] = set()
    hits: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                self._send(304, b"", {"ETag": ETAG})
            else:
                self._send(
                    200,
                    _feed(base, self.items),
                    {"ETag": ETAG, "Content-Type": "application/rss+xml"},
                )
        elif self.path == "/bad.xml":
            self._send(200, b"<html><body>Not a feed at all", {"Content-Type": "text/html"})
        elif self.path.startswith("/items/"):
            name = self.path.rsplit("/", 1)[1]
            if name in self.broken:
                self._send(500, b"server error")
            else:
                self._send(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})
        else:
            self._send(404, b"")


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.items = ["one"]
    _Handler.broken = set()
    _Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _source(engine: Engine, url: str) -> int:
    with Session(engine) as session:
        source = Source(url=url, kind="statements", created_at=NOW)
        session.add(source)
        session.commit()
        assert source.id is not None
        return source.id


def _poll(engine: Engine, source_id: int) -> PollResult:
    settings = load_settings(allow_private_networks=True, database_url="sqlite:///unused.db")

    async def go() -> PollResult:
        async with make_async_client(settings) as client:
            return await poll_statement_source(engine, client, source_id, now=NOW)

    return asyncio.run(go())


def _statements(engine: Engine) -> list[Original]:
    with Session(engine) as session:
        return list(session.exec(select(Original).where(Original.kind == "statement")).all())


def test_first_poll_stores_items_and_a_second_gets_304(engine: Engine, server: str) -> None:
    source_id = _source(engine, f"{server}/feed.xml")
    first = _poll(engine, source_id)
    assert (first.status, first.stored, first.skipped) == ("fetched", 1, [])
    (stored,) = _statements(engine)
    assert stored.platform == "127.0.0.1"
    assert stored.url == f"{server}/items/one"
    assert "orchard growers who have worked the hillsides" in stored.text
    assert "Town Hall, 1 Invented Square" not in stored.text
    assert stored.author_name == "Alex Quillfeather"
    assert stored.posted_at == datetime(2026, 2, 28, 15, tzinfo=UTC)
    with Session(engine) as session:
        speaker = session.get(Speaker, stored.speaker_id)
        assert speaker is not None and speaker.name == "Alex Quillfeather"
        source = session.get(Source, source_id)
        assert source is not None and source.etag == ETAG and source.last_error is None
    second = _poll(engine, source_id)
    assert (second.status, second.stored) == ("not_modified", 0)
    assert len(_statements(engine)) == 1
    assert _Handler.hits.count("/items/one") == 1


def test_malformed_feed_is_logged_and_does_not_raise(
    engine: Engine, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    source_id = _source(engine, f"{server}/bad.xml")
    result = _poll(engine, source_id)
    assert result.status == "failed" and result.error and "not a feed" in result.error
    assert f"{server}/bad.xml" in caplog.text
    with Session(engine) as session:
        source = session.get(Source, source_id)
        assert source is not None and source.failures == 1 and source.last_error
    assert _statements(engine) == []


def test_unreachable_source_is_a_failure_not_an_exception(engine: Engine) -> None:
    source_id = _source(engine, "http://127.0.0.1:9/feed.xml")
    assert _poll(engine, source_id).status == "failed"


def test_broken_item_page_is_skipped_then_retried(engine: Engine, server: str) -> None:
    _Handler.items = ["one", "two"]
    _Handler.broken = {"two"}
    source_id = _source(engine, f"{server}/feed.xml")
    first = _poll(engine, source_id)
    assert first.stored == 1 and [url for url, _ in first.skipped] == [f"{server}/items/two"]
    _Handler.broken = set()
    second = _poll(engine, source_id)  # the validators were not kept: the feed is read again
    assert (second.status, second.stored, second.skipped) == ("fetched", 1, [])
    assert sorted(o.url or "" for o in _statements(engine)) == [
        f"{server}/items/one",
        f"{server}/items/two",
    ]
    assert _Handler.hits.count("/items/one") == 1  # a stored item is not fetched again


@pytest.mark.parametrize(
    ("title", "speaker"),
    [
        ("Statement from Press Secretary Jen Psaki on the Orchard Week", "Jen Psaki"),
        ("Statement by President Joseph R. Biden, Jr. on Apples", "Joseph R. Biden, Jr."),
        ("Statement from the White House on Pears", None),
        ("Fact Sheet: Orchards", None),
        (None, None),
    ],
)
def test_speaker_from_title(title: str | None, speaker: str | None) -> None:
    assert speaker_from_title(title) == speaker
