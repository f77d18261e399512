"""The stage jobs of bot/pipeline.py on real databases, with article pages from a real local
HTTP server: new articles processed once, failures kept with their reason, a stalled
extraction killed, permalinks resolved later, citations matched again when originals
arrive, leases taken over after a crash, and two replicas sharing one PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot import db
from bot.config import Settings, load_settings
from bot.demo import ARTICLE, ORIGINALS
from bot.http import make_async_client
from bot.models import Article, Citation, MatchRow, Original, Source
from bot.originals.importers import import_file
from bot.pipeline import (
    ProcessSummary,
    process_new_articles,
    rematch_citations,
    reresolve_stale_originals,
    resolve_pending_citations,
)
from bot.sources.robots import RobotsCache
from bot.worker import ExtractWorker
from tests.local_server import STALL, LocalAndMocked, Site, serve, stall_on_marker

NOW = datetime(2024, 5, 21, 12, tzinfo=UTC)
EMBED_ID = "1790000000000000001"


def invented_page(n: int, quote: str = "", *, extra: str = "") -> str:
    quote = quote or f"The ferry to Gull Island will run every {n} minutes from Monday"
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Ferry news {n} | The Riverton Ledger</title>
<link rel="canonical" href="https://ledger.riverton.example/2024/05/20/ferry-{n}">
<meta property="article:published_time" content="2024-05-20T09:00:00Z">
</head><body><article><h1>Ferry news {n}</h1>
<p>An invented article for quotecheck's tests; the people in it are made up.</p>
<p>The harbour office spoke on Monday. “{quote},” harbour master Mira Tolk said in a
statement.</p>{extra}
</article></body></html>"""


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as site:
        yield site


def settings_for(engine: Engine, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": str(engine.url.render_as_string(hide_password=False)),
        "allow_private_networks": True,
        "http_host_delay": 0,
        "extract_timeout": 20,
        **overrides,
    }
    return load_settings(**values)


def add_articles(engine: Engine, urls: list[str]) -> list[int]:
    with Session(engine) as session:
        rows = [Article(url=url, canonical_url=url, status="new") for url in urls]
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows if row.id is not None]


def run_stage(
    stage: Callable[..., Any],
    engine: Engine,
    settings: Settings,
    now: datetime = NOW,
    *,
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
    **kwargs: Any,
) -> Any:
    async def go() -> Any:
        async with make_async_client(settings, transport=LocalAndMocked(handler)) as client:
            return await stage(engine, client, settings, now, **kwargs)

    return asyncio.run(go())


def articles(engine: Engine) -> dict[str, Article]:
    with Session(engine) as session:
        return {row.url: row for row in session.exec(select(Article)).all()}


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_new_articles_are_processed_once_with_their_verdicts(engine: Engine, site: Site) -> None:
    import_file(engine, ORIGINALS)
    demo = site.add("/bridge", ARTICLE.read_bytes())
    ferry = site.add("/ferry", invented_page(1))
    add_articles(engine, [demo, ferry])
    settings = settings_for(engine)

    summary = run_stage(process_new_articles, engine, settings, resolve=False)
    assert (summary.claimed, summary.processed, summary.failed) == (2, 2, 0)
    assert sorted(len(r.verdicts) for r in summary.checked) == [1, 7]
    rows = articles(engine)
    assert rows[demo].status == rows[ferry].status == "processed"
    assert rows[demo].canonical_url == "https://ledger.riverton.example/2024/05/15/bridge-opening"
    assert rows[demo].lease_owner is None
    assert count(engine, MatchRow) == 8

    again = run_stage(process_new_articles, engine, settings, resolve=False)
    assert again.claimed == 0
    assert site.hits == {"/bridge": 1, "/ferry": 1, "/robots.txt": 1}  # robots.txt: a 404
    with Session(engine) as session:
        states = session.exec(select(Citation.kind, Citation.resolve_status)).all()
    assert ("quote", "skipped") in states and ("quote", "pending") not in states


def test_a_page_that_cannot_be_fetched_fails_with_the_reason_or_waits(
    engine: Engine, site: Site
) -> None:
    gone = site.add("/gone", "no such article", status=404)
    busy = site.add("/busy", "try later", status=503, **{"Retry-After": "600"})
    fine = site.add("/fine", invented_page(2))
    add_articles(engine, [gone, busy, fine])
    settings = settings_for(engine)

    summary = run_stage(process_new_articles, engine, settings)
    assert (summary.processed, summary.failed, summary.retried) == (1, 1, 1)
    rows = articles(engine)
    assert rows[gone].status == "failed" and "HTTP 404" in (rows[gone].error or "")
    assert rows[busy].status == "new" and rows[busy].attempts == 1
    assert rows[busy].next_attempt_at == NOW + timedelta(minutes=10)  # its Retry-After
    assert "HTTP 503" in (rows[busy].error or "")

    assert run_stage(process_new_articles, engine, settings).claimed == 0  # not due yet
    later = NOW + timedelta(minutes=11)
    assert run_stage(process_new_articles, engine, settings, later).retried == 1
    last = run_stage(process_new_articles, engine, settings, later + timedelta(hours=1))
    assert last.failed == 1  # the third attempt was the last
    assert articles(engine)[busy].status == "failed"
    assert site.hits["/busy"] == 3


def test_robots_txt_is_honoured_for_article_pages_unless_the_source_opts_out(
    engine: Engine, site: Site
) -> None:
    site.add(
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\n\nUser-agent: quotecheck\nDisallow: /members/\n",
        **{"Content-Type": "text/plain"},
    )
    open_page = site.add("/news/1", invented_page(1))
    private = site.add("/private/2", invented_page(2))  # only for other robots
    members = site.add("/members/3", invented_page(3))  # closed to quotecheck
    add_articles(engine, [open_page, private, members])
    settings = settings_for(engine)
    robots = RobotsCache()

    summary = run_stage(process_new_articles, engine, settings, resolve=False, robots=robots)
    assert (summary.processed, summary.failed) == (2, 1)
    rows = articles(engine)
    assert rows[open_page].status == rows[private].status == "processed"
    assert rows[members].status == "failed"
    assert "robots.txt disallows" in (rows[members].error or "")
    assert "/members/3" not in site.hits  # never fetched
    assert site.hits["/robots.txt"] == 1  # once for the host

    with Session(engine) as session:  # a source that opts out (`sources add --ignore-robots`)
        source = Source(url=site.url("/feed.xml"), robots=False)
        session.add(source)
        session.flush()
        again = Article(
            url=site.url("/members/4"), canonical_url=site.url("/members/4"), source_id=source.id
        )
        session.add(again)
        session.commit()
    site.add("/members/4", invented_page(4))
    summary = run_stage(process_new_articles, engine, settings, resolve=False, robots=robots)
    assert summary.processed == 1 and site.hits["/members/4"] == 1


def test_an_unreachable_robots_txt_makes_the_pages_wait(engine: Engine, site: Site) -> None:
    site.add("/robots.txt", "down", status=503)
    page = site.add("/news/5", invented_page(5))
    add_articles(engine, [page])
    settings = settings_for(engine)
    robots = RobotsCache()

    summary = run_stage(process_new_articles, engine, settings, resolve=False, robots=robots)
    assert (summary.processed, summary.retried) == (0, 1)
    row = articles(engine)[page]
    assert row.status == "new" and "robots.txt answered 503" in (row.error or "")
    assert "/news/5" not in site.hits

    site.add("/robots.txt", "User-agent: *\nAllow: /\n", **{"Content-Type": "text/plain"})
    later = NOW + timedelta(hours=1)
    summary = run_stage(process_new_articles, engine, settings, later, resolve=False, robots=robots)
    assert summary.processed == 1 and site.hits["/news/5"] == 1


def test_a_stalled_extraction_is_killed_and_the_next_article_processed(
    engine: Engine, site: Site
) -> None:
    stalled = site.add("/stalled", invented_page(3, extra=STALL.decode()))
    after = site.add("/after", invented_page(4))
    add_articles(engine, [stalled, after])
    settings = settings_for(engine, extract_timeout=2)

    with ExtractWorker(settings.extract_timeout, func=stall_on_marker) as worker:
        first = run_stage(process_new_articles, engine, settings, worker=worker, limit=1)
        second = run_stage(process_new_articles, engine, settings, worker=worker, limit=1)
        assert worker.started == 2  # the stalled one was killed, a fresh one did the next
    assert (first.failed, second.processed) == (1, 1)
    rows = articles(engine)
    assert rows[stalled].status == "failed"
    assert "QUOTECHECK_EXTRACT_TIMEOUT" in (rows[stalled].error or "")
    assert rows[after].status == "processed"


def _oembed(request: httpx.Request) -> httpx.Response:
    """publish.twitter.com's answer for the demo's embedded post (invented)."""
    status_url = f"https://twitter.com/MayorOlaQuill/status/{EMBED_ID}"
    text = (
        "Great talks today with the Riverton Council. The harbour bridge will open in 2027, "
        "not later! We thank every worker who made it possible."
    )
    return httpx.Response(
        200,
        json={
            "url": status_url,
            "author_name": "Ola Quill",
            "author_url": "https://twitter.com/MayorOlaQuill",
            "html": (
                f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{text}</p>'
                f'&mdash; Ola Quill (@MayorOlaQuill) <a href="{status_url}">May 10, 2024</a>'
                "</blockquote>\n"
            ),
            "type": "rich",
            "provider_name": "Twitter",
            "version": "1.0",
        },
    )


def test_a_permalink_that_failed_is_resolved_later_and_the_citation_matched_again(
    engine: Engine, site: Site
) -> None:
    demo = site.add("/bridge", ARTICLE.read_bytes())
    add_articles(engine, [demo])
    settings = settings_for(engine)

    run_stage(process_new_articles, engine, settings)  # the oEmbed host answers 503
    with Session(engine) as session:
        embed = session.exec(select(Citation).where(Citation.kind == "embed")).one()
        first = session.exec(select(MatchRow).where(MatchRow.citation_id == embed.id)).one()
    assert embed.resolve_status == "pending" and embed.resolve_attempts == 1
    assert "503" in (embed.resolve_error or "")
    assert first.relation == "none"  # nothing stored, nothing to match

    assert run_stage(resolve_pending_citations, engine, settings).claimed == 0  # not yet
    later = NOW + timedelta(minutes=6)
    resolved = run_stage(resolve_pending_citations, engine, settings, later, handler=_oembed)
    assert (resolved.resolved, resolved.changed) == (1, 1)
    rematched = run_stage(rematch_citations, engine, settings, later)
    assert rematched.changed >= 1
    with Session(engine) as session:
        embed = session.exec(select(Citation).where(Citation.kind == "embed")).one()
        verdicts = session.exec(
            select(MatchRow).where(MatchRow.citation_id == embed.id).order_by(col(MatchRow.id))
        ).all()
    assert embed.resolve_status == "done" and embed.resolve_error is None
    assert [v.relation for v in verdicts] == ["none", "verbatim"]
    assert run_stage(rematch_citations, engine, settings, later).claimed == 0


def test_new_originals_change_a_verdict_once(engine: Engine, site: Site, tmp_path: Any) -> None:
    quote = "The ferry to Gull Island will run every 20 minutes from Monday"
    add_articles(engine, [site.add("/ferry", invented_page(5, quote))])
    settings = settings_for(engine)
    run_stage(process_new_articles, engine, settings)
    assert run_stage(rematch_citations, engine, settings).claimed == 0  # nothing new

    originals = tmp_path / "harbour.jsonl"
    record = {
        "platform": "statement",
        "post_id": "harbour-2024-05-19",
        "url": "https://harbour.riverton.example/statements/ferry",
        "author_name": "Mira Tolk",
        "posted_at": "2024-05-19T10:00:00Z",
        "text": f"{quote}. Tickets are on sale at the quay.",
        "kind": "statement",
    }
    originals.write_text(json.dumps(record) + "\n", encoding="utf-8")
    import_file(engine, originals)
    summary = run_stage(rematch_citations, engine, settings, NOW + timedelta(hours=1))
    assert (summary.claimed, summary.changed) == (1, 1)
    with Session(engine) as session:
        relations = session.exec(select(MatchRow.relation).order_by(col(MatchRow.id))).all()
    assert relations == ["none", "excerpt"]
    # matched again at the same mark: nothing due; a later import that changes nothing for
    # this citation writes no new verdict
    assert run_stage(rematch_citations, engine, settings, NOW + timedelta(hours=2)).claimed == 0
    record2 = {**record, "post_id": "harbour-2024-05-18", "text": "The quay is closed today."}
    originals.write_text(json.dumps(record2) + "\n", encoding="utf-8")
    import_file(engine, originals)
    again = run_stage(rematch_citations, engine, settings, NOW + timedelta(hours=3))
    assert (again.claimed, again.changed) == (1, 0)
    assert count(engine, MatchRow) == 2


def test_a_stale_original_is_resolved_again_and_a_deletion_becomes_a_new_verdict(
    engine: Engine, site: Site
) -> None:
    add_articles(engine, [site.add("/bridge", ARTICLE.read_bytes())])
    settings = settings_for(engine, resolve_max_age="7d")
    run_stage(process_new_articles, engine, settings, handler=_oembed)
    fresh = run_stage(reresolve_stale_originals, engine, settings, NOW + timedelta(days=1))
    assert fresh.claimed == 0

    later = NOW + timedelta(days=8)
    gone = run_stage(
        reresolve_stale_originals, engine, settings, later, handler=lambda r: httpx.Response(404)
    )
    assert (gone.claimed, gone.resolved, gone.changed) == (1, 1, 1)
    run_stage(rematch_citations, engine, settings, later)
    with Session(engine) as session:
        original = session.exec(select(Original).where(Original.post_id == EMBED_ID)).one()
        embed = session.exec(select(Citation).where(Citation.kind == "embed")).one()
        statuses = session.exec(
            select(MatchRow.original_status)
            .where(MatchRow.citation_id == embed.id)
            .order_by(col(MatchRow.id))
        ).all()
    assert original.status == "deleted"
    assert statuses == ["live", "deleted"]


def test_a_crashed_workers_articles_are_taken_over_after_its_lease(
    engine: Engine, site: Site
) -> None:
    urls = [site.add(f"/a{n}", invented_page(n)) for n in range(3)]
    add_articles(engine, urls)
    settings = settings_for(engine, lease_duration="5m")
    taken = db.claim_due(
        engine, Article, owner="crashed", now=NOW, lease=settings.lease_duration, limit=2
    )
    assert len(taken) == 2  # … and the replica that claimed them dies

    soon = run_stage(process_new_articles, engine, settings, NOW + timedelta(minutes=1))
    assert soon.processed == 1  # only the one nobody held
    later = run_stage(process_new_articles, engine, settings, NOW + timedelta(minutes=6))
    assert later.processed == 2
    assert {row.status for row in articles(engine).values()} == {"processed"}
    assert all(site.hits[f"/a{n}"] == 1 for n in range(3))


def test_only_the_lease_holder_may_store_a_result(engine: Engine) -> None:
    from bot import store

    (article_id,) = add_articles(engine, ["https://news.example/a"])
    with Session(engine) as session:
        assert not store.holds_lease(session, article_id, "me")
    db.claim_due(engine, Article, owner="me", now=NOW, lease=timedelta(minutes=5))
    with Session(engine) as session:
        assert store.holds_lease(session, article_id, "me")
        assert not store.holds_lease(session, article_id, "someone else")


@pytest.mark.postgres
def test_two_replicas_on_postgresql_process_each_article_once(
    pg_engine: Engine, site: Site
) -> None:
    urls = [site.add(f"/p{n}", invented_page(n)) for n in range(16)]
    add_articles(pg_engine, urls)
    settings = settings_for(pg_engine)
    results: dict[str, list[ProcessSummary]] = {"r1": [], "r2": []}
    start = threading.Barrier(2)

    def replica(owner: str) -> None:
        engine = db.make_engine(settings.database_url)
        try:
            with ExtractWorker(settings.extract_timeout) as worker:
                start.wait()
                while True:
                    summary = run_stage(
                        process_new_articles, engine, settings, owner=owner, limit=3, worker=worker
                    )
                    if not summary.claimed:
                        break
                    results[owner].append(summary)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=replica, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    done = [s.processed for runs in results.values() for s in runs]
    assert sum(done) == 16
    assert all(results.values()), "both replicas took a share"
    pages = {path: hits for path, hits in site.hits.items() if path != "/robots.txt"}
    assert sorted(pages.values()) == [1] * 16
    assert {row.status for row in articles(pg_engine).values()} == {"processed"}
    assert count(pg_engine, MatchRow) == 16
