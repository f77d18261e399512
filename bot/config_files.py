"""The sources and channels files (``QUOTECHECK_SOURCES_FILE``, ``QUOTECHECK_CHANNELS_FILE``)
that configure a container from its environment.

Sources file, one a line: ``URL [feed|sitemap|page|statements] [every] [ignore-robots]``.
Channels file, one a line: ``NAME KIND URL [cron|immediate] [min-severity] [FILTER=A,B …]``;
the cron expression is five fields, written plainly or in quotes; ``-`` stands for no URL
(``stdout``); a filter is ``speakers=``, ``sources=`` or ``platforms=`` with comma-separated
values (quote it when a value holds a space: ``"speakers=Ilse Varga,Tom Ode"``).
``#`` starts a comment. Parsing is pure; :func:`sync_files` adds what is missing and updates
what changed, and never removes anything (the CLI edits the same state). A bad line is
logged with the file, line number and reason, and skipped.
"""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.admin import SOURCE_KINDS, check_channel_url, check_choice, check_url
from bot.config import (
    CHANNEL_KINDS,
    ConfigError,
    Settings,
    check_schedule,
    parse_duration,
)
from bot.db import session_scope
from bot.match.verdict import SEVERITIES
from bot.models import Channel, Source

log = logging.getLogger(__name__)
_COMMENT = re.compile(r"(^|\s)#.*$")


@dataclass(frozen=True)
class SourceLine:
    url: str
    kind: str
    every_seconds: int
    robots: bool = True  # False: the line says ignore-robots


@dataclass(frozen=True)
class ChannelLine:
    name: str
    kind: str
    url: str
    schedule: str
    min_severity: str
    speakers: str | None = None
    sources: str | None = None
    platforms: str | None = None

    @property
    def values(self) -> tuple[str | None, ...]:
        return (
            self.kind,
            self.url,
            self.schedule,
            self.min_severity,
            self.speakers,
            self.sources,
            self.platforms,
        )


FILTERS = ("speakers", "sources", "platforms")


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "FILE:LINE: reason"


def _lines(text: str) -> list[tuple[int, list[str]]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", line)  # "#" starts a comment at a line's start or after a space
        try:
            tokens = shlex.split(line)
        except ValueError as exc:  # an unclosed quote
            found.append((number, ["\0", str(exc)]))
            continue
        if tokens:
            found.append((number, tokens))
    return found


IGNORE_ROBOTS = "ignore-robots"
"""The sources-file token that fetches the source's article pages whatever robots.txt says."""


def parse_sources(
    text: str, *, default_every: timedelta, origin: str = "sources file"
) -> tuple[list[SourceLine], list[str]]:
    """The valid lines of a sources file, and one message for each invalid line."""
    parsed: list[SourceLine] = []
    errors: list[str] = []
    for number, tokens in _lines(text):
        try:
            if tokens[0] == "\0":
                raise ConfigError(f"cannot split the line: {tokens[1]}")
            robots = IGNORE_ROBOTS not in tokens
            tokens = [token for token in tokens if token != IGNORE_ROBOTS]
            if len(tokens) > 3:
                raise ConfigError("expected `URL [kind] [every] [ignore-robots]`")
            url = check_url(tokens[0])
            kind = check_choice(tokens[1] if len(tokens) > 1 else "feed", SOURCE_KINDS, "kind")
            try:
                every = parse_duration(tokens[2] if len(tokens) > 2 else default_every)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
            if every.total_seconds() < 60:
                raise ConfigError("the interval must be at least 1m")
            parsed.append(SourceLine(url, kind, round(every.total_seconds()), robots))
        except ConfigError as exc:
            errors.append(f"{origin}:{number}: {exc}")
    return parsed, errors


def parse_channels(
    text: str, *, default_schedule: str, origin: str = "channels file"
) -> tuple[list[ChannelLine], list[str]]:
    """The valid lines of a channels file, and one message for each invalid line."""
    parsed: list[ChannelLine] = []
    errors: list[str] = []
    for number, tokens in _lines(text):
        try:
            if tokens[0] == "\0":
                raise ConfigError(f"cannot split the line: {tokens[1]}")
            if len(tokens) < 3:
                raise ConfigError("expected `NAME KIND URL [cron] [min-severity]`")
            name, kind, url, *rest = tokens
            filters: dict[str, str | None] = dict.fromkeys(FILTERS)
            while rest and "=" in rest[-1]:
                key, _, value = rest.pop().partition("=")
                if key not in FILTERS:
                    raise ConfigError(f"unknown filter {key!r}: use {', '.join(FILTERS)}")
                filters[key] = ",".join(v.strip() for v in value.split(",") if v.strip()) or None
            check_choice(kind, CHANNEL_KINDS, "kind")
            url = "" if url == "-" and kind == "stdout" else check_channel_url(kind, url)
            schedule = default_schedule
            if rest and (" " in rest[0] or rest[0] == "immediate"):  # quoted cron, immediate
                schedule, rest = rest[0], rest[1:]
            elif len(rest) >= 5:  # five plain fields
                schedule, rest = " ".join(rest[:5]), rest[5:]
            try:
                schedule = check_schedule(schedule)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
            if len(rest) > 1:
                raise ConfigError(
                    f"cannot read {' '.join(rest)!r}: expected a five-field cron expression "
                    "and/or one min-severity"
                )
            severity = check_choice(rest[0] if rest else "verbatim", SEVERITIES, "min-severity")
            parsed.append(ChannelLine(name, kind, url, schedule, severity, **filters))
        except ConfigError as exc:
            errors.append(f"{origin}:{number}: {exc}")
    return parsed, errors


def sync_sources(engine: Engine, lines: list[SourceLine], *, now: datetime) -> SyncReport:
    report = SyncReport()
    with session_scope(engine) as session:
        for line in lines:
            row = session.exec(select(Source).where(col(Source.url) == line.url)).first()
            if row is None:
                session.add(
                    Source(
                        url=line.url,
                        kind=line.kind,
                        every_seconds=line.every_seconds,
                        robots=line.robots,
                        next_poll_at=now,
                        created_at=now,
                    )
                )
                report.added += 1
            elif (row.kind, row.every_seconds, row.robots) != (
                line.kind,
                line.every_seconds,
                line.robots,
            ):
                row.kind, row.every_seconds, row.robots = line.kind, line.every_seconds, line.robots
                session.add(row)
                report.updated += 1
    return report


def _channel_values(row: Channel) -> tuple[str | None, ...]:
    return (
        row.kind,
        row.url,
        row.schedule,
        row.min_severity,
        row.speakers,
        row.sources,
        row.platforms,
    )


def sync_channels(engine: Engine, lines: list[ChannelLine], *, now: datetime) -> SyncReport:
    report = SyncReport()
    with session_scope(engine) as session:
        for line in lines:
            row = session.exec(select(Channel).where(col(Channel.name) == line.name)).first()
            if row is None:
                row = Channel(name=line.name, kind=line.kind, url=line.url, created_at=now)
                report.added += 1
            elif _channel_values(row) != line.values:
                report.updated += 1
            else:
                continue
            (
                row.kind,
                row.url,
                row.schedule,
                row.min_severity,
                row.speakers,
                row.sources,
                row.platforms,
            ) = line.values  # type: ignore[assignment]
            session.add(row)
    return report


def sync_files(engine: Engine, settings: Settings, *, now: datetime) -> SyncReport:
    """Apply the configured sources and channels files (start-up of `quotecheck run`).

    A missing or unreadable file is reported like a bad line: logged, never fatal.
    """
    total = SyncReport()
    jobs = (
        (settings.sources_file, "sources"),
        (settings.channels_file, "channels"),
    )
    for path, what in jobs:
        if path is None:
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            total.errors.append(f"{path}: cannot read the {what} file ({exc.strerror or exc})")
            continue
        if what == "sources":
            sources, errors = parse_sources(
                text, default_every=settings.poll_interval, origin=str(path)
            )
            report = sync_sources(engine, sources, now=now)
        else:
            channels, errors = parse_channels(
                text, default_schedule=settings.digest_schedule, origin=str(path)
            )
            report = sync_channels(engine, channels, now=now)
        total.added += report.added
        total.updated += report.updated
        total.errors.extend(errors)
    for error in total.errors:
        log.warning("%s", error)
    return total
