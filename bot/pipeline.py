"""The only place that sequences the stages: read → extract → resolve → match → store.

:func:`check_source` checks one article now (what ``quotecheck check`` and the demo run):
it reads the page (a URL through the injected HTTP client, a file, or bytes given for
``-``), extracts it, resolves each embedded permalink (unless told not to), matches every
citation against the originals store, stores the article, its citations and their verdicts,
and returns them. Time and HTTP come in as arguments.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.extract.article import extract_article
from bot.extract.types import Article, Embed
from bot.http import FetchError, afetch
from bot.match.matcher import match_embed, match_quote, stored_original
from bot.match.verdict import Verdict
from bot.models import Article as ArticleRow
from bot.models import Citation, MatchRow

log = logging.getLogger(__name__)

DATE_ONLY_SLACK = timedelta(days=1, hours=14)
"""An article dated by day only may be from any time zone: originals up to the end of that
day in the easternmost zone (UTC+14) are not later than it."""


class SourceError(Exception):
    """A source could not be read; the message names it and says why (CLI: exit 2)."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """A page read from a source."""

    source: str
    url: str | None
    content: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One article and the verdicts on its citations, in the order of the page."""

    source: str
    article: Article
    verdicts: tuple[Verdict, ...]
    article_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article.to_json(),
            "results": [verdict.to_json() for verdict in self.verdicts],
        }


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def load_source(
    client: httpx.AsyncClient, source: str, *, stdin: bytes | None = None
) -> Loaded:
    """Read a URL, a file path, or ``-`` (the given *stdin* bytes)."""
    if source == "-":
        if stdin is None:
            raise SourceError("-: nothing was given on standard input")
        return Loaded(source, None, stdin, None)
    if is_url(source):
        try:
            fetched = await afetch(client, source)
        except FetchError as exc:
            raise SourceError(f"{source}: could not fetch the page ({exc})") from None
        return Loaded(source, fetched.url, fetched.content, fetched.headers.get("content-type"))
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"{source}: no such file (give a file path, an http(s) URL or -)")
    try:
        return Loaded(source, None, path.read_bytes(), None)
    except OSError as exc:
        raise SourceError(f"{source}: cannot read the file ({exc.strerror})") from None


def article_cutoff(published_at: str | None) -> datetime | None:
    """The latest time an original quoted by an article published then can have."""
    if not published_at:
        return None
    try:
        if len(published_at) <= 10:
            day = date.fromisoformat(published_at)
            return datetime.combine(day, time(), tzinfo=UTC) + DATE_ONLY_SLACK
        moment = datetime.fromisoformat(published_at)
    except ValueError:
        log.warning("unreadable publication date %r: not filtering originals by date", published_at)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC) + timedelta(hours=14)
    return moment.astimezone(UTC)


async def resolve_embeds(
    engine: Engine,
    client: httpx.AsyncClient,
    embeds: Sequence[Embed],
    *,
    settings: Settings,
    now: datetime,
) -> None:
    """Fetch (or refresh) the original of each embedded permalink into the store.

    A failure is logged with the permalink and the reason; matching then uses what is stored.
    """
    from bot.originals.resolve import resolve_permalink

    for embed in embeds:
        if not embed.post_id:
            continue
        try:
            await resolve_permalink(
                engine,
                client,
                platform=embed.platform,
                url=embed.url,
                post_id=embed.post_id,
                now=now,
                max_age=settings.resolve_max_age,
            )
        except Exception as exc:  # one bad permalink must not stop the check
            log.warning("could not resolve %s: %s: %s", embed.url, type(exc).__name__, exc)


def match_article(session: Session, article: Article, *, settings: Settings) -> tuple[Verdict, ...]:
    """Verdicts on the article's embeds, then its quotes, in page order."""
    before = article_cutoff(article.published_at)
    zones = settings.timezone_list
    verdicts: list[Verdict] = []
    for embed in article.embeds:
        original = stored_original(session, embed.platform, embed.post_id)
        verdicts.append(match_embed(session, embed, original, before=before, zones=zones))
    for quote in article.quotes:
        verdicts.append(match_quote(session, quote, before=before, zones=zones))
    return tuple(verdicts)


def _article_key(loaded: Loaded, article: Article, digest: str) -> str:
    if article.canonical_url:
        return article.canonical_url
    if article.url:
        return article.url
    if loaded.source != "-":
        return Path(loaded.source).resolve().as_uri()
    return f"stdin:sha256:{digest}"


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def store(
    session: Session,
    loaded: Loaded,
    article: Article,
    verdicts: Sequence[Verdict],
    *,
    now: datetime,
) -> int:
    """Store the article, its citations (one row per position) and a new match row each."""
    digest = hashlib.sha256(loaded.content).hexdigest()
    key = _article_key(loaded, article, digest)
    row = session.exec(select(ArticleRow).where(ArticleRow.canonical_url == key)).first()
    if row is None:
        row = ArticleRow(url=article.url or key, canonical_url=key)
    row.url = article.url or row.url
    row.content_hash = digest
    row.title = article.title
    row.published_at = _parse_iso(article.published_at)
    row.language = article.language
    row.status = "processed"
    row.error = None
    row.extracted_json = json.dumps(article.to_json(), ensure_ascii=False)
    row.fetched_at = now
    row.processed_at = now
    session.add(row)
    session.flush()
    assert row.id is not None
    existing = {
        c.position: c
        for c in session.exec(select(Citation).where(Citation.article_id == row.id)).all()
    }
    for position, verdict in enumerate(verdicts):
        citation = existing.pop(position, None) or Citation(
            article_id=row.id, position=position, kind="quote"
        )
        _fill_citation(citation, verdict.citation)
        session.add(citation)
        session.flush()
        assert citation.id is not None
        session.add(
            MatchRow(
                citation_id=citation.id,
                original_id=verdict.original.id if verdict.original else None,
                relation=verdict.relation,
                attribution=verdict.attribution,
                original_status=verdict.original_status,
                date_check=verdict.date_check,
                confidence=verdict.confidence,
                span_start=verdict.span[0] if verdict.span else None,
                span_end=verdict.span[1] if verdict.span else None,
                diff_json=json.dumps([list(op) for op in verdict.diff], ensure_ascii=False),
                created_at=now,
            )
        )
    stale = [c.id for c in existing.values() if c.id is not None]
    if stale:  # the page now has fewer citations than when it was last checked
        session.execute(delete(MatchRow).where(MatchRow.citation_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(delete(Citation).where(Citation.id.in_(stale)))  # type: ignore[union-attr]
    return row.id


def _fill_citation(citation: Citation, data: dict[str, Any]) -> None:
    kind = data.get("kind", "quote")
    citation.kind = kind
    citation.text = data.get("text")
    if kind == "embed":
        citation.platform = data.get("platform")
        citation.post_id = data.get("post_id")
        citation.url = data.get("url")
        citation.author_name = data.get("author_name")
        citation.author_handle = data.get("author_handle")
        citation.posted_at = _parse_iso(data.get("posted_at"))
        citation.resolve_status = "done"
    else:
        citation.fragments_json = json.dumps(data.get("fragments", []), ensure_ascii=False)
        citation.speaker = data.get("speaker")
        citation.speaker_role = data.get("speaker_role")
        citation.cue = data.get("cue")
        citation.channel = data.get("channel")
        citation.platform_hint = data.get("platform_hint")
        citation.date_hint = data.get("date_hint")


def check_loaded(
    engine: Engine, loaded: Loaded, *, settings: Settings, now: datetime, article: Article
) -> CheckResult:
    """Match an extracted article and store the result (synchronous part of a check)."""
    with db.session_scope(engine) as session:
        verdicts = match_article(session, article, settings=settings)
        article_id = store(session, loaded, article, verdicts, now=now)
    return CheckResult(loaded.source, article, verdicts, article_id)


async def check_source(
    source: str,
    *,
    settings: Settings,
    engine: Engine,
    client: httpx.AsyncClient,
    now: datetime,
    resolve: bool = True,
    stdin: bytes | None = None,
) -> CheckResult:
    """Check one article now: read, extract, resolve embeds, match, store."""
    loaded = await load_source(client, source, stdin=stdin)
    article = extract_article(loaded.content, loaded.url, content_type=loaded.content_type)
    for problem in article.errors:
        log.warning("%s: %s", source, problem)
    if resolve and article.embeds:
        await resolve_embeds(engine, client, article.embeds, settings=settings, now=now)
    return check_loaded(engine, loaded, settings=settings, now=now, article=article)
