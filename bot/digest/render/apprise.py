"""Apprise (Telegram, e-mail, ntfy and the other services Apprise knows): a plain text
digest, split so that no message passes *limit* characters (UTF-16 units).

The default limit, 4,000, is within Telegram's 4,096; pass the service's own to
:func:`render`. A limit under 1,000 is refused: one citation must fit a message.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import TEXT, Message, Unit, grouped, pack, utf16_length
from bot.digest.sanitise import plain

name = "apprise"
DEFAULT_LIMIT = 4_000
MIN_LIMIT = 1_000


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> str:
    lines = [text.title(digest, label)]
    if first:
        lines.append(digest.summary.text)
    for group, items in grouped(chunk):
        lines += ["", text.heading(group, items, plain), plain.line(text.article_line(group))]
        for item in items:
            lines += ["", *text.item_lines(group, item, plain, str)]
    return "\n".join(lines)


def render(digest: Digest, limit: int = DEFAULT_LIMIT) -> list[Message]:
    if limit < MIN_LIMIT:
        raise ValueError(
            f"an Apprise message limit of {limit} is too small; use {MIN_LIMIT} or more"
        )

    def length(body: str) -> int | None:
        size = utf16_length(body)
        return size if size <= limit else None

    return pack(
        digest, lambda chunk, first, label: _build(digest, chunk, first, label), length, TEXT
    )
