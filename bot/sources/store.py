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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update
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


def _find(connection: Connection, source_id: int, item: Item) -> tuple[str, Any] | None:
    """(how it was found, row) for an item already stored, or None."""
    c = ARTICLES.c
    columns = (c.id, c.source_id, c.guid, c.item_hash)
    if item.guid:
        row = connection.execute(
            select(*columns).where(c.source_id == source_id, c.guid == item.guid)
        ).first()
        if row is not None:
            return "guid", row
    row = connection.execute(select(*columns).where(c.canonical_url == item.canonical_url)).first()
    if row is not None:
        return "url", row
    if item.content_hash:
        row = connection.execute(
            select(*columns).where(c.source_id == source_id, c.item_hash == item.content_hash)
        ).first()
        if row is not None:
            return "hash", row
    return None


def known(connection: Connection, source_id: int, item: Item) -> bool:
    """Whether *item* is stored already (what ``sources test`` calls "seen")."""
    return _find(connection, source_id, item) is not None


def store_items(
    engine: Engine, source_id: int, items: Iterable[Item], *, status: str, now: datetime
) -> Stored:
    """Insert the items not stored yet as articles with *status* (``new`` or ``recorded``)."""
    result = Stored()
    c = ARTICLES.c
    with engine.begin() as connection:
        for item in items:
            found = _find(connection, source_id, item)
            if found is None:
                inserted = connection.execute(
                    _insert(connection)
                    .values(
                        source_id=source_id,
                        url=item.url[:2048],
                        canonical_url=item.canonical_url[:2048],
                        guid=item.guid,
                        item_hash=item.content_hash,
                        title=item.title,
                        published_at=item.date,
                        status=status,
                        seen_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(c.id)  # rowcount is -1 here on psycopg: read the id instead
                )
                if inserted.first() is not None:
                    result.new += 1
                else:
                    result.seen += 1  # another poller stored it a moment ago
                continue
            how, row = found
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
    return result


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
