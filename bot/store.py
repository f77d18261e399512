"""What the pipeline stores: articles, their citations and the verdicts on them.

The pipeline (``bot/pipeline.py``) sequences the stages; the rows are written here. A verdict
is a new :class:`~bot.models.MatchRow` (the latest one of a citation is the one that
counts); the service's jobs write one only when the verdict changed, so a digest built from
the new rows reports what is new or changed and nothing twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from bot.extract.types import Article, Embed, Quote
from bot.match.verdict import Verdict
from bot.models import Article as ArticleRow
from bot.models import Citation, MatchRow, Original

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resolution:
    """What resolving one citation's permalink came to.

    status: ``done`` (the original is stored, whatever its state), ``pending`` (to try
    again after *retry_after*), ``failed`` (given up), ``skipped`` (nothing to resolve).
    ``None`` as a resolution means it was not tried (``check --no-resolve``).
    """

    status: str
    error: str | None = None
    retry_after: datetime | None = None
    attempts: int = 0


SKIPPED = Resolution("skipped")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ articles


def article_by_key(session: Session, key: str) -> ArticleRow | None:
    return session.exec(select(ArticleRow).where(ArticleRow.canonical_url == key)).first()


def fill_article(
    session: Session, row: ArticleRow, article: Article, *, content_hash: str, now: datetime
) -> int:
    """Write what extraction found onto *row* and mark it processed; returns its id.

    A canonical URL that another article already has is left as it was (the two rows are
    the same article reached by two URLs; the first keeps the key)."""
    canonical = article.canonical_url
    if canonical and canonical != row.canonical_url:
        taken = article_by_key(session, canonical)
        if taken is None or taken.id == row.id:
            row.canonical_url = canonical
    row.url = article.url or row.url
    row.content_hash = content_hash
    row.title = article.title
    row.published_at = parse_iso(article.published_at)
    row.language = article.language
    row.status = "processed"
    row.error = None
    row.next_attempt_at = None
    row.extracted_json = json.dumps(article.to_json(), ensure_ascii=False)
    row.fetched_at = now
    row.processed_at = now
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def holds_lease(session: Session, article_id: int, owner: str) -> bool:
    """Inside a transaction: does *owner* still hold the article's lease? Locks the row on
    PostgreSQL until the transaction ends, so the lease cannot pass to another worker
    between this check and the commit."""
    result = session.execute(
        update(ArticleRow)
        .where(col(ArticleRow.id) == article_id, col(ArticleRow.lease_owner) == owner)
        .values(lease_owner=owner)
    )
    return bool(getattr(result, "rowcount", 0))


def article_failed(
    engine: Engine,
    article_id: int,
    reason: str,
    *,
    owner: str,
    now: datetime,
    retry_at: datetime | None = None,
) -> None:
    """The article could not be processed: with *retry_at* it stays new and is tried again
    then (one more attempt counted); without, it is failed with *reason*."""
    values: dict[str, Any] = {
        "error": reason,
        "lease_owner": None,
        "lease_until": None,
        "fetched_at": now,
    }
    if retry_at is None:
        values.update(status="failed", processed_at=now, next_attempt_at=None)
    else:
        values.update(next_attempt_at=retry_at, attempts=ArticleRow.attempts + 1)
    with Session(engine) as session:
        session.execute(
            update(ArticleRow)
            .where(col(ArticleRow.id) == article_id, col(ArticleRow.lease_owner) == owner)
            .values(**values)
        )
        session.commit()


def stored_article(data: dict[str, Any]) -> Article:
    """The :class:`Article` value back from its stored ``extract --json`` form."""
    return Article(
        **_fields(Article, data, skip=("embeds", "quotes")),
        embeds=tuple(_value(Embed, e) for e in data.get("embeds", ())),
        quotes=tuple(_value(Quote, q) for q in data.get("quotes", ())),
    )


def _fields(cls: type[Any], data: dict[str, Any], skip: Sequence[str] = ()) -> dict[str, Any]:
    return {
        f.name: tuple(data[f.name]) if isinstance(data[f.name], list) else data[f.name]
        for f in dataclasses.fields(cls)
        if f.name in data and f.name not in skip
    }


def _value(cls: type[T], data: dict[str, Any]) -> T:
    return cls(**_fields(cls, data))


# ----------------------------------------------------------------------------- citations


def save_citations(
    session: Session,
    article_id: int,
    verdicts: Sequence[Verdict],
    resolutions: Sequence[Resolution | None],
) -> list[Citation]:
    """One citation row per position of *verdicts* (rows of an earlier check are reused);
    rows past the last position are deleted with their verdicts."""
    existing = {
        c.position: c
        for c in session.exec(select(Citation).where(Citation.article_id == article_id)).all()
    }
    rows: list[Citation] = []
    for position, verdict in enumerate(verdicts):
        citation = existing.pop(position, None) or Citation(
            article_id=article_id, position=position, kind="quote"
        )
        resolution = resolutions[position] if position < len(resolutions) else SKIPPED
        _fill_citation(citation, verdict.citation, resolution)
        session.add(citation)
        rows.append(citation)
    session.flush()
    stale = [c.id for c in existing.values() if c.id is not None]
    if stale:  # the page now has fewer citations than when it was last checked
        session.execute(delete(MatchRow).where(col(MatchRow.citation_id).in_(stale)))
        session.execute(delete(Citation).where(col(Citation.id).in_(stale)))
    return rows


def _fill_citation(citation: Citation, data: dict[str, Any], resolution: Resolution | None) -> None:
    kind = data.get("kind", "quote")
    same_post = citation.kind == kind == "embed" and citation.post_id == data.get("post_id")
    citation.kind = kind
    citation.text = data.get("text")
    if kind == "embed":
        citation.platform = data.get("platform")
        citation.post_id = data.get("post_id")
        citation.url = data.get("url")
        citation.author_name = data.get("author_name")
        citation.author_handle = data.get("author_handle")
        citation.posted_at = parse_iso(data.get("posted_at"))
        if resolution is None and not same_post:
            resolution = Resolution("pending") if citation.post_id else SKIPPED
    else:
        citation.fragments_json = json.dumps(data.get("fragments", []), ensure_ascii=False)
        citation.speaker = data.get("speaker")
        citation.speaker_role = data.get("speaker_role")
        citation.cue = data.get("cue")
        citation.channel = data.get("channel")
        citation.platform_hint = data.get("platform_hint")
        citation.date_hint = data.get("date_hint")
        resolution = SKIPPED
    if resolution is not None:
        set_resolution(citation, resolution)


def set_resolution(citation: Citation, resolution: Resolution) -> None:
    citation.resolve_status = resolution.status
    citation.resolve_error = resolution.error
    citation.resolve_after = resolution.retry_after
    citation.resolve_attempts = resolution.attempts


def citations(session: Session, ids: Iterable[int]) -> list[Citation]:
    return list(
        session.exec(
            select(Citation).where(col(Citation.id).in_(list(ids))).order_by(col(Citation.id))
        ).all()
    )


def release_citation(session: Session, citation: Citation, owner: str) -> None:
    if citation.lease_owner == owner:
        citation.lease_owner = None
        citation.lease_until = None


# ------------------------------------------------------------------------------ verdicts


def originals_watermark(session: Session) -> int:
    """The highest originals id: a citation matched at this mark has seen every original."""
    return int(session.scalar(select(func.max(Original.id))) or 0)


def latest_matches(session: Session, citation_ids: Sequence[int]) -> dict[int, MatchRow]:
    """The latest verdict row of each citation that has one."""
    if not citation_ids:
        return {}
    latest = (
        select(MatchRow.citation_id, func.max(MatchRow.id).label("id"))
        .where(col(MatchRow.citation_id).in_(list(citation_ids)))
        .group_by(col(MatchRow.citation_id))
        .subquery()
    )
    rows = session.exec(select(MatchRow).join(latest, col(MatchRow.id) == latest.c.id)).all()
    return {row.citation_id: row for row in rows}


def same_verdict(row: MatchRow | None, verdict: Verdict) -> bool:
    """Does the stored verdict say what *verdict* says (the same original, the same
    findings)? The confidence and the diff's wording may move a little without it."""
    if row is None:
        return False
    original_id = verdict.original.id if verdict.original else None
    return (
        row.original_id,
        row.relation,
        row.attribution,
        row.original_status,
        row.date_check,
    ) == (
        original_id,
        verdict.relation,
        verdict.attribution,
        verdict.original_status,
        verdict.date_check,
    )


@dataclass(frozen=True, slots=True)
class Recorded:
    """A verdict given to a citation, and the citation's latest verdict before it."""

    citation_id: int
    verdict: Verdict
    previous: MatchRow | None
    written: bool  # False: the verdict had not changed and nothing was written


def record_verdicts(
    session: Session,
    rows: Sequence[Citation],
    verdicts: Sequence[Verdict],
    *,
    now: datetime,
    watermark: int,
    only_changed: bool,
) -> list[Recorded]:
    """Store each verdict on its citation (pairwise): always, or with *only_changed* only a
    verdict that differs from the citation's latest. Each citation is marked matched at
    *watermark* (see :func:`originals_watermark`)."""
    session.flush()
    before = latest_matches(session, [row.id for row in rows if row.id is not None])
    recorded: list[Recorded] = []
    for citation, verdict in zip(rows, verdicts, strict=True):
        assert citation.id is not None
        citation.matched_upto = watermark
        session.add(citation)
        old = before.get(citation.id)
        write = not (only_changed and same_verdict(old, verdict))
        if write:
            session.add(match_row(citation.id, verdict, now))
        recorded.append(Recorded(citation.id, verdict, old, write))
    session.flush()
    return recorded


def rematch_needed(session: Session, platform: str, post_id: str) -> int:
    """Mark for matching again every citation of this original (its embeds, and citations
    whose verdict names it): its text or status changed. Returns how many."""
    original_id = session.scalar(
        select(Original.id).where(Original.platform == platform, Original.post_id == post_id)
    )
    named = select(MatchRow.citation_id).where(col(MatchRow.original_id) == original_id)
    result = session.execute(
        update(Citation)
        .where(
            (col(Citation.platform) == platform) & (col(Citation.post_id) == post_id)
            | col(Citation.id).in_(named)
        )
        .values(matched_upto=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def match_row(citation_id: int, verdict: Verdict, now: datetime) -> MatchRow:
    return MatchRow(
        citation_id=citation_id,
        original_id=verdict.original.id if verdict.original else None,
        relation=verdict.relation,
        attribution=verdict.attribution,
        original_status=verdict.original_status,
        date_check=verdict.date_check,
        confidence=verdict.confidence,
        span_start=verdict.span[0] if verdict.span else None,
        span_end=verdict.span[1] if verdict.span else None,
        diff_json=json.dumps([list(op) for op in verdict.diff], ensure_ascii=False),
        also_matches_json=json.dumps(list(verdict.also_matches)) if verdict.also_matches else None,
        created_at=now,
    )


def latest_verdict_ids(session: Session, article_id: int) -> tuple[int, ...]:
    """The id of the latest verdict of each of the article's citations, in page order."""
    rows = session.execute(
        select(col(Citation.position), func.max(col(MatchRow.id)))
        .join(MatchRow, col(MatchRow.citation_id) == col(Citation.id))
        .where(col(Citation.article_id) == article_id)
        .group_by(col(Citation.position))
        .order_by(col(Citation.position))
    ).all()
    return tuple(int(verdict_id) for _, verdict_id in rows)
