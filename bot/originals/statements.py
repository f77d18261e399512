"""Poll a statement source (a press office's RSS/Atom feed) and store each new item as an original.

The feed is fetched with a conditional GET (the ETag/Last-Modified kept on the Source row). Each
item not yet stored has its page fetched and its body text extracted with trafilatura; it is
stored as kind ``statement`` on platform = the feed's host, with its speaker where the feed
(author) or the page (meta author, or a title like "Statement from Press Secretary X on …")
names one. A broken page is skipped and retried on the next poll: the validators are only
kept when every new item was stored, so the next poll reads the feed again.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
import trafilatura
from sqlalchemy import Engine, select

from bot.http import FetchError, HostThrottle, afetch
from bot.models import Source
from bot.originals.records import Record
from bot.originals.store import ORIGINALS, Speakers, write_records

log = logging.getLogger(__name__)

_TITLE_SPEAKER = re.compile(
    r"^(?:Statement|Remarks|Readout|Op-Ed)\s+(?:from|by|of)\s+(?P<who>.+?)\s+(?:on|regarding|"
    r"about|at|to|following|in)\s",
    re.IGNORECASE,
)
_TITLE_WORDS = re.compile(
    r"^(?:(?:White House|Deputy|Principal|Press|Secretary|President|Vice|the|Senator|"
    r"Governor|Mayor|Representative|Spokesperson)\s+)+",
    re.IGNORECASE,
)


@dataclass
class PollResult:
    status: str  # fetched | not_modified | failed
    stored: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (item URL, reason)
    error: str | None = None


def speaker_from_title(title: str | None) -> str | None:
    """ "Statement from Press Secretary Jen Psaki on X" → "Jen Psaki"; None when no one is named."""
    match = _TITLE_SPEAKER.match(title or "")
    if not match:
        return None
    who = _TITLE_WORDS.sub("", match.group("who")).strip(" ,")
    if not who or who.lower() in ("the white house", "white house"):
        return None
    return who


def _entry_time(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _page_text(content: bytes, url: str) -> tuple[str | None, str | None]:
    """(body text, author named by the page)."""
    html = content.decode("utf-8", "replace")
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False)
    meta = trafilatura.extract_metadata(html, default_url=url)
    author = getattr(meta, "author", None) if meta is not None else None
    return text, author


async def poll_statement_source(
    engine: Engine, client: httpx.AsyncClient, source_id: int, *, now: datetime
) -> PollResult:
    """Poll one statement source once; never raises for a bad feed or page (logged instead)."""
    with engine.connect() as connection:
        source = connection.execute(
            select(Source.__table__).where(Source.__table__.c.id == source_id)  # type: ignore[attr-defined]
        ).one()
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    try:
        fetched = await afetch(client, source.url, headers=headers)
    except FetchError as exc:
        log.warning("statement source %s: %s", source.url, exc.reason)
        _update_source(engine, source_id, now=now, error=exc.reason, failed=True)
        return PollResult("failed", error=exc.reason)
    if fetched.status_code == 304:
        _update_source(engine, source_id, now=now)
        return PollResult("not_modified")
    feed = feedparser.parse(fetched.content, sanitize_html=False)
    if feed.bozo and not feed.entries:
        reason = f"not a feed ({type(feed.bozo_exception).__name__}: {feed.bozo_exception})"
        log.warning("statement source %s: %s", source.url, reason)
        _update_source(engine, source_id, now=now, error=reason, failed=True)
        return PollResult("failed", error=reason)
    platform = httpx.URL(source.url).host or "statement"
    result = await store_statement_entries(
        engine, client, feed.entries, platform=platform, source_url=source.url, now=now
    )
    keep = not result.skipped
    _update_source(
        engine,
        source_id,
        now=now,
        validators=(
            (fetched.headers.get("ETag"), fetched.headers.get("Last-Modified"))
            if keep
            else (None, None)  # read the whole feed again next time, to retry what failed
        ),
        error=None if keep else f"{len(result.skipped)} item(s) skipped; retried next poll",
    )
    return result


async def store_statement_entries(
    engine: Engine,
    client: httpx.AsyncClient,
    entries: Sequence[Any],
    *,
    platform: str,
    source_url: str,
    now: datetime,
    throttle: HostThrottle | None = None,
) -> PollResult:
    """Fetch and store, as originals, the feed entries not stored yet (a statement source's
    items); a broken page is skipped, logged and listed in the result."""
    result = PollResult("fetched")
    speakers = Speakers()
    for entry in entries:
        link = entry.get("link")
        post_id = entry.get("id") or link
        if not link or not post_id:
            result.skipped.append((str(link or "?"), "item without a link"))
            continue
        if is_stored_statement(engine, platform, post_id):
            continue
        try:
            page = await afetch(client, link, throttle=throttle)
            text, page_author = _page_text(page.content, page.url)
        except FetchError as exc:
            log.warning("statement item %s (source %s): %s", link, source_url, exc.reason)
            result.skipped.append((link, exc.reason))
            continue
        if not text:
            log.warning("statement item %s (source %s): no body text", link, source_url)
            result.skipped.append((link, "no body text"))
            continue
        title = entry.get("title")
        record = Record(
            platform=platform,
            post_id=str(post_id)[:256],
            text=text,
            url=link,
            author_name=entry.get("author") or page_author or speaker_from_title(title),
            posted_at=_entry_time(entry),
            title=title,
            kind="statement",
        )
        with engine.begin() as connection:
            write_records(connection, [record], now=now, speakers=speakers)
        result.stored += 1
    return result


def is_stored_statement(engine: Engine, platform: str, post_id: str) -> bool:
    """Whether the statement *post_id* of *platform* (the feed's host) is stored already."""
    with engine.connect() as connection:
        row = connection.execute(
            select(ORIGINALS.c.id).where(
                ORIGINALS.c.platform == platform, ORIGINALS.c.post_id == str(post_id)[:256]
            )
        ).first()
    return row is not None


def _update_source(
    engine: Engine,
    source_id: int,
    *,
    now: datetime,
    error: str | None = None,
    failed: bool = False,
    validators: tuple[str | None, str | None] | None = None,
) -> None:
    """Record a poll; *validators* (ETag, Last-Modified) replace the stored ones when given."""
    table = Source.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {"last_polled_at": now, "last_error": error}
    values["failures"] = table.c.failures + 1 if failed else 0
    if validators is not None:
        values["etag"], values["last_modified"] = validators
    with engine.begin() as connection:
        connection.execute(table.update().where(table.c.id == source_id).values(values))
