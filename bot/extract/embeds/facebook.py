"""Facebook: ``div.fb-post``/``div.fb-video`` ``[data-href]`` and plugin iframes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit, urlunsplit

from bot.extract.html import Node, attr, english_date, node_text
from bot.extract.types import Embed

name = "facebook"
markup = (
    ".fb-post, .fb-video, iframe[src*='facebook.com/plugins/post.php'], "
    "iframe[src*='facebook.com/plugins/video.php']"
)

_PLUGIN = ("facebook.com/plugins/post.php", "facebook.com/plugins/video.php")
_ID_PATTERNS = (
    re.compile(r"/(?:posts|videos|permalink|photos(?:/[^/]+)?)/(?:[^/?#]+/)?(?P<id>\d{5,})"),
    re.compile(r"[?&](?:story_fbid|fbid|v)=(?P<id>\d{5,})"),
)
_KEEP_QUERY = ("story_fbid", "fbid", "id", "v", "set", "type")


def canonical(href: str) -> str | None:
    """The post's URL on www.facebook.com, without tracking parameters."""
    parts = urlsplit(href.strip())
    host = parts.netloc.lower()
    if not (host == "facebook.com" or host.endswith(".facebook.com") or host == "fb.watch"):
        return None
    query = parse_qs(parts.query)
    kept = "&".join(f"{key}={query[key][0]}" for key in _KEEP_QUERY if key in query)
    host = "www.facebook.com" if host.endswith("facebook.com") else host
    return urlunsplit(("https", host, parts.path, kept, ""))


def post_id(url: str) -> str | None:
    for pattern in _ID_PATTERNS:
        found = pattern.search(url)
        if found:
            return found.group("id")
    return None


def _embed(href: str | None, node: Node | None = None) -> Embed | None:
    url = canonical(href) if href else None
    if not url:
        return None
    text = author = posted_at = None
    fallback = node.css_first("blockquote") if node is not None else None
    if fallback is not None:
        paragraphs = fallback.css("p")
        text = "\n".join(node_text(p) for p in paragraphs) or None
        links = fallback.css("a")
        # "Posted by <a>Name</a> on <a>Date</a>": the last two links.
        if len(links) >= 2 and "posted by" in node_text(fallback).lower():
            author = node_text(links[-2]) or None
            posted_at = english_date(node_text(links[-1]))
    return Embed(
        platform=name,
        url=url,
        post_id=post_id(url),
        author_name=author,
        text=text,
        posted_at=posted_at,
    )


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css(".fb-post[data-href], .fb-video[data-href]"):
        embed = _embed(attr(node, "data-href"), node)
        if embed:
            yield embed
    plugins = "iframe[src*='facebook.com/plugins/'], iframe[data-src*='facebook.com/plugins/']"
    for node in tree.css(plugins):
        src = attr(node, "src") or attr(node, "data-src") or ""
        if not any(plugin in src for plugin in _PLUGIN):
            continue
        hrefs = parse_qs(urlsplit(src).query).get("href", [])
        embed = _embed(hrefs[0]) if hrefs else None
        if embed:
            yield embed
