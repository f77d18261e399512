"""Vine: ``iframe[src*="vine.co/v/ID/embed"]`` (the service is closed; the link stays)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.extract.html import Node, attr
from bot.extract.types import Embed

name = "vine"
markup = "iframe[src*='vine.co/v/']"

_EMBED = re.compile(r"^(?:https?:)?//(?:www\.)?vine\.co/v/(?P<id>[A-Za-z0-9]+)/embed")


def find(tree: Node) -> Iterator[Embed]:
    for node in tree.css("iframe[src*='vine.co/v/'], iframe[data-src*='vine.co/v/']"):
        found = _EMBED.match(attr(node, "src") or attr(node, "data-src") or "")
        if found:
            post_id = found.group("id")
            yield Embed(platform=name, url=f"https://vine.co/v/{post_id}", post_id=post_id)
