"""Microsoft Teams through a Power Automate Workflows webhook: an Adaptive Card (1.4).

Limit: about 28 KB of JSON ("Request Entity Too Large" above); a message is at most
28,000 bytes of compact UTF-8 JSON. Text blocks take Markdown, escaped as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, within_bytes
from bot.digest.sanitise import markdown

name = "teams"
MAX_BYTES = 28_000
CARD = "application/vnd.microsoft.card.adaptive"


def _bold(value: str) -> str:
    return f"**{value}**"


def _block(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    body = [_block(markdown.line(text.title(digest, label)), size="Medium", weight="Bolder")]
    if first:
        body.append(_block(markdown.line(digest.summary.text), isSubtle=True))
    for group, items in grouped(chunk):
        head = _bold(text.heading(group, items, markdown))
        body.append(_block(f"{head}\n\n{markdown.line(text.article_line(group))}", separator=True))
        for item in items:
            body.append(_block("\n\n".join(text.item_lines(group, item, markdown, _bold))))
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    return {
        "type": "message",
        "attachments": [{"contentType": CARD, "contentUrl": None, "content": card}],
    }


def render(digest: Digest) -> list[Message]:
    return pack(
        digest,
        lambda chunk, first, label: _build(digest, chunk, first, label),
        within_bytes(MAX_BYTES),
        JSON,
    )
