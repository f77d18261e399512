"""Permalink resolvers, one module per platform, behind one small Protocol.

``request(url, post_id)`` builds the no-auth request (None: nothing to fetch, link only) and
``parse(response, url, post_id)`` reads the answer into a :class:`Resolved`; both are pure, so
each platform's statuses are tested without I/O. :mod:`bot.originals.resolve` does the fetching.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from bot.originals.resolvers import bluesky, mastodon, tiktok, truthsocial, twitter, youtube
from bot.originals.resolvers.base import Resolved, UnexpectedResponse
from bot.originals.resolvers.linkonly import facebook, instagram, threads


class Resolver(Protocol):
    @property
    def name(self) -> str: ...

    def request(self, url: str, post_id: str) -> httpx.Request | None: ...

    def parse(self, response: httpx.Response, url: str, post_id: str) -> Resolved: ...


RESOLVERS: dict[str, Resolver] = {
    "twitter": twitter,
    "bluesky": bluesky,
    "mastodon": mastodon,
    "truthsocial": truthsocial,
    "youtube": youtube,
    "tiktok": tiktok,
    "instagram": instagram,
    "threads": threads,
    "facebook": facebook,
}

__all__ = ["RESOLVERS", "Resolved", "Resolver", "UnexpectedResponse"]
