"""Mastodon (and Mastodon-style servers) through /api/v1/statuses/:id: 404 deleted, 401/403
unavailable (the server refuses unauthenticated reads)."""

from __future__ import annotations

import re

import httpx

from bot.originals.resolvers.base import Resolved, html_text, json_body, unexpected, when

name = "mastodon"
_ID = re.compile(r"/(\d+)(?:/embed)?/?(?:[?#].*)?$")


def status_id(url: str, post_id: str) -> str:
    if post_id.isdigit():
        return post_id
    match = _ID.search(url)
    if not match:
        raise ValueError(f"{url}: no status id in the permalink")
    return match.group(1)


def request(url: str, post_id: str) -> httpx.Request | None:
    host = httpx.URL(url).host
    return httpx.Request("GET", f"https://{host}/api/v1/statuses/{status_id(url, post_id)}")


def parse(response: httpx.Response, url: str, post_id: str) -> Resolved:
    if response.status_code in (404, 410):
        return Resolved("deleted", url=url)
    if response.status_code in (401, 403):
        return Resolved("unavailable", url=url)
    if response.status_code != 200:
        raise unexpected(response)
    body = json_body(response)
    account = body.get("account") or {}
    if "content" not in body:
        raise unexpected(response)
    reblog = body.get("reblog")
    content = (reblog or body).get("content") or ""
    return Resolved(
        "live",
        text=html_text(str(content)),
        author_name=account.get("display_name") or None,
        author_handle=account.get("acct") or account.get("username") or None,
        posted_at=when(body.get("created_at")),
        url=str(body.get("url") or url),
        is_retweet=reblog is not None,
    )
