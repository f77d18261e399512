"""Slack mrkdwn: plain text whose "&", "<" and ">" are escaped as Slack documents, so no
``<!channel>``, ``<@U…>``, ``<#C…>`` or ``<url|label>`` can form, and whose formatting
characters ("*", "_", "~", "`") are their full-width look-alikes, so nothing turns bold,
struck or code."""

from __future__ import annotations

from bot.digest.sanitise.plain import clean, one_line

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\uff0a",
        "_": "\uff3f",
        "~": "\uff5e",
        "`": "\uff40",
    }
)


def text(value: str) -> str:
    return clean(value).translate(_ESCAPES)


def line(value: str) -> str:
    return one_line(value).translate(_ESCAPES)


def link(url: str, label: str) -> str:
    """``<url|label>`` with both parts escaped ("|" and ">" cannot end the link early)."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{line(label).replace('|', '¦')}>"
