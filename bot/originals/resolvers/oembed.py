"""YouTube and TikTok through their public oEmbed: the title (as text) and the author."""

from __future__ import annotations

import httpx

from bot.originals.resolvers.base import Resolved, json_body, unexpected


def oembed_request(endpoint: str, url: str) -> httpx.Request:
    return httpx.Request("GET", endpoint, params={"url": url, "format": "json"})


def oembed_parse(response: httpx.Response, url: str) -> Resolved:
    if response.status_code in (400, 404):
        return Resolved("deleted", url=url)
    if response.status_code in (401, 403):
        return Resolved("protected", url=url)
    if response.status_code != 200:
        raise unexpected(response)
    body = json_body(response)
    author_url = str(body.get("author_url") or "")
    handle = body.get("author_unique_id") or author_url.rstrip("/").rsplit("/", 1)[-1] or None
    title = str(body.get("title") or "")
    return Resolved(
        "live",
        text=title,
        title=title or None,
        author_name=body.get("author_name") or None,
        author_handle=str(handle).lstrip("@") if handle else None,
        url=url,
    )
