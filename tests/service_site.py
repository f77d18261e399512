"""An invented news site for the service tests: a feed of articles whose pages embed
posts, served by tests/poll_server.py (conditional GET answered with 304), and the oEmbed
answers of the embedded posts for respx. Every person, post and page here is made up."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.utils import format_datetime

import httpx

from tests.poll_server import LocalServer, Reply, Request

OEMBED = "https://publish.twitter.com/oembed"
HOOK = "https://hooks.chat.example/quotecheck/desk"


def post_id(n: int) -> str:
    return f"18000000000000{n:05d}"


def post_text(n: int) -> str:
    return f"The north pier of Saltmere reopens on day {n} of the regatta. Bring your boats!"


def post_url(n: int) -> str:
    return f"https://twitter.com/SaltmereHarbour/status/{post_id(n)}"


def quote_text(n: int) -> str:
    return f"The north pier will carry {n} boats at once from the first day of the regatta"


def page(n: int, *, embed: bool = True) -> bytes:
    """An article page embedding post *n* (or, with *embed* false, quoting a statement:
    nothing to resolve over the network)."""
    post = (
        f"""<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{post_text(n)}</p>&mdash;
Saltmere Harbour (@SaltmereHarbour) <a href="{post_url(n)}">May 20, 2024</a></blockquote>"""
        if embed
        else f"<p>“{quote_text(n)},” harbour master Ines Vold said in a statement.</p>"
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Saltmere pier news {n} | The Saltmere Courier</title>
<meta property="article:published_time" content="2024-05-20T09:00:00Z">
</head><body><article><h1>Saltmere pier news {n}</h1>
<p>An invented article for quotecheck's tests; the people in it are made up.</p>
<p>The harbour office announced the reopening on its account.</p>
{post}
</article></body></html>""".encode()


def feed(base: str, count: int, now: datetime, *, prefix: str = "news") -> bytes:
    items = "".join(
        f"<item><title>Saltmere pier news {n}</title><link>{base}/{prefix}/{n}</link>"
        f'<guid isPermaLink="false">{prefix}-{n}</guid>'
        f"<description>Invented story {n} about the pier.</description>"
        f"<pubDate>{format_datetime(now - timedelta(hours=1))}</pubDate></item>"
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>The Saltmere Courier</title><link>{base}/</link>"
        f"<description>Invented</description>{items}</channel></rss>"
    ).encode()


def add_site(
    server: LocalServer,
    now: datetime,
    *,
    count: int = 2,
    path: str = "/feed.xml",
    embed: bool = True,
) -> str:
    """A feed of *count* articles at *path* (ETag and Last-Modified, 304 when unchanged) and
    its pages; returns the feed's URL."""
    prefix = path.strip("/").replace(".", "-")
    body = feed(server.base, count, now, prefix=prefix)
    etag = f'"{prefix}-v1"'
    modified = format_datetime(now - timedelta(hours=1), usegmt=True)

    def answer(request: Request) -> Reply:
        if (
            request.headers.get("if-none-match") == etag
            or request.headers.get("if-modified-since") == modified
        ):
            return Reply(304, headers={"ETag": etag, "Last-Modified": modified})
        return Reply(
            200,
            body,
            {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": modified},
        )

    server.routes[path] = answer
    for n in range(1, count + 1):
        server.routes[f"/{prefix}/{n}"] = Reply(
            200, page(n, embed=embed), {"Content-Type": "text/html; charset=utf-8"}
        )
    return server.url(path)


def oembed(request: httpx.Request) -> httpx.Response:
    """publish.twitter.com's answer for the embedded posts of :func:`page`."""
    url = request.url.params.get("url", "")
    n = int(url.rsplit("/", 1)[-1][-5:])
    html = (
        f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{post_text(n)}</p>&mdash; '
        f'Saltmere Harbour (@SaltmereHarbour) <a href="{post_url(n)}">May 20, 2024</a>'
        "</blockquote>\n"
    )
    return httpx.Response(
        200,
        json={
            "url": post_url(n),
            "author_name": "Saltmere Harbour",
            "author_url": "https://twitter.com/SaltmereHarbour",
            "html": html,
            "type": "rich",
            "provider_name": "Twitter",
        },
    )


def posted_texts(calls: list[httpx.Request]) -> list[str]:
    return [json.dumps(json.loads(call.content)) for call in calls]
