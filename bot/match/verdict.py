"""A verdict: what a citation's match says, and how serious it is (pure).

The fields are those of the ``check --json`` contract (``../shared/DESIGN.md``, "Verdict").
The headline is derived from them, most serious first: misattributed, altered, deleted,
not found, paraphrase, elided, excerpt, verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import total_ordering
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.match.align import Alignment, DiffOp, Relation

AttributionCheck = Literal["match", "mismatch", "unknown"]
DateCheck = Literal["match", "mismatch", "unknown"]
OriginalStatus = Literal["live", "deleted", "protected", "unavailable", "unknown"]
Headline = Literal[
    "misattributed",
    "altered",
    "deleted",
    "not_found",
    "paraphrase",
    "elided",
    "excerpt",
    "verbatim",
]
STATUSES: tuple[str, ...] = ("live", "deleted", "protected", "unavailable", "unknown")


@dataclass(frozen=True, slots=True)
class OriginalRef:
    """The original a citation was matched to, as the verdict reports it."""

    id: int | None
    platform: str
    post_id: str
    url: str | None
    author_name: str | None
    author_handle: str | None
    posted_at: datetime | None
    kind: str
    status: str
    text: str
    speaker: str | None = None  # the speakers table's name for its author, when it knows one

    def to_json(self, span: tuple[int, int] | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "post_id": self.post_id,
            "url": self.url,
            "author_name": self.author_name,
            "author_handle": self.author_handle,
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "kind": self.kind,
            "status": self.status,
            "span": list(span) if span else None,
            "matched_text": self.text[span[0] : span[1]] if span else None,
            "speaker": self.speaker,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict on one citation (a quote or an embed)."""

    citation: dict[str, Any]  # the quote's or embed's `extract --json` object, plus "kind"
    relation: Relation
    attribution: AttributionCheck
    original_status: OriginalStatus
    date_check: DateCheck
    confidence: float
    original: OriginalRef | None = None
    span: tuple[int, int] | None = None
    diff: tuple[DiffOp, ...] = ()
    also_matches: tuple[int, ...] = field(default=())  # other originals the text fits as well

    @property
    def headline(self) -> Headline:
        return headline(self.relation, self.attribution, self.original_status)

    def to_json(self) -> dict[str, Any]:
        return {
            "citation": self.citation,
            "relation": self.relation,
            "attribution": self.attribution,
            "original_status": self.original_status,
            "date_check": self.date_check,
            "confidence": self.confidence,
            "original": self.original.to_json(self.span) if self.original else None,
            "diff": [[op, words] for op, words in self.diff],
            "headline": self.headline,
            "also_matches": list(self.also_matches),
        }


def headline(relation: Relation, attribution: AttributionCheck, status: str) -> Headline:
    """The most serious thing a verdict says."""
    if relation != "none" and attribution == "mismatch":
        return "misattributed"
    if relation == "altered":
        return "altered"
    if relation != "none" and status == "deleted":
        return "deleted"
    if relation == "none":
        return "not_found"
    return relation


@total_ordering
class Severity(Enum):
    """A verdict's headline, ordered by how serious it is (``Severity.ALTERED > EXCERPT``).

    Members are listed least serious first; :data:`SEVERITIES` names them in that order.
    """

    VERBATIM = "verbatim"
    EXCERPT = "excerpt"
    ELIDED = "elided"
    PARAPHRASE = "paraphrase"
    NOT_FOUND = "not_found"
    DELETED = "deleted"
    ALTERED = "altered"
    MISATTRIBUTED = "misattributed"

    @property
    def rank(self) -> int:
        """0 for verbatim up to 7 for misattributed."""
        return _RANKS[self]

    @property
    def label(self) -> str:
        """The headline as people read it: "not found", "misattributed"."""
        return self.value.replace("_", " ")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_RANKS = {member: rank for rank, member in enumerate(Severity)}

SEVERITIES: tuple[str, ...] = tuple(member.value for member in Severity)
"""The headlines, least serious first (what ``--min-severity`` and ``--fail-on`` accept)."""


def severity(name: str) -> int:
    """Rank of a headline (higher is more serious)."""
    return Severity(name).rank


def date_check(
    date_hint: str | None, posted_at: datetime | None, zones: Sequence[str]
) -> DateCheck:
    """Does the article's date hint name the original's date in one of *zones*?

    A post late on Sept. 9 in Washington is already Sept. 10 in UTC: either date matches
    when both zones are given.
    """
    if not date_hint or posted_at is None:
        return "unknown"
    try:
        hinted = date.fromisoformat(date_hint[:10])
    except ValueError:
        return "unknown"
    if posted_at.tzinfo is None:
        return "unknown"
    local_dates = {posted_at.astimezone(ZoneInfo(zone)).date() for zone in zones}
    return "match" if hinted in local_dates else "mismatch"


def make_verdict(
    citation: dict[str, Any],
    alignment: Alignment,
    *,
    original: OriginalRef | None,
    attribution: AttributionCheck,
    date_hint: str | None,
    zones: Sequence[str],
    also_matches: Sequence[int] = (),
) -> Verdict:
    """Combine a text alignment, the attribution check, the status and the date check."""
    if original is None or alignment.relation == "none":
        confidence = round(1.0 - alignment.coverage / 2, 3) if alignment.quote_words else 0.5
        return Verdict(
            citation=citation,
            relation="none",
            attribution="unknown",
            original_status="unknown",
            date_check="unknown",
            confidence=confidence,
        )
    status = original.status if original.status in STATUSES else "unknown"
    confidence = alignment.confidence
    if also_matches:
        confidence = round(confidence * 0.8, 3)  # the text alone cannot tell which one
    return Verdict(
        citation=citation,
        relation=alignment.relation,
        attribution=attribution,
        original_status=status,  # type: ignore[arg-type]
        date_check=date_check(date_hint, original.posted_at, zones),
        confidence=confidence,
        original=original,
        span=alignment.span,
        diff=alignment.diff,
        also_matches=tuple(also_matches),
    )
