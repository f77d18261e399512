"""Bluesky: ``blockquote.bluesky-embed[data-bluesky-uri]`` (both byline variants)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr, english_date, node_text
from bot.extract.types import Embed

name = "bluesky"
markup = "blockquote.bluesky-embed, iframe[src*='embed.bsky.app']"

AT_URI = re.compile(r"^at://(?P<did>[^/\s]+)/app\.bsky\.feed\.post/(?P<rkey>[A-Za-z0-9._~:-]+)$")
_POST_LINK = re.compile(r"bsky\.app/profile/(?P<actor>[^/?#\s]+)/post/(?P<rkey>[A-Za-z0-9._~:-]+)")
_NAME_HANDLE = re.compile(r"(?:—|–)\s*(?P<name>[^\n(—]*?)\s*\(\s*@(?P<handle>[A-Za-z0-9.-]+)\s*\)")


def permalink(did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{did}/post/{rkey}"


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("blockquote.bluesky-embed"):
        uri = attr(node, "data-bluesky-uri") or ""
        found = AT_URI.match(uri)
        date_link = None
        for link in node.css("a[href]"):
            post = _POST_LINK.search(link.attributes.get("href") or "")
            if post:
                date_link = link
                if not found:
                    uri = f"at://{post.group('actor')}/app.bsky.feed.post/{post.group('rkey')}"
                    found = AT_URI.match(uri)
        if not found:
            continue
        paragraphs = node.css("p")
        text = "\n".join(node_text(p) for p in paragraphs) or None
        if text:
            text = text.replace("[image or embed]", "").strip() or None
        byline = _NAME_HANDLE.search(node_text(node))
        yield Embed(
            platform=name,
            url=permalink(found.group("did"), found.group("rkey")),
            post_id=uri,
            author_name=(byline.group("name").strip() or None) if byline else None,
            author_handle=byline.group("handle") if byline else None,
            text=text,
            posted_at=english_date(node_text(date_link)) if date_link is not None else None,
        )
