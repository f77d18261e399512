"""What every resolver shares: the result value and small parsing helpers (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from bot.originals.records import parse_time


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a platform says about a permalink."""

    status: str  # live | deleted | protected | unavailable
    text: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    posted_at: datetime | None = None
    url: str | None = None
    title: str | None = None
    is_retweet: bool = False


class UnexpectedResponse(ValueError):
    """The platform answered something this resolver cannot read (logged, not stored)."""


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        value = json.loads(response.content)
    except ValueError:
        raise UnexpectedResponse(f"HTTP {response.status_code}: body is not JSON") from None
    if not isinstance(value, dict):
        raise UnexpectedResponse(f"HTTP {response.status_code}: JSON body is not an object")
    return value


def html_text(html: str) -> str:
    """Plain text of an HTML fragment: <br> and paragraph ends become line breaks."""
    html = re.sub(r"(?i)<br\s*/?>", "\n", html)
    html = re.sub(r"(?i)</p>\s*<p[^>]*>", "\n\n", html)
    tree = LexborHTMLParser(f"<div>{html}</div>")
    node = tree.css_first("div")
    return (node.text(deep=True) if node else "").strip()


def when(value: Any) -> datetime | None:
    try:
        return parse_time(str(value)) if value else None
    except ValueError:
        return None


def unexpected(response: httpx.Response) -> UnexpectedResponse:
    return UnexpectedResponse(f"HTTP {response.status_code} from {response.request.url.host}")
