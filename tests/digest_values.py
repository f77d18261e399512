"""Invented stored verdicts for the digest tests (no real text)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.digest.model import StoredVerdict
from bot.match.verdict import Severity

NOW = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def stored(verdict_id: int, **fields: Any) -> StoredVerdict:
    values: dict[str, Any] = {
        "verdict_id": verdict_id,
        "citation_id": verdict_id,
        "created_at": datetime(2026, 3, 3, 12, 0, tzinfo=UTC),
        "headline": Severity.VERBATIM,
        "quote": f"We will plant {verdict_id} trees in every park",
        "speaker": "Mara Quill",
        "platform": "bluesky",
        "article_url": "https://www.example.net/news/parks",
        "article_title": "Parks plan unveiled",
        "article_published_at": datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
        "original_url": f"https://bsky.app/profile/mara.example/post/{verdict_id}",
    }
    values.update(fields)
    return StoredVerdict(**values)
