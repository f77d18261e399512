"""Mattermost incoming webhook: Markdown ``text`` and Slack-compatible ``attachments``, one
attachment per article.

Limit: a post of at most 16,383 characters (server ≥ 5.0). The whole JSON payload is
counted, in UTF-16 units, so the post and its attachments are within it together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, utf16_length
from bot.digest.sanitise import markdown

name = "mattermost"
MAX_POST = 16_383
COLOURS = {True: "#d0021b", False: "#4a90e2"}  # altered or worse: red


def _bold(value: str) -> str:
    return f"**{value}**"


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    title = markdown.line(text.title(digest, label))
    message = f"#### {title}" + (f"\n{markdown.line(digest.summary.text)}" if first else "")
    attachments = []
    for group, items in grouped(chunk):
        body = [markdown.line(text.article_line(group))]
        for item in items:
            body.append("\n".join(text.item_lines(group, item, markdown, _bold)))
        attachments.append(
            {
                "fallback": markdown.line(group.title)[:200],
                "color": COLOURS[group.headline.rank >= 6],
                "pretext": _bold(text.heading(group, items, markdown)),
                "text": "\n\n".join(body),
            }
        )
    return {"text": message, "attachments": attachments}


def _length(body: dict[str, Any]) -> int | None:
    size = utf16_length(json.dumps(body, ensure_ascii=False))
    return size if size <= MAX_POST else None


def render(digest: Digest) -> list[Message]:
    return pack(
        digest, lambda chunk, first, label: _build(digest, chunk, first, label), _length, JSON
    )
