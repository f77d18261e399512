"""Mastodon: ``blockquote.mastodon-embed[data-embed-url]`` (≥ 4.3) and ``iframe.mastodon-embed``.

The markup carries no post text, only the permalink: the resolver fetches the status.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr
from bot.extract.types import Embed

name = "mastodon"
markup = ".mastodon-embed"

_STATUS = re.compile(
    r"^https?://(?P<host>[A-Za-z0-9.-]+\.[A-Za-z]{2,})/@(?P<user>[A-Za-z0-9_.-]+)/(?P<id>\d+)(?:/embed)?/?(?:[?#].*)?$"
)


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css(markup):
        source = attr(node, "data-embed-url") or attr(node, "src") or attr(node, "data-src")
        if not source:
            link = node.css_first("a[href]")
            source = attr(link, "href") if link is not None else None
        found = _STATUS.match(source or "")
        if not found:
            continue
        host, user, post_id = found.group("host", "user", "id")
        yield Embed(
            platform=name,
            url=f"https://{host}/@{user}/{post_id}",
            post_id=post_id,
            author_handle=f"{user}@{host}",
        )
