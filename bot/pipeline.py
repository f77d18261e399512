"""The only place that sequences the stages: read → extract → resolve → match → store.

:func:`check_source` checks one article now (what ``quotecheck check`` runs). The stage
jobs are what the scheduler (``bot/scheduler.py``) and ``quotecheck run --once`` call, each
``async (engine, client, settings, now) -> summary``; each claims its due rows with
:func:`bot.db.claim_due`, so several replicas on one PostgreSQL never do one item twice and
a crashed replica's items are taken over when their lease expires:

- :func:`process_new_articles`: articles waiting (status ``new``) are fetched, extracted in
  the worker process (``bot/worker.py``, a hard time limit), resolved, matched and stored;
  each ends ``processed``, or ``failed`` with the reason (a fetch that may work later is
  tried again a few times first).
- :func:`resolve_pending_citations`: embedded permalinks not resolved yet, or to try again.
- :func:`rematch_citations`: citations matched before newer originals arrived, or whose
  original changed, are matched again; a changed verdict is a new row, an unchanged one
  writes nothing.
- :func:`reresolve_stale_originals`: originals of embeds resolved longer ago than
  ``QUOTECHECK_RESOLVE_MAX_AGE`` are fetched again, so a deletion is caught.

Database and CPU work runs in threads (``asyncio.to_thread``) or the worker process, never
on the event loop. Rows are written by ``bot/store.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine, and_, exists, func, not_, or_
from sqlmodel import Session, col, select

from bot import db, store
from bot.config import Settings
from bot.extract.types import Article, Embed
from bot.http import FetchError, HostThrottle, HTTPStatus, NetworkError, afetch
from bot.http import retry_after as asked_to_wait
from bot.match.matcher import match_embed, match_quote, stored_original
from bot.match.verdict import Verdict
from bot.models import Article as ArticleRow
from bot.models import Citation, MatchRow, Original, Source
from bot.sources.robots import ROBOTS, RobotsCache, RobotsUnavailable
from bot.store import Resolution
from bot.worker import ExtractError, ExtractWorker, extract_page

log = logging.getLogger(__name__)

T = TypeVar("T")

DATE_ONLY_SLACK = timedelta(days=1, hours=14)
"""An article dated by day only may be from any time zone: originals up to the end of that
day in the easternmost zone (UTC+14) are not later than it."""

OWNER = f"{socket.gethostname()}:{os.getpid()}"[:64]
"""Who holds the leases this process takes (a replica)."""

FETCH_ATTEMPTS = 3
"""Fetches of an article page before it is failed (a timeout, a 5xx, a 429)."""
RESOLVE_ATTEMPTS = 6
"""Tries at resolving a permalink before it is failed (5 min, 10, 20, 40, 80 apart)."""
RETRY_BASE = timedelta(minutes=5)
ARTICLES_AT_ONCE = 4
"""Articles of one batch fetched and resolved side by side."""


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
    verdict_ids: tuple[int, ...] = ()  # the stored matches rows, in the order of verdicts

    def to_json(self) -> dict[str, Any]:
        results = [verdict.to_json() for verdict in self.verdicts]
        for result, verdict_id in zip(results, self.verdict_ids, strict=False):
            result["verdict_id"] = verdict_id  # added beside the contract's keys
        return {"article": self.article.to_json(), "results": results}


Extract = Callable[[bytes, str | None, str | None], Awaitable[Article]]
"""Page bytes, URL, Content-Type → the article (awaitable: in a thread or the worker)."""


async def extract_in_thread(content: bytes, url: str | None, content_type: str | None) -> Article:
    return await asyncio.to_thread(extract_page, content, url, content_type)


def in_worker(worker: ExtractWorker) -> Extract:
    async def extract(content: bytes, url: str | None, content_type: str | None) -> Article:
        return await asyncio.to_thread(worker.extract, content, url, content_type)

    return extract


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


# --------------------------------------------------------------------------- resolving


def _retry_at(attempts: int, now: datetime) -> datetime:
    return now + RETRY_BASE * int(2 ** min(attempts, 10))


async def resolve_one(
    engine: Engine,
    client: httpx.AsyncClient,
    *,
    platform: str,
    url: str,
    post_id: str | None,
    settings: Settings,
    now: datetime,
    attempts: int = 0,
) -> Resolution:
    """Fetch (or refresh) the original behind one permalink into the store.

    A failure is logged with the permalink and the reason and comes back as ``pending``
    with the time to try again, or ``failed`` after :data:`RESOLVE_ATTEMPTS` tries.
    """
    from bot.originals.resolve import RateLimited, resolve_permalink

    if not post_id:
        return store.SKIPPED
    try:
        original = await resolve_permalink(
            engine,
            client,
            platform=platform,
            url=url,
            post_id=post_id,
            now=now,
            max_age=settings.resolve_max_age,
        )
    except RateLimited as exc:  # the platform's wait, not counted as an attempt
        log.warning("could not resolve %s: %s", url, exc.reason)
        return Resolution("pending", exc.reason, exc.until, attempts)
    except Exception as exc:  # one bad permalink must not stop the others
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("could not resolve %s: %s", url, reason)
        if attempts + 1 >= RESOLVE_ATTEMPTS:
            return Resolution("failed", reason, None, attempts + 1)
        return Resolution("pending", reason, _retry_at(attempts, now), attempts + 1)
    if original is None:
        return Resolution("skipped", f"no resolver for {platform}")
    return Resolution("done")


async def resolve_embeds(
    engine: Engine,
    client: httpx.AsyncClient,
    embeds: Sequence[Embed],
    *,
    settings: Settings,
    now: datetime,
) -> list[Resolution]:
    """Resolve each embedded permalink, in order; what came of each."""
    return [
        await resolve_one(
            engine,
            client,
            platform=embed.platform,
            url=embed.url,
            post_id=embed.post_id,
            settings=settings,
            now=now,
        )
        for embed in embeds
    ]


# ----------------------------------------------------------------------------- matching


def match_citation(
    session: Session, article: Article, position: int, *, settings: Settings
) -> Verdict:
    """The verdict on the citation at *position* (the embeds first, then the quotes)."""
    before = article_cutoff(article.published_at)
    zones = settings.timezone_list
    if position < len(article.embeds):
        embed = article.embeds[position]
        original = stored_original(session, embed.platform, embed.post_id)
        return match_embed(session, embed, original, before=before, zones=zones)
    quote = article.quotes[position - len(article.embeds)]
    return match_quote(session, quote, before=before, zones=zones)


def match_article(session: Session, article: Article, *, settings: Settings) -> tuple[Verdict, ...]:
    """Verdicts on the article's embeds, then its quotes, in page order."""
    count = len(article.embeds) + len(article.quotes)
    return tuple(match_citation(session, article, n, settings=settings) for n in range(count))


def _article_key(loaded: Loaded, article: Article, digest: str) -> str:
    if article.canonical_url:
        return article.canonical_url
    if article.url:
        return article.url
    if loaded.source != "-":
        return Path(loaded.source).resolve().as_uri()
    return f"stdin:sha256:{digest}"


def check_loaded(
    engine: Engine,
    loaded: Loaded,
    *,
    settings: Settings,
    now: datetime,
    article: Article,
    resolutions: Sequence[Resolution | None] = (),
) -> CheckResult:
    """Match an extracted article and store the result, a new verdict row per citation
    (synchronous part of a check)."""
    digest = hashlib.sha256(loaded.content).hexdigest()
    key = _article_key(loaded, article, digest)
    with db.session_scope(engine) as session:
        watermark = store.originals_watermark(session)
        verdicts = match_article(session, article, settings=settings)
        row = store.article_by_key(session, key) or ArticleRow(
            url=article.url or key, canonical_url=key
        )
        article_id = store.fill_article(session, row, article, content_hash=digest, now=now)
        embeds = len(article.embeds)
        states = list(resolutions) + [None] * (embeds - len(resolutions))
        rows = store.save_citations(session, article_id, verdicts, states[:embeds])
        store.record_verdicts(
            session, rows, verdicts, now=now, watermark=watermark, only_changed=False
        )
        verdict_ids = store.latest_verdict_ids(session, article_id)
    return CheckResult(loaded.source, article, verdicts, article_id, verdict_ids)


async def check_source(
    source: str,
    *,
    settings: Settings,
    engine: Engine,
    client: httpx.AsyncClient,
    now: datetime,
    resolve: bool = True,
    stdin: bytes | None = None,
    extract: Extract = extract_in_thread,
) -> CheckResult:
    """Check one article now: read, extract, resolve embeds, match, store."""
    loaded = await load_source(client, source, stdin=stdin)
    article = await extract(loaded.content, loaded.url, loaded.content_type)
    for problem in article.errors:
        log.warning("%s: %s", source, problem)
    resolutions: list[Resolution] = []
    if resolve and article.embeds:
        resolutions = await resolve_embeds(
            engine, client, article.embeds, settings=settings, now=now
        )
    return await asyncio.to_thread(
        check_loaded,
        engine,
        loaded,
        settings=settings,
        now=now,
        article=article,
        resolutions=resolutions,
    )


# ------------------------------------------------------------------ stage: new articles


@dataclass
class ProcessSummary:
    """What one run of :func:`process_new_articles` did."""

    claimed: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0  # left new, to fetch again later
    checked: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "URL: reason", one per problem


class LeaseLost(Exception):
    """Another worker took the item over (our lease expired); our result is dropped."""


def _fetch_retry(exc: FetchError, attempts: int, now: datetime) -> datetime | None:
    """When to fetch again after *exc*, or None when trying again cannot help (a 404, a
    refused address, a page over the size cap) or the attempts are used up."""
    if attempts + 1 >= FETCH_ATTEMPTS:
        return None
    if isinstance(exc, HTTPStatus):
        if exc.status_code not in (408, 425, 429) and exc.status_code < 500:
            return None
        wait = asked_to_wait(exc.headers, now)
        return now + max(wait, RETRY_BASE) if wait is not None else _retry_at(attempts, now)
    if isinstance(exc, NetworkError):
        return _retry_at(attempts, now)
    return None


def _claimed_article(engine: Engine, article_id: int) -> tuple[ArticleRow, bool] | None:
    """The claimed article's row, and whether its source wants robots.txt honoured (an
    article of a removed source: yes)."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            return None
        source = session.get(Source, row.source_id) if row.source_id is not None else None
        return row, source is None or source.robots


def _save_processed(
    engine: Engine,
    article_id: int,
    *,
    owner: str,
    content: bytes,
    article: Article,
    resolutions: Sequence[Resolution],
    settings: Settings,
    now: datetime,
) -> CheckResult:
    with db.session_scope(engine) as session:
        if not store.holds_lease(session, article_id, owner):
            raise LeaseLost(f"article {article_id}: taken over by another worker")
        row = session.get(ArticleRow, article_id)
        assert row is not None
        watermark = store.originals_watermark(session)
        verdicts = match_article(session, article, settings=settings)
        digest = hashlib.sha256(content).hexdigest()
        store.fill_article(session, row, article, content_hash=digest, now=now)
        rows = store.save_citations(session, article_id, verdicts, resolutions)
        store.record_verdicts(
            session, rows, verdicts, now=now, watermark=watermark, only_changed=True
        )
        row.lease_owner = row.lease_until = None
        session.add(row)
    return CheckResult(row.url, article, verdicts, article_id)


async def _process_one(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    article_id: int,
    *,
    owner: str,
    extract: Extract,
    throttle: HostThrottle,
    resolve: bool,
    summary: ProcessSummary,
    robots: RobotsCache,
) -> None:
    claimed = await asyncio.to_thread(_claimed_article, engine, article_id)
    if claimed is None:
        return
    row, honours_robots = claimed
    url = row.url

    async def failed(reason: str, retry_at: datetime | None = None) -> None:
        log.warning("article %s (%s): %s", article_id, url, reason)
        summary.errors.append(f"{url}: {reason}")
        await asyncio.to_thread(
            store.article_failed,
            engine,
            article_id,
            reason,
            owner=owner,
            now=now,
            retry_at=retry_at,
        )
        if retry_at is None:
            summary.failed += 1
        else:
            summary.retried += 1

    if honours_robots:
        try:
            allowed = await robots.check(
                client, url, user_agent=settings.user_agent, now=now, throttle=throttle
            )
        except RobotsUnavailable as exc:
            last = row.attempts + 1 >= FETCH_ATTEMPTS
            await failed(str(exc), None if last else _retry_at(row.attempts, now))
            return
        if not allowed:
            await failed("the site's robots.txt disallows fetching this page")
            return
    try:
        fetched = await afetch(client, url, throttle=throttle)
    except FetchError as exc:
        retry_at = _fetch_retry(exc, row.attempts, now)
        await failed(f"could not fetch the page: {exc.reason}", retry_at)
        return
    try:
        article = await extract(fetched.content, fetched.url, fetched.headers.get("content-type"))
    except ExtractError as exc:
        await failed(str(exc))
        return
    for problem in article.errors:
        log.info("%s: %s", url, problem)
    resolutions: list[Resolution] = []
    if resolve:
        resolutions = await resolve_embeds(
            engine, client, article.embeds, settings=settings, now=now
        )
    else:
        resolutions = [Resolution("skipped", "not resolved") for _ in article.embeds]
    try:
        result = await asyncio.to_thread(
            _save_processed,
            engine,
            article_id,
            owner=owner,
            content=fetched.content,
            article=article,
            resolutions=resolutions,
            settings=settings,
            now=now,
        )
    except LeaseLost as exc:
        log.warning("%s (%s)", exc, url)
        return
    summary.processed += 1
    summary.checked.append(result)


async def process_new_articles(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str = OWNER,
    limit: int = 10,
    worker: ExtractWorker | None = None,
    throttle: HostThrottle | None = None,
    resolve: bool = True,
    robots: RobotsCache | None = None,
) -> ProcessSummary:
    """Process up to *limit* new articles (stage job): fetch, extract in the worker
    process, resolve embeds, match, store. Each claimed article ends processed, failed with
    the reason, or new again with a later time to fetch it (a temporary failure)."""
    due = [
        col(ArticleRow.status) == "new",
        or_(col(ArticleRow.next_attempt_at).is_(None), col(ArticleRow.next_attempt_at) <= now),
    ]
    ids = await asyncio.to_thread(
        db.claim_due,
        engine,
        ArticleRow,
        owner=owner,
        now=now,
        lease=settings.lease_duration,
        limit=limit,
        due=due,
    )
    summary = ProcessSummary(claimed=len(ids))
    if not ids:
        return summary
    own_worker = worker is None
    running = worker or ExtractWorker(settings.extract_timeout)
    throttle = throttle or HostThrottle(settings.http_host_delay)
    gate = asyncio.Semaphore(ARTICLES_AT_ONCE)

    async def one(article_id: int) -> None:
        async with gate:
            try:
                await _process_one(
                    engine,
                    client,
                    settings,
                    now,
                    article_id,
                    owner=owner,
                    extract=in_worker(running),
                    throttle=throttle,
                    resolve=resolve,
                    summary=summary,
                    robots=robots or ROBOTS,
                )
            except Exception as exc:  # a bug on one article must not stop the batch
                log.exception("article %s: %s", article_id, exc)
                reason = f"internal error: {type(exc).__name__}: {exc}"
                summary.errors.append(f"article {article_id}: {reason}")
                summary.failed += 1
                await asyncio.to_thread(
                    store.article_failed, engine, article_id, reason, owner=owner, now=now
                )

    try:
        await asyncio.gather(*(one(article_id) for article_id in ids))
    finally:
        if own_worker:
            await asyncio.to_thread(running.close)
    return summary


# ------------------------------------------------------------- stage: pending permalinks


@dataclass
class ResolveSummary:
    """What one run of :func:`resolve_pending_citations` or
    :func:`reresolve_stale_originals` did."""

    claimed: int = 0
    resolved: int = 0
    changed: int = 0  # originals whose text or status changed (their citations re-matched)
    waiting: int = 0  # to try again later
    failed: int = 0  # given up
    errors: list[str] = field(default_factory=list)


def _original_state(engine: Engine, platform: str, post_id: str) -> tuple[Any, ...] | None:
    with Session(engine) as session:
        row = session.exec(
            select(Original.status, Original.text).where(
                Original.platform == platform, Original.post_id == post_id
            )
        ).first()
    return tuple(row) if row is not None else None


def _after_resolve(
    engine: Engine, citation_id: int, resolution: Resolution, *, owner: str, changed: bool
) -> None:
    with db.session_scope(engine) as session:
        citation = session.get(Citation, citation_id)
        if citation is None or citation.lease_owner != owner:
            return
        store.set_resolution(citation, resolution)
        store.release_citation(session, citation, owner)
        session.add(citation)
        session.flush()
        if changed and citation.platform and citation.post_id:
            store.rematch_needed(session, citation.platform, citation.post_id)


async def _resolve_claimed(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    ids: Sequence[int],
    *,
    owner: str,
    force_changed: bool,
) -> ResolveSummary:
    summary = ResolveSummary(claimed=len(ids))
    rows = await asyncio.to_thread(_in_session, engine, store.citations, ids)
    for citation in rows:
        assert citation.id is not None
        if not citation.platform or not citation.url:
            await asyncio.to_thread(
                _after_resolve, engine, citation.id, store.SKIPPED, owner=owner, changed=False
            )
            continue
        before = await asyncio.to_thread(
            _original_state, engine, citation.platform, citation.post_id or ""
        )
        resolution = await resolve_one(
            engine,
            client,
            platform=citation.platform,
            url=citation.url,
            post_id=citation.post_id,
            settings=settings,
            now=now,
            attempts=citation.resolve_attempts,
        )
        changed = False
        if resolution.status == "done":
            summary.resolved += 1
            after = await asyncio.to_thread(
                _original_state, engine, citation.platform, citation.post_id or ""
            )
            changed = after != before or force_changed
            summary.changed += after != before
        elif resolution.status == "pending":
            summary.waiting += 1
            summary.errors.append(f"{citation.url}: {resolution.error}")
        elif resolution.status == "failed":
            summary.failed += 1
            summary.errors.append(f"{citation.url}: {resolution.error}")
        await asyncio.to_thread(
            _after_resolve, engine, citation.id, resolution, owner=owner, changed=changed
        )
    return summary


def _in_session(
    engine: Engine, read: Callable[[Session, T], list[Citation]], arg: T
) -> list[Citation]:
    with Session(engine, expire_on_commit=False) as session:
        return read(session, arg)


async def resolve_pending_citations(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str = OWNER,
    limit: int = 50,
) -> ResolveSummary:
    """Resolve embedded permalinks not resolved yet, or due to be tried again (stage job);
    a citation whose original arrived is matched again by :func:`rematch_citations`."""
    due = [
        col(Citation.kind) == "embed",
        col(Citation.resolve_status) == "pending",
        or_(col(Citation.resolve_after).is_(None), col(Citation.resolve_after) <= now),
    ]
    ids = await asyncio.to_thread(
        db.claim_due,
        engine,
        Citation,
        owner=owner,
        now=now,
        lease=settings.lease_duration,
        limit=limit,
        due=due,
    )
    if not ids:
        return ResolveSummary()
    return await _resolve_claimed(
        engine, client, settings, now, ids, owner=owner, force_changed=True
    )


async def reresolve_stale_originals(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str = OWNER,
    limit: int = 50,
) -> ResolveSummary:
    """Fetch again the originals of embeds resolved longer ago than
    ``QUOTECHECK_RESOLVE_MAX_AGE`` (stage job); when one changed (deleted, edited), its
    citations are matched again."""
    cutoff = now - settings.resolve_max_age
    stale = exists().where(
        col(Original.platform) == col(Citation.platform),
        col(Original.post_id) == col(Citation.post_id),
        col(Original.resolved_at) < cutoff,
    )
    due = [col(Citation.kind) == "embed", col(Citation.resolve_status) == "done", stale]
    ids = await asyncio.to_thread(
        db.claim_due,
        engine,
        Citation,
        owner=owner,
        now=now,
        lease=settings.lease_duration,
        limit=limit,
        due=due,
    )
    if not ids:
        return ResolveSummary()
    return await _resolve_claimed(
        engine, client, settings, now, ids, owner=owner, force_changed=False
    )


# ---------------------------------------------------------------------- stage: re-match


@dataclass
class RematchSummary:
    """What one run of :func:`rematch_citations` did."""

    claimed: int = 0
    changed: int = 0  # citations given a new verdict
    errors: list[str] = field(default_factory=list)


def _rematch_due(watermark: int) -> list[Any]:
    """Citations to match again: marked so (their original changed), or matched before the
    newest originals arrived, unless their verdict is already verbatim by the named speaker
    (no original can do better)."""
    latest = (
        select(func.max(MatchRow.id))
        .where(col(MatchRow.citation_id) == col(Citation.id))
        .correlate(Citation)
        .scalar_subquery()
    )
    perfect = exists().where(
        col(MatchRow.id) == latest,
        col(MatchRow.relation) == "verbatim",
        col(MatchRow.attribution) == "match",
    )
    processed = exists().where(
        col(ArticleRow.id) == col(Citation.article_id), col(ArticleRow.status) == "processed"
    )
    return [
        processed,
        or_(
            col(Citation.matched_upto).is_(None),
            and_(col(Citation.matched_upto) < watermark, not_(perfect)),
        ),
    ]


def _watermark(engine: Engine) -> int:
    with Session(engine) as session:
        return store.originals_watermark(session)


def _rematch(
    engine: Engine, ids: Sequence[int], *, owner: str, settings: Settings, now: datetime
) -> RematchSummary:
    summary = RematchSummary(claimed=len(ids))
    with db.session_scope(engine) as session:
        watermark = store.originals_watermark(session)
        rows = [c for c in store.citations(session, ids) if c.lease_owner == owner]
        articles: dict[int, Article | None] = {}
        for citation in rows:
            if citation.article_id not in articles:
                parent = session.get(ArticleRow, citation.article_id)
                data = (
                    json.loads(parent.extracted_json) if parent and parent.extracted_json else None
                )
                articles[citation.article_id] = store.stored_article(data) if data else None
            article = articles[citation.article_id]
            count = len(article.embeds) + len(article.quotes) if article else 0
            if article is None or citation.position >= count:
                summary.errors.append(f"citation {citation.id}: its article's extraction is gone")
                citation.matched_upto = watermark
            else:
                verdict = match_citation(session, article, citation.position, settings=settings)
                (recorded,) = store.record_verdicts(
                    session, [citation], [verdict], now=now, watermark=watermark, only_changed=True
                )
                summary.changed += recorded.written
            store.release_citation(session, citation, owner)
            session.add(citation)
    return summary


async def rematch_citations(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str = OWNER,
    limit: int = 100,
) -> RematchSummary:
    """Match again the citations that newer or changed originals may answer (stage job);
    a changed verdict is a new row (an update in the next digest), the same one writes
    nothing."""
    del client  # the stage signature; matching reads only the database
    watermark = await asyncio.to_thread(_watermark, engine)
    ids = await asyncio.to_thread(
        db.claim_due,
        engine,
        Citation,
        owner=owner,
        now=now,
        lease=settings.lease_duration,
        limit=limit,
        due=_rematch_due(watermark),
    )
    if not ids:
        return RematchSummary()
    return await asyncio.to_thread(_rematch, engine, ids, owner=owner, settings=settings, now=now)
