"""RSS 0.9x/1.0/2.0 and Atom (feedparser, on bytes our client fetched) and JSON Feed 1.x
(read here: feedparser 6 does not know it). Pure."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.sources.items import Item, make_item

_JSON_FEED = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_ALTERNATE = re.compile(
    r"<link\b[^>]*\btype=[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.I
)
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.I)


class NotAFeed(ValueError):
    """The body is no feed: the message says what it is instead (an HTML page, …)."""


@dataclass(frozen=True, slots=True)
class Feed:
    version: str  # feedparser's name (rss20, rss10, rss091u, atom10, …) or json1 / json1.1
    title: str | None
    items: tuple[Item, ...]
    ttl_seconds: int | None  # RSS <ttl> (minutes), as seconds


def looks_like_html(content: bytes) -> bool:
    return bool(_HTML_START.match(content[:4096].lstrip(b"\xef\xbb\xbf")))


def feed_links(content: bytes, base_url: str) -> list[str]:
    """The feeds an HTML page announces (``<link rel="alternate" type="application/rss+xml">``)."""
    text = content[:200_000].decode("utf-8", "replace")
    found = []
    for tag in _ALTERNATE.findall(text):
        href = _HREF.search(tag)
        if href:
            found.append(urljoin(base_url, href.group(1).strip()))
    return list(dict.fromkeys(found))


def _not_a_feed(content: bytes, base_url: str) -> NotAFeed:
    if not content.strip():
        return NotAFeed("not a feed: the response body is empty")
    if looks_like_html(content):
        links = feed_links(content, base_url)
        hint = f"; the page names the feed {links[0]}" if links else ""
        return NotAFeed(f"not a feed: the URL answers with an HTML page{hint}")
    return NotAFeed("not a feed: neither RSS, Atom nor JSON Feed")


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _summary(entry: Any) -> str | None:
    content = entry.get("content")
    if content and isinstance(content, list) and content[0].get("value"):
        return str(content[0]["value"])
    summary = entry.get("summary")
    return str(summary) if summary else None


def _ttl(value: Any) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if minutes > 0 else None


def parse_feed(content: bytes, base_url: str) -> Feed:
    """The items of an RSS, Atom or JSON feed; links resolved against *base_url* (the URL
    fetched). Raises :class:`NotAFeed` for anything else."""
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return parse_json_feed(content, base_url)
    if looks_like_html(content):
        raise _not_a_feed(content, base_url)
    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        error = parsed.get("bozo_exception")
        if error is not None and content.lstrip()[:1] == b"<" and not looks_like_html(content):
            raise NotAFeed(f"malformed feed: {error}")
        raise _not_a_feed(content, base_url)
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        guid = entry.get("id") or None
        if not link and guid and str(guid).startswith(("http://", "https://")):
            link = guid
        if not link:
            continue
        items.append(
            make_item(
                urljoin(base_url, str(link).strip()),
                guid=str(guid) if guid else None,
                title=entry.get("title"),
                summary=_summary(entry),
                published_at=_struct_time(entry.get("published_parsed")),
                updated_at=_struct_time(dict.get(entry, "updated_parsed")),  # no fallback warning
            )
        )
    if not items and parsed.get("bozo"):  # a broken feed that yielded nothing usable
        raise NotAFeed(f"malformed feed: {parsed.get('bozo_exception')}")
    meta = parsed.get("feed", {})
    return Feed(
        version=str(parsed.get("version") or "unknown"),
        title=meta.get("title") or None,
        items=tuple(items),
        ttl_seconds=_ttl(meta.get("ttl")),
    )


def parse_json_feed(content: bytes, base_url: str) -> Feed:
    """A JSON Feed 1.0 or 1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAFeed(f"malformed JSON feed: {exc}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not _JSON_FEED.match(version):
        raise NotAFeed("not a feed: JSON without a jsonfeed.org version")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise NotAFeed("malformed JSON feed: `items` is not a list")
    items = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            continue
        link = raw.get("url") or raw.get("external_url")
        guid = raw.get("id")
        if not link and isinstance(guid, str) and guid.startswith(("http://", "https://")):
            link = guid
        if not isinstance(link, str) or not link.strip():
            continue
        summary = raw.get("content_html") or raw.get("content_text") or raw.get("summary")
        items.append(
            make_item(
                urljoin(base_url, link.strip()),
                guid=str(guid) if guid is not None else None,
                title=raw.get("title") if isinstance(raw.get("title"), str) else None,
                summary=summary if isinstance(summary, str) else None,
                published_at=_iso(raw.get("date_published")),
                updated_at=_iso(raw.get("date_modified")),
            )
        )
    title = data.get("title")
    return Feed(
        version="json" + version.rstrip("/").rsplit("/", 1)[1],
        title=title if isinstance(title, str) else None,
        items=tuple(items),
        ttl_seconds=None,
    )
