"""Polling the sources that are due: the impure shell around the parsers.

:func:`poll_due_sources` is what the scheduler calls. It claims due sources with
:func:`bot.db.claim_due` (leases, so replicas share the work), fetches each with a
conditional GET through the injected client (per-host concurrency, the per-host delay),
parses it by kind, stores new articles once (:mod:`bot.sources.store`) and writes the
outcome on the source row:

- success: ``failures`` back to 0, ``last_error`` cleared, the validators kept, and the next
  poll after the source's interval with ±10% jitter, raised to the feed's ``ttl`` and the
  response's ``Cache-Control: max-age`` (never beyond ``QUOTECHECK_POLL_BACKOFF_MAX``);
- failure: ``failures`` + 1, ``last_error`` says why (HTTP status, Cloudflare challenge,
  "not a feed", …), and the next poll after 5 min × 2ⁿ⁻¹ (never sooner than the interval)
  up to the cap, or after the Retry-After of a 429/503. A source is never given up: at the
  cap it is polled at the cap for ever. After ``QUOTECHECK_POLL_ALERT_AFTER`` failures in a
  row a ``failing`` alert is queued, and a ``recovered`` one at the next success.

A bad source never stops the cycle: every error is logged with the source and the reason.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import feedparser
import httpx
from sqlalchemy import Engine, bindparam, or_, select, update

from bot import db
from bot.config import Settings
from bot.http import Fetched, FetchError, HostThrottle, HTTPStatus, afetch, retry_after
from bot.models import Source
from bot.sources import politeness
from bot.sources.feeds import NotAFeed, parse_feed
from bot.sources.items import Item
from bot.sources.pages import article_links
from bot.sources.sitemaps import NotASitemap, gunzip, parse_sitemap
from bot.sources.store import queue_alert, store_items

log = logging.getLogger(__name__)

SOURCES: Any = Source.__table__  # type: ignore[attr-defined]
MAX_CHILD_SITEMAPS = 5
"""A sitemap index is followed to its newest few sitemaps (news indexes list years)."""


class PollFailed(Exception):
    """One source could not be polled; ``reason`` is what ``status`` shows."""

    def __init__(self, reason: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Parsed:
    """What one poll of a source found, before storing."""

    kind: str  # feed|sitemap|page|statements
    detail: str  # rss20, atom10, json1.1, sitemap, sitemapindex, page
    title: str | None
    items: tuple[Item, ...]
    ttl: timedelta | None = None
    entries: tuple[Any, ...] = ()  # statements: the feedparser entries
    note: str | None = None  # a partial problem (a sitemap of an index that failed)


@dataclass
class SourceResult:
    source_id: int
    url: str
    kind: str
    status: str  # fetched | not_modified | failed
    new: int = 0
    recorded: int = 0
    edited: int = 0
    seen: int = 0
    too_old: int = 0
    statements: int = 0
    error: str | None = None
    next_poll_at: datetime | None = None


@dataclass
class PollSummary:
    """What :func:`poll_due_sources` did, source by source."""

    results: list[SourceResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def polled(self) -> int:
        return len(self.results)

    @property
    def fetched(self) -> int:
        return self._count("fetched")

    @property
    def not_modified(self) -> int:
        return self._count("not_modified")

    @property
    def failed(self) -> int:
        return self._count("failed")

    @property
    def new_articles(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def recorded(self) -> int:
        return sum(r.recorded for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "polled": self.polled,
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_articles": self.new_articles,
            "recorded": self.recorded,
            "errors": {r.url: r.error for r in self.results if r.status == "failed"},
        }


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


# ------------------------------------------------------------------------------ fetching


def _http_failure(exc: FetchError, now: datetime) -> PollFailed:
    if isinstance(exc, HTTPStatus):
        challenge = politeness.cloudflare_challenge(exc.status_code, exc.headers)
        if challenge:
            return PollFailed(challenge)
        if exc.status_code in (429, 503):
            wait = retry_after(exc.headers, now)
            if wait is not None:
                return PollFailed(
                    f"{exc.reason}; the server asks to retry after {round(wait.total_seconds())}s",
                    retry_after=wait,
                )
    return PollFailed(exc.reason)


async def fetch_once(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None,
    throttle: HostThrottle,
    now: datetime,
) -> Fetched:
    try:
        return await afetch(client, url, headers=headers, throttle=throttle)
    except FetchError as exc:
        raise _http_failure(exc, now) from None


_parsers: ProcessPoolExecutor | None = None


def _parser_pool(workers: int) -> ProcessPoolExecutor:
    """The processes feeds are parsed in (started once, on first use; ``spawn``: forking a
    process that runs threads is unsafe)."""
    global _parsers
    if _parsers is None:
        _parsers = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return _parsers


async def parse_off_loop(kind: str, fetched: Fetched, *, settings: Settings) -> Parsed:
    """:func:`parse_body` away from the event loop: in the parser processes
    (``QUOTECHECK_POLL_PARSE_WORKERS``; parsing is CPU work that would hold up every other
    poll), or in a thread when that is 0. Statements stay in a thread (their entries are
    read whole, not as items)."""
    if settings.poll_parse_workers and kind != "statements":
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                _parser_pool(settings.poll_parse_workers),
                parse_content,
                kind,
                fetched.content,
                fetched.url,
                settings.http_max_bytes,
            )
        except BrokenProcessPool:  # a parser process died (killed, out of memory)
            global _parsers
            _parsers = None
            raise PollFailed("the feed parser process died while parsing this source") from None
    return await asyncio.to_thread(parse_body, kind, fetched, max_bytes=settings.http_max_bytes)


def parse_body(kind: str, fetched: Fetched, *, max_bytes: int) -> Parsed:
    """Parse a fetched body as a source of *kind* (a sitemap index is returned with its
    children as items of detail ``sitemapindex``: the caller follows them)."""
    return parse_content(kind, fetched.content, fetched.url, max_bytes)


def parse_content(kind: str, content: bytes, url: str, max_bytes: int) -> Parsed:
    """:func:`parse_body` on the body and final URL (what a parser process is sent)."""
    if kind in ("feed", "statements"):
        try:
            feed = parse_feed(content, url)
        except NotAFeed as exc:
            raise PollFailed(str(exc)) from None
        entries: tuple[Any, ...] = ()
        if kind == "statements":
            entries = tuple(
                feedparser.parse(content, sanitize_html=False).entries  # author, id
            )
        ttl = timedelta(seconds=feed.ttl_seconds) if feed.ttl_seconds else None
        return Parsed(kind, feed.version, feed.title, feed.items, ttl=ttl, entries=entries)
    if kind == "sitemap":
        try:
            sitemap = parse_sitemap(content, url, max_bytes=max_bytes)
        except NotASitemap as exc:
            raise PollFailed(str(exc)) from None
        if sitemap.is_index:
            from bot.sources.items import make_item

            children = tuple(make_item(link, updated_at=when) for link, when in sitemap.children)
            return Parsed(kind, "sitemapindex", None, children)
        return Parsed(kind, "sitemap", None, sitemap.items)
    if kind == "page":
        content = gunzip(content, max_bytes)
        return Parsed(kind, "page", None, tuple(article_links(content, url)))
    raise PollFailed(f"unknown source kind {kind!r}")


async def _follow_index(
    client: httpx.AsyncClient,
    index: Parsed,
    *,
    throttle: HostThrottle,
    now: datetime,
    max_age: timedelta,
    max_bytes: int,
) -> Parsed:
    """Fetch the newest sitemaps of an index (those without lastmod count as new)."""
    children = sorted(
        (c for c in index.items if not max_age or c.date is None or c.date >= now - max_age),
        key=lambda c: (c.date is not None, c.date),
        reverse=True,
    )[:MAX_CHILD_SITEMAPS]
    items: list[Item] = []
    problems: list[str] = []
    for child in children:
        try:
            fetched = await fetch_once(client, child.url, headers=None, throttle=throttle, now=now)
            parsed = parse_body("sitemap", fetched, max_bytes=max_bytes)
        except PollFailed as exc:
            problems.append(f"{child.url}: {exc.reason}")
            continue
        if parsed.detail == "sitemap":
            items.extend(parsed.items)
    if problems and len(problems) == len(children):
        raise PollFailed(f"every sitemap of the index failed; first: {problems[0]}")
    note = (
        f"{len(problems)} sitemap(s) of the index failed; first: {problems[0]}"
        if problems
        else None
    )
    return Parsed("sitemap", "sitemapindex", None, tuple(items), note=note)


async def read_source(
    client: httpx.AsyncClient,
    url: str,
    kind: str,
    *,
    settings: Settings,
    throttle: HostThrottle,
    now: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
) -> tuple[Fetched, Parsed | None]:
    """Fetch and parse one source (None for a 304); raises :class:`PollFailed`."""
    headers = politeness.conditional_headers(etag, last_modified)
    fetched = await fetch_once(client, url, headers=headers, throttle=throttle, now=now)
    if fetched.status_code == 304:
        return fetched, None
    parsed = await parse_off_loop(kind, fetched, settings=settings)
    if parsed.detail == "sitemapindex":
        parsed = await _follow_index(
            client,
            parsed,
            throttle=throttle,
            now=now,
            max_age=settings.max_item_age,
            max_bytes=settings.http_max_bytes,
        )
    return fetched, parsed


def fresh_items(items: Sequence[Item], *, now: datetime, max_age: timedelta) -> list[Item]:
    """The items not older than *max_age* (0: all); an undated item counts as fresh."""
    if not max_age:
        return list(items)
    oldest = now - max_age
    return [item for item in items if item.date is None or item.date >= oldest]


# ------------------------------------------------------------------------------ one source


async def poll_source(
    engine: Engine,
    client: httpx.AsyncClient,
    source: Any,
    *,
    settings: Settings,
    throttle: HostThrottle,
    now: datetime,
    owner: str,
    unchanged: list[dict[str, Any]] | None = None,
) -> SourceResult:
    """Poll one claimed source row and record the outcome on it; never raises for the
    source's own problems (an unexpected exception is recorded as a failure too).

    With *unchanged*, the row of a source that answered 304 (and was not failing) is
    appended there for the caller to write with the others of its batch, in one statement."""
    result = SourceResult(source.id, source.url, source.kind, "failed")
    try:
        fetched, parsed = await read_source(
            client,
            source.url,
            source.kind,
            settings=settings,
            throttle=throttle,
            now=now,
            etag=source.etag,
            last_modified=source.last_modified,
        )
        if parsed is None:
            result.status = "not_modified"
            if unchanged is not None and source.failures < settings.poll_alert_after:
                values = _success_values(source, result, fetched, None, settings, now)
                unchanged.append({"b_id": source.id, "b_owner": owner, **values})
                return result
        else:
            result.status = "fetched"
            await _store(engine, client, source, parsed, result, settings, throttle, now)
    except PollFailed as exc:
        result.error = exc.reason
        log.warning("source %s (%s): %s", source.url, source.kind, exc.reason)
        await asyncio.to_thread(
            _record_failure, engine, source, result, settings, now, owner, exc.retry_after
        )
        return result
    except Exception as exc:  # a bug or an unforeseen input must not stop the cycle
        result.status = "failed"
        result.error = f"unexpected error: {type(exc).__name__}: {exc}"
        log.exception("source %s (%s): unexpected error", source.url, source.kind)
        await asyncio.to_thread(_record_failure, engine, source, result, settings, now, owner, None)
        return result
    await asyncio.to_thread(
        _record_success, engine, source, result, fetched, parsed, settings, now, owner
    )
    return result


async def _store(
    engine: Engine,
    client: httpx.AsyncClient,
    source: Any,
    parsed: Parsed,
    result: SourceResult,
    settings: Settings,
    throttle: HostThrottle,
    now: datetime,
) -> None:
    if parsed.kind == "statements":
        from bot.originals.statements import store_statement_entries

        platform = httpx.URL(source.url).host or "statement"
        done = await store_statement_entries(
            engine,
            client,
            parsed.entries,
            platform=platform,
            source_url=source.url,
            now=now,
            throttle=throttle,
        )
        result.statements = done.stored
        if done.skipped:
            result.error = f"{len(done.skipped)} item(s) skipped; retried next poll"
        return
    items = fresh_items(parsed.items, now=now, max_age=settings.max_item_age)
    result.too_old = len(parsed.items) - len(items)
    first = source.last_ok_at is None and settings.first_poll == "record"
    stored = await asyncio.to_thread(
        store_items, engine, source.id, items, status="recorded" if first else "new", now=now
    )
    if first:
        result.recorded = stored.new
    else:
        result.new = stored.new
    result.edited, result.seen = stored.edited, stored.seen
    result.error = parsed.note


def _mine(source: Any, owner: str) -> Any:
    return (SOURCES.c.id == source.id) & (SOURCES.c.lease_owner == owner)


def _success_values(
    source: Any,
    result: SourceResult,
    fetched: Fetched,
    parsed: Parsed | None,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """The source row after a good poll (sets ``result.next_poll_at``)."""
    every = timedelta(seconds=source.every_seconds)
    interval = politeness.poll_interval(
        every,
        ttl=parsed.ttl if parsed else None,
        max_age=politeness.cache_max_age(fetched.headers),
        cap=settings.poll_backoff_max,
    )
    result.next_poll_at = now + politeness.jitter(interval, f"{source.id}:{now.isoformat()}")
    values: dict[str, Any] = {
        "last_polled_at": now,
        "last_ok_at": now,
        "failures": 0,
        "last_error": result.error,
        "next_poll_at": result.next_poll_at,
        "lease_owner": None,
        "lease_until": None,
    }
    if parsed is not None:
        keep = not (parsed.kind == "statements" and result.error)  # re-read to retry items
        values["etag"] = fetched.headers.get("ETag") if keep else None
        values["last_modified"] = fetched.headers.get("Last-Modified") if keep else None
        if parsed.title:
            values["title"] = parsed.title[:1000]
    return values


def _record_success(
    engine: Engine,
    source: Any,
    result: SourceResult,
    fetched: Fetched,
    parsed: Parsed | None,
    settings: Settings,
    now: datetime,
    owner: str,
) -> None:
    values = _success_values(source, result, fetched, parsed, settings, now)
    with engine.begin() as connection:
        connection.execute(update(SOURCES).where(_mine(source, owner)).values(values))
        if source.failures >= settings.poll_alert_after:
            queue_alert(
                connection,
                source_id=source.id,
                source_url=source.url,
                kind="recovered",
                failures=source.failures,
                message=f"{source.url} works again after {source.failures} failed polls",
                now=now,
            )


def _record_failure(
    engine: Engine,
    source: Any,
    result: SourceResult,
    settings: Settings,
    now: datetime,
    owner: str,
    wait: timedelta | None,
) -> None:
    failures = source.failures + 1
    delay = politeness.failure_delay(
        timedelta(seconds=source.every_seconds),
        failures,
        cap=settings.poll_backoff_max,
        retry_after=wait,
    )
    result.next_poll_at = now + delay
    with engine.begin() as connection:
        connection.execute(
            update(SOURCES)
            .where(_mine(source, owner))
            .values(
                last_polled_at=now,
                failures=failures,
                last_error=result.error,
                next_poll_at=result.next_poll_at,
                lease_owner=None,
                lease_until=None,
            )
        )
        if failures == settings.poll_alert_after:
            queue_alert(
                connection,
                source_id=source.id,
                source_url=source.url,
                kind="failing",
                failures=failures,
                message=(
                    f"{source.url} failed {failures} polls in a row: {result.error}; "
                    "it is still polled, at most every "
                    f"{round(settings.poll_backoff_max.total_seconds() / 3600, 1):g}h"
                ),
                now=now,
            )


# ------------------------------------------------------------------------------ the cycle


def _write_unchanged(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Record the sources of a batch that answered 304, in one statement (most of a steady
    cycle; a crash before it only means they are polled again when their lease expires)."""
    if not rows:
        return
    statement = (
        update(SOURCES)
        .where(SOURCES.c.id == bindparam("b_id"), SOURCES.c.lease_owner == bindparam("b_owner"))
        .values({name: bindparam(name) for name in rows[0] if not name.startswith("b_")})
    )
    with engine.begin() as connection:
        connection.execute(statement, rows)


async def poll_due_sources(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str | None = None,
    throttle: HostThrottle | None = None,
) -> PollSummary:
    """Poll every source due at *now* once (claimed in batches of ``QUOTECHECK_POLL_BATCH``),
    at most ``QUOTECHECK_POLL_HOST_CONCURRENCY`` at a time per host and
    ``QUOTECHECK_HTTP_MAX_CONNECTIONS`` in all."""
    owner = owner or default_owner()
    throttle = throttle or HostThrottle(settings.http_host_delay)
    overall = asyncio.Semaphore(settings.http_max_connections)
    per_host: dict[str, asyncio.Semaphore] = {}
    summary = PollSummary()
    done: set[int] = set()
    due = [or_(SOURCES.c.next_poll_at.is_(None), SOURCES.c.next_poll_at <= now)]

    async def one(row: Any) -> SourceResult:
        host = (httpx.URL(row.url).host or "").lower()
        gate = per_host.setdefault(host, asyncio.Semaphore(settings.poll_host_concurrency))
        async with gate, overall:
            return await poll_source(
                engine,
                client,
                row,
                settings=settings,
                throttle=throttle,
                now=now,
                owner=owner,
                unchanged=unchanged,
            )

    while True:
        ids = db.claim_due(
            engine,
            Source,
            owner=owner,
            now=now,
            lease=settings.lease_duration,
            limit=settings.poll_batch,
            due=due,
        )
        fresh = [i for i in ids if i not in done]
        if not fresh:
            db.release(engine, Source, ids, owner=owner)
            break
        with engine.connect() as connection:
            rows = connection.execute(
                select(SOURCES).where(SOURCES.c.id.in_(fresh)).order_by(SOURCES.c.id)
            ).all()
        unchanged: list[dict[str, Any]] = []
        summary.results.extend(await asyncio.gather(*(one(row) for row in rows)))
        await asyncio.to_thread(_write_unchanged, engine, unchanged)
        done.update(fresh)
        db.release(engine, Source, ids, owner=owner)  # any not written above
    return summary
