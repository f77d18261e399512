"""The tables of quotecheck (SQLModel). Schema changes go through Alembic migrations.

Every timestamp is stored as UTC and read back as an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(nullable: bool = True, index: bool = False) -> Any:
    """A UTC timestamp column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def text_column(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=Text, nullable=nullable)


class Leased(SQLModel):
    """Columns of a work item that one worker claims for a while (see db.claim_due)."""

    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = ts(index=True)


class Source(Leased, table=True):
    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2048, unique=True)
    kind: str = Field(default="feed", max_length=16)  # feed|sitemap|page|statements
    every_seconds: int = Field(default=900, ge=0)
    etag: str | None = Field(default=None, max_length=512)
    last_modified: str | None = Field(default=None, max_length=128)
    next_poll_at: datetime | None = ts(index=True)
    last_polled_at: datetime | None = ts()
    failures: int = Field(default=0)  # failed polls in a row (0 after a good one)
    last_error: str | None = text_column()
    created_at: datetime | None = ts()
    title: str | None = text_column()  # the feed's or page's own title
    last_ok_at: datetime | None = ts()  # last good poll; None: the first poll is still to come
    robots: bool = Field(default=True)  # honour robots.txt for this source's article pages


class Article(Leased, table=True):
    """An article page; ``guid`` and ``item_hash`` are the item that announced it (see
    bot/sources/store.py: deduplicated by guid, then canonical URL, then content hash)."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("source_id", "guid"),
        UniqueConstraint("source_id", "item_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(default=None, foreign_key="sources.id", index=True)
    url: str = Field(max_length=2048)
    canonical_url: str = Field(max_length=2048, unique=True)
    content_hash: str | None = Field(default=None, max_length=64, index=True)
    title: str | None = text_column()
    published_at: datetime | None = ts()
    language: str | None = Field(default=None, max_length=16)
    status: str = Field(default="new", max_length=16, index=True)
    # new|processed|failed; recorded: seen on a source's first poll, never processed
    error: str | None = text_column()
    attempts: int = Field(default=0)  # fetches that failed in a way worth trying again
    next_attempt_at: datetime | None = ts()
    extracted_json: str | None = text_column()  # the Article value, as `extract --json`
    fetched_at: datetime | None = ts()
    processed_at: datetime | None = ts()
    guid: str | None = Field(default=None, max_length=512)  # the feed item's id, if any
    item_hash: str | None = Field(default=None, max_length=64)  # the item's title + summary
    seen_at: datetime | None = ts()  # when a poll first saw the item


class SourceAlert(SQLModel, table=True):
    """A note for the chat channels about a source: failing N polls in a row, or working
    again. Queued by bot/sources/poll.py; sent (and ``sent_at`` set) by the digest side.
    ``source_id`` has no foreign key: a removed source's notes stay readable."""

    __tablename__ = "source_alerts"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(index=True)
    source_url: str = Field(max_length=2048)
    kind: str = Field(max_length=16)  # failing|recovered
    failures: int = Field(default=0)
    message: str = text_column(nullable=False)
    created_at: datetime | None = ts()
    sent_at: datetime | None = ts(index=True)


class Citation(Leased, table=True):
    """A quote or an embed of an article; a work item of the resolve and re-match jobs."""

    __tablename__ = "citations"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", index=True)
    position: int = Field(default=0)
    kind: str = Field(max_length=8)  # embed|quote
    platform: str | None = Field(default=None, max_length=32)
    post_id: str | None = Field(default=None, max_length=128, index=True)
    url: str | None = Field(default=None, max_length=2048)
    text: str | None = text_column()
    fragments_json: str | None = text_column()
    speaker: str | None = Field(default=None, max_length=256)
    speaker_role: str | None = Field(default=None, max_length=256)
    cue: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=16)
    platform_hint: str | None = Field(default=None, max_length=32)
    date_hint: str | None = Field(default=None, max_length=10)
    author_name: str | None = Field(default=None, max_length=256)
    author_handle: str | None = Field(default=None, max_length=256)
    posted_at: datetime | None = ts()
    # pending (to resolve, again after resolve_after) | done | failed (gave up) | skipped
    # (nothing to resolve: a quote, an embed without a post id or a resolver)
    resolve_status: str = Field(default="pending", max_length=16)
    resolve_attempts: int = Field(default=0)
    resolve_after: datetime | None = ts()
    resolve_error: str | None = text_column()
    # the highest originals id when this citation was last matched: newer originals mean
    # it is matched again (see bot.pipeline.rematch_citations)
    matched_upto: int | None = Field(default=None, index=True)


class Speaker(SQLModel, table=True):
    __tablename__ = "speakers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=256, unique=True)
    role: str | None = Field(default=None, max_length=256)
    created_at: datetime | None = ts()


class SpeakerAlias(SQLModel, table=True):
    __tablename__ = "speaker_aliases"
    __table_args__ = (UniqueConstraint("speaker_id", "alias"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speakers.id", index=True)
    alias: str = Field(max_length=256, index=True)  # stored folded: lower case, single spaces


class SpeakerHandle(SQLModel, table=True):
    __tablename__ = "speaker_handles"
    __table_args__ = (UniqueConstraint("platform", "handle"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speakers.id", index=True)
    platform: str = Field(max_length=32)
    handle: str = Field(max_length=256)  # stored lower case, without "@"


class Original(SQLModel, table=True):
    """A post, statement, transcript, or a passage of a transcript (kind passage, parent_id)."""

    __tablename__ = "originals"
    # No index on posted_at or (author_handle, posted_at): nothing queries them and an import
    # fills them in random order (dropped in migration 0003).
    __table_args__ = (UniqueConstraint("platform", "post_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32)  # twitter, bluesky, …, whitehouse, statement feed host
    post_id: str = Field(max_length=256)
    url: str | None = Field(default=None, max_length=2048)
    author_name: str | None = Field(default=None, max_length=256)
    author_handle: str | None = Field(default=None, max_length=256)
    speaker_id: int | None = Field(default=None, foreign_key="speakers.id", index=True)
    posted_at: datetime | None = ts()
    title: str | None = text_column()
    text: str = text_column(nullable=False)
    kind: str = Field(default="post", max_length=16)  # post|statement|transcript|passage
    status: str = Field(default="live", max_length=16)  # live|deleted|protected|unavailable|unknown
    is_retweet: bool = Field(default=False)
    parent_id: int | None = Field(default=None, foreign_key="originals.id", index=True)
    position: int | None = Field(default=None)
    content_hash: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = ts()
    created_at: datetime | None = ts()
    updated_at: datetime | None = ts()


class OriginalRevision(SQLModel, table=True):
    """An earlier text of an original, kept when an import or a resolve changes it."""

    __tablename__ = "original_revisions"

    id: int | None = Field(default=None, primary_key=True)
    original_id: int = Field(foreign_key="originals.id", index=True)
    text: str = text_column(nullable=False)
    status: str | None = Field(default=None, max_length=16)
    replaced_at: datetime | None = ts()


class MatchRow(SQLModel, table=True):
    """The verdict on one citation (the latest one is the one that counts)."""

    __tablename__ = "matches"

    id: int | None = Field(default=None, primary_key=True)
    citation_id: int = Field(foreign_key="citations.id", index=True)
    original_id: int | None = Field(default=None, foreign_key="originals.id", index=True)
    relation: str = Field(max_length=16)
    attribution: str = Field(max_length=16)
    original_status: str = Field(max_length=16)
    date_check: str = Field(max_length=16)
    confidence: float = Field(default=0.0)
    span_start: int | None = Field(default=None)
    span_end: int | None = Field(default=None)
    diff_json: str | None = text_column()
    also_matches_json: str | None = text_column()  # ids of other originals that fit as well
    created_at: datetime | None = ts(index=True)


class AppSecret(SQLModel, table=True):
    """A secret the bot generated once and keeps (the receipt links' key when none is set)."""

    __tablename__ = "app_secrets"

    name: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=128)
    created_at: datetime | None = ts()


class Channel(SQLModel, table=True):
    __tablename__ = "channels"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=2048)
    schedule: str = Field(default="0 8 * * *", max_length=128)
    min_severity: str = Field(default="verbatim", max_length=16)
    # optional filters, comma-separated (empty: everything): speakers' names, sources (a
    # source URL or an outlet's host name), platforms of the original
    speakers: str | None = text_column()
    sources: str | None = text_column()
    platforms: str | None = text_column()
    last_digest_at: datetime | None = ts()
    created_at: datetime | None = ts()


class Digest(SQLModel, table=True):
    __tablename__ = "digests"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id", index=True)
    period_start: datetime | None = ts()
    period_end: datetime | None = ts()
    content_json: str | None = text_column()
    created_at: datetime | None = ts()


class PostedCitation(SQLModel, table=True):
    """What a channel was sent about one citation: the verdict, its headline and the
    delivery that carried it (a verdict is posted to a channel at most once)."""

    __tablename__ = "posted"
    __table_args__ = (UniqueConstraint("channel_id", "verdict_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id", index=True)
    citation_id: int = Field(foreign_key="citations.id", index=True)
    verdict_id: int = Field(foreign_key="matches.id")
    headline: str = Field(max_length=16)
    digest_id: int = Field(foreign_key="digests.id", index=True)
    part: int = Field(default=1)  # the digest part (delivery) that carries it
    created_at: datetime | None = ts()


class Delivery(Leased, table=True):
    """The outbox: one part of a digest to send to one channel."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("digest_id", "part"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digests.id", index=True)
    channel_id: int = Field(foreign_key="channels.id", index=True)
    part: int = Field(default=0)
    payload_json: str = text_column(nullable=False)
    status: str = Field(default="pending", max_length=16, index=True)
    # pending → sending → sent | failed (retried) → dead (see bot/deliver.py)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = ts(index=True)
    last_error: str | None = text_column()
    sent_at: datetime | None = ts()
    attempted_at: datetime | None = ts()
    message_ref: str | None = Field(default=None, max_length=512)  # the platform's message id
    idempotency_key: str | None = Field(default=None, max_length=64)  # Matrix txnId, requestId


class MatchDoc(SQLModel, table=True):
    """An original in the search index, with the shingles stored for it (see bot.match.index)."""

    __tablename__ = "match_docs"

    original_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("originals.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    shingles: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # int64 array


class MatchShingle(SQLModel, table=True):
    """Posting list of the search index: which originals contain a hashed word shingle."""

    __tablename__ = "match_shingles"
    __table_args__ = {"sqlite_with_rowid": False}

    shingle: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    original_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class JobRun(SQLModel, table=True):
    """The last run of one scheduler job in one replica (see bot/scheduler.py)."""

    __tablename__ = "job_runs"

    job: str = Field(max_length=32, primary_key=True)
    owner: str = Field(max_length=64, primary_key=True)  # the replica, host:pid
    started_at: datetime | None = ts()
    ended_at: datetime | None = ts()  # None while it runs (or if the replica died in it)
    outcome: str | None = Field(default=None, max_length=16)  # running | ok | error
    error: str | None = text_column()
    summary_json: str | None = text_column()
    last_ok_at: datetime | None = ts()


class Replica(SQLModel, table=True):
    """A running `quotecheck run` process and its heartbeat."""

    __tablename__ = "replicas"

    owner: str = Field(max_length=64, primary_key=True)
    host: str = Field(max_length=255)
    pid: int = Field(default=0)
    started_at: datetime | None = ts()
    beat_at: datetime | None = ts()
    beat_seconds: int = Field(default=30)  # the heartbeat interval it promised
    stopped_at: datetime | None = ts()  # set when it exits cleanly
