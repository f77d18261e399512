"""X/Twitter: ``blockquote.twitter-tweet``, rendered iframes and ``amp-twitter``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from bot.extract.html import Node, attr, english_date, node_text
from bot.extract.types import Embed

name = "twitter"
markup = (
    "blockquote.twitter-tweet, blockquote.twitter-video, .twitter-tweet-rendered, "
    "[data-tweet-id], amp-twitter, iframe[src*='platform.twitter.com/embed']"
)

STATUS = re.compile(
    r"(?:https?:)?//(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?"
    r"(?:i(?:/web)?/status(?:es)?|(?P<handle>\w{1,30})/status(?:es)?)/(?P<id>\d{5,25})",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"(?:—|–|&mdash;|\s-)\s*(?P<name>[^\n—]*?)\s*\(@(?P<handle>\w{1,30})\)")


def permalink(post_id: str, handle: str | None) -> str:
    if handle:
        return f"https://twitter.com/{handle}/status/{post_id}"
    return f"https://twitter.com/i/web/status/{post_id}"


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("blockquote.twitter-tweet, blockquote.twitter-video"):
        embed = _from_blockquote(node)
        if embed:
            yield embed
    for node in tree.css("[data-tweet-id], amp-twitter[data-tweetid]"):
        post_id = attr(node, "data-tweet-id") or attr(node, "data-tweetid")
        if post_id and post_id.isdigit():
            yield Embed(platform=name, url=permalink(post_id, None), post_id=post_id)
    for node in tree.css("iframe[src*='platform.twitter.com/embed'], iframe[data-src*='twitter']"):
        src = attr(node, "src") or attr(node, "data-src") or ""
        ids = parse_qs(urlsplit(src).query).get("id", [])
        if ids and ids[0].isdigit():
            yield Embed(platform=name, url=permalink(ids[0], None), post_id=ids[0])


def _from_blockquote(node: Node) -> Embed | None:
    status = None
    for link in node.css("a[href]"):
        found = STATUS.search(link.attributes.get("href") or "")
        if found:
            status = (found, link)
    if status is None:
        return None
    found, link = status
    post_id = found.group("id")
    full = node_text(node)
    bylines = list(_BYLINE.finditer(full))
    author = bylines[-1] if bylines else None
    if author:
        text = full[: author.start()]
    else:  # no byline: the paragraphs that are not the date link's
        paragraphs = [p for p in node.css("p") if link.mem_id not in {a.mem_id for a in p.css("a")}]
        text = "\n".join(node_text(p) for p in paragraphs)
    handle = found.group("handle") or (author.group("handle") if author else None)
    return Embed(
        platform=name,
        url=permalink(post_id, handle),
        post_id=post_id,
        author_name=(author.group("name").strip() or None) if author else None,
        author_handle=(author.group("handle") if author else None) or handle,
        text=text.strip() or None,
        posted_at=english_date(node_text(link)),
    )
