"""One look at a URL, storing nothing: what ``sources add`` detects and ``sources test``
prints (kind, title, items with their dates, and which of them a poll would store as new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bot.config import Settings
from bot.http import HostThrottle
from bot.models import Source
from bot.originals.statements import is_stored_statement
from bot.sources.detect import UnknownKind, detect_kind
from bot.sources.items import Item
from bot.sources.poll import PollFailed, fetch_once, fresh_items, read_source
from bot.sources.store import known


class ProbeFailed(Exception):
    """The URL could not be read or understood; the message says why."""


@dataclass(frozen=True)
class ProbedItem:
    item: Item
    state: str  # new | seen (stored already) | too old (older than QUOTECHECK_MAX_ITEM_AGE)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.item.url,
            "canonical_url": self.item.canonical_url,
            "guid": self.item.guid,
            "title": self.item.title,
            "published_at": self.item.date.isoformat() if self.item.date else None,
            "state": self.state,
        }


@dataclass(frozen=True)
class Probe:
    url: str
    kind: str
    detail: str  # rss20, atom10, json1.1, sitemap, sitemapindex, page
    title: str | None
    items: tuple[ProbedItem, ...]
    first_poll: bool  # the source is not watched yet, or was never polled successfully
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "format": self.detail,
            "title": self.title,
            "first_poll": self.first_poll,
            "note": self.note,
            "items": [item.to_json() for item in self.items],
        }


async def detect(client: httpx.AsyncClient, url: str, *, settings: Settings, now: datetime) -> str:
    """Fetch *url* once and say what it is: ``feed``, ``sitemap`` or ``page``."""
    throttle = HostThrottle(0)
    try:
        fetched = await fetch_once(client, url, headers=None, throttle=throttle, now=now)
    except PollFailed as exc:
        raise ProbeFailed(f"cannot read {url} to detect its kind: {exc.reason}") from None
    try:
        return detect_kind(fetched.content, fetched.url, fetched.headers.get("Content-Type"))
    except UnknownKind as exc:
        raise ProbeFailed(f"{url}: {exc}") from None


async def probe(
    engine: Engine | None,
    client: httpx.AsyncClient,
    url: str,
    *,
    kind: str | None,
    settings: Settings,
    now: datetime,
) -> Probe:
    """Read *url* as a source of *kind* (detected when None) once, without conditional GET,
    and mark each item new, seen or too old against the database (*engine*; without one
    every fresh item is new)."""
    kind = kind or await detect(client, url, settings=settings, now=now)
    try:
        _, parsed = await read_source(
            client, url, kind, settings=settings, throttle=HostThrottle(0), now=now
        )
    except PollFailed as exc:
        raise ProbeFailed(f"{url}: {exc.reason}") from None
    assert parsed is not None  # no validators were sent, so no 304
    row = None
    if engine is not None:
        with engine.connect() as connection:
            row = connection.execute(
                select(Source.__table__).where(Source.__table__.c.url == url)  # type: ignore[attr-defined]
            ).first()
    statements = kind == "statements"  # originals: neither first-poll nor age rules
    max_age = timedelta(0) if statements else settings.max_item_age
    fresh = {id(item) for item in fresh_items(parsed.items, now=now, max_age=max_age)}
    platform = httpx.URL(url).host or "statement"
    items = []
    for item in parsed.items:
        state = "new" if id(item) in fresh else "too old"
        if state == "new" and engine is not None:
            if statements:
                seen = is_stored_statement(engine, platform, item.guid or item.url)
            else:
                with engine.connect() as connection:
                    seen = known(connection, row.id if row is not None else -1, item)
            state = "seen" if seen else state
        items.append(ProbedItem(item, state))
    return Probe(
        url=url,
        kind=kind,
        detail=parsed.detail,
        title=parsed.title,
        items=tuple(items),
        first_poll=not statements and (row is None or row.last_ok_at is None),
        note=parsed.note,
    )
