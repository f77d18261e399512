"""TikTok oEmbed: caption (title) and author; 400/404 → deleted, 401/403 → protected."""

from __future__ import annotations

import httpx

from bot.originals.resolvers.base import Resolved
from bot.originals.resolvers.oembed import oembed_parse, oembed_request

name = "tiktok"
ENDPOINT = "https://www.tiktok.com/oembed"


def request(url: str, post_id: str) -> httpx.Request | None:
    return oembed_request(ENDPOINT, url)


def parse(response: httpx.Response, url: str, post_id: str) -> Resolved:
    return oembed_parse(response, url)
