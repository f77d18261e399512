"""Markdown (Mattermost, Discord, Teams' Adaptive Cards): plain text with every markup
character backslash-escaped, so no emphasis, heading, quote, list, code, ``[label](url)``
link or ``<@id>``/``<#id>``/``<!here>`` mention can form."""

from __future__ import annotations

import re

from bot.digest.sanitise.plain import clean, one_line

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-!|~<>])")


def text(value: str) -> str:
    return _MARKUP.sub(r"\\\1", clean(value))


def line(value: str) -> str:
    return _MARKUP.sub(r"\\\1", one_line(value))


def link(url: str, label: str) -> str:
    """``[label](url)`` with the label escaped and the URL unable to close the link."""
    safe_url = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    safe_url = safe_url.replace("<", "%3C").replace(">", "%3E")
    return f"[{line(label)}]({safe_url})"
