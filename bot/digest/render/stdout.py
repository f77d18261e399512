"""The terminal (and the demo): the digest drawn with Rich, as one text with ANSI styles.

Quoted text is given to Rich as plain ``Text``, never as markup, so "[bold]" stays literal.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from bot.digest.model import Digest
from bot.digest.render import text
from bot.digest.render.base import TEXT, Message, utf16_length
from bot.digest.sanitise import plain
from bot.report import STYLES

name = "stdout"
WIDTH = 100


def render(digest: Digest) -> list[Message]:
    """One message: the whole digest (a terminal has no length limit)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, force_terminal=True, color_system="standard")
    console.print(Text(text.title(digest, "part 1/1"), style="bold"))
    console.print(Text(digest.summary.text, style="dim"))
    for group in digest.articles:
        console.print()
        console.print(Text(plain.line(group.title), style="bold underline"))
        console.print(Text(f"{group.outlet} {plain.safe_url(group.url) or ''}", style="dim"))
        for item in group.items:
            lines = text.item_lines(group, item, plain, str)
            first = Text(lines[0])
            first.stylize(STYLES[item.headline.value], 0, len(text.headline(item)))
            console.print(first)
            for line in lines[1:]:
                console.print(Text("  " + line))
    body = buffer.getvalue()
    return [
        Message(
            body=body,
            content_type=TEXT,
            part=1,
            parts=1,
            text_length=utf16_length(body),
            verdict_ids=tuple(item.verdict_id for item in digest.items),
        )
    ]
