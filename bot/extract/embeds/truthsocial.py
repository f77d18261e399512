"""Truth Social: ``iframe.truthsocial-embed[src="https://truthsocial.com/@u/ID/embed"]``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr
from bot.extract.types import Embed

name = "truthsocial"
markup = "iframe.truthsocial-embed, iframe[src*='truthsocial.com/@']"

_EMBED = re.compile(
    r"^(?:https?:)?//(?:www\.)?truthsocial\.com/@(?P<user>[A-Za-z0-9_]+)/(?:posts/)?(?P<id>\d+)"
)


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css(markup):
        found = _EMBED.match(attr(node, "src") or attr(node, "data-src") or "")
        if not found:
            continue
        user, post_id = found.group("user", "id")
        yield Embed(
            platform=name,
            url=f"https://truthsocial.com/@{user}/posts/{post_id}",
            post_id=post_id,
            author_handle=user,
        )
