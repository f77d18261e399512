"""Instagram: ``blockquote.instagram-media``, ``amp-instagram`` and ``/embed`` iframes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr, english_date, node_text
from bot.extract.types import Embed

name = "instagram"
markup = "blockquote.instagram-media, amp-instagram, iframe[src*='instagram.com/']"

_POST = re.compile(
    r"(?:https?:)?//(?:www\.)?instagr(?:am\.com|\.am)/(?:[A-Za-z0-9_.]+/)?(?P<kind>p|reel|tv)/(?P<code>[A-Za-z0-9_-]+)"
)
_SHARED_BY = re.compile(r"(?P<name>[^\n(]*?)\s*\(@(?P<handle>[A-Za-z0-9_.]+)\)")


def permalink(kind: str, code: str) -> str:
    return f"https://www.instagram.com/{kind}/{code}/"


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("blockquote.instagram-media"):
        found = _POST.search(attr(node, "data-instgrm-permalink") or "")
        if not found:
            for link in node.css("a[href]"):
                found = _POST.search(link.attributes.get("href") or "")
                if found:
                    break
        if found:
            yield _from_blockquote(node, found)
    for node in tree.css("amp-instagram[data-shortcode]"):
        code = attr(node, "data-shortcode")
        if code and re.fullmatch(r"[A-Za-z0-9_-]+", code):
            yield Embed(platform=name, url=permalink("p", code), post_id=code)
    for node in tree.css("iframe[src*='instagram.com/'], iframe[data-src*='instagram.com/']"):
        found = _POST.search(attr(node, "src") or attr(node, "data-src") or "")
        if found:
            code = found.group("code")
            yield Embed(platform=name, url=permalink(found.group("kind"), code), post_id=code)


def _from_blockquote(node: Node, found: re.Match[str]) -> Embed:
    code = found.group("code")
    paragraphs = [p for p in node.css("p") if node_text(p)]
    byline_node = paragraphs[-1] if paragraphs else None
    byline = node_text(byline_node) if byline_node is not None else ""
    author = _SHARED_BY.search(byline)
    caption = node_text(paragraphs[-2]) if author and len(paragraphs) >= 2 else None
    posted_at = None
    if byline_node is not None:
        time = byline_node.css_first("time[datetime]")
        posted_at = english_date(attr(time, "datetime") if time is not None else None)
        posted_at = posted_at or english_date(byline)
    name_text = author.group("name").strip() if author else ""
    name_text = re.sub(r"^.*?\b(?:shared by|by)\s+", "", name_text, flags=re.IGNORECASE)
    return Embed(
        platform=name,
        url=permalink(found.group("kind"), code),
        post_id=code,
        author_name=name_text.strip() or None,
        author_handle=author.group("handle") if author else None,
        text=caption or None,
        posted_at=posted_at,
    )
