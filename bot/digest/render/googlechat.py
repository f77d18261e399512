"""Google Chat incoming webhook: ``text`` and one ``cardsV2`` card, a section per article.

Limits: a message of at most 32,000 bytes (counted here as its compact UTF-8 JSON), at
most 100 widgets in a card. Card text is Google Chat's HTML subset, escaped as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, json_size, pack
from bot.digest.sanitise import html, plain

name = "googlechat"
MAX_BYTES = 32_000
MAX_WIDGETS = 100


def _bold(value: str) -> str:
    return f"<b>{value}</b>"


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    title = plain.one_line(text.title(digest, label))
    sections = []
    for group, items in grouped(chunk):
        widgets = [{"textParagraph": {"text": html.line(text.article_line(group))}}]
        for item in items:
            lines = text.item_lines(group, item, html, _bold)
            widgets.append({"textParagraph": {"text": "<br>".join(lines)}})
        sections.append({"header": text.heading(group, items, html), "widgets": widgets})
    card: dict[str, Any] = {"header": {"title": title}, "sections": sections}
    if first:
        card["header"]["subtitle"] = digest.summary.text
    message = f"{title}: {digest.summary.text}" if first else title
    return {"text": message, "cardsV2": [{"cardId": "digest", "card": card}]}


def _length(body: dict[str, Any]) -> int | None:
    sections = body["cardsV2"][0]["card"]["sections"]
    if sum(len(section["widgets"]) for section in sections) > MAX_WIDGETS:
        return None
    size = json_size(body)
    return size if size <= MAX_BYTES else None


def render(digest: Digest) -> list[Message]:
    return pack(
        digest, lambda chunk, first, label: _build(digest, chunk, first, label), _length, JSON
    )
