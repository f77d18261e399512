"""HTML (Matrix ``formatted_body``, Google Chat card text): plain text with "&", "<", ">"
and quotes escaped, so no tag, attribute or link can form; links are built here only from
URLs with an http(s) scheme."""

from __future__ import annotations

from html import escape

from bot.digest.sanitise.plain import clean, one_line


def text(value: str) -> str:
    return escape(clean(value), quote=True).replace("\n", "<br/>")


def line(value: str) -> str:
    return escape(one_line(value), quote=True)


def link(url: str, label: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        return line(label)
    return f'<a href="{escape(url, quote=True)}">{line(label)}</a>'
