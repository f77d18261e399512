"""Read the stored rows of one verdict and build its receipt (impure: the database)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.models import Article, Citation, MatchRow, Original, Source, Speaker
from bot.web.receipt import Receipt, ReceiptRows, build_receipt


def _extracted(article: Article, citation: Citation) -> dict[str, Any] | None:
    """The citation's object in the article's stored ``extract --json`` (embeds, then quotes)."""
    if not article.extracted_json:
        return None
    try:
        data = json.loads(article.extracted_json)
    except ValueError:
        return None
    listed = [*data.get("embeds", []), *data.get("quotes", [])]
    if 0 <= citation.position < len(listed) and isinstance(listed[citation.position], dict):
        found: dict[str, Any] = listed[citation.position]
        return found
    return None


def _speaker(session: Session, original: Original | None) -> Speaker | None:
    if original is None or original.speaker_id is None:
        return None
    return session.get(Speaker, original.speaker_id)


def load_rows(session: Session, verdict_id: int) -> ReceiptRows | None:
    """The rows behind verdict *verdict_id*, or None when there is no such verdict."""
    match = session.get(MatchRow, verdict_id)
    if match is None:
        return None
    citation = session.get(Citation, match.citation_id)
    if citation is None:
        return None
    article = session.get(Article, citation.article_id)
    if article is None:
        return None
    source = session.get(Source, article.source_id) if article.source_id is not None else None
    original = session.get(Original, match.original_id) if match.original_id else None
    also: list[tuple[Original, Speaker | None]] = []
    if match.also_matches_json:
        for other_id in json.loads(match.also_matches_json):
            other = session.get(Original, int(other_id))
            if other is not None:
                also.append((other, _speaker(session, other)))
    newest = session.execute(
        select(func.max(col(MatchRow.id))).where(col(MatchRow.citation_id) == citation.id)
    ).scalar_one()
    newer = session.get(MatchRow, newest) if newest and newest != match.id else None
    return ReceiptRows(
        match=match,
        citation=citation,
        article=article,
        source=source,
        original=original,
        speaker=_speaker(session, original),
        also=tuple(also),
        newer=newer,
        extracted=_extracted(article, citation),
    )


def load_receipt(
    session: Session,
    verdict_id: int,
    *,
    zones: Sequence[str],
    link: Callable[[int], str | None] = lambda _id: None,
) -> Receipt | None:
    rows = load_rows(session, verdict_id)
    return build_receipt(rows, zones=zones, link=link) if rows else None
