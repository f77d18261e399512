"""The read-only view's rows: recent verdicts with their articles, sources with their
health, deliveries waiting or dead (impure: the database; called off the event loop)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlmodel import Session, col

from bot.match.verdict import Severity, headline
from bot.models import Article, Channel, Citation, Delivery, MatchRow, Original, Source, Speaker

PAGE_SIZE = 50
WAITING = ("pending", "sending", "failed", "dead")


@dataclass(frozen=True)
class VerdictLine:
    verdict_id: int
    headline: Severity
    confidence: float
    speaker: str | None
    quote: str
    article_title: str | None
    article_url: str
    source_url: str | None
    published_at: datetime | None
    checked_at: datetime | None


@dataclass(frozen=True)
class VerdictPage:
    lines: tuple[VerdictLine, ...]
    page: int
    has_next: bool


def _headline_is(name: str) -> ColumnElement[bool]:
    """SQL for "the verdict's headline is *name*" (as :func:`bot.match.verdict.headline`)."""
    found = col(MatchRow.relation) != "none"
    mismatch = col(MatchRow.attribution) == "mismatch"
    deleted = col(MatchRow.original_status) == "deleted"
    if name == "misattributed":
        return and_(found, mismatch)
    if name == "altered":
        return and_(col(MatchRow.relation) == "altered", not_(mismatch))
    if name == "deleted":
        return and_(found, col(MatchRow.relation) != "altered", not_(mismatch), deleted)
    if name == "not_found":
        return col(MatchRow.relation) == "none"
    return and_(col(MatchRow.relation) == name, not_(mismatch), not_(deleted))


def recent_verdicts(
    session: Session,
    *,
    verdict: str | None = None,
    speaker: str | None = None,
    source: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> VerdictPage:
    """The newest verdict of each citation, newest article first, filtered and paginated.

    *verdict* is a headline (``altered``); *speaker* and *source* match part of the
    speaker's name (as the article or the original names them) and of the source's URL or
    title, case-insensitively.
    """
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
    )
    if verdict and verdict in {s.value for s in Severity}:
        query = query.where(_headline_is(verdict))
    if speaker:
        like = f"%{speaker.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Citation.speaker)).like(like),
                func.lower(col(Speaker.name)).like(like),
                func.lower(col(Original.author_name)).like(like),
            )
        )
    if source:
        like = f"%{source.lower()}%"
        query = query.where(
            or_(func.lower(col(Source.url)).like(like), func.lower(col(Source.title)).like(like))
        )
    page = max(page, 1)
    query = (
        query.order_by(col(Article.id).desc(), col(Citation.position), col(MatchRow.id))
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    rows = session.execute(query).all()
    lines = []
    for match, citation, article, src, original, speaker_row in rows[:page_size]:
        assert match.id is not None
        named = headline(match.relation, match.attribution, match.original_status)
        lines.append(
            VerdictLine(
                verdict_id=match.id,
                headline=Severity(named),
                confidence=match.confidence,
                speaker=citation.speaker  # as the article names them
                or (speaker_row.name if speaker_row else None)
                or (original.author_name if original else None),
                quote=citation.text or "",
                article_title=article.title,
                article_url=article.url,
                source_url=src.url if src else None,
                published_at=article.published_at,
                checked_at=match.created_at,
            )
        )
    return VerdictPage(tuple(lines), page, len(rows) > page_size)


def sources(session: Session) -> list[Source]:
    """Every source, the failing ones first, then by URL."""
    query = select(Source).order_by(col(Source.failures).desc(), col(Source.url))
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class DeliveryLine:
    delivery_id: int
    channel: str
    kind: str
    status: str
    part: int
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


def deliveries(session: Session, *, limit: int = 200) -> list[DeliveryLine]:
    """Deliveries not sent yet (waiting, retrying) or given up (dead), the dead first."""
    query = (
        select(Delivery, Channel)
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.status).in_(WAITING))
        .order_by((col(Delivery.status) == "dead").desc(), col(Delivery.id).desc())
        .limit(limit)
    )
    lines = []
    for delivery, channel in session.execute(query).all():
        assert delivery.id is not None
        lines.append(
            DeliveryLine(
                delivery_id=delivery.id,
                channel=channel.name,
                kind=channel.kind,
                status=delivery.status,
                part=delivery.part,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_error=delivery.last_error,
            )
        )
    return lines
