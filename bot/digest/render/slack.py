"""Slack incoming webhook: Block Kit with a ``text`` fallback.

Limits (counted in characters, as UTF-16 units, never fewer than Slack counts): at most 50
blocks, a header's text at most 150, a section's text at most 3,000, and at most 12,000
characters of block text in all (Slack answers ``msg_blocks_too_long`` near 13,000).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, utf16_length
from bot.digest.sanitise import mrkdwn

name = "slack"
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3_000
MAX_TEXT = 12_000


def _bold(value: str) -> str:
    return f"*{value}*"


def _section(value: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": value}}


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    title = text.title(digest, label)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:MAX_HEADER]}}
    ]
    if first:
        summary = digest.summary.text
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": summary}]})
    for group, items in grouped(chunk):
        head = _bold(text.heading(group, items, mrkdwn))
        blocks.append(_section(f"{head}\n{mrkdwn.line(text.article_line(group))}"))
        blocks.append({"type": "divider"})
        for item in items:
            blocks.append(_section("\n".join(text.item_lines(group, item, mrkdwn, _bold))))
    fallback = f"{title}: {digest.summary.text}" if first else title
    return {"text": fallback, "blocks": blocks}


def _length(body: dict[str, Any]) -> int | None:
    blocks = body["blocks"]
    if len(blocks) > MAX_BLOCKS:
        return None
    total = 0
    for block in blocks:
        pieces = [block["text"]["text"]] if "text" in block else []
        pieces += [element["text"] for element in block.get("elements", [])]
        for piece in pieces:
            size = utf16_length(piece)
            limit = MAX_HEADER if block["type"] == "header" else MAX_SECTION
            if size > limit:
                return None
            total += size
    return total if total <= MAX_TEXT else None


def render(digest: Digest) -> list[Message]:
    return pack(
        digest, lambda chunk, first, label: _build(digest, chunk, first, label), _length, JSON
    )
