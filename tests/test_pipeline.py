"""check_source end to end on invented pages: the bundled demo, storage, embeds resolved
through an injected HTTP transport, and sources that cannot be read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.config import Settings, load_settings
from bot.demo import ARTICLE, ORIGINALS
from bot.http import make_async_client
from bot.models import Article, Citation, MatchRow, Original
from bot.originals.importers import import_file
from bot.pipeline import CheckResult, SourceError, article_cutoff, check_source

DATA = Path(__file__).resolve().parent / "data" / "check"
NOW = datetime(2024, 5, 21, 12, tzinfo=UTC)
EMBED_ID = "1791111111111111111"


def _settings(engine: Engine) -> Settings:
    return load_settings(database_url=str(engine.url), allow_private_networks=True)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.url}")


def _check(
    engine: Engine,
    source: str,
    *,
    handler: Callable[[httpx.Request], httpx.Response] = _refuse,
    resolve: bool = True,
    stdin: bytes | None = None,
) -> CheckResult:
    settings = _settings(engine)

    async def run() -> CheckResult:
        transport = httpx.MockTransport(handler)
        async with make_async_client(settings, transport=transport) as client:
            return await check_source(
                source,
                settings=settings,
                engine=engine,
                client=client,
                now=NOW,
                resolve=resolve,
                stdin=stdin,
            )

    return asyncio.run(run())


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    import_file(engine, ORIGINALS)
    return engine


def _by_headline(result: CheckResult) -> dict[str, dict[str, object]]:
    return {v.headline: v.to_json() for v in result.verdicts}


def test_demo_article_covers_every_verdict(demo_engine: Engine) -> None:
    result = _check(demo_engine, str(ARTICLE), resolve=False)
    verdicts = _by_headline(result)
    assert sorted(verdicts) == sorted(
        ["verbatim", "excerpt", "elided", "altered", "misattributed", "deleted", "not_found"]
    )
    assert verdicts["verbatim"]["citation"]["kind"] == "embed"  # type: ignore[index]
    assert verdicts["misattributed"]["original"]["author_handle"] == "BenAdeyemi"  # type: ignore[index]
    assert verdicts["deleted"]["original_status"] == "deleted"
    assert verdicts["not_found"]["original"] is None
    assert ["-", "4"] in verdicts["altered"]["diff"]  # type: ignore[operator]
    assert ["+", "14"] in verdicts["altered"]["diff"]  # type: ignore[operator]
    # posted 01:30 UTC on May 13 is still May 12 in Eastern time, the date the article gives
    assert verdicts["excerpt"]["date_check"] == "match"


def test_check_stores_article_citations_and_a_match_each_time(demo_engine: Engine) -> None:
    first = _check(demo_engine, str(ARTICLE), resolve=False)
    second = _check(demo_engine, str(ARTICLE), resolve=False)
    assert first.article_id == second.article_id
    with Session(demo_engine) as session:
        article = session.get(Article, first.article_id)
        assert article is not None
        assert article.canonical_url == "https://ledger.riverton.example/2024/05/15/bridge-opening"
        assert article.status == "processed"
        assert json.loads(article.extracted_json or "{}") == first.article.to_json()
        citations = session.exec(select(Citation).where(Citation.article_id == article.id)).all()
        assert len(citations) == len(first.verdicts) == 7
        assert sorted(c.position for c in citations) == list(range(7))
        matches = session.exec(select(func.count()).select_from(MatchRow)).one()
        assert matches == 14  # one verdict per citation per check; the latest counts
        embed = next(c for c in citations if c.kind == "embed")
        assert embed.post_id == "1790000000000000001"


def test_embed_not_stored_is_resolved_through_the_client(engine: Engine) -> None:
    seen: list[str] = []

    def oembed(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        status_url = f"https://twitter.com/RivertonFest/status/{EMBED_ID}"
        return httpx.Response(
            200,
            json={
                "url": status_url,
                "author_name": "Riverton Festival",
                "author_url": "https://twitter.com/RivertonFest",
                "html": (
                    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">The harbour '
                    "festival moves to the first weekend of June this year. Bring your boats "
                    "and your friends!</p>&mdash; Riverton Festival (@RivertonFest) "
                    f'<a href="{status_url}">May 18, 2024</a></blockquote>\n'
                ),
                "width": 550,
                "height": None,
                "type": "rich",
                "cache_age": "3153600000",
                "provider_name": "Twitter",
                "provider_url": "https://twitter.com",
                "version": "1.0",
            },
        )

    result = _check(engine, str(DATA / "embed_only.html"), handler=oembed)
    assert len(seen) == 1 and "publish.twitter.com/oembed" in seen[0]
    (verdict,) = result.verdicts
    assert verdict.relation == "verbatim"
    assert verdict.original is not None and verdict.original.post_id == EMBED_ID
    assert verdict.original_status == "live"
    assert verdict.attribution == "match"


def test_embed_whose_post_is_gone_is_reported_deleted(engine: Engine) -> None:
    result = _check(
        engine, str(DATA / "embed_only.html"), handler=lambda request: httpx.Response(404)
    )
    (verdict,) = result.verdicts
    assert verdict.original_status == "deleted"
    assert verdict.headline == "deleted"


def test_a_failing_resolve_is_logged_and_the_check_goes_on(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = _check(engine, str(DATA / "embed_only.html"), handler=down)
    (verdict,) = result.verdicts
    assert verdict.relation == "none"  # nothing stored, nothing fetched
    assert "could not resolve" in caplog.text and EMBED_ID in caplog.text


def test_standard_input_and_url_sources(demo_engine: Engine) -> None:
    page = ARTICLE.read_bytes()
    from_stdin = _check(demo_engine, "-", stdin=page, resolve=False)

    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "news.example"
        return httpx.Response(200, content=page, headers={"content-type": "text/html"})

    from_url = _check(demo_engine, "https://news.example/bridge", handler=serve, resolve=False)
    assert [v.headline for v in from_stdin.verdicts] == [v.headline for v in from_url.verdicts]
    assert len(from_url.verdicts) == 7


@pytest.mark.parametrize(
    ("source", "handler", "message"),
    [
        ("missing.html", _refuse, "missing.html: no such file"),
        ("-", _refuse, "-: nothing was given"),
        ("https://news.example/gone", lambda r: httpx.Response(404), "could not fetch"),
    ],
)
def test_unreadable_sources_raise_naming_the_source(
    engine: Engine,
    source: str,
    handler: Callable[[httpx.Request], httpx.Response],
    message: str,
) -> None:
    with pytest.raises(SourceError, match=message):
        _check(engine, source, handler=handler)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (None, None),
        ("2024-05-15", datetime(2024, 5, 16, 14, tzinfo=UTC)),
        ("2024-05-15T08:00:00-04:00", datetime(2024, 5, 15, 12, tzinfo=UTC)),
        ("garbage", None),
    ],
)
def test_article_cutoff(published: str | None, expected: datetime | None) -> None:
    assert article_cutoff(published) == expected


def test_originals_after_the_article_are_not_candidates(engine: Engine) -> None:
    import_file(engine, ORIGINALS)
    with Session(engine) as session:
        original = session.exec(
            select(Original).where(Original.post_id == "1790000000000000002")
        ).one()
        original.posted_at = datetime(2024, 6, 1, tzinfo=UTC)  # after the article
        session.add(original)
        session.commit()
    result = _check(engine, str(ARTICLE), resolve=False)
    tickets = next(v for v in result.verdicts if "Tickets" in (v.citation.get("text") or ""))
    assert tickets.relation == "none"
