"""What the server asks of us and when to poll next: conditional GET headers, Cache-Control
max-age, Cloudflare challenges, back-off and jitter. Pure (time comes in as arguments)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import timedelta

BACKOFF_BASE = timedelta(minutes=5)
JITTER = 0.1  # ± this share of the interval
_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def cache_max_age(headers: Mapping[str, str]) -> timedelta | None:
    """``Cache-Control: max-age=N`` (or ``s-maxage``) as a duration; None when absent."""
    values = [int(n) for n in _MAX_AGE.findall(headers.get("Cache-Control") or "")]
    return timedelta(seconds=max(values)) if values else None


def cloudflare_challenge(status_code: int, headers: Mapping[str, str]) -> str | None:
    """A message when a 403 or 503 is Cloudflare's bot challenge (``cf-mitigated``)."""
    mitigated = headers.get("cf-mitigated")
    if status_code in (403, 503) and mitigated:
        return (
            f"blocked by a Cloudflare challenge (HTTP {status_code}, cf-mitigated: {mitigated}); "
            "the site does not let bots read this URL: ask the publisher or use another URL"
        )
    return None


def backoff(failures: int, *, cap: timedelta, base: timedelta = BACKOFF_BASE) -> timedelta:
    """5 min after the first failure, doubling with each one in a row, never over *cap*."""
    if failures <= 0:
        return timedelta(0)
    exponent = min(failures - 1, 40)
    delay: timedelta = min(base * (2**exponent), cap)
    return delay


def jitter(interval: timedelta, key: str) -> timedelta:
    """*interval* moved by up to ±10%, the same for the same *key* (source and poll time),
    so that sources added together spread out and a test can repeat a run."""
    digest = hashlib.sha256(key.encode()).digest()
    share = (int.from_bytes(digest[:8], "big") / 2**64) * 2 - 1  # -1 … 1
    return interval + interval * (JITTER * share)


def poll_interval(
    every: timedelta,
    *,
    ttl: timedelta | None = None,
    max_age: timedelta | None = None,
    cap: timedelta,
) -> timedelta:
    """The source's interval, raised to the feed's ``ttl`` and the response's max-age (the
    server's lower bounds) but never beyond *cap* (the longest back-off), so that a
    source is polled at least that often."""
    interval = max([every, *(d for d in (ttl, max_age) if d is not None)])
    return min(interval, max(cap, every))


def failure_delay(
    every: timedelta, failures: int, *, cap: timedelta, retry_after: timedelta | None = None
) -> timedelta:
    """When to try a failing source again: the back-off (never sooner than its own
    interval), or what Retry-After asks when the server said, up to the cap."""
    if retry_after is not None:
        return min(max(retry_after, timedelta(seconds=1)), max(cap, every))
    return max(every, backoff(failures, cap=cap))
