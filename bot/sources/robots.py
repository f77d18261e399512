"""robots.txt for article pages (RFC 9309), fetched once per host and kept for a day.

:meth:`RobotsCache.check` says whether quotecheck may fetch an article page. As the RFC
says: a robots.txt that answers 4xx (404 included) allows everything; one that answers 5xx
or cannot be reached means "assume complete disallow" for now, so the article waits and is
tried again later (:class:`RobotsUnavailable`); only the first 500 KiB are read. Rules are
matched against the product token of ``QUOTECHECK_USER_AGENT`` (``quotecheck``), then ``*``.
Feeds and sitemaps are not checked: a publisher lists them to be read.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.robotparser import RobotFileParser
from weakref import WeakKeyDictionary

import httpx

from bot.http import FetchError, HostThrottle, HTTPStatus, afetch

log = logging.getLogger(__name__)

MAX_BYTES = 500 * 1024
"""RFC 9309 §2.5: crawlers must parse at least 500 KiB; we read no more than that."""
KEEP = timedelta(hours=24)
"""RFC 9309 §2.4: a robots.txt should not be cached for more than 24 hours."""
KEEP_UNAVAILABLE = timedelta(minutes=10)
"""How long a host whose robots.txt failed (5xx, network) is not asked again."""


class RobotsUnavailable(Exception):
    """The host's robots.txt could not be read (5xx or a network error): do not fetch now."""


@dataclass(frozen=True)
class _Entry:
    rules: RobotFileParser | None  # None: the fetch failed (until ``until``)
    until: datetime
    reason: str = ""


def robots_url(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path="/robots.txt", query=None, fragment=None))


def parse(content: bytes) -> RobotFileParser:
    rules = RobotFileParser()
    rules.parse(content[:MAX_BYTES].decode("utf-8", "replace").splitlines())
    return rules


class RobotsCache:
    """Robots rules per scheme, host and port, for one process."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            WeakKeyDictionary()
        )

    async def check(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        user_agent: str,
        now: datetime,
        throttle: HostThrottle | None = None,
    ) -> bool:
        """Whether *url* may be fetched; raises :class:`RobotsUnavailable` when the host's
        robots.txt answered 5xx or could not be reached (recently)."""
        where = robots_url(url)
        entry = self._entries.get(where)
        if entry is None or entry.until <= now:
            locks = self._locks.setdefault(asyncio.get_running_loop(), {})
            async with locks.setdefault(where, asyncio.Lock()):  # one fetch for the host
                entry = self._entries.get(where)
                if entry is None or entry.until <= now:
                    entry = await self._fetch(client, where, now=now, throttle=throttle)
                    if len(self._entries) > 10_000:  # forget the expired ones
                        self._entries = {k: e for k, e in self._entries.items() if e.until > now}
                        locks.clear()
                    self._entries[where] = entry
        if entry.rules is None:
            raise RobotsUnavailable(entry.reason)
        return entry.rules.can_fetch(user_agent, url)

    async def _fetch(
        self, client: httpx.AsyncClient, where: str, *, now: datetime, throttle: HostThrottle | None
    ) -> _Entry:
        try:
            fetched = await afetch(client, where, max_bytes=MAX_BYTES * 4, throttle=throttle)
        except HTTPStatus as exc:
            if 400 <= exc.status_code < 500:  # no robots.txt: everything is allowed
                return _Entry(parse(b""), now + KEEP)
            reason = f"robots.txt answered {exc.status_code}"
        except FetchError as exc:
            reason = f"robots.txt could not be read: {exc.reason}"
        else:
            return _Entry(parse(fetched.content), now + KEEP)
        log.warning("%s: %s; its pages wait", where, reason)
        return _Entry(None, now + KEEP_UNAVAILABLE, reason)


ROBOTS = RobotsCache()
"""The process's cache (the service's replicas each keep their own)."""
