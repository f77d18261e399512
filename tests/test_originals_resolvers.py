"""Resolvers against respx routes whose bodies follow each platform's documented shapes
(invented people and posts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.models import OriginalRevision
from bot.originals.resolve import Backoff, RateLimited, resolve_permalink
from bot.originals.resolvers import RESOLVERS, bluesky, mastodon, twitter

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)

TWEET_URL = "https://twitter.com/MayorQuill/status/1234567890123456789"
TWEET_OEMBED = {
    "url": TWEET_URL,
    "author_name": "Alex Quillfeather",
    "author_url": "https://twitter.com/MayorQuill",
    "html": (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">The river walk opens '
        'Friday &amp; everyone is welcome.<br>See you there! <a href="https://t.co/AbCdEf">'
        "pic.twitter.com/AbCdEf</a></p>&mdash; Alex Quillfeather (@MayorQuill) "
        '<a href="https://twitter.com/MayorQuill/status/1234567890123456789?ref_src=twsrc%5Etfw">'
        "March 4, 2019</a></blockquote>\n"
    ),
    "width": 550,
    "height": None,
    "type": "rich",
    "cache_age": "3153600000",
    "provider_name": "Twitter",
    "provider_url": "https://twitter.com",
    "version": "1.0",
}
BSKY_URL = "https://bsky.app/profile/bea.example.com/post/3kq2abcdxyz2a"
BSKY_URI = "at://bea.example.com/app.bsky.feed.post/3kq2abcdxyz2a"
BSKY_THREAD = {
    "thread": {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": {
            "uri": "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kq2abcdxyz2a",
            "cid": "bafyreiabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrs",
            "author": {
                "did": "did:plc:abcdefghijklmnopqrstuvwx",
                "handle": "bea.example.com",
                "displayName": "Bea Marrow",
                "labels": [],
                "createdAt": "2023-05-01T10:00:00.000Z",
            },
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": "2024-05-06T07:30:00.000Z",
                "langs": ["en"],
                "text": "Libraries stay open late all summer.",
            },
            "replyCount": 0,
            "repostCount": 2,
            "likeCount": 5,
            "quoteCount": 0,
            "indexedAt": "2024-05-06T07:30:01.000Z",
            "labels": [],
        },
        "replies": [],
    }
}
TOOT_URL = "https://social.example/@wren/112233445566778899"
TOOT = {
    "id": "112233445566778899",
    "created_at": "2024-09-10T08:15:00.000Z",
    "in_reply_to_id": None,
    "sensitive": False,
    "spoiler_text": "",
    "visibility": "public",
    "language": "en",
    "uri": "https://social.example/users/wren/statuses/112233445566778899",
    "url": TOOT_URL,
    "replies_count": 0,
    "reblogs_count": 0,
    "favourites_count": 1,
    "content": "<p>Orchard tours start at nine.</p><p>Bring boots!</p>",
    "reblog": None,
    "account": {
        "id": "42",
        "username": "wren",
        "acct": "wren",
        "display_name": "Wren Halloway",
        "url": "https://social.example/@wren",
    },
    "media_attachments": [],
    "mentions": [],
    "tags": [],
    "emojis": [],
}
YOUTUBE_URL = "https://www.youtube.com/watch?v=AbCdEfGhIjK"
YOUTUBE_OEMBED = {
    "title": "Invented town hall, full video",
    "author_name": "Quill Town Channel",
    "author_url": "https://www.youtube.com/@quilltown",
    "type": "video",
    "height": 113,
    "width": 200,
    "version": "1.0",
    "provider_name": "YouTube",
    "provider_url": "https://www.youtube.com/",
    "thumbnail_height": 360,
    "thumbnail_width": 480,
    "thumbnail_url": "https://i.ytimg.com/vi/AbCdEfGhIjK/hqdefault.jpg",
    "html": '<iframe width="200" height="113" src="https://www.youtube.com/embed/AbCdEfGhIjK"></iframe>',
}
TIKTOK_URL = "https://www.tiktok.com/@orchardfan/video/7200000000000000001"
TIKTOK_OEMBED = {
    "version": "1.0",
    "type": "video",
    "title": "Apple picking season #orchard",
    "author_url": "https://www.tiktok.com/@orchardfan",
    "author_name": "Orchard Fan",
    "width": "100%",
    "height": "100%",
    "html": '<blockquote class="tiktok-embed" cite="' + TIKTOK_URL + '"></blockquote>',
    "thumbnail_width": 720,
    "thumbnail_height": 1280,
    "thumbnail_url": "https://p16-sign.tiktokcdn-us.com/invented.jpeg",
    "provider_url": "https://www.tiktok.com",
    "provider_name": "TikTok",
    "author_unique_id": "orchardfan",
    "embed_product_id": "7200000000000000001",
    "embed_type": "video",
}


def _response(resolver: Any, url: str, post_id: str, status: int, body: Any) -> httpx.Response:
    request = resolver.request(url, post_id)
    if isinstance(body, dict):
        return httpx.Response(status, json=body, request=request)
    return httpx.Response(status, text=body, request=request)


@pytest.mark.parametrize(
    ("platform", "url", "post_id", "status", "body", "expected"),
    [
        ("twitter", TWEET_URL, "1234567890123456789", 200, TWEET_OEMBED, "live"),
        ("twitter", TWEET_URL, "1234567890123456789", 404, "", "deleted"),
        (
            "twitter",
            TWEET_URL,
            "1234567890123456789",
            403,
            {"error": "Sorry, you are not authorized to see this status."},
            "protected",
        ),
        ("bluesky", BSKY_URL, "3kq2abcdxyz2a", 200, BSKY_THREAD, "live"),
        (
            "bluesky",
            BSKY_URL,
            "3kq2abcdxyz2a",
            400,
            {"error": "NotFound", "message": f"Post not found: {BSKY_URI}"},
            "deleted",
        ),
        (
            "bluesky",
            BSKY_URL,
            "3kq2abcdxyz2a",
            200,
            {
                "thread": {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": BSKY_URI,
                    "notFound": True,
                }
            },
            "deleted",
        ),
        (
            "bluesky",
            BSKY_URL,
            "3kq2abcdxyz2a",
            200,
            {
                "thread": {
                    "$type": "app.bsky.feed.defs#blockedPost",
                    "uri": BSKY_URI,
                    "blocked": True,
                    "author": {
                        "did": "did:plc:abcdefghijklmnopqrstuvwx",
                        "viewer": {"blockedBy": True},
                    },
                }
            },
            "protected",
        ),
        ("mastodon", TOOT_URL, "112233445566778899", 200, TOOT, "live"),
        ("mastodon", TOOT_URL, "112233445566778899", 404, {"error": "Record not found"}, "deleted"),
        (
            "mastodon",
            TOOT_URL,
            "112233445566778899",
            401,
            {"error": "This API requires an authenticated user"},
            "unavailable",
        ),
        (
            "truthsocial",
            "https://truthsocial.com/@quill/posts/113000000000000001",
            "113000000000000001",
            404,
            {"error": "Record not found"},
            "deleted",
        ),
        (
            "truthsocial",
            "https://truthsocial.com/@quill/posts/113000000000000001",
            "113000000000000001",
            401,
            {"error": "This API requires an authenticated user"},
            "unavailable",
        ),
        ("youtube", YOUTUBE_URL, "AbCdEfGhIjK", 200, YOUTUBE_OEMBED, "live"),
        ("youtube", YOUTUBE_URL, "AbCdEfGhIjK", 404, "Not Found", "deleted"),
        ("youtube", YOUTUBE_URL, "AbCdEfGhIjK", 401, "Unauthorized", "protected"),
        ("tiktok", TIKTOK_URL, "7200000000000000001", 200, TIKTOK_OEMBED, "live"),
        (
            "tiktok",
            TIKTOK_URL,
            "7200000000000000001",
            400,
            {"code": 400, "message": "Something went wrong"},
            "deleted",
        ),
    ],
)
def test_parse_reads_each_status(
    platform: str, url: str, post_id: str, status: int, body: Any, expected: str
) -> None:
    resolver = RESOLVERS[platform]
    result = resolver.parse(_response(resolver, url, post_id, status, body), url, post_id)
    assert result.status == expected


def test_twitter_oembed_gives_text_author_and_date() -> None:
    response = _response(twitter, TWEET_URL, "1", 200, TWEET_OEMBED)
    result = twitter.parse(response, TWEET_URL, "1")
    assert result.text == (
        "The river walk opens Friday & everyone is welcome.\nSee you there! pic.twitter.com/AbCdEf"
    )
    assert (result.author_name, result.author_handle) == ("Alex Quillfeather", "MayorQuill")
    assert result.posted_at is not None and result.posted_at.date().isoformat() == "2019-03-04"
    request = twitter.request(TWEET_URL, "1")
    assert request is not None and request.url.host == "publish.twitter.com"
    assert request.url.params["url"] == TWEET_URL and request.url.params["omit_script"] == "1"


def test_bluesky_request_and_fields() -> None:
    request = bluesky.request(BSKY_URL, "3kq2abcdxyz2a")
    assert request is not None
    assert request.url.params["uri"] == BSKY_URI and request.url.params["depth"] == "0"
    result = bluesky.parse(_response(bluesky, BSKY_URL, "x", 200, BSKY_THREAD), BSKY_URL, "x")
    assert (result.text, result.author_handle) == (
        "Libraries stay open late all summer.",
        "bea.example.com",
    )
    assert result.posted_at == datetime(2024, 5, 6, 7, 30, tzinfo=UTC)


def test_mastodon_request_and_html_content() -> None:
    request = mastodon.request(TOOT_URL, "x")
    assert request is not None
    assert str(request.url) == "https://social.example/api/v1/statuses/112233445566778899"
    result = mastodon.parse(_response(mastodon, TOOT_URL, "x", 200, TOOT), TOOT_URL, "x")
    assert result.text == "Orchard tours start at nine.\n\nBring boots!"
    assert (result.author_name, result.author_handle) == ("Wren Halloway", "wren")


def test_tiktok_and_youtube_give_title_and_author() -> None:
    tiktok = RESOLVERS["tiktok"]
    result = tiktok.parse(_response(tiktok, TIKTOK_URL, "x", 200, TIKTOK_OEMBED), TIKTOK_URL, "x")
    assert (result.text, result.author_handle) == ("Apple picking season #orchard", "orchardfan")
    youtube = RESOLVERS["youtube"]
    result = youtube.parse(
        _response(youtube, YOUTUBE_URL, "x", 200, YOUTUBE_OEMBED), YOUTUBE_URL, "x"
    )
    assert (result.title, result.author_name) == (
        "Invented town hall, full video",
        "Quill Town Channel",
    )


@pytest.mark.parametrize("platform", ["instagram", "threads", "facebook"])
def test_link_only_platforms_make_no_request(platform: str) -> None:
    resolver = RESOLVERS[platform]
    assert resolver.request("https://example.com/p/x", "x") is None


# -- resolve_permalink: storing, caching, re-resolving, 429 ------------------------------------


def _resolve(
    engine: Engine, *, now: datetime = NOW, backoff: Backoff | None = None, **kwargs: Any
) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient() as client:
            return await resolve_permalink(
                engine,
                client,
                platform=kwargs.get("platform", "twitter"),
                url=kwargs.get("url", TWEET_URL),
                post_id=kwargs.get("post_id", "1234567890123456789"),
                now=now,
                max_age=DAY,
                backoff=backoff or Backoff(),
            )

    return asyncio.run(go())


def test_resolve_stores_caches_and_catches_a_later_deletion(engine: Engine) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get("https://publish.twitter.com/oembed").mock(
            return_value=httpx.Response(200, json=TWEET_OEMBED)
        )
        first = _resolve(engine)
        assert first.status == "live" and first.author_handle == "MayorQuill"
        assert first.resolved_at == NOW
        cached = _resolve(engine, now=NOW + timedelta(hours=1))
        assert route.call_count == 1 and cached.id == first.id
        route.mock(return_value=httpx.Response(404))
        later = _resolve(engine, now=NOW + 2 * DAY)
    assert route.call_count == 2
    assert later.id == first.id and later.status == "deleted"
    assert later.text == first.text  # what was known of the post is kept
    with Session(engine) as session:
        revisions = session.exec(select(OriginalRevision)).all()
    assert [(r.status, r.text) for r in revisions] == [("live", first.text)]


def test_resolve_honours_429_retry_after(engine: Engine) -> None:
    backoff = Backoff()
    with respx.mock() as router:
        route = router.get("https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread").mock(
            return_value=httpx.Response(
                429, headers={"Retry-After": "120"}, json={"error": "RateLimitExceeded"}
            )
        )
        args = {"platform": "bluesky", "url": BSKY_URL, "post_id": "3kq2abcdxyz2a"}
        with pytest.raises(RateLimited):
            _resolve(engine, backoff=backoff, **args)
        with pytest.raises(RateLimited):  # still blocked: no request is sent
            _resolve(engine, now=NOW + timedelta(seconds=60), backoff=backoff, **args)
        assert route.call_count == 1
        route.mock(return_value=httpx.Response(200, json=BSKY_THREAD))
        result = _resolve(engine, now=NOW + timedelta(seconds=121), backoff=backoff, **args)
    assert route.call_count == 2 and result.status == "live"


def test_resolve_link_only_and_unknown_platform(engine: Engine) -> None:
    with respx.mock() as router:  # any request would fail: none is expected
        stored = _resolve(
            engine, platform="instagram", url="https://www.instagram.com/p/AbC/", post_id="AbC"
        )
        assert stored.status == "unavailable" and stored.text == ""
        assert _resolve(engine, platform="myspace", url="https://x.example/1", post_id="1") is None
        assert not router.calls
