"""Discord webhook: ``content`` and embeds, one embed per article (two when it is long).

Limits, in UTF-16 units (never fewer than Discord counts): content ≤ 2,000; ≤ 10 embeds;
an embed's title ≤ 256, description ≤ 4,096, footer ≤ 2,048; ≤ 6,000 across a message's
embeds. ``allowed_mentions`` is empty, so even an unescaped mention would ping nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, utf16_length
from bot.digest.sanitise import markdown, plain

name = "discord"
MAX_CONTENT = 2_000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4_096
MAX_FOOTER = 2_048
MAX_EMBED_TOTAL = 6_000
RED, BLUE = 0xD0021B, 0x4A90E2


def _bold(value: str) -> str:
    return f"**{value}**"


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    content = markdown.line(text.title(digest, label))
    if first:
        content += "\n" + markdown.line(digest.summary.text)
    embeds: list[dict[str, Any]] = []
    for group, items in grouped(chunk):
        title, _ = text.fitted(group.title, MAX_TITLE - 20, markdown.line)
        if items[0] is not group.items[0]:
            title += " (continued)"
        parts: list[str] = []
        for item in items:
            entry = "\n".join(text.item_lines(group, item, markdown, _bold))
            if parts and utf16_length("\n\n".join([*parts, entry])) > MAX_DESCRIPTION:
                embeds.append(_embed(group.url, title, parts, group))
                parts = []
                title = title if title.endswith("(continued)") else title + " (continued)"
            parts.append(entry)
        embeds.append(_embed(group.url, title, parts, group))
    return {"content": content, "embeds": embeds, "allowed_mentions": {"parse": []}}


def _embed(url: str, title: str, parts: list[str], group: Any) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": title,
        "description": "\n\n".join(parts),
        "color": RED if group.headline.rank >= 6 else BLUE,
        "footer": {"text": plain.one_line(text.article_line(group))},
    }
    if safe := plain.safe_url(url):
        embed["url"] = safe
    return embed


def _length(body: dict[str, Any]) -> int | None:
    embeds = body["embeds"]
    if utf16_length(body["content"]) > MAX_CONTENT or len(embeds) > MAX_EMBEDS:
        return None
    total = 0
    for embed in embeds:
        sizes = (
            utf16_length(embed["title"]),
            utf16_length(embed["description"]),
            utf16_length(embed["footer"]["text"]),
        )
        if sizes[0] > MAX_TITLE or sizes[1] > MAX_DESCRIPTION or sizes[2] > MAX_FOOTER:
            return None
        total += sum(sizes)
    if total > MAX_EMBED_TOTAL:
        return None
    return total + utf16_length(body["content"])


def render(digest: Digest) -> list[Message]:
    return pack(
        digest, lambda chunk, first, label: _build(digest, chunk, first, label), _length, JSON
    )
