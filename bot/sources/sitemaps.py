"""Sitemaps (sitemaps.org 0.9), Google News sitemaps (``news:publication_date``,
``news:title``) and sitemap indexes; gzip-compressed ones too. Pure."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from bot.sources.items import Item, make_item

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)


class NotASitemap(ValueError):
    """The body is no sitemap; the message says why."""


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A sitemap's article URLs, or, for a sitemap index, the sitemaps it lists."""

    is_index: bool
    items: tuple[Item, ...] = ()
    children: tuple[tuple[str, datetime | None], ...] = ()  # (sitemap URL, lastmod)


def parse_w3c_date(value: str | None) -> datetime | None:
    """``2026-03-01``, ``2026-03-01T09:30Z``, ``2026-03-01T09:30:00+01:00`` → aware UTC."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def gunzip(content: bytes, limit: int) -> bytes:
    """*content* decompressed when it is gzip, at most *limit* bytes (a bomb is refused)."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise NotASitemap(f"broken gzip data: {exc}") from None
    if len(out) > limit:
        raise NotASitemap(f"the sitemap is over the {limit}-byte limit once decompressed")
    return out


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    node: etree._Element | None = element
    for name in path:
        node = next((c for c in node if _local(c.tag) == name), None) if node is not None else None
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def is_sitemap(content: bytes) -> bool:
    """True for a ``<urlset>`` or ``<sitemapindex>`` document (gzip allowed)."""
    try:
        root = etree.fromstring(gunzip(content, 50_000_000), _PARSER)
    except (etree.XMLSyntaxError, NotASitemap, ValueError):
        return False
    return _local(root.tag) in ("urlset", "sitemapindex")


def parse_sitemap(content: bytes, base_url: str, *, max_bytes: int = 50_000_000) -> Sitemap:
    """A ``<urlset>`` (items, dated by ``news:publication_date`` or else ``lastmod``) or a
    ``<sitemapindex>`` (children with their ``lastmod``). Raises :class:`NotASitemap`."""
    body = gunzip(content, max_bytes)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NotASitemap(f"not a sitemap: malformed XML ({exc})") from None
    except ValueError as exc:
        raise NotASitemap(f"not a sitemap: {exc}") from None
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = []
        for node in root:
            if _local(node.tag) != "sitemap":
                continue
            loc = _child_text(node, "loc")
            if loc:
                children.append(
                    (urljoin(base_url, loc), parse_w3c_date(_child_text(node, "lastmod")))
                )
        return Sitemap(is_index=True, children=tuple(children))
    if kind != "urlset":
        raise NotASitemap(f"not a sitemap: the document is <{kind}>, not <urlset>")
    items = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        published = parse_w3c_date(_child_text(node, "news", "publication_date"))
        items.append(
            make_item(
                urljoin(base_url, loc),
                title=_child_text(node, "news", "title"),
                published_at=published,
                updated_at=parse_w3c_date(_child_text(node, "lastmod")),
            )
        )
    return Sitemap(is_index=False, items=tuple(items))
