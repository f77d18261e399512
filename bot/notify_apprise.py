"""Apprise channels: any Apprise URL (``tgram://``, ``mailto://``, ``ntfys://``, ``json://``
and the 100+ others Apprise knows) receives the text digest (impure: Apprise does the I/O).

Apprise sends with its own HTTP stack (``requests``), so the SSRF guard of ``bot.http`` does
not apply: an Apprise URL is trusted as the operator wrote it. Apprise says only whether a
notification went out; the reason of a failure is what it logged, kept as the delivery's
error. There is no idempotency key: a crash after sending can send twice (at least once).
"""

from __future__ import annotations

import logging

import apprise

from bot.digest.render import apprise as renderer

KIND = "apprise"


def service(url: str) -> apprise.NotifyBase | None:
    """The Apprise plugin for *url*, or None when Apprise does not know it."""
    found = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    return found if isinstance(found, apprise.NotifyBase) else None


def check(url: str) -> str | None:
    """None when Apprise can send to *url*, else what is wrong (without the URL's secrets)."""
    if service(url) is None:
        scheme = url.partition("://")[0] or url[:10]
        return (
            f"not an Apprise URL Apprise knows (scheme {scheme!r}); see "
            "https://github.com/caronc/apprise/wiki for tgram://, mailto://, ntfys://, json://, …"
        )
    return None


def limit(url: str) -> int:
    """The longest message the service takes, in characters (Apprise's ``body_maxlen``),
    never below the renderer's least (one citation must fit)."""
    found = service(url)
    longest = int(getattr(found, "body_maxlen", 0) or renderer.DEFAULT_LIMIT)
    return max(min(longest, 32_768), renderer.MIN_LIMIT)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def notify(url: str, body: str) -> str | None:
    """Send *body* (blocking; run it in a thread). None when sent, else the reason."""
    found = service(url)
    if found is None:
        return check(url)
    collect = _Collect()
    logger = logging.getLogger("apprise")
    logger.addHandler(collect)
    try:
        sent = found.notify(body=body, title="")
    finally:
        logger.removeHandler(collect)
    if sent:
        return None
    reasons = "; ".join(dict.fromkeys(collect.messages)) or "the service refused it"
    return f"Apprise could not send: {reasons}"[:2000]
