"""Threads: ``blockquote.text-post-media[data-text-post-permalink]`` (permalink only)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr
from bot.extract.types import Embed

name = "threads"
markup = "blockquote.text-post-media"

_POST = re.compile(
    r"^https?://(?:www\.)?threads\.(?:net|com)/@(?P<user>[A-Za-z0-9_.]+)/post/(?P<code>[A-Za-z0-9_-]+)"
)


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css(markup):
        source = attr(node, "data-text-post-permalink")
        if not source:
            link = node.css_first("a[href*='threads.']")
            source = attr(link, "href") if link is not None else None
        found = _POST.match(source or "")
        if not found:
            continue
        user, code = found.group("user", "code")
        yield Embed(
            platform=name,
            url=f"https://www.threads.com/@{user}/post/{code}",
            post_id=code,
            author_handle=user,
        )
