"""One article page → a frozen :class:`Article`: metadata, embeds, body paragraphs, quotes.

Pure: bytes (or text) and the page's URL in, a value out. The page is parsed once with
Lexbor for metadata, JSON-LD and embeds; the embeds' markup is then dropped and trafilatura
reads the body once (fast mode, no fallback extractors); htmldate (fast mode) runs only
when neither meta tags nor JSON-LD carry a date.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.extract.embeds import find_embeds, remove_embed_markup
from bot.extract.html import (
    Node,
    absolute,
    attr,
    decode_html,
    english_date,
    parse,
    remove_nodes,
)
from bot.extract.quotes import find_quotes
from bot.extract.types import Article

log = logging.getLogger(__name__)

# htmldate reads the clock for its default upper bound; a fixed bound keeps this pure.
_MAX_DATE = "2100-01-01"

_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
)
_TITLE_META = ("og:title", "twitter:title")
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report", re.IGNORECASE)
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$", re.IGNORECASE)
_NOT_BODY = re.compile(
    r"^(?:follow\s.{1,80}\son\s(?:twitter|x|facebook|instagram|threads|bluesky)\b"
    r"|(?:watch|read)\s(?:next|more)\s*:?\s*$)",
    re.IGNORECASE,
)
_DATE_LINE_MAX = 120  # a visible date line is short ("September 10, 2018 Updated: …")
# trafilatura's time grows faster than the page: the largest of the 36 real pages is 222 kB
# once scripts and embeds are gone, so a body beyond this is cut rather than read for minutes.
BODY_MAX_CHARS = 600_000
_NOT_TEXT = "script, style, noscript, template, svg, iframe, object, embed"
# Characters with no width that typesetting leaves inside words: soft hyphens ("chal\u00ad
# lenges"), word joiners, zero-width spaces and stray byte-order marks.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


@dataclass(frozen=True, slots=True)
class Body:
    """The article's own text: paragraphs in order, and which were set as blockquotes."""

    paragraphs: tuple[str, ...] = ()
    blockquote_indexes: frozenset[int] = frozenset()


def extract_article(
    html: bytes | str, url: str | None = None, *, content_type: str | None = None
) -> Article:
    """Everything the pipeline needs from one page; bad input gives errors, never raises."""
    text, errors = decode_html(html, content_type)
    if not text.strip():
        return Article(url=url, errors=(*errors, "empty page"))
    tree = parse(text)
    meta = read_metadata(tree, url)
    embeds = find_embeds(tree)
    remove_embed_markup(tree)
    remove_nodes(tree, _NOT_TEXT)
    cleaned = tree.html or ""
    if len(cleaned) > BODY_MAX_CHARS:
        errors = (*errors, f"article markup over {BODY_MAX_CHARS:,} characters: body read in part")
        cleaned = cleaned[:BODY_MAX_CHARS]
    body = article_body(cleaned, url)
    published = meta.published_at or _fallback_date(text, url, body)
    quotes = find_quotes(
        body.paragraphs,
        published=_as_date(published),
        blockquote_indexes=body.blockquote_indexes,
        context=[text for text in (meta.title, meta.description) if text],
    )
    if not body.paragraphs:
        errors = (*errors, "no article text found")
    return Article(
        url=url,
        canonical_url=meta.canonical_url,
        title=meta.title,
        published_at=published,
        language=meta.language,
        body_text="\n\n".join(body.paragraphs),
        embeds=embeds,
        quotes=quotes,
        errors=errors,
    )


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    canonical_url: str | None = None
    published_at: str | None = None
    language: str | None = None
    description: str | None = None  # the standfirst (og:description / description)


def read_metadata(tree: Node, url: str | None = None) -> Metadata:
    """Title, canonical URL, publication date and language from meta tags and JSON-LD."""
    metas: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        key = attr(node, "property") or attr(node, "name") or attr(node, "itemprop")
        key = key or attr(node, "http-equiv")
        content = attr(node, "content")
        if key and content:
            metas.setdefault(key.lower(), content)
    for node in tree.css("[itemprop=datePublished][datetime], time[itemprop=datePublished]"):
        value = attr(node, "datetime") or attr(node, "content")
        if value:
            metas.setdefault("datepublished", value)
    ld = _json_ld(tree)

    published = None
    for key in _DATE_META:
        published = _iso(metas.get(key))
        if published:
            break
    published = published or _iso(_first(ld, "datePublished")) or _iso(_first(ld, "dateCreated"))

    title = next((metas[key] for key in _TITLE_META if metas.get(key)), None)
    title = title or _string(_first(ld, "headline"))
    if not title:
        node = tree.css_first("title") or tree.css_first("h1")
        title = node.text(deep=True) if node is not None else None

    canonical = None
    link = tree.css_first("link[rel=canonical][href]")
    if link is not None:
        canonical = absolute(attr(link, "href"), url)
    canonical = canonical or absolute(metas.get("og:url"), url)
    if canonical and not canonical.startswith(("http://", "https://")):
        canonical = None

    root = tree.css_first("html")
    language = None
    for candidate in (
        attr(root, "lang") if root is not None else None,
        attr(root, "xml:lang") if root is not None else None,
        metas.get("content-language"),
        metas.get("og:locale"),
        _string(_first(ld, "inLanguage")),
    ):
        found = _LANGUAGE.match(candidate.strip()) if candidate else None
        if found:
            language = found.group(1).lower()
            break

    return Metadata(
        title=" ".join(title.split()) or None if title else None,
        canonical_url=canonical,
        published_at=published,
        language=language,
        description=next(
            (metas[key] for key in ("og:description", "description") if metas.get(key)), None
        ),
    )


def _json_ld(tree: Node) -> list[dict[str, Any]]:
    """JSON-LD objects, article types first; a broken block is skipped."""
    objects: list[dict[str, Any]] = []
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(deep=True) or "")
        except ValueError:
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))
    return sorted(objects, key=lambda item: not _ARTICLE_TYPES.search(str(item.get("@type"))))


def _first(objects: list[dict[str, Any]], key: str) -> Any:
    return next((item[key] for item in objects if item.get(key)), None)


def _string(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return value if isinstance(value, str) and value.strip() else None


def _iso(value: Any) -> str | None:
    """An ISO 8601 date (or date-time with offset) from a meta value; None if unreadable."""
    if not isinstance(value, str):
        return None
    found = english_date(value)
    if found:
        return found
    if re.fullmatch(r"\d{8}", value.strip()):  # 20181009
        return english_date(f"{value[:4]}-{value[4:6]}-{value[6:8]}")
    return None


def _as_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _fallback_date(text: str, url: str | None, body: Body) -> str | None:
    """htmldate in its fast mode, then a short visible date line near the top of the body."""
    from htmldate import find_date

    try:
        found = find_date(
            text, extensive_search=False, url=url, original_date=True, max_date=_MAX_DATE
        )
    except Exception as exc:  # htmldate has raised on odd markup; a date is optional
        log.debug("htmldate failed on %s: %s", url, exc)
        found = None
    if isinstance(found, str) and english_date(found):
        return english_date(found)
    for paragraph in body.paragraphs[:5]:
        if len(paragraph) <= _DATE_LINE_MAX:
            visible = english_date(paragraph)
            if visible:
                return visible[:10]
    return None


def article_body(html: str, url: str | None = None) -> Body:
    """The body's paragraphs as plain text, via one trafilatura pass (embeds already gone)."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            fast=True,  # no fallback extractors: same body (±10%) on the 36 real pages
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=False,
        )
    except Exception as exc:  # lxml refuses some markup (very deep nesting): no body
        log.warning("body extraction failed for %s: %s", url, exc)
        return Body()
    element = getattr(document, "body", None)
    if element is None:
        return Body()
    paragraphs: list[str] = []
    quoted: set[int] = set()
    for text, in_quote in _blocks(element):
        text = text.translate(_INVISIBLE)
        text = " ".join(text.split()) if "\n" not in text else _lines(text)
        if not text or _NOT_BODY.match(text):
            continue
        if in_quote:
            quoted.add(len(paragraphs))
        paragraphs.append(text)
    return Body(tuple(paragraphs), frozenset(quoted))


def _blocks(body: Any) -> Iterator[tuple[str, bool]]:
    """(text, set as a blockquote) for each paragraph-like element of trafilatura's body."""
    for element in body:
        tag = element.tag
        if tag == "p":
            yield _text(element), False
        elif tag == "quote":
            inner = [child for child in element if child.tag in ("p", "list")]
            if inner:
                for child in inner:
                    yield _text(child), True
            else:
                yield _text(element), True
        elif tag == "list":
            for item in element.iter("item"):
                yield _text(item), False
        elif tag in ("div", "section"):
            yield from _blocks(element)


def _text(element: Any) -> str:
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    return "".join(element.itertext())


def _lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
