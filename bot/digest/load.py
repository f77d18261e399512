"""Read stored verdicts back for a digest (impure: the database; not part of the pure core).

A thin stand-in until the match core reads verdicts back itself: the latest ``matches`` row
of each citation, with its article, source, original and the original's speaker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot.digest.model import StoredVerdict
from bot.match.verdict import Severity, headline
from bot.models import Article, Citation, MatchRow, Original, Source, Speaker


def load_verdicts(
    session: Session,
    since: datetime | None = None,
    *,
    receipt_url: Callable[[int], str | None] | None = None,
) -> list[StoredVerdict]:
    """The latest verdict of every citation (made at or after *since*, when given), each
    with its receipt's URL when *receipt_url* is given (``bot.web.links.receipt_links``)."""
    latest = (
        select(func.max(col(MatchRow.id)).label("id"))
        .group_by(col(MatchRow.citation_id))
        .subquery()
    )
    query = (
        select(MatchRow, Citation, Article, Source, Original, Speaker)
        .join(latest, col(MatchRow.id) == latest.c.id)
        .join(Citation, col(Citation.id) == col(MatchRow.citation_id))
        .join(Article, col(Article.id) == col(Citation.article_id))
        .outerjoin(Source, col(Source.id) == col(Article.source_id))
        .outerjoin(Original, col(Original.id) == col(MatchRow.original_id))
        .outerjoin(Speaker, col(Speaker.id) == col(Original.speaker_id))
        .order_by(col(MatchRow.id))
    )
    if since is not None:
        query = query.where(col(MatchRow.created_at) >= since)
    found = [_stored(*row) for row in session.execute(query).all()]
    if receipt_url is None:
        return found
    return [replace(v, receipt_url=receipt_url(v.verdict_id)) for v in found]


def _stored(
    match: MatchRow,
    citation: Citation,
    article: Article,
    source: Source | None,
    original: Original | None,
    speaker: Speaker | None,
) -> StoredVerdict:
    assert match.id is not None and citation.id is not None
    named = headline(match.relation, match.attribution, match.original_status)  # type: ignore[arg-type]
    author = citation.author_name or (
        f"@{citation.author_handle}" if citation.author_handle else None
    )
    original_author = None
    if original is not None:
        original_author = (
            (speaker.name if speaker else None)
            or original.author_name
            or (f"@{original.author_handle}" if original.author_handle else None)
        )
    diff = json.loads(match.diff_json) if match.diff_json else []
    return StoredVerdict(
        verdict_id=match.id,
        citation_id=citation.id,
        created_at=match.created_at or article.processed_at or datetime.min.replace(tzinfo=UTC),
        headline=Severity(named),
        quote=citation.text or "",
        speaker=citation.speaker or author,
        platform=(original.platform if original else None)
        or citation.platform
        or citation.platform_hint,
        article_url=article.canonical_url,
        article_title=article.title,
        article_published_at=article.published_at,
        source_url=source.url if source else None,
        diff=tuple((str(op), str(words)) for op, words in diff),
        original_speaker=original_author,
        original_url=original.url if original else None,
    )
