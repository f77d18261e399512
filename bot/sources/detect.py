"""Which kind of source a fetched body is: a feed, a sitemap or a section page. Pure."""

from __future__ import annotations

from bot.sources.feeds import NotAFeed, looks_like_html, parse_feed
from bot.sources.sitemaps import is_sitemap


class UnknownKind(ValueError):
    """Neither a feed, a sitemap nor an HTML page."""


def detect_kind(content: bytes, base_url: str, content_type: str | None = None) -> str:
    """``feed``, ``sitemap`` or ``page`` (statements are feeds: say ``--kind statements``)."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if is_sitemap(content):
        return "sitemap"
    if looks_like_html(content) or kind in ("text/html", "application/xhtml+xml"):
        if not looks_like_html(content):
            try:
                parse_feed(content, base_url)
                return "feed"
            except NotAFeed:
                pass
        return "page"
    try:
        parse_feed(content, base_url)
    except NotAFeed as exc:
        raise UnknownKind(
            f"cannot tell what this is ({exc}); give --kind feed, sitemap, page or statements"
        ) from None
    return "feed"
