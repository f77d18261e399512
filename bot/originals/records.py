"""Import formats: one parsed object in, one :class:`Record` out (pure; ValueError if bad).

Formats: the originals JSONL of DESIGN.md, the Trump Twitter Archive exports (condensed JSON
list and CSV), the tweets JSONL of shared/data (incl. the congress sample), and the White House
statements JSONL (incl. the Miller Center speeches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil import parser as dateparser

KINDS = ("post", "statement", "transcript")
STATUSES = ("live", "deleted", "protected", "unavailable", "unknown")
TTA_HANDLE = "realDonaldTrump"
_RT = re.compile(r"^\s*RT\s+@\w+", re.IGNORECASE)
_TRANSCRIPT_CATEGORIES = frozenset({"press-briefings", "speeches-remarks"})
_TURN = re.compile(r"^(?:[A-Z][A-Z.'’\- ]{1,60}:|Q(?::|[\s\xa0]))", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Record:
    """An original as an import or a resolver reads it, before it is stored."""

    platform: str
    post_id: str
    text: str
    url: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    posted_at: datetime | None = None
    title: str | None = None
    kind: str = "post"
    status: str = "live"
    is_retweet: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.post_id)

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        """Pickled as its field values: import workers send thousands a second."""
        return (Record, tuple(getattr(self, name) for name in self.__slots__))


def _str(obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"missing {key!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{key!r} is not a string")
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "t"):
        return True
    if text in ("false", "0", "no", "f"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def parse_time(value: str | None, *, field: str = "time") -> datetime | None:
    """An aware UTC datetime from ISO 8601, a date, or "Mon Jan 01 13:37:52 +0000 2018"."""
    if not value:
        return None
    if len(value) > 10 and value[10] == "T":  # the common ISO 8601 form, quickly
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(date.fromisoformat(value), time(12), tzinfo=UTC)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        try:
            parsed = dateparser.parse(value)
        except (ValueError, OverflowError):
            raise ValueError(f"{field} {value!r} is not a date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(obj: dict[str, Any]) -> str:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing 'text'")
    return text


def _fast_str(obj: dict[str, Any], key: str) -> str | None:
    """:func:`_str` with the common case (a string or nothing) first."""
    value = obj.get(key)
    if type(value) is str and value:
        return value
    return None if value is None else _str(obj, key)


def from_originals(obj: dict[str, Any]) -> Record:
    """The originals JSONL of DESIGN.md."""
    kind = _fast_str(obj, "kind") or "post"
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    status = _fast_str(obj, "status") or "live"
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    text = _text(obj)
    platform = _fast_str(obj, "platform")
    post_id = _fast_str(obj, "post_id")
    if platform is None or post_id is None:
        _str(obj, "platform", required=True)
        _str(obj, "post_id", required=True)
    handle = _fast_str(obj, "author_handle")
    retweet = obj.get("is_retweet")
    return Record(
        platform=(platform or "").lower(),
        post_id=post_id or "",
        text=text,
        url=_fast_str(obj, "url"),
        author_name=_fast_str(obj, "author_name"),
        author_handle=(handle.lstrip("@") or None) if handle else None,
        posted_at=parse_time(_fast_str(obj, "posted_at"), field="posted_at"),
        title=_fast_str(obj, "title"),
        kind=kind,
        status=status,
        is_retweet=(retweet is True or (retweet is not None and _bool(retweet)))
        or bool(_RT.match(text)),
    )


def from_tta(obj: dict[str, Any]) -> Record:
    """A Trump Twitter Archive row (condensed JSON or CSV): the @realDonaldTrump account."""
    post_id = _str(obj, "id_str", required=True) or ""
    if not post_id.isdigit():
        raise ValueError(f"id_str {post_id!r} is not a tweet id")
    text = _text(obj)
    return Record(
        platform="twitter",
        post_id=post_id,
        text=text,
        url=f"https://twitter.com/{TTA_HANDLE}/status/{post_id}",
        author_handle=TTA_HANDLE,
        posted_at=parse_time(_str(obj, "created_at", required=True), field="created_at"),
        is_retweet=_bool(obj.get("is_retweet")) or bool(_RT.match(text)),
    )


def from_tweets(obj: dict[str, Any]) -> Record:
    """The tweets JSONL of shared/data: `id, screen_name, time, text, is_retweet, link`, or the
    congress sample (`speaker_name`, `time_from_snowflake`, no account)."""
    post_id = _str(obj, "id", required=True) or ""
    if not post_id.isdigit():
        raise ValueError(f"id {post_id!r} is not a tweet id")
    handle = _str(obj, "screen_name")
    when = _str(obj, "time") or _str(obj, "time_from_snowflake")
    if when is None:
        raise ValueError("missing 'time'")
    text = _text(obj)
    return Record(
        platform="twitter",
        post_id=post_id,
        text=text,
        url=_str(obj, "link")
        or (f"https://twitter.com/{handle}/status/{post_id}" if handle else None),
        author_name=_str(obj, "speaker_name"),
        author_handle=handle,
        posted_at=parse_time(when),
        is_retweet=_bool(obj.get("is_retweet")) or bool(_RT.match(text)),
    )


def from_whitehouse(obj: dict[str, Any]) -> Record:
    """A White House briefing-room JSONL row, or a Miller Center speech (`speaker`, no url)."""
    doc_id = _str(obj, "id", required=True) or ""
    text = _text(obj)
    category = _str(obj, "category")
    platform = "millercenter" if doc_id.startswith("millercenter") else "whitehouse"
    turns = len(_TURN.findall(text))
    is_transcript = category in _TRANSCRIPT_CATEGORIES or platform == "millercenter" or turns >= 2
    when = _str(obj, "published_time") or _str(obj, "date")
    return Record(
        platform=platform,
        post_id=doc_id,
        text=text,
        url=_str(obj, "url"),
        author_name=_str(obj, "speaker_guess") or _str(obj, "speaker"),
        posted_at=parse_time(when, field="date"),
        title=_str(obj, "title"),
        kind="transcript" if is_transcript else "statement",
    )


CONVERTERS = {
    "jsonl": from_originals,
    "tta": from_tta,
    "tweets": from_tweets,
    "whitehouse": from_whitehouse,
}


def sniff(obj: dict[str, Any]) -> str | None:
    """Which format a first record is in, from its keys."""
    keys = set(obj)
    if {"platform", "post_id", "text"} <= keys:
        return "jsonl"
    if "id_str" in keys and "created_at" in keys:
        return "tta"
    if "id" in keys and ({"screen_name", "time"} <= keys or "time_from_snowflake" in keys):
        return "tweets"
    markers = {"category", "published_time", "speaker"}
    if "id" in keys and "text" in keys and markers & keys:
        return "whitehouse"
    return None
