"""Resolve an embedded post's permalink: fetch the original through the platform's no-auth
endpoint and store it with its status (live, deleted, protected, unavailable).

A stored original resolved less than *max_age* ago is returned as it is (the cache); an older
one is fetched again, so a later deletion is caught. A 429 answer blocks that host until its
Retry-After has passed (:class:`Backoff`) and raises :class:`RateLimited`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from bot.http import FetchError, HostThrottle
from bot.models import Original
from bot.originals.records import Record
from bot.originals.resolvers import RESOLVERS, Resolved
from bot.originals.store import ORIGINALS, Speakers, write_records

log = logging.getLogger(__name__)

MAX_BODY = 2_000_000
DEFAULT_RETRY_AFTER = timedelta(seconds=60)


class RateLimited(FetchError):
    """The platform answered 429; nothing is sent to that host before *until*."""

    def __init__(self, url: str, until: datetime) -> None:
        super().__init__(url, f"rate limited until {until.isoformat()}")
        self.until = until


@dataclass
class Backoff:
    """Hosts that answered 429, and until when they are left alone."""

    until: dict[str, datetime] = field(default_factory=dict)

    def blocked(self, host: str, now: datetime) -> datetime | None:
        moment = self.until.get(host)
        return moment if moment is not None and moment > now else None

    def hit(self, host: str, now: datetime, retry_after: str | None) -> datetime:
        self.until[host] = now + _retry_after(retry_after, now)
        return self.until[host]


BACKOFF = Backoff()


def _retry_after(value: str | None, now: datetime) -> timedelta:
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    return max(moment - now, timedelta(0))


def _stored(engine: Engine, platform: str, post_id: str) -> Original | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(
            select(Original).where(Original.platform == platform, Original.post_id == post_id)
        ).first()


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send and read at most MAX_BODY bytes (the response keeps what was read)."""
    response = await client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BODY:
                raise FetchError(str(request.url), f"body larger than {MAX_BODY} bytes")
            chunks.append(chunk)
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code, headers=response.headers, content=b"".join(chunks), request=request
    )


async def resolve_permalink(
    engine: Engine,
    client: httpx.AsyncClient,
    *,
    platform: str,
    url: str,
    post_id: str,
    now: datetime,
    max_age: timedelta,
    backoff: Backoff = BACKOFF,
    throttle: HostThrottle | None = None,
) -> Original | None:
    """The original behind a permalink, fetched when missing or older than *max_age*.

    Returns None for a platform without a resolver. Raises :class:`RateLimited` (429),
    :class:`bot.http.FetchError` (network) or ``UnexpectedResponse`` (an answer it cannot read).
    """
    resolver = RESOLVERS.get(platform)
    if resolver is None:
        log.info("no resolver for platform %r (%s)", platform, url)
        return None
    stored = _stored(engine, platform, post_id)
    if stored is not None and stored.resolved_at is not None and now - stored.resolved_at < max_age:
        return stored
    request = resolver.request(url, post_id)
    if request is None:
        result = resolver.parse(httpx.Response(204), url, post_id)
    else:
        host = request.url.host
        blocked = backoff.blocked(host, now)
        if blocked is not None:
            raise RateLimited(url, blocked)
        if throttle is not None:
            await throttle.wait(host)
        try:
            response = await _send(client, request)
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code == 429:
            raise RateLimited(url, backoff.hit(host, now, response.headers.get("Retry-After")))
        result = resolver.parse(response, url, post_id)
    return _store(engine, platform, post_id, url, result, stored, now)


def _store(
    engine: Engine,
    platform: str,
    post_id: str,
    url: str,
    result: Resolved,
    stored: Original | None,
    now: datetime,
) -> Original | None:
    if result.status != "live" and stored is not None:
        # keep what we knew of the post; only its status changes (the old one is kept as history)
        result = replace(
            result,
            text=stored.text,
            author_name=stored.author_name,
            author_handle=stored.author_handle,
            posted_at=stored.posted_at,
            title=stored.title,
            is_retweet=stored.is_retweet,
            url=stored.url or url,
        )
    record = Record(
        platform=platform,
        post_id=post_id,
        text=result.text or "",
        url=result.url or url,
        author_name=result.author_name,
        author_handle=result.author_handle,
        posted_at=result.posted_at,
        title=result.title,
        kind=stored.kind if stored is not None else "post",
        status=result.status,
        is_retweet=result.is_retweet,
    )
    with engine.begin() as connection:
        written = write_records(connection, [record], now=now, speakers=Speakers())
        connection.execute(
            update(ORIGINALS).where(ORIGINALS.c.id == written.ids[0]).values(resolved_at=now)
        )
    return _stored(engine, platform, post_id)
