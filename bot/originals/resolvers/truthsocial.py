"""Truth Social: the Mastodon-style API on truthsocial.com (best effort: its CDN often answers
403 to non-browser clients, which reads as unavailable)."""

from __future__ import annotations

import httpx

from bot.originals.resolvers import mastodon
from bot.originals.resolvers.base import Resolved

name = "truthsocial"


def request(url: str, post_id: str) -> httpx.Request | None:
    status = mastodon.status_id(url, post_id)
    return httpx.Request("GET", f"https://truthsocial.com/api/v1/statuses/{status}")


def parse(response: httpx.Response, url: str, post_id: str) -> Resolved:
    return mastodon.parse(response, url, post_id)
