"""Bluesky through the public AppView: getPostThread (400 NotFound or #notFoundPost → deleted,
#blockedPost → protected)."""

from __future__ import annotations

import re

import httpx

from bot.originals.resolvers.base import Resolved, json_body, unexpected, when

name = "bluesky"
ENDPOINT = "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
_POST_URL = re.compile(r"/profile/([^/]+)/post/([^/?#]+)")


def at_uri(url: str, post_id: str) -> str:
    """The at:// URI of a post from its bsky.app permalink (or the post_id when it is one)."""
    if post_id.startswith("at://"):
        return post_id
    match = _POST_URL.search(url)
    if not match:
        raise ValueError(f"{url}: not a bsky.app post permalink")
    return f"at://{match.group(1)}/app.bsky.feed.post/{match.group(2)}"


def request(url: str, post_id: str) -> httpx.Request | None:
    return httpx.Request("GET", ENDPOINT, params={"uri": at_uri(url, post_id), "depth": "0"})


def parse(response: httpx.Response, url: str, post_id: str) -> Resolved:
    if response.status_code == 400:
        body = json_body(response)
        if body.get("error") == "NotFound":
            return Resolved("deleted", url=url)
        raise unexpected(response)
    if response.status_code != 200:
        raise unexpected(response)
    thread = json_body(response).get("thread") or {}
    kind = str(thread.get("$type") or "")
    if kind.endswith("#notFoundPost"):
        return Resolved("deleted", url=url)
    if kind.endswith("#blockedPost"):
        return Resolved("protected", url=url)
    post = thread.get("post") or {}
    record = post.get("record") or {}
    author = post.get("author") or {}
    if "text" not in record:
        raise unexpected(response)
    return Resolved(
        "live",
        text=str(record.get("text") or ""),
        author_name=author.get("displayName") or None,
        author_handle=author.get("handle") or None,
        posted_at=when(record.get("createdAt")),
        url=url,
    )
