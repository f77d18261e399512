"""Receipt links: an HMAC-SHA256 of the verdict id, so a link works without a login and
cannot be guessed or enumerated (``/r/<verdict id>/<mac>``).

The key is ``QUOTECHECK_RECEIPT_SECRET``; when it is unset, :func:`receipt_key` generates
one the first time and keeps it in the database (table ``app_secrets``), so every replica
sharing the database makes the same links and links survive a restart. Changing the secret
breaks every link made before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Settings
from bot.models import AppSecret, utcnow

SECRET_NAME = "receipt"
MAC_CHARS = 32
"""Hex digits of the MAC in a link (128 bits)."""


def receipt_key(engine: Engine, settings: Settings) -> bytes:
    """The receipt links' key: the setting, else the one generated once and stored."""
    if settings.receipt_secret:
        return settings.receipt_secret.encode("utf-8")
    with Session(engine) as session:
        row = session.get(AppSecret, SECRET_NAME)
        if row is not None:
            return row.value.encode("utf-8")
        session.add(AppSecret(name=SECRET_NAME, value=secrets.token_hex(32), created_at=utcnow()))
        try:
            session.commit()
        except IntegrityError:  # another process stored one first: use that one
            session.rollback()
        row = session.get(AppSecret, SECRET_NAME)
        assert row is not None
        return row.value.encode("utf-8")


def mac(key: bytes, verdict_id: int) -> str:
    digest = hmac.new(key, f"receipt:{verdict_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:MAC_CHARS]


def receipt_path(key: bytes, verdict_id: int) -> str:
    return f"/r/{verdict_id}/{mac(key, verdict_id)}"


def verify(key: bytes, verdict_id: int, given: str) -> bool:
    return hmac.compare_digest(mac(key, verdict_id), given.lower())


def receipt_url(public_url: str | None, key: bytes, verdict_id: int) -> str | None:
    """The public link of a verdict's receipt, or None without ``QUOTECHECK_PUBLIC_URL``."""
    if not public_url:
        return None
    return public_url.rstrip("/") + receipt_path(key, verdict_id)


class Linker:
    """Receipt URLs for one engine and settings (reads the key once)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.key = receipt_key(engine, settings)
        self.public_url = settings.public_url

    def path(self, verdict_id: int) -> str:
        return receipt_path(self.key, verdict_id)

    def url(self, verdict_id: int) -> str | None:
        return receipt_url(self.public_url, self.key, verdict_id)


def receipt_links(engine: Engine, settings: Settings) -> Callable[[int], str | None] | None:
    """The receipt URL of a verdict id, for digests and ``check --json``; None without
    ``QUOTECHECK_PUBLIC_URL`` (then nothing carries a receipt link)."""
    if not settings.public_url:
        return None
    return Linker(engine, settings).url
