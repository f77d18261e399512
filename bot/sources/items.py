"""What a source announces: one :class:`Item` per article, found in a feed, a sitemap or a
section page. Pure: no network, no database, no clock."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say who sent the reader, never which page it is.
_TRACKING = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|igshid|ocid|cmpid|"
    r"smid|smtyp|ref|ref_src|rss|feed|partner|cid|icid|at_medium|at_campaign)$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")
HASHED_MIN_CHARS = 80
"""A summary shorter than this gives no content hash: short texts ("Live updates") repeat."""


@dataclass(frozen=True, slots=True)
class Item:
    """An article a source announces. ``guid`` is the feed's item id (None when it has
    none); ``content_hash`` is :func:`item_hash` of title and summary, or None."""

    url: str
    canonical_url: str
    guid: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    content_hash: str | None = None

    @property
    def date(self) -> datetime | None:
        return self.published_at or self.updated_at


def canonical_url(url: str) -> str:
    """The URL an article is known by: scheme and host lower case, default port, fragment
    and tracking parameters (utm_*, fbclid, …) dropped, the remaining query sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key)
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _fold(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", _TAGS.sub(" ", text or ""))
    return _SPACES.sub(" ", text).strip().casefold()


def item_hash(title: str | None, summary: str | None) -> str | None:
    """SHA-256 of the folded title and summary (tags, case and spacing ignored), or None when
    the summary is too short to tell two items apart (:data:`HASHED_MIN_CHARS`)."""
    body = _fold(summary)
    if len(body) < HASHED_MIN_CHARS:
        return None
    return hashlib.sha256(f"{_fold(title)}\n{body}".encode()).hexdigest()


def make_item(
    url: str,
    *,
    guid: str | None = None,
    title: str | None = None,
    summary: str | None = None,
    published_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Item:
    title = _SPACES.sub(" ", title).strip() if title else None
    return Item(
        url=url,
        canonical_url=canonical_url(url),
        guid=(guid.strip()[:512] or None) if guid else None,
        title=title or None,
        published_at=published_at,
        updated_at=updated_at,
        content_hash=item_hash(title, summary),
    )
