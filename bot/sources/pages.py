"""Section pages: the article links on a news site's front or section page, same site only.
Pure.

A link is taken for an article when it stays on the page's site (the same host, or ``www.``
added or dropped) and its path looks like one: a dated path (``/2026/03/01/…``), a slug of
three words or more (``/politics/mayor-opens-orchard-week``), or a long number (an id).
Navigation (tags, authors, sections, log-in, search, feeds) and files (images, PDFs) are not.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.sources.items import Item, make_item
from bot.sources.sitemaps import parse_w3c_date

_NAV = re.compile(
    r"/(tag|tags|topic|topics|category|categories|section|sections|author|authors|about|"
    r"contact|search|login|signin|sign-in|register|subscribe|newsletter|newsletters|feed|rss|"
    r"privacy|terms|cookies|account|help|jobs|careers|advertise|page)(/|$)",
    re.IGNORECASE,
)
_FILE = re.compile(r"\.(jpe?g|png|gif|webp|svg|pdf|mp3|mp4|zip|xml|rss|css|js)$", re.IGNORECASE)
_DATED = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/(0?[1-9]|[12]\d|3[01]))?/")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}", re.IGNORECASE)
_ID = re.compile(r"\d{5,}")
_YMD = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")


def _site(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def looks_like_article(path: str) -> bool:
    if _NAV.search(path) or _FILE.search(path):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(_DATED.search(path) or _SLUG.search(last) or _ID.search(last))


def article_links(content: bytes, base_url: str) -> list[Item]:
    """The article links of an HTML page, once each, in page order; the link text is the
    title and a dated path (``/2026/03/01/``) gives the date."""
    tree = LexborHTMLParser(content.decode("utf-8", "replace"))
    base = tree.css_first("base[href]")
    base_href = urljoin(base_url, base.attributes.get("href") or "") if base else base_url
    site = _site(urlsplit(base_url).hostname or "")
    found: dict[str, Item] = {}
    for anchor in tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urljoin(base_href, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or _site(parts.hostname or "") != site:
            continue
        if not looks_like_article(parts.path):
            continue
        dated = _YMD.search(parts.path)
        published = (
            parse_w3c_date(f"{dated.group(1)}-{int(dated.group(2)):02d}-{int(dated.group(3)):02d}")
            if dated
            else None
        )
        item = make_item(
            url, title=anchor.text(separator=" ", strip=True) or None, published_at=published
        )
        if item.canonical_url not in found or not found[item.canonical_url].title and item.title:
            found[item.canonical_url] = item
    return list(found.values())
