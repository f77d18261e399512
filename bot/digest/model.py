"""What a digest is: new verdicts for one channel, grouped by article (pure values).

``build.build_digest`` makes a :class:`Digest` from :class:`StoredVerdict` values; each
renderer in ``bot.digest.render`` turns one into the messages of its platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.match.align import DiffOp
from bot.match.verdict import Severity


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    """The latest verdict on one citation, as stored, with what a digest shows of it."""

    verdict_id: int  # the matches row
    citation_id: int
    created_at: datetime
    headline: Severity
    quote: str  # the quote's text, or the embedded post's
    speaker: str | None  # whom the article names (an embed: its author)
    platform: str | None  # of the original (or the embed's, or the article's hint)
    article_url: str
    article_title: str | None = None
    article_published_at: datetime | None = None
    source_url: str | None = None  # the watched source the article came from
    diff: tuple[DiffOp, ...] = ()
    original_speaker: str | None = None  # the original's author (misattributed: whose words)
    original_url: str | None = None
    archive_url: str | None = None
    receipt_url: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """What a channel was already sent about one citation."""

    citation_id: int
    verdict_id: int
    headline: Severity
    message_ref: str | None = None  # the platform's id or link of the message that carried it


@dataclass(frozen=True, slots=True)
class ChannelRules:
    """What a channel wants: a least severity, and optional filters (empty: everything)."""

    name: str
    min_severity: Severity = Severity.VERBATIM
    speakers: frozenset[str] = frozenset()  # compared case-folded
    sources: frozenset[str] = frozenset()  # a source URL or an outlet's host name
    platforms: frozenset[str] = frozenset()  # platform of the original


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One citation in a digest."""

    verdict_id: int
    citation_id: int
    speaker: str | None
    platform: str | None
    quote: str
    headline: Severity
    changed_words: tuple[tuple[str, str], ...] = ()  # (the original's words, the article's)
    real_speaker: str | None = None  # misattributed: whose words they are
    original_url: str | None = None
    archive_url: str | None = None
    receipt_url: str | None = None
    is_update: bool = False  # the verdict changed since the channel was sent it
    previous_headline: Severity | None = None
    previous_message_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleGroup:
    """An article and its new citations, most serious first."""

    title: str
    outlet: str  # the host name of the article's URL, without "www."
    published_at: datetime | None
    url: str
    items: tuple[DigestItem, ...]

    @property
    def headline(self) -> Severity:
        """The most serious headline among the items."""
        return max(item.headline for item in self.items)


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts of a digest: articles, citations, and citations by headline."""

    articles: int
    citations: int
    counts: tuple[tuple[Severity, int], ...] = field(default=())  # most serious first
    updates: int = 0

    @property
    def text(self) -> str:
        """ "2 articles, 3 citations: 1 altered, 2 verbatim (1 update)"."""
        articles = f"{self.articles} article{'' if self.articles == 1 else 's'}"
        citations = f"{self.citations} citation{'' if self.citations == 1 else 's'}"
        line = f"{articles}, {citations}"
        if self.counts:
            line += ": " + ", ".join(f"{n} {headline.label}" for headline, n in self.counts)
        if self.updates:
            line += f" ({self.updates} update{'' if self.updates == 1 else 's'})"
        return line


@dataclass(frozen=True, slots=True)
class Digest:
    """The new findings for one channel at one time, grouped by article."""

    channel: str
    generated_at: datetime
    articles: tuple[ArticleGroup, ...]
    summary: Summary

    @property
    def items(self) -> tuple[DigestItem, ...]:
        return tuple(item for group in self.articles for item in group.items)
