"""Settings: durations, validation with messages naming the variable, env and .env."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, check_cron, load_settings, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        (" 2h ", 7200),
        ("7d", 604800),
        ("1w", 604800),
        ("1.5m", 90),
        ("250ms", 0.25),
        ("0", 0),
        (45, 45),
        (timedelta(minutes=3), 180),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "m15", "-5m", -1, "1y"])
def test_parse_duration_rejects_nonsense(text: object) -> None:
    with pytest.raises(ValueError, match="duration|negative"):
        parse_duration(text)


@pytest.mark.parametrize("cron", ["0 8 * * *", "*/15 * * * 1-5", "30 6 1 * *"])
def test_check_cron_accepts_five_fields(cron: str) -> None:
    assert check_cron(cron) == cron


@pytest.mark.parametrize("cron", ["0 8 * *", "daily", "61 8 * * *", "0 8 * * * *"])
def test_check_cron_rejects_others(cron: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        check_cron(cron)


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUOTECHECK_POLL_INTERVAL", "30m")
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("QUOTECHECK_DATABASE_URL", "postgresql://qc@db.example/qc")
    settings = load_settings()
    assert settings.poll_interval == timedelta(minutes=30)
    assert settings.allow_private_networks is True
    assert settings.database_url == "postgresql+psycopg://qc@db.example/qc"


def test_the_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "QUOTECHECK_HTTP_MAX_REDIRECTS=2\nQUOTECHECK_USER_AGENT=from-dotenv/1\n", encoding="utf-8"
    )
    monkeypatch.setenv("QUOTECHECK_USER_AGENT", "from-env/1")
    settings = load_settings()
    assert (settings.http_max_redirects, settings.user_agent) == (2, "from-env/1")


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("QUOTECHECK_DATABASE_URL", "mysql://x/y", "sqlite:///"),
        ("QUOTECHECK_POLL_INTERVAL", "often", "30s, 15m"),
        ("QUOTECHECK_DIGEST_SCHEDULE", "at eight", "cron"),
        ("QUOTECHECK_TIMEZONES", "UTC,Mars/Olympus", "Mars/Olympus"),
        ("QUOTECHECK_HTTP_MAX_BYTES", "0", "greater than 0"),
        ("QUOTECHECK_LOG_LEVEL", "LOUD", "DEBUG"),
    ],
)
def test_a_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"{variable}: ")
    assert words in str(info.value)
