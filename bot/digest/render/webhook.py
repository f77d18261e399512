"""Generic webhook: the digest as JSON, following ``webhook.schema.json`` (see the README).

A message carries whole articles' citations in order, at most ``MAX_BYTES`` of compact
UTF-8 JSON; quotes are sent whole. Text is cleaned as plain text (``sanitise.plain``).
The sender signs each body with :func:`signature_headers` when the channel has a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from bot.digest.model import ArticleGroup, Digest, DigestItem
from bot.digest.render.base import JSON, Message, Unit, grouped, pack, within_bytes
from bot.digest.sanitise.plain import clean, one_line, safe_url

name = "webhook"
SCHEMA = "quotecheck.digest/1"
MAX_BYTES = 256_000
SIGNATURE_HEADER = "X-Quotecheck-Signature"
TIMESTAMP_HEADER = "X-Quotecheck-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``"{timestamp}." + body`` under *secret*."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers a signed delivery carries (*timestamp*: Unix seconds, the sender's)."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def _optional(value: str | None) -> str | None:
    return clean(value) if value else None


def _citation(item: DigestItem) -> dict[str, Any]:
    return {
        "verdict_id": item.verdict_id,
        "citation_id": item.citation_id,
        "headline": item.headline.value,
        "speaker": _optional(item.speaker),
        "platform": item.platform,
        "quote": clean(item.quote),
        "changed_words": [[clean(a), clean(b)] for a, b in item.changed_words],
        "real_speaker": _optional(item.real_speaker),
        "original_url": safe_url(item.original_url),
        "archive_url": safe_url(item.archive_url),
        "receipt_url": safe_url(item.receipt_url),
        "is_update": item.is_update,
        "previous_headline": item.previous_headline.value if item.previous_headline else None,
        "previous_message_ref": item.previous_message_ref,
    }


def _article(group: ArticleGroup, items: Sequence[DigestItem]) -> dict[str, Any]:
    return {
        "title": one_line(group.title),
        "outlet": group.outlet,
        "published_at": group.published_at.isoformat() if group.published_at else None,
        "url": safe_url(group.url),
        "citations": [_citation(item) for item in items],
    }


def _build(digest: Digest, chunk: Sequence[Unit], label: str) -> dict[str, Any]:
    summary = digest.summary
    part, parts = label.removeprefix("part ").split("/")
    return {
        "schema": SCHEMA,
        "channel": digest.channel,
        "generated_at": digest.generated_at.isoformat(),
        "part": int(part),
        "parts": int(parts),
        "summary": {
            "text": summary.text,
            "articles": summary.articles,
            "citations": summary.citations,
            "updates": summary.updates,
            "counts": {headline.value: n for headline, n in summary.counts},
        },
        "articles": [_article(group, items) for group, items in grouped(chunk)],
    }


def render(digest: Digest) -> list[Message]:
    return pack(
        digest,
        lambda chunk, _first, label: _build(digest, chunk, label),
        within_bytes(MAX_BYTES),
        JSON,
    )
