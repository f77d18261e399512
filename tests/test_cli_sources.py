"""`quotecheck sources add` (kind detected by one fetch), `list` (health) and `test` (what a
poll would pick up, storing nothing), against a real HTTP server on 127.0.0.1. The feeds and
pages are invented."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot import db
from bot.models import Article, Source
from tests.poll_server import LocalServer, Reply, serve
from tests.test_sources_poll import rss

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("QUOTECHECK_HTTP_HOST_DELAY", "0")
    with serve() as running:
        yield running


@pytest.fixture
def cli_engine(run_cli: Run, sqlite_url: str) -> Iterator[Engine]:
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://news.example/a-story-about-pears</loc></url></urlset>"
)
PAGE = (
    b"<!doctype html><html><body><a href='/local/warden-opens-the-orchard-week'>Warden</a>"
    b"</body></html>"
)


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        ("/feed.xml", None, "feed"),
        ("/sitemap.xml", SITEMAP, "sitemap"),
        ("/local", PAGE, "page"),
    ],
)
def test_add_detects_the_kind(
    run_cli: Run, server: LocalServer, path: str, body: bytes | None, kind: str
) -> None:
    server.routes[path] = Reply(200, body or rss(server.base, [("a", "A", _now())]))
    code, out, err = run_cli("sources", "add", server.url(path))
    assert (code, err) == (0, "")
    assert f"({kind}, every 15m)" in out


def test_add_without_kind_names_the_problem_when_the_url_fails(
    run_cli: Run, server: LocalServer
) -> None:
    server.routes["/gone"] = Reply(410, b"")
    code, _, err = run_cli("sources", "add", server.url("/gone"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "HTTP 410" in err and "--kind" in err


def test_test_prints_items_and_which_are_new_and_stores_nothing(
    run_cli: Run, server: LocalServer, cli_engine: Engine
) -> None:
    now = _now()
    items = [
        ("n1", "Fresh story", now - timedelta(hours=1)),
        ("o1", "Old", now - timedelta(days=9)),
    ]
    server.routes["/feed.xml"] = Reply(200, rss(server.base, items))
    code, out, err = run_cli("sources", "test", server.url("/feed.xml"))
    assert (code, err) == (0, "")
    assert "feed (rss20)" in out and "Brackenford Gazette" in out
    assert "2 items: 1 new, 0 seen, 1 too old" in out
    assert "Fresh story" in out and "first poll" in out
    code, out, _ = run_cli("sources", "test", server.url("/feed.xml"), "--json")
    report = json.loads(out)
    assert [(i["guid"], i["state"]) for i in report["items"]] == [("n1", "new"), ("o1", "too old")]
    with cli_engine.connect() as connection:
        assert connection.execute(select(Source.id)).all() == []
        assert connection.execute(select(Article.id)).all() == []
    # once stored, an item is "seen"
    with db.session_scope(cli_engine) as session:
        url = server.url("/news/n1")
        session.add(Article(url=url, canonical_url=url))
    report = json.loads(run_cli("sources", "test", server.url("/feed.xml"), "--json")[1])
    assert [i["state"] for i in report["items"]] == ["seen", "too old"]


def test_test_of_a_page_that_is_no_feed_exits_2(run_cli: Run, server: LocalServer) -> None:
    server.routes["/html"] = Reply(200, b"<!doctype html><html><body>hi</body></html>")
    code, _, err = run_cli("sources", "test", server.url("/html"), "--kind", "feed")
    assert code == 2 and "not a feed" in err


def test_list_shows_health(run_cli: Run, server: LocalServer, cli_engine: Engine) -> None:
    run_cli("sources", "add", server.url("/broken"), "--kind", "feed")
    with db.session_scope(cli_engine) as session:
        row = session.exec(select(Source)).scalars().one()  # type: ignore[call-overload]
        row.failures, row.last_error = 3, "HTTP 500 Internal Server Error"
        row.last_polled_at = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
        row.next_poll_at = datetime(2026, 3, 2, 12, 20, tzinfo=UTC)
    code, out, _ = run_cli("sources", "list")
    assert code == 0
    assert "2026-03-02 12:00" in out and "2026-03-02 12:20" in out and "HTTP 500" in out
    listed = json.loads(run_cli("sources", "list", "--json")[1])
    assert listed[0]["failures"] == 3 and listed[0]["last_ok_at"] is None
