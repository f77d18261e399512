"""Matrix: an ``m.notice`` event with a plain ``body`` and a sanitised HTML ``formatted_body``,
and an empty ``m.mentions`` so it pings nobody.

Limit: an event of at most 65,536 bytes; the content here is at most 60,000 bytes of
compact UTF-8 JSON, leaving room for what the server adds (sender, ids, signatures).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, within_bytes
from bot.digest.sanitise import html, plain

name = "matrix"
MAX_BYTES = 60_000


def _bold(value: str) -> str:
    return f"<b>{value}</b>"


def _build(digest: Digest, chunk: Sequence[Unit], first: bool, label: str) -> dict[str, Any]:
    title = text.title(digest, label)
    lines_plain = [plain.one_line(title)]
    lines_html = [f"<h4>{html.line(title)}</h4>"]
    if first:
        lines_plain.append(digest.summary.text)
        lines_html.append(f"<p>{html.line(digest.summary.text)}</p>")
    for group, items in grouped(chunk):
        lines_plain.append("\n" + text.heading(group, items, plain))
        lines_plain.append(plain.line(text.article_line(group)))
        heading = text.heading(group, items, html)
        lines_html.append(f"<h5>{heading}</h5><p>{html.line(text.article_line(group))}</p>")
        for item in items:
            lines_plain.append("\n".join(text.item_lines(group, item, plain, str)))
            bold = lambda value: f"<b>{value}</b>"  # noqa: E731
            lines_html.append(
                "<p>" + "<br/>".join(text.item_lines(group, item, html, bold)) + "</p>"
            )
    return {
        "msgtype": "m.notice",
        "body": "\n".join(lines_plain),
        "format": "org.matrix.custom.html",
        "formatted_body": "".join(lines_html),
        "m.mentions": {},
    }


def render(digest: Digest) -> list[Message]:
    return pack(
        digest,
        lambda chunk, first, label: _build(digest, chunk, first, label),
        within_bytes(MAX_BYTES),
        JSON,
    )
