"""X/Twitter via oEmbed (publish.twitter.com): 200 text and author, 404 deleted, 403 protected."""

from __future__ import annotations

import re

import httpx
from selectolax.lexbor import LexborHTMLParser

from bot.originals.resolvers.base import Resolved, html_text, json_body, unexpected, when

name = "twitter"
ENDPOINT = "https://publish.twitter.com/oembed"


def request(url: str, post_id: str) -> httpx.Request | None:
    return httpx.Request("GET", ENDPOINT, params={"url": url, "omit_script": "1", "dnt": "true"})


def parse(response: httpx.Response, url: str, post_id: str) -> Resolved:
    if response.status_code == 404:
        return Resolved("deleted", url=url)
    if response.status_code == 403:
        return Resolved("protected", url=url)
    if response.status_code != 200:
        raise unexpected(response)
    body = json_body(response)
    html = str(body.get("html") or "")
    tree = LexborHTMLParser(html)
    paragraph = tree.css_first("blockquote p")
    text = html_text(paragraph.html or "") if paragraph else ""
    author_url = str(body.get("author_url") or "")
    handle = author_url.rstrip("/").rsplit("/", 1)[-1] or None
    links = tree.css("blockquote > a")
    posted = when(links[-1].text()) if links else None
    return Resolved(
        "live",
        text=text,
        author_name=str(body.get("author_name") or "") or None,
        author_handle=handle,
        posted_at=posted,
        url=str(body.get("url") or url),
        is_retweet=bool(re.match(r"\s*RT @\w+:", text)),
    )
