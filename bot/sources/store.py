"""Storing what a poll found: new articles once, and the alerts about failing sources.

Deduplication, in this order: the item's guid on its source, then the canonical URL (on any
source), then the content hash of title and summary on its source. Three unique keys in the
database — ``(source_id, guid)``, ``canonical_url``, ``(source_id, item_hash)`` — back the
checks up, and rows are inserted with ``ON CONFLICT DO NOTHING``: two replicas polling at once
insert an article once, and the one that loses the race counts it as seen.

An item seen again with another title or summary (an edit) is not a new article: its row
keeps its status and gets the new hash. A feed that changes an item's guid but not its link
gets the new guid written on the row it already has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, false, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.models import Article, SourceAlert
from bot.sources.items import Item

ARTICLES: Any = Article.__table__  # type: ignore[attr-defined]
ALERTS: Any = SourceAlert.__table__  # type: ignore[attr-defined]


@dataclass
class Stored:
    new: int = 0  # inserted as new (or recorded, on a first poll)
    edited: int = 0  # known items whose title or summary changed
    seen: int = 0  # known items, unchanged


def _insert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(ARTICLES)


def known(connection: Connection, source_id: int, item: Item) -> bool:
    """Whether *item* is stored already (what ``sources test`` calls "seen")."""
    return _known_rows(connection, source_id, [item]).find(item) is not None


def _known_rows(connection: Connection, source_id: int, items: list[Item]) -> _Known:
    """The stored rows any of *items* could be, in one query (by guid, URL or hash)."""
    c = ARTICLES.c
    guids = {item.guid for item in items if item.guid}
    urls = {item.canonical_url for item in items}
    hashes = {item.content_hash for item in items if item.content_hash}
    known = _Known()
    if not items:
        return known
    mine = c.source_id == source_id
    rows = connection.execute(
        select(c.id, c.source_id, c.guid, c.item_hash, c.canonical_url).where(
            or_(
                and_(mine, c.guid.in_(guids)) if guids else false(),
                c.canonical_url.in_(urls),
                and_(mine, c.item_hash.in_(hashes)) if hashes else false(),
            )
        )
    ).all()
    for row in rows:
        known.add(row, source_id)
    return known


@dataclass
class _Known:
    """Stored rows by the three keys of deduplication (guid and hash on this source)."""

    guid: dict[str, Any] = field(default_factory=dict)
    url: dict[str, Any] = field(default_factory=dict)
    hash: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Any, source_id: int) -> None:
        self.url.setdefault(row.canonical_url, row)
        if row.source_id == source_id:
            if row.guid:
                self.guid.setdefault(row.guid, row)
            if row.item_hash:
                self.hash.setdefault(row.item_hash, row)

    def find(self, item: Item) -> tuple[str, Any] | None:
        """(how it was found, row), in the order guid, canonical URL, content hash."""
        if item.guid and item.guid in self.guid:
            return "guid", self.guid[item.guid]
        if item.canonical_url in self.url:
            return "url", self.url[item.canonical_url]
        if item.content_hash and item.content_hash in self.hash:
            return "hash", self.hash[item.content_hash]
        return None


def store_items(
    engine: Engine, source_id: int, items: Iterable[Item], *, status: str, now: datetime
) -> Stored:
    """Insert the items not stored yet as articles with *status* (``new`` or ``recorded``):
    one query finds the stored ones, one statement inserts the rest."""
    result = Stored()
    items = list(items)
    c = ARTICLES.c
    with engine.begin() as connection:
        known = _known_rows(connection, source_id, items)
        fresh: list[dict[str, Any]] = []
        for item in items:
            found = known.find(item)
            if found is None:
                fresh.append(
                    {
                        "source_id": source_id,
                        "url": item.url[:2048],
                        "canonical_url": item.canonical_url[:2048],
                        "guid": item.guid,
                        "item_hash": item.content_hash,
                        "title": item.title,
                        "published_at": item.date,
                        "status": status,
                        "seen_at": now,
                    }
                )
                # a second item of this poll with one of its keys is the same article
                known.add(
                    _Pending(item.canonical_url, source_id, item.guid, item.content_hash), source_id
                )
                continue
            how, row = found
            if isinstance(row, _Pending):
                result.seen += 1
                continue
            changes: dict[str, Any] = {}
            if row.source_id == source_id:
                if item.guid and row.guid != item.guid and how != "guid":
                    changes["guid"] = item.guid  # the feed changed its guids, not its links
                if item.content_hash and row.item_hash != item.content_hash:
                    changes["item_hash"] = item.content_hash
            if "item_hash" in changes and row.item_hash is not None:
                result.edited += 1
            else:
                result.seen += 1
            if changes:
                _update_quietly(connection, row.id, source_id, changes)
        if fresh:
            # rowcount is -1 here on psycopg: count the returned ids instead
            inserted = connection.execute(
                _insert(connection).on_conflict_do_nothing().returning(c.id), fresh
            ).all()
            result.new += len(inserted)
            result.seen += len(fresh) - len(inserted)  # another poller stored them just now
    return result


@dataclass(frozen=True)
class _Pending:
    """An item of this poll about to be inserted (a duplicate later in the poll is seen)."""

    canonical_url: str
    source_id: int
    guid: str | None
    item_hash: str | None


def _update_quietly(
    connection: Connection, article_id: int, source_id: int, changes: dict[str, Any]
) -> None:
    """Write the new guid/hash unless another row of the source holds it already."""
    c = ARTICLES.c
    for name, value in changes.items():
        taken = connection.execute(
            select(c.id).where(c.source_id == source_id, c[name] == value, c.id != article_id)
        ).first()
        if taken is None:
            connection.execute(update(ARTICLES).where(c.id == article_id).values({name: value}))


# ------------------------------------------------------------------------------ alerts


@dataclass(frozen=True)
class Alert:
    id: int
    source_id: int
    source_url: str
    kind: str  # failing|recovered
    failures: int
    message: str
    created_at: datetime


def queue_alert(
    connection: Connection,
    *,
    source_id: int,
    source_url: str,
    kind: str,
    failures: int,
    message: str,
    now: datetime,
) -> None:
    connection.execute(
        ALERTS.insert().values(
            source_id=source_id,
            source_url=source_url,
            kind=kind,
            failures=failures,
            message=message,
            created_at=now,
        )
    )


def pending_alerts(engine: Engine) -> list[Alert]:
    """Alerts not sent yet, oldest first (the digest side sends them, then
    :func:`mark_alerts_sent`)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(ALERTS).where(ALERTS.c.sent_at.is_(None)).order_by(ALERTS.c.id)
        ).all()
    return [
        Alert(
            id=row.id,
            source_id=row.source_id,
            source_url=row.source_url,
            kind=row.kind,
            failures=row.failures,
            message=row.message,
            created_at=row.created_at,
        )
        for row in rows
    ]


def mark_alerts_sent(engine: Engine, ids: Iterable[int], *, now: datetime) -> int:
    """Mark these alerts sent (only those not marked yet); returns how many were marked."""
    ids = list(ids)
    if not ids:
        return 0
    with engine.begin() as connection:
        done = connection.execute(
            update(ALERTS)
            .where(and_(ALERTS.c.id.in_(ids), ALERTS.c.sent_at.is_(None)))
            .values(sent_at=now)
        )
    return int(done.rowcount or 0)
