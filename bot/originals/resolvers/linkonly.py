"""Instagram, Threads and Facebook: their oEmbed needs an app token, so the link is kept with
status unavailable and no request is made."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.originals.resolvers.base import Resolved


@dataclass(frozen=True, slots=True)
class LinkOnly:
    name: str

    def request(self, url: str, post_id: str) -> httpx.Request | None:
        return None

    def parse(self, response: httpx.Response, url: str, post_id: str) -> Resolved:
        return Resolved("unavailable", url=url)


instagram = LinkOnly("instagram")
threads = LinkOnly("threads")
facebook = LinkOnly("facebook")
