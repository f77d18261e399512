"""What the admin commands do: add, list and remove sources and channels, and the status
report. The CLI parses and prints; these functions validate, touch the database and return
plain values. Invalid input raises :class:`bot.config.ConfigError` with a message that says
what to fix (the CLI turns it into exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from bot.config import CHANNEL_KINDS, ConfigError, check_schedule, parse_duration
from bot.db import session_scope
from bot.digests import split_list
from bot.match.verdict import SEVERITIES
from bot.models import Article, Channel, Citation, Delivery, Digest, PostedCitation, Source

SOURCE_KINDS = ("feed", "sitemap", "page", "statements")
ARTICLE_STATUSES = ("new", "processed", "failed")


def check_url(url: str, *, what: str = "URL") -> str:
    """*url* stripped, if it is an absolute http(s) URL with a host; else ConfigError."""
    url = url.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{what} {url!r} is not an http:// or https:// URL")
    return url


def check_channel_url(kind: str, url: str, *, what: str = "URL") -> str:
    """A channel's URL: an Apprise URL for ``apprise`` (any scheme Apprise knows), else an
    http(s) webhook URL; ConfigError otherwise."""
    if kind != "apprise":
        return check_url(url, what=what)
    from bot import notify_apprise

    url = url.strip()
    problem = notify_apprise.check(url)
    if problem:
        raise ConfigError(f"{what}: {problem}")
    return url


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise ConfigError(f"{option} {value!r} is not one of: {', '.join(choices)}")
    return value


def format_every(seconds: int) -> str:
    """900 → "15m", 7200 → "2h", 90 → "90s": the largest unit that divides evenly."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceInfo:
    id: int
    url: str
    kind: str
    every_seconds: int
    next_poll_at: datetime | None
    last_polled_at: datetime | None
    failures: int
    last_error: str | None
    last_ok_at: datetime | None = None
    title: str | None = None
    robots: bool = True  # robots.txt honoured for its article pages

    @classmethod
    def of(cls, row: Source) -> SourceInfo:
        assert row.id is not None
        return cls(
            id=row.id,
            url=row.url,
            kind=row.kind,
            every_seconds=row.every_seconds,
            next_poll_at=row.next_poll_at,
            last_polled_at=row.last_polled_at,
            failures=row.failures,
            last_error=row.last_error,
            last_ok_at=row.last_ok_at,
            title=row.title,
            robots=row.robots,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("next_poll_at", "last_polled_at", "last_ok_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def check_every(every: str | timedelta) -> int:
    """The poll interval *every* in seconds, if it parses and is at least a minute."""
    try:
        seconds = round(parse_duration(every).total_seconds())
    except ValueError as exc:
        raise ConfigError(f"--every: {exc}") from None
    if seconds < 60:
        raise ConfigError(f"--every {every!r} is too short; poll at most once a minute (1m)")
    return seconds


def check_new_source(engine: Engine, url: str) -> None:
    """ConfigError if *url* is watched already (checked before a kind is detected)."""
    with Session(engine) as session:
        existing = session.exec(select(Source).where(col(Source.url) == url)).first()
    if existing is not None:
        raise ConfigError(
            f"source {url} already exists (id {existing.id}); "
            "remove it first to change its kind or interval"
        )


def add_source(
    engine: Engine,
    url: str,
    *,
    kind: str,
    every: str | timedelta,
    now: datetime,
    robots: bool = True,
) -> SourceInfo:
    """Add a source to watch, due for its first poll at *now*."""
    url = check_url(url)
    check_choice(kind, SOURCE_KINDS, "--kind")
    seconds = check_every(every)
    with session_scope(engine) as session:
        existing = session.exec(select(Source).where(col(Source.url) == url)).first()
        if existing is not None:
            raise ConfigError(
                f"source {url} already exists (id {existing.id}); "
                "remove it first to change its kind or interval"
            )
        row = Source(
            url=url,
            kind=kind,
            every_seconds=seconds,
            next_poll_at=now,
            created_at=now,
            robots=robots,
        )
        session.add(row)
        session.flush()
        return SourceInfo.of(row)


def list_sources(engine: Engine) -> list[SourceInfo]:
    with Session(engine) as session:
        rows = session.exec(select(Source).order_by(col(Source.id))).all()
        return [SourceInfo.of(row) for row in rows]


def remove_source(engine: Engine, url_or_id: str) -> SourceInfo:
    """Remove a source by id or URL; its articles stay, detached from it."""
    key = url_or_id.strip()
    with session_scope(engine) as session:
        if key.isdigit():
            row = session.get(Source, int(key))
        else:
            row = session.exec(select(Source).where(col(Source.url) == key)).first()
        if row is None:
            raise ConfigError(f"no source {key!r}; see `quotecheck sources list` for ids and URLs")
        info = SourceInfo.of(row)
        session.execute(
            update(Article).where(col(Article.source_id) == row.id).values(source_id=None)
        )
        session.delete(row)
        return info


# --------------------------------------------------------------------------- channels


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    name: str
    kind: str
    url: str  # masked: scheme and host only, webhook URLs carry secrets
    schedule: str
    min_severity: str
    last_digest_at: datetime | None
    speakers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Channel) -> ChannelInfo:
        assert row.id is not None
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            url=mask_url(row.url),
            schedule=row.schedule,
            min_severity=row.min_severity,
            last_digest_at=row.last_digest_at,
            speakers=split_list(row.speakers),
            sources=split_list(row.sources),
            platforms=split_list(row.platforms),
        )

    @property
    def filters(self) -> str:
        """``speakers: A, B; platforms: twitter`` (empty: no filter)."""
        parts = [
            f"{label}: {', '.join(values)}"
            for label, values in (
                ("speakers", self.speakers),
                ("sources", self.sources),
                ("platforms", self.platforms),
            )
            if values
        ]
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_digest_at"] = self.last_digest_at.isoformat() if self.last_digest_at else None
        for key in ("speakers", "sources", "platforms"):
            data[key] = list(data[key])
        return data


def mask_url(url: str) -> str:
    """``https://hooks.slack.com/services/T/B/secret`` → ``https://hooks.slack.com/…``;
    an Apprise URL (``tgram://TOKEN/CHAT``) keeps only its scheme."""
    if not url:
        return ""
    scheme = url.partition("://")[0]
    if scheme not in ("http", "https"):
        return f"{scheme}://…"
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "…"
    if not parsed.host:
        return "…"
    tail = "/…" if parsed.path not in ("", "/") or parsed.query else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{tail}"


def add_channel(
    engine: Engine,
    name: str,
    *,
    kind: str,
    url: str | None,
    schedule: str,
    min_severity: str,
    now: datetime,
    speakers: Sequence[str] = (),
    sources: Sequence[str] = (),
    platforms: Sequence[str] = (),
) -> ChannelInfo:
    """Add a chat channel that receives digests on *schedule* (cron, or ``immediate``),
    optionally only about some speakers, sources (a feed URL or an outlet's host name) or
    platforms of the original."""
    name = name.strip()
    if not name or len(name) > 128:
        raise ConfigError("channel NAME must be 1 to 128 characters")
    check_choice(kind, CHANNEL_KINDS, "--kind")
    if kind == "stdout":
        url = url.strip() if url else ""
    elif not url:
        raise ConfigError(f"--url is required for a {kind} channel (its webhook URL)")
    else:
        url = check_channel_url(kind, url, what="--url")
    try:
        schedule = check_schedule(schedule)
    except ValueError as exc:
        raise ConfigError(f"--schedule: {exc}") from None
    filters = {
        option: _filter(values, option)
        for option, values in (
            ("--speaker", speakers),
            ("--source", sources),
            ("--platform", platforms),
        )
    }
    check_choice(min_severity, SEVERITIES, "--min-severity")
    with session_scope(engine) as session:
        if session.exec(select(Channel).where(col(Channel.name) == name)).first():
            raise ConfigError(f"channel {name!r} already exists; pick another NAME or remove it")
        row = Channel(
            name=name,
            kind=kind,
            url=url,
            schedule=schedule,
            min_severity=min_severity,
            speakers=filters["--speaker"],
            sources=filters["--source"],
            platforms=filters["--platform"],
            created_at=now,
        )
        session.add(row)
        session.flush()
        return ChannelInfo.of(row)


def _filter(values: Sequence[str], option: str) -> str | None:
    """Stored form of a channel filter (comma-separated), None when empty."""
    cleaned = [value.strip() for value in values if value.strip()]
    for value in cleaned:
        if "," in value:
            raise ConfigError(f"{option} {value!r}: give one value per {option} (no commas)")
    return ",".join(cleaned) or None


def list_channels(engine: Engine) -> list[ChannelInfo]:
    with Session(engine) as session:
        rows = session.exec(select(Channel).order_by(col(Channel.name))).all()
        return [ChannelInfo.of(row) for row in rows]


def remove_channel(engine: Engine, name: str) -> ChannelInfo:
    """Remove a channel with its digests and their deliveries (sent or not)."""
    with session_scope(engine) as session:
        row = session.exec(select(Channel).where(col(Channel.name) == name.strip())).first()
        if row is None:
            raise ConfigError(f"no channel {name!r}; see `quotecheck channels list`")
        info = ChannelInfo.of(row)
        session.execute(delete(PostedCitation).where(col(PostedCitation.channel_id) == row.id))
        session.execute(delete(Delivery).where(col(Delivery.channel_id) == row.id))
        session.execute(delete(Digest).where(col(Digest.channel_id) == row.id))
        session.delete(row)
        return info


# --------------------------------------------------------------------------- status


PROBLEMS_SHOWN = 20


def _delivery_problems(session: Session) -> list[dict[str, Any]]:
    """The newest deliveries that failed (retried later) or are dead, with the last error."""
    rows = session.execute(
        select(Delivery, Channel.name)
        .join(Channel, col(Channel.id) == col(Delivery.channel_id))
        .where(col(Delivery.status).in_(("failed", "dead")))
        .order_by(col(Delivery.id).desc())
        .limit(PROBLEMS_SHOWN)
    ).all()
    return [
        {
            "id": row.id,
            "channel": name,
            "digest_id": row.digest_id,
            "part": row.part,
            "status": row.status,
            "attempts": row.attempts,
            "next_attempt_at": (
                row.next_attempt_at.isoformat()
                if row.next_attempt_at and row.status == "failed"
                else None
            ),
            "last_error": row.last_error,
        }
        for row, name in rows
    ]


def status_report(engine: Engine) -> dict[str, Any]:
    """Counts for `quotecheck status --json`; the shape is documented in README.md."""
    with Session(engine) as session:

        def count(model: Any, *where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        failing = session.exec(
            select(Source).where(col(Source.failures) > 0).order_by(col(Source.id))
        ).all()
        by_status = dict.fromkeys(ARTICLE_STATUSES, 0)
        for status, n in session.execute(
            select(Article.status, func.count()).group_by(Article.status)
        ):
            by_status[str(status)] = int(n)
        return {
            "sources": {
                "total": count(Source),
                "failing": [
                    {
                        "id": row.id,
                        "url": row.url,
                        "failures": row.failures,
                        "last_error": row.last_error,
                    }
                    for row in failing
                ],
            },
            "articles": by_status,
            "citations": {"pending": count(Citation, col(Citation.resolve_status) == "pending")},
            "deliveries": {
                "pending": count(Delivery, col(Delivery.status) == "pending"),
                "retrying": count(Delivery, col(Delivery.status).in_(("failed", "sending"))),
                "dead": count(Delivery, col(Delivery.status) == "dead"),
                "problems": _delivery_problems(session),
            },
            "channels": {"total": count(Channel)},
        }
