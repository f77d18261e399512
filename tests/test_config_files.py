"""The sources and channels files: parsing (with line-numbered errors) and syncing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.config import Settings
from bot.config_files import (
    ChannelLine,
    SourceLine,
    parse_channels,
    parse_sources,
    sync_files,
)
from bot.models import Channel, Source

DATA = Path(__file__).resolve().parent / "data" / "config"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_parse_sources_keeps_good_lines_and_names_bad_ones() -> None:
    text = (DATA / "sources.txt").read_text(encoding="utf-8")
    lines, errors = parse_sources(text, default_every=timedelta(minutes=15), origin="s.txt")
    assert lines == [
        SourceLine("https://gazette.example/feed.xml", "feed", 900),
        SourceLine("https://gazette.example/sitemap.xml", "sitemap", 3600),
        SourceLine("https://statehouse.example/briefings", "statements", 1800),
        SourceLine("https://harbour.example/news", "page", 900, robots=False),
    ]
    assert [error.split(": ", 1)[0] for error in errors] == [
        "s.txt:6", "s.txt:7", "s.txt:8", "s.txt:9", "s.txt:10",
    ]  # fmt: skip
    assert "http:// or https://" in errors[0]
    assert "feed, sitemap" in errors[1]
    assert "not a duration" in errors[2]
    assert "at least 1m" in errors[3]
    assert "URL [kind] [every]" in errors[4]


def test_parse_channels_reads_plain_and_quoted_cron() -> None:
    text = (DATA / "channels.txt").read_text(encoding="utf-8")
    lines, errors = parse_channels(text, default_schedule="0 8 * * *", origin="c.txt")
    assert lines == [
        ChannelLine(
            "newsroom", "slack", "https://hooks.chat.example/services/T1/B2/invented",
            "0 9 * * 1-5", "paraphrase",
        ),
        ChannelLine(
            "desk", "discord", "https://discord.example/api/webhooks/1/invented",
            "30 7 * * *", "verbatim",
        ),
        ChannelLine(
            "ops", "matrix", "https://matrix.example/#/room:example.org", "0 8 * * *", "altered"
        ),
        ChannelLine("terminal", "stdout", "", "0 8 * * *", "verbatim"),
        ChannelLine(
            "alerts", "webhook", "https://hooks.chat.example/w", "immediate", "misattributed",
            speakers="Ilse Varga,Tom Ode", platforms="bluesky",
        ),
    ]  # fmt: skip
    assert [error.split(": ", 1)[0] for error in errors] == [
        "c.txt:7", "c.txt:8", "c.txt:9", "c.txt:10", "c.txt:11", "c.txt:12",
    ]  # fmt: skip
    assert "slack, discord" in errors[0]
    assert "NAME KIND URL" in errors[1]
    assert "'0 9 * *': expected a five-field cron" in errors[2]
    assert "min-severity 'sometimes' is not one of" in errors[3]
    assert "No closing quotation" in errors[4]
    assert "unknown filter 'colours'" in errors[5]


def _settings(tmp_path: Path, **files: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/x.db", **files)  # type: ignore[call-arg]


def test_sync_files_adds_then_updates_and_never_removes(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sources = tmp_path / "sources.txt"
    channels = tmp_path / "channels.txt"
    sources.write_text("https://a.example/feed\nhttps://b.example/map sitemap 2h\n")
    channels.write_text("desk stdout -\nteam slack https://hooks.chat.example/z\n")
    settings = _settings(tmp_path, sources_file=sources, channels_file=channels)

    with caplog.at_level(logging.WARNING, logger="bot.config_files"):
        first = sync_files(engine, settings, now=NOW)
    assert (first.added, first.updated, first.errors) == (4, 0, [])
    assert caplog.records == []
    again = sync_files(engine, settings, now=NOW + timedelta(hours=1))
    assert (again.added, again.updated) == (0, 0)  # re-applying the same files changes nothing

    sources.write_text("https://b.example/map sitemap 4h\nnot-a-url\n")
    channels.write_text("team slack https://hooks.chat.example/z '0 6 * * *' deleted\n")
    with caplog.at_level(logging.WARNING, logger="bot.config_files"):
        third = sync_files(engine, settings, now=NOW)
    assert (third.added, third.updated) == (0, 2)
    assert third.errors == [f"{sources}:2: URL 'not-a-url' is not an http:// or https:// URL"]
    assert [record.getMessage() for record in caplog.records] == third.errors

    with engine.connect() as connection:
        assert connection.execute(
            select(Source.url, Source.kind, Source.every_seconds).order_by(Source.id)
        ).all() == [
            ("https://a.example/feed", "feed", 900),  # gone from the file, still watched
            ("https://b.example/map", "sitemap", 14400),
        ]
        assert connection.execute(
            select(Channel.name, Channel.schedule, Channel.min_severity).order_by(Channel.name)
        ).all() == [("desk", "0 8 * * *", "verbatim"), ("team", "0 6 * * *", "deleted")]


def test_sync_files_reports_a_missing_file(engine: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    report = sync_files(engine, _settings(tmp_path, sources_file=missing), now=NOW)
    assert report.errors == [f"{missing}: cannot read the sources file (No such file or directory)"]


def test_sync_files_without_files_does_nothing(engine: Engine, tmp_path: Path) -> None:
    report = sync_files(engine, _settings(tmp_path), now=NOW)
    assert (report.added, report.updated, report.errors) == (0, 0, [])
