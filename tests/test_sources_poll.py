"""Polling sources from a real HTTP server on 127.0.0.1: each kind, conditional GET,
Retry-After, back-off that never gives up, alerts, deduplication, first poll, maximum age.
Every feed, page and person here is invented."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from bot import db
from bot.config import Settings, load_settings
from bot.http import make_async_client
from bot.models import Article, Source
from bot.sources.poll import PollSummary, poll_due_sources
from bot.sources.store import mark_alerts_sent, pending_alerts
from tests.poll_server import LocalServer, Reply, Request, serve

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SUMMARY = (
    "The invented town of Brackenford opened its orchard week with a parade of growers, "
    "a pie contest and a long speech by the harvest warden about this year's pears."
)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "allow_private_networks": True,
        "database_url": "sqlite:///unused.db",
        "http_host_delay": "0",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serve() as running:
        yield running


def rss(base: str, items: list[tuple[str, str, datetime]], *, ttl: int | None = None) -> bytes:
    """RSS 2.0 with (guid, title, date) items; the link is {base}/news/{guid}."""
    entries = "".join(
        f"<item><title>{title}</title><link>{base}/news/{guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid><description>{SUMMARY} ({guid})</description>'
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for guid, title, when in items
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Brackenford Gazette</title><link>{base}/</link><description>Invented</description>"
        f"{ttl_tag}{entries}</channel></rss>"
    ).encode()


def add_source(
    engine: Engine, url: str, *, kind: str = "feed", every: int = 900, seen: bool = True
) -> int:
    """A source due at NOW; *seen*: its first poll is behind it (items count as new)."""
    with Session(engine) as session:
        row = Source(
            url=url,
            kind=kind,
            every_seconds=every,
            next_poll_at=NOW,
            created_at=NOW,
            last_ok_at=NOW - timedelta(days=1) if seen else None,
        )
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def poll(engine: Engine, at: datetime = NOW, **overrides: Any) -> PollSummary:
    config = settings(**overrides)

    async def go() -> PollSummary:
        async with make_async_client(config) as client:
            return await poll_due_sources(engine, client, config, at)

    return asyncio.run(go())


def source(engine: Engine, source_id: int) -> Source:
    with Session(engine) as session:
        row = session.get(Source, source_id)
        assert row is not None
        return row


def articles(engine: Engine) -> list[Article]:
    with Session(engine) as session:
        return list(session.exec(select(Article).order_by(Article.id)).scalars())  # type: ignore[call-overload]


HOUR = timedelta(hours=1)


# ------------------------------------------------------------------------------ kinds


def test_rss_items_become_new_articles_and_a_second_poll_sends_validators(
    engine: Engine, server: LocalServer
) -> None:
    etag = '"v1"'

    def feed(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        items = [("a1", "Orchard week opens", NOW - HOUR), ("a2", "Pie contest", NOW - 2 * HOUR)]
        return Reply(200, rss(server.base, items), {"ETag": etag, "Last-Modified": "x"})

    server.routes["/feed.xml"] = feed
    sid = add_source(engine, server.url("/feed.xml"))
    first = poll(engine)
    assert (first.fetched, first.new_articles) == (1, 2)
    rows = articles(engine)
    assert [(a.guid, a.status, a.title) for a in rows] == [
        ("a1", "new", "Orchard week opens"),
        ("a2", "new", "Pie contest"),
    ]
    assert rows[0].canonical_url == server.url("/news/a1")
    assert rows[0].published_at == NOW - HOUR
    row = source(engine, sid)
    assert (row.etag, row.last_modified, row.title) == (etag, "x", "Brackenford Gazette")
    assert row.next_poll_at is not None
    assert timedelta(minutes=13) <= row.next_poll_at - NOW <= timedelta(minutes=17)
    second = poll(engine, NOW + timedelta(minutes=20))
    assert (second.not_modified, second.new_articles) == (1, 0)
    assert server.hits("/feed.xml")[1].headers["if-none-match"] == etag
    assert server.hits("/feed.xml")[1].headers["if-modified-since"] == "x"
    assert len(articles(engine)) == 2
    after = source(engine, sid)  # the 304 is recorded (with the others of its batch)
    assert after.last_polled_at == NOW + timedelta(minutes=20)
    assert after.lease_owner is None and after.failures == 0 and after.etag == etag
    assert after.next_poll_at is not None
    assert timedelta(minutes=33) <= after.next_poll_at - NOW <= timedelta(minutes=37)


def test_an_item_listed_twice_in_one_poll_is_one_article(
    engine: Engine, server: LocalServer
) -> None:
    items = [("d1", "Lantern parade", NOW - HOUR), ("d1", "Lantern parade", NOW - HOUR)]
    server.routes["/dup.xml"] = Reply(200, rss(server.base, items))
    add_source(engine, server.url("/dup.xml"))
    summary = poll(engine)
    assert (summary.new_articles, summary.results[0].seen) == (1, 1)
    assert [a.guid for a in articles(engine)] == ["d1"]


def test_atom_and_json_feed(engine: Engine, server: LocalServer) -> None:
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>Harbour Ledger</title><id>urn:x</id><updated>2026-03-02T10:00:00Z</updated>"
        b'<entry><title>Ferry timetable</title><link href="/ferry-timetable-changes"/>'
        b"<id>urn:ledger:1</id><updated>2026-03-02T10:00:00Z</updated></entry></feed>"
    )
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Hill Courier", "items": ['
        b'{"id": "hc-9", "url": "/hill/bridge-repairs-begin", "title": "Bridge repairs",'
        b' "date_published": "2026-03-02T08:00:00Z"}]}'
    )
    server.routes["/atom"] = Reply(200, atom, {"Content-Type": "application/atom+xml"})
    server.routes["/feed.json"] = Reply(200, json_feed, {"Content-Type": "application/feed+json"})
    add_source(engine, server.url("/atom"))
    add_source(engine, server.url("/feed.json"))
    summary = poll(engine)
    assert summary.new_articles == 2
    got = {(a.guid, a.url, a.published_at) for a in articles(engine)}
    assert got == {
        (
            "urn:ledger:1",
            server.url("/ferry-timetable-changes"),
            datetime(2026, 3, 2, 10, tzinfo=UTC),
        ),
        ("hc-9", server.url("/hill/bridge-repairs-begin"), datetime(2026, 3, 2, 8, tzinfo=UTC)),
    }


def test_news_sitemap_index_is_followed_to_its_sitemaps(
    engine: Engine, server: LocalServer
) -> None:
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{server.base}/news-sitemap.xml</loc><lastmod>2026-03-02</lastmod></sitemap>"
        f"<sitemap><loc>{server.base}/archive-2019.xml</loc><lastmod>2019-01-01</lastmod></sitemap>"
        "</sitemapindex>"
    ).encode()
    news = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{server.base}/2026/03/02/mill-reopens</loc><news:news>"
        "<news:publication><news:name>Mill Post</news:name><news:language>en</news:language>"
        "</news:publication><news:publication_date>2026-03-02T07:30:00+01:00"
        "</news:publication_date><news:title>The mill reopens</news:title></news:news></url>"
        f"<url><loc>{server.base}/2025/01/05/old-story</loc>"
        "<lastmod>2025-01-05T00:00:00Z</lastmod></url>"
        "</urlset>"
    ).encode()
    server.routes["/sitemap-index.xml"] = Reply(200, index)
    server.routes["/news-sitemap.xml"] = Reply(200, news)
    add_source(engine, server.url("/sitemap-index.xml"), kind="sitemap")
    summary = poll(engine)
    assert summary.new_articles == 1 and summary.results[0].too_old == 1
    (article,) = articles(engine)
    assert (article.title, article.published_at) == (
        "The mill reopens",
        datetime(2026, 3, 2, 6, 30, tzinfo=UTC),
    )
    assert server.hits("/archive-2019.xml") == []  # too old to be worth fetching


def test_section_page_gives_same_site_article_links(engine: Engine, server: LocalServer) -> None:
    page = f"""<!doctype html><html><head><title>Local news</title></head><body>
      <nav><a href="/">Home</a> <a href="/section/local">Local</a> <a href="/tag/pears">Pears</a>
      <a href="/about">About</a></nav>
      <a href="/local/harvest-warden-gives-long-speech">The warden's speech</a>
      <a href="/2026/03/02/pie-contest-results#comments">Pie contest results</a>
      <a href="https://elsewhere.example/big-story-about-other-things">Elsewhere</a>
      <a href="{server.base}/local/harvest-warden-gives-long-speech?utm_source=home">Again</a>
      <a href="/images/photo-of-pears-large.jpg">photo</a>
    </body></html>""".encode()
    server.routes["/local"] = Reply(200, page, {"Content-Type": "text/html"})
    add_source(engine, server.url("/local"), kind="page")
    assert poll(engine).new_articles == 2
    assert [(a.url, a.title, a.published_at) for a in articles(engine)] == [
        (server.url("/local/harvest-warden-gives-long-speech"), "The warden's speech", None),
        (
            server.url("/2026/03/02/pie-contest-results"),
            "Pie contest results",
            datetime(2026, 3, 2, tzinfo=UTC),
        ),
    ]


# ------------------------------------------------------------------------------ items


def test_first_poll_records_without_processing_and_post_mode_processes(
    engine: Engine, server: LocalServer
) -> None:
    server.routes["/a.xml"] = Reply(200, rss(server.base, [("r1", "One", NOW - HOUR)]))
    server.routes["/b.xml"] = Reply(200, rss(server.base, [("p1", "Two", NOW - HOUR)]))
    recorded = add_source(engine, server.url("/a.xml"), seen=False)
    summary = poll(engine)
    assert (summary.recorded, summary.new_articles) == (1, 0)
    assert [a.status for a in articles(engine)] == ["recorded"]
    assert source(engine, recorded).last_ok_at == NOW
    add_source(engine, server.url("/b.xml"), seen=False)
    assert poll(engine, first_poll="post").new_articles == 1
    assert [a.status for a in articles(engine)] == ["recorded", "new"]


def test_items_older_than_the_maximum_age_are_skipped(engine: Engine, server: LocalServer) -> None:
    items = [("n", "Fresh", NOW - HOUR), ("o", "Stale", NOW - timedelta(days=4))]
    server.routes["/feed.xml"] = Reply(200, rss(server.base, items))
    add_source(engine, server.url("/feed.xml"))
    summary = poll(engine)
    assert (summary.new_articles, summary.results[0].too_old) == (1, 1)
    assert [a.guid for a in articles(engine)] == ["n"]
    with db.session_scope(engine) as session:  # 0 means no limit
        session.add(Source(url=server.url("/feed.xml?again"), next_poll_at=NOW, last_ok_at=NOW))
    server.routes["/feed.xml"] = Reply(200, rss(server.base, items))
    assert poll(engine, max_item_age="0").results[0].too_old == 0


def test_reissued_edited_and_reguided_items_are_not_new(
    engine: Engine, server: LocalServer
) -> None:
    base = server.base
    versions = [
        [("g1", "Orchard week opens", NOW - HOUR), ("g2", "Pie contest", NOW - HOUR)],
        # g1 edited (new title), g2 re-issued with a new date
        [("g1", "Orchard week opens, in the rain", NOW - HOUR), ("g2", "Pie contest", NOW)],
    ]
    state = {"n": 0}
    server.routes["/feed.xml"] = lambda _: Reply(200, rss(base, versions[state["n"]]))
    sid = add_source(engine, server.url("/feed.xml"))
    assert poll(engine).new_articles == 2
    state["n"] = 1
    with db.session_scope(engine) as session:
        row = session.get(Source, sid)
        assert row is not None
        row.next_poll_at = NOW
    second = poll(engine, NOW + HOUR)
    assert (second.new_articles, second.results[0].edited) == (0, 1)
    # the feed changes its guids but not its links
    reguided = rss(base, [("g1", "x", NOW)]).replace(b">g1</guid>", b">new-id-1</guid>")
    server.routes["/feed.xml"] = Reply(200, reguided.replace(b"/news/new-id-1", b"/news/g1"))
    with db.session_scope(engine) as session:
        row = session.get(Source, sid)
        assert row is not None
        row.next_poll_at = NOW
    assert poll(engine, NOW + 2 * HOUR).new_articles == 0
    assert [(a.guid, a.status) for a in articles(engine)] == [("new-id-1", "new"), ("g2", "new")]


def test_same_content_under_a_new_guid_and_url_is_not_new(
    engine: Engine, server: LocalServer
) -> None:
    first = rss(server.base, [("h1", "Same story", NOW)])
    moved = first.replace(b">h1<", b">h1-moved<").replace(b"/news/h1", b"/moved/h1")
    moved = moved.replace(b"(h1)", b"(h1)")  # same description text
    server.routes["/feed.xml"] = Reply(200, first)
    sid = add_source(engine, server.url("/feed.xml"))
    poll(engine)
    server.routes["/feed.xml"] = Reply(200, moved)
    with db.session_scope(engine) as session:
        row = session.get(Source, sid)
        assert row is not None
        row.next_poll_at = NOW
    assert poll(engine, NOW + HOUR).new_articles == 0
    assert len(articles(engine)) == 1


# ------------------------------------------------------------------------------ failures


def test_malformed_feed_is_reported_and_the_next_source_still_polled(
    engine: Engine, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["/broken.xml"] = Reply(200, b'<?xml version="1.0"?><rss><channel><item><title>x')
    server.routes["/html"] = Reply(
        200,
        b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
        b'href="/real-feed.xml"></head><body>hello</body></html>',
        {"Content-Type": "text/html"},
    )
    server.routes["/good.xml"] = Reply(200, rss(server.base, [("ok", "Fine", NOW)]))
    broken = add_source(engine, server.url("/broken.xml"))
    html = add_source(engine, server.url("/html"))
    add_source(engine, server.url("/good.xml"))
    summary = poll(engine)
    assert (summary.failed, summary.new_articles) == (2, 1)
    assert "malformed feed" in (source(engine, broken).last_error or "")
    html_error = source(engine, html).last_error or ""
    assert "not a feed" in html_error and server.url("/real-feed.xml") in html_error
    assert server.url("/broken.xml") in caplog.text


def test_retry_after_and_cloudflare_are_reported_as_such(
    engine: Engine, server: LocalServer
) -> None:
    server.routes["/slow-down"] = Reply(429, b"", {"Retry-After": "7200"})
    server.routes["/cf"] = Reply(
        403, b"<html>Just a moment...</html>", {"cf-mitigated": "challenge"}
    )
    limited = add_source(engine, server.url("/slow-down"))
    blocked = add_source(engine, server.url("/cf"))
    poll(engine)
    row = source(engine, limited)
    assert row.next_poll_at == NOW + timedelta(hours=2)
    assert "429" in (row.last_error or "") and "7200s" in (row.last_error or "")
    assert "Cloudflare challenge" in (source(engine, blocked).last_error or "")


def test_back_off_doubles_to_the_cap_never_gives_up_and_alerts_once(
    engine: Engine, server: LocalServer
) -> None:
    state = {"ok": False}
    server.routes["/flaky.xml"] = lambda _: (
        Reply(200, rss(server.base, [("f", "Back", NOW)])) if state["ok"] else Reply(500, b"")
    )
    sid = add_source(engine, server.url("/flaky.xml"), every=60)
    at = NOW
    delays = []
    for _ in range(12):
        summary = poll(engine, at)
        assert summary.polled == 1  # still polled, however long it fails
        row = source(engine, sid)
        assert row.next_poll_at is not None
        delays.append(row.next_poll_at - at)
        at = row.next_poll_at
    minutes = [round(d.total_seconds() / 60) for d in delays]
    assert minutes == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440]
    row = source(engine, sid)
    assert row.failures == 12 and "HTTP 500" in (row.last_error or "")
    alerts = pending_alerts(engine)
    assert [(a.kind, a.failures) for a in alerts] == [("failing", 5)]
    assert "HTTP 500" in alerts[0].message
    assert mark_alerts_sent(engine, [alerts[0].id], now=at) == 1
    state["ok"] = True
    poll(engine, at)
    row = source(engine, sid)
    assert (row.failures, row.last_error) == (0, None)
    assert [(a.kind, a.failures) for a in pending_alerts(engine)] == [("recovered", 12)]


def test_ttl_and_max_age_are_lower_bounds_of_the_interval(
    engine: Engine, server: LocalServer
) -> None:
    server.routes["/ttl.xml"] = Reply(200, rss(server.base, [], ttl=120))
    server.routes["/cached.xml"] = Reply(
        200, rss(server.base, []), {"Cache-Control": "public, max-age=10800"}
    )
    ttl = add_source(engine, server.url("/ttl.xml"))
    cached = add_source(engine, server.url("/cached.xml"))
    poll(engine)
    for sid, hours in ((ttl, 2), (cached, 3)):
        due = source(engine, sid).next_poll_at
        assert due is not None
        assert timedelta(hours=hours) * 0.9 <= due - NOW <= timedelta(hours=hours) * 1.1


def test_per_host_concurrency_is_capped(engine: Engine, server: LocalServer) -> None:
    for n in range(6):
        server.routes[f"/f{n}.xml"] = Reply(200, rss(server.base, []), delay=0.2)
        add_source(engine, server.url(f"/f{n}.xml"))
    assert poll(engine).fetched == 6
    assert server.most_in_flight == 2


# ------------------------------------------------------------------------------ replicas


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    name = "engine" if request.param == "sqlite" else "pg_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine


def test_two_pollers_at_once_insert_each_article_once(
    any_engine: Engine, server: LocalServer
) -> None:
    """Two replicas, each polling a source that announces the same 30 articles."""
    items = [(f"s{n}", f"Story {n}", NOW - HOUR) for n in range(30)]
    server.routes["/one.xml"] = Reply(200, rss(server.base, items), delay=0.05)
    server.routes["/two.xml"] = Reply(200, rss(server.base, items), delay=0.05)
    add_source(any_engine, server.url("/one.xml"))
    add_source(any_engine, server.url("/two.xml"))
    config = settings(poll_batch=1)

    barrier = threading.Barrier(2)

    def replica(owner: str) -> PollSummary:  # a thread with its own event loop and client
        async def go() -> PollSummary:
            async with make_async_client(config) as client:
                barrier.wait(timeout=30)
                return await poll_due_sources(any_engine, client, config, NOW, owner=owner)

        return asyncio.run(go())

    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(replica, ["r1", "r2"]))
    assert sum(s.polled for s in summaries) == 2  # each source polled once
    assert sum(s.new_articles for s in summaries) == 30
    assert sorted(a.guid or "" for a in articles(any_engine)) == sorted(g for g, _, _ in items)
