"""Settings, read once from the environment and an optional `.env` file.

Only this module reads the environment. The CLI builds one :class:`Settings` at the edge
and passes it down; an invalid value becomes a :class:`ConfigError` whose message names the
variable and what is wrong, and the CLI turns it into exit code 2.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "QUOTECHECK_"

CHANNEL_KINDS = (
    "slack",
    "discord",
    "teams",
    "mattermost",
    "googlechat",
    "matrix",
    "webhook",
    "apprise",
    "stdout",
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(ValueError):
    """A setting or argument is wrong; the message says which and how to fix it."""


def parse_duration(value: Any) -> timedelta:
    """Parse "90", "90s", "15m", "2h", "7d", "1w" or a number of seconds; never negative."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; use e.g. 30s, 15m, 2h or 7d")
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < 0:
        raise ValueError(f"{value!r} is negative; a duration must be zero or more")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Settings(BaseSettings):
    """Every setting of quotecheck; each is the environment variable QUOTECHECK_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    database_url: str = Field(
        "sqlite:///data/quotecheck.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level"
    )
    sources_file: Path | None = Field(
        None, description="A file of sources to watch, one `URL [kind] [every]` a line"
    )
    channels_file: Path | None = Field(
        None,
        description="A file of chat channels, one `NAME KIND URL [cron] [min-severity]` a line",
    )
    poll_interval: Duration = Field(
        timedelta(minutes=15), description="Default interval between two polls of a source"
    )
    first_poll: Literal["record", "post"] = Field(
        "record",
        description="A new source's first poll: record its items without checking them, or post",
    )
    max_item_age: Duration = Field(
        timedelta(days=3), description="Skip feed items older than this (0: no limit)"
    )
    poll_host_concurrency: int = Field(2, gt=0, description="Polls of one host in flight at once")
    poll_backoff_max: Duration = Field(
        timedelta(hours=24),
        description="Longest wait after failed polls (5m, doubling per failure, up to this)",
    )
    poll_alert_after: int = Field(
        5, gt=0, description="Failed polls in a row after which the channels are alerted"
    )
    poll_batch: int = Field(100, gt=0, description="Sources one poll cycle claims at a time")
    poll_parse_workers: int = Field(
        2, ge=0, description="Processes feeds and sitemaps are parsed in (0: in a thread)"
    )
    digest_schedule: str = Field(
        "0 8 * * *",
        description="Default schedule of a channel's digest: cron, or immediate",
    )
    resolve_max_age: Duration = Field(
        timedelta(days=7), description="Re-resolve a live original after this age"
    )
    extract_timeout: Duration = Field(
        timedelta(seconds=30),
        description="Longest time extracting one page may take; its worker is then stopped",
    )
    job_poll_every: Duration = Field(
        timedelta(seconds=60),
        description="`quotecheck run`: how often the poll job looks for sources due",
    )
    job_articles_every: Duration = Field(
        timedelta(seconds=30), description="`quotecheck run`: how often new articles are processed"
    )
    job_resolve_every: Duration = Field(
        timedelta(seconds=60),
        description="`quotecheck run`: how often pending permalinks are resolved",
    )
    job_rematch_every: Duration = Field(
        timedelta(minutes=5),
        description="`quotecheck run`: how often citations are matched again after new originals",
    )
    job_reresolve_every: Duration = Field(
        timedelta(hours=1), description="`quotecheck run`: how often stale originals are fetched"
    )
    job_digests_every: Duration = Field(
        timedelta(seconds=60),
        description="`quotecheck run`: how often channels' digest schedules are checked",
    )
    job_deliver_every: Duration = Field(
        timedelta(seconds=15), description="`quotecheck run`: how often the outbox is sent"
    )
    heartbeat_every: Duration = Field(
        timedelta(seconds=30),
        description="`quotecheck run`: how often a replica writes its heartbeat",
    )
    shutdown_grace: Duration = Field(
        timedelta(seconds=30),
        description="On SIGTERM, how long jobs in flight may take to finish before they stop",
    )
    lease_duration: Duration = Field(
        timedelta(minutes=5), description="How long a claimed work item stays with one worker"
    )
    http_connect_timeout: Duration = Field(timedelta(seconds=10), description="Connect timeout")
    http_read_timeout: Duration = Field(timedelta(seconds=30), description="Read timeout")
    http_max_bytes: int = Field(
        10_000_000, gt=0, description="Largest response body read, in bytes"
    )
    http_max_redirects: int = Field(5, ge=0, description="Most redirects followed")
    http_max_connections: int = Field(20, gt=0, description="Requests in flight at once")
    http_host_delay: Duration = Field(
        timedelta(seconds=1), description="Least time between two requests to one host"
    )
    user_agent: str = Field(
        "quotecheck/0.1 (+https://github.com/quotecheck/quotecheck)",
        description="User-Agent header sent with every request",
    )
    allow_private_networks: bool = Field(
        False, description="Allow requests to loopback and private addresses (tests, intranets)"
    )
    timezones: str = Field(
        "America/New_York,UTC",
        description="Comma-separated time zones a date hint is checked in",
    )
    delivery_max_attempts: int = Field(
        8, gt=0, description="Attempts at sending one message before it is marked dead"
    )
    matrix_access_token: str | None = Field(
        None, description="Access token of the bot's Matrix account (matrix channels)"
    )
    web_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port `quotecheck run` serves receipts and the read-only view on (unset: off)",
    )
    web_host: str = Field("127.0.0.1", description="Address the web server listens on")
    web_token: str | None = Field(
        None, description="Token the read-only listing pages ask for (unset: listing is off)"
    )
    public_url: str | None = Field(
        None,
        description="Base URL of the web server as readers reach it; receipt links start with it",
    )
    receipt_secret: str | None = Field(
        None,
        description="Key of the receipt links' HMAC (unset: generated once, kept in the database)",
    )

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) base URL like https://quotecheck.example.org")
        return value

    @field_validator("web_token", "receipt_secret")
    @classmethod
    def _check_secret(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if len(value.strip()) < 16:
            raise ValueError("use at least 16 characters (e.g. `openssl rand -hex 32`)")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", value):
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// "
                "(e.g. sqlite:///data/quotecheck.db)"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value

    @field_validator("digest_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        return check_schedule(value)

    @field_validator("timezones")
    @classmethod
    def _check_timezones(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        for name in (part.strip() for part in value.split(",")):
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {name!r}") from None
        return value

    @property
    def timezone_list(self) -> list[str]:
        return [part.strip() for part in self.timezones.split(",") if part.strip()]


IMMEDIATE = "immediate"
"""A channel schedule: each finding at the next run instead of on a cron schedule."""


def check_schedule(value: str) -> str:
    """Raise ValueError unless *value* is ``immediate`` or a five-field cron expression."""
    if value.strip() == IMMEDIATE:
        return IMMEDIATE
    try:
        return check_cron(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither 'immediate' nor a cron expression like '0 8 * * *'"
        ) from None


def check_cron(value: str) -> str:
    """Raise ValueError unless *value* is a five-field cron expression."""
    from croniter import croniter

    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValueError(f"{value!r} is not a cron expression like '0 8 * * *'")
    return value


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {message}") from None
