"""Embedded posts in article HTML: one module per platform behind a small Protocol.

Each module reads its platform's embed markup as the platform publishes it; the registry is
explicit. ``find_embeds`` runs them all over a parsed page (and over embed markup that pages
keep in attributes or JSON for lazy loading) and reports each post once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import fields, replace
from typing import Protocol

from bot.extract.embeds import (
    bluesky,
    facebook,
    instagram,
    mastodon,
    threads,
    tiktok,
    truthsocial,
    twitter,
    vine,
    youtube,
)
from bot.extract.html import Node, parse, remove_nodes
from bot.extract.types import Embed


class EmbedExtractor(Protocol):
    """What a platform module provides."""

    name: str
    markup: str  # CSS selector of the platform's embed markup (dropped before body extraction)

    def find(self, tree: Node) -> Iterable[Embed]: ...


EXTRACTORS: dict[str, EmbedExtractor] = {
    "twitter": twitter,
    "bluesky": bluesky,
    "mastodon": mastodon,
    "threads": threads,
    "instagram": instagram,
    "facebook": facebook,
    "tiktok": tiktok,
    "youtube": youtube,
    "truthsocial": truthsocial,
    "vine": vine,
}

MARKUP_SELECTOR = ", ".join(extractor.markup for extractor in EXTRACTORS.values())

# Lazy-loading and consent-gated pages keep embed markup in an attribute, in a textarea or
# noscript, or in a JSON string in a script.
_LAZY_ATTRIBUTES = ("data-iframe", "data-embed", "data-embed-code", "data-html")
_LAZY_MARKUP = re.compile(
    r"<(iframe|blockquote|amp-twitter|amp-instagram|amp-youtube)\b.{0,4000}?</\1>",
    re.IGNORECASE | re.DOTALL,
)
_JSON_ESCAPES = (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ('\\"', '"'), ("\\/", "/"))
_MAX_FRAGMENTS = 200


def find_embeds(tree: Node) -> tuple[Embed, ...]:
    """Every post embedded in the page, in page order, each once (same platform and id)."""
    found: dict[tuple[str, str], Embed] = {}
    for embed in _all(tree):
        key = (embed.platform, embed.post_id or embed.url)
        known = found.get(key)
        found[key] = embed if known is None else _merge(known, embed)
    return tuple(found.values())


def _all(tree: Node) -> Iterator[Embed]:
    for extractor in EXTRACTORS.values():
        yield from extractor.find(tree)
    for fragment in _lazy_fragments(tree):
        small = parse(fragment)
        for extractor in EXTRACTORS.values():
            yield from extractor.find(small)


def _lazy_fragments(tree: Node) -> Iterator[str]:
    count = 0
    for name in _LAZY_ATTRIBUTES:
        for node in tree.css(f"[{name}]"):
            value = node.attributes.get(name) or ""
            if "<" in value:
                count += 1
                yield value
    for holder in tree.css("textarea, noscript"):  # consent placeholders keep the original
        text = holder.text(deep=True) or ""
        if "<" in text and ("iframe" in text or "blockquote" in text or "amp-" in text):
            count += 1
            yield text
    for script in tree.css("script"):
        if script.attributes.get("src") is not None:
            continue
        text = script.text(deep=True) or ""
        if "iframe" not in text and "blockquote" not in text and "amp-" not in text:
            continue
        for old, new in _JSON_ESCAPES:
            text = text.replace(old, new)
        for match in _LAZY_MARKUP.finditer(text):
            count += 1
            if count > _MAX_FRAGMENTS:
                return
            yield match.group(0)


def _merge(first: Embed, other: Embed) -> Embed:
    """Keep the first sighting, fill what it lacks from a later one."""
    missing = {
        f.name: getattr(other, f.name)
        for f in fields(first)
        if getattr(first, f.name) is None and getattr(other, f.name) is not None
    }
    return replace(first, **missing) if missing else first


def remove_embed_markup(tree: Node) -> None:
    """Drop every embed's markup so its text is not read as the article's own."""
    remove_nodes(tree, MARKUP_SELECTOR)
