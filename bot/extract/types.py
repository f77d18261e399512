"""Values that extraction produces (frozen; JSON shape is the `extract --json` contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Channel = Literal["social", "statement", "speech", "unknown"]


@dataclass(frozen=True, slots=True)
class Embed:
    """A post embedded in an article, as its markup shows it."""

    platform: (
        str  # twitter|bluesky|mastodon|threads|instagram|facebook|tiktok|youtube|truthsocial|vine
    )
    url: str  # canonical permalink
    post_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    text: str | None = None
    posted_at: str | None = None  # ISO 8601 date or datetime, as precise as the markup says

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "url": self.url,
            "post_id": self.post_id,
            "author_name": self.author_name,
            "author_handle": self.author_handle,
            "text": self.text,
            "posted_at": self.posted_at,
        }


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation in the article body."""

    text: str  # the fragments joined with a single space, in order
    fragments: tuple[str, ...] = ()
    speaker: str | None = None
    speaker_role: str | None = None
    cue: str | None = None
    channel: Channel = "unknown"
    platform_hint: str | None = None  # twitter|truthsocial|instagram|facebook|…
    date_hint: str | None = None  # YYYY-MM-DD

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "fragments": list(self.fragments),
            "speaker": self.speaker,
            "speaker_role": self.speaker_role,
            "cue": self.cue,
            "channel": self.channel,
            "platform_hint": self.platform_hint,
            "date_hint": self.date_hint,
        }


@dataclass(frozen=True, slots=True)
class Article:
    """What extraction makes of one page."""

    url: str | None
    canonical_url: str | None = None
    title: str | None = None
    published_at: str | None = None  # ISO 8601
    language: str | None = None
    body_text: str = ""
    embeds: tuple[Embed, ...] = ()
    quotes: tuple[Quote, ...] = ()
    errors: tuple[str, ...] = field(default=())  # what could not be read, for the log

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "published_at": self.published_at,
            "language": self.language,
            "embeds": [embed.to_json() for embed in self.embeds],
            "quotes": [quote.to_json() for quote in self.quotes],
        }
