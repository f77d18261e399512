"""Re-check stored articles now (``quotecheck recheck``): read each page again, extract,
resolve its embeds, match, and store what changed.

A verdict that differs from the citation's latest one is stored as a new row (the next
digest shows it as an update); an unchanged verdict writes nothing. A page that cannot be
read again (gone, offline, read from standard input) is matched again from its stored
extraction, so newer originals still count. Stages come from :mod:`bot.pipeline`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from sqlalchemy import Engine, exists, func, or_
from sqlmodel import Session, col, select

from bot import db, store
from bot.config import ConfigError, Settings
from bot.extract.types import Article
from bot.http import FetchError, HostThrottle, afetch
from bot.match.verdict import headline
from bot.models import Article as ArticleRow
from bot.models import Citation, MatchRow
from bot.pipeline import (
    CheckResult,
    Extract,
    extract_in_thread,
    is_url,
    match_article,
    resolve_embeds,
)
from bot.store import Resolution

log = logging.getLogger(__name__)

RECHECKED_STATES = ("processed", "failed")
"""Articles ``--all``, ``--since`` and ``--unresolved`` pick (not those never processed)."""


@dataclass(frozen=True, slots=True)
class Rechecked:
    """One article checked again: its verdicts now, and which of them changed."""

    result: CheckResult
    changed: tuple[bool, ...]  # per verdict: a new verdict row was written
    previous: tuple[str | None, ...]  # per verdict: the headline before (None: none before)
    note: str | None = None  # why the stored extraction was used, when it was

    @property
    def changes(self) -> list[tuple[int, str | None, str]]:
        """(position on the page from 1, headline before, headline now) of each change."""
        return [
            (n, before, verdict.headline)
            for n, (verdict, changed, before) in enumerate(
                zip(self.result.verdicts, self.changed, self.previous, strict=True), 1
            )
            if changed
        ]

    def to_json(self) -> dict[str, Any]:
        """``check --json``'s object; each result also says whether it ``changed`` and what
        it ``was`` (added keys beside the contract's)."""
        data = self.result.to_json()
        for result, changed, before in zip(
            data["results"], self.changed, self.previous, strict=True
        ):
            result["changed"] = changed
            result["was"] = before
        return data


class RecheckError(Exception):
    """An article could not be checked again; the message names it and says why."""


# ------------------------------------------------------------------------------ choosing


def _by_reference(session: Session, reference: str) -> int | None:
    text = reference.strip()
    if text.isdigit():
        row = session.get(ArticleRow, int(text))
        return row.id if row else None
    found = session.exec(
        select(ArticleRow.id)
        .where(or_(col(ArticleRow.url) == text, col(ArticleRow.canonical_url) == text))
        .order_by(col(ArticleRow.id))
    ).first()
    return found


def _unresolved() -> Any:
    """An article with a citation that has no original yet, or whose permalink is still
    to be resolved or could not be."""
    latest = (
        select(func.max(MatchRow.id))
        .where(col(MatchRow.citation_id) == col(Citation.id))
        .correlate(Citation)
        .scalar_subquery()
    )
    no_original = exists().where(col(MatchRow.id) == latest, col(MatchRow.original_id).is_(None))
    return exists().where(
        col(Citation.article_id) == col(ArticleRow.id),
        or_(col(Citation.resolve_status).in_(("pending", "failed")), no_original),
    )


def choose_articles(
    engine: Engine,
    references: Sequence[str],
    *,
    everything: bool = False,
    since: timedelta | None = None,
    unresolved: bool = False,
    now: datetime,
) -> list[int]:
    """The ids of the articles to check again, in id order: those named (an id, a URL the
    article was fetched from or its canonical URL), and with
    *everything*, *since* or *unresolved* the processed or failed articles they pick
    (*since* and *unresolved* together: both must hold). Raises ConfigError for a
    reference that names no stored article, or when nothing at all is asked for."""
    if not references and not (everything or since is not None or unresolved):
        raise ConfigError(
            "name the articles to re-check (an ID or URL), or use --all, --since or --unresolved"
        )
    ids: set[int] = set()
    with Session(engine) as session:
        for reference in references:
            found = _by_reference(session, reference)
            if found is None:
                raise ConfigError(
                    f"no stored article {reference!r}; `quotecheck check {reference}` checks "
                    "a new one"
                )
            ids.add(found)
        if everything or since is not None or unresolved:
            query = select(ArticleRow.id).where(col(ArticleRow.status).in_(RECHECKED_STATES))
            if since is not None:
                query = query.where(col(ArticleRow.processed_at) >= now - since)
            if unresolved:
                query = query.where(_unresolved())
            ids.update(i for i in session.exec(query).all() if i is not None)
    return sorted(ids)


# ------------------------------------------------------------------------------ checking


@dataclass(frozen=True, slots=True)
class _Page:
    content: bytes | None  # None: not read again (the stored extraction is used)
    url: str | None
    content_type: str | None
    note: str | None = None


def _stored_row(engine: Engine, article_id: int) -> ArticleRow:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(ArticleRow, article_id)
    if row is None:
        raise RecheckError(f"article {article_id}: not stored (removed meanwhile?)")
    return row


def _local_file(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


async def _read_again(
    client: httpx.AsyncClient, row: ArticleRow, throttle: HostThrottle | None
) -> _Page:
    """The page as it is now; when it cannot be read, why (the stored extraction is used)."""
    for url in dict.fromkeys((row.url, row.canonical_url)):
        if is_url(url):
            try:
                fetched = await afetch(client, url, throttle=throttle)
            except FetchError as exc:
                return _Page(None, None, None, f"could not fetch {url} again ({exc.reason})")
            return _Page(fetched.content, fetched.url, fetched.headers.get("content-type"))
        path = _local_file(url)
        if path is not None:
            try:
                return _Page(await asyncio.to_thread(path.read_bytes), None, None)
            except OSError as exc:
                return _Page(None, None, None, f"could not read {path} again ({exc.strerror})")
    return _Page(None, None, None, "the page was read from standard input")


def _stored_extraction(row: ArticleRow) -> Article | None:
    if not row.extracted_json:
        return None
    return store.stored_article(json.loads(row.extracted_json))


def _save(
    engine: Engine,
    article_id: int,
    *,
    article: Article,
    content: bytes | None,
    resolutions: Sequence[Resolution | None],
    settings: Settings,
    now: datetime,
) -> tuple[CheckResult, list[store.Recorded]]:
    with db.session_scope(engine) as session:
        row = session.get(ArticleRow, article_id)
        if row is None:
            raise RecheckError(f"article {article_id}: not stored (removed meanwhile?)")
        watermark = store.originals_watermark(session)
        verdicts = match_article(session, article, settings=settings)
        if content is not None:
            digest = hashlib.sha256(content).hexdigest()
            store.fill_article(session, row, article, content_hash=digest, now=now)
        embeds = len(article.embeds)
        states = list(resolutions) + [None] * (embeds - len(resolutions))
        rows = store.save_citations(session, article_id, verdicts, states[:embeds])
        recorded = store.record_verdicts(
            session, rows, verdicts, now=now, watermark=watermark, only_changed=True
        )
        verdict_ids = store.latest_verdict_ids(session, article_id)
    result = CheckResult(row.url, article, verdicts, article_id, verdict_ids)
    return result, recorded


def _headline_of(row: MatchRow | None) -> str | None:
    if row is None:
        return None
    return headline(row.relation, row.attribution, row.original_status)  # type: ignore[arg-type]


async def recheck_article(
    engine: Engine,
    client: httpx.AsyncClient,
    article_id: int,
    *,
    settings: Settings,
    now: datetime,
    resolve: bool = True,
    fetch: bool = True,
    extract: Extract = extract_in_thread,
    throttle: HostThrottle | None = None,
) -> Rechecked:
    """Check one stored article again now (see the module's docstring)."""
    row = await asyncio.to_thread(_stored_row, engine, article_id)
    page = (
        await _read_again(client, row, throttle)
        if fetch
        else _Page(None, None, None, "not fetched (--no-fetch)")
    )
    if page.content is not None:
        article = await extract(page.content, page.url, page.content_type)
        for problem in article.errors:
            log.info("article %s: %s", article_id, problem)
    else:
        stored = _stored_extraction(row)
        if stored is None:
            raise RecheckError(f"article {article_id} ({row.url}): {page.note}, nothing stored")
        article = stored
    resolutions: list[Resolution | None] = []
    if resolve and article.embeds:
        resolutions.extend(
            await resolve_embeds(engine, client, article.embeds, settings=settings, now=now)
        )
    result, recorded = await asyncio.to_thread(
        _save,
        engine,
        article_id,
        article=article,
        content=page.content,
        resolutions=resolutions,
        settings=settings,
        now=now,
    )
    return Rechecked(
        result,
        changed=tuple(r.written for r in recorded),
        previous=tuple(_headline_of(r.previous) for r in recorded),
        note=page.note,
    )
