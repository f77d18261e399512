"""A receipt: the evidence behind one verdict, as values a template shows (pure).

:func:`build_receipt` turns the stored rows of one verdict (its ``matches`` row, citation,
article, source, original, the original's speaker, other originals that fit as well and a
newer verdict on the same citation) into a :class:`Receipt`. No database, no clock: the
rows come in (``bot.web.load`` reads them), and links come from the *link* function given.
Every text here is plain text: the template escapes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.digest.build import changed_words
from bot.match.normalize import split_fragments
from bot.match.verdict import Severity, headline
from bot.models import Article, Citation, MatchRow, Original, Source, Speaker

SegmentKind = Literal["same", "dropped", "added", "elided"]
CONTEXT_CHARS = 600
"""Characters of a long original shown before and after the matched span."""
ARCHIVE = "https://web.archive.org/web/"

RELATION_TEXT = {
    "verbatim": "The quote is the original, word for word.",
    "excerpt": "The quote is one unbroken part of the original, word for word.",
    "elided": (
        "Every part of the quote is in the original, word for word and in order, "
        "with words left out between the parts."
    ),
    "altered": "The quote is close to the original, but words were changed.",
    "paraphrase": "The quote has the original's meaning but little of its wording.",
    "none": "No stored original holds these words.",
}
STATUS_TEXT = {
    "live": "The original was online when last checked.",
    "deleted": "The original has been deleted.",
    "protected": "The original is protected: only approved followers can see it.",
    "unavailable": "The original could not be reached when last checked.",
    "unknown": "Whether the original is still online is not known.",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words of the alignment: the same in both, dropped from the original,
    added by the article, or left out between two parts of the quote (an elision)."""

    kind: SegmentKind
    text: str


@dataclass(frozen=True, slots=True)
class When:
    """A moment shown in the speaker's time zone and in UTC."""

    local: str  # "Sun 9 Sep 2018, 11:31 EDT"
    utc: str  # "Sun 9 Sep 2018, 15:31 UTC"
    iso: str
    zone: str  # "America/New_York"

    @property
    def same(self) -> bool:
        return self.local == self.utc


@dataclass(frozen=True, slots=True)
class ArticleView:
    title: str
    outlet: str
    url: str | None  # http(s) only
    published: When | None
    source_url: str | None


@dataclass(frozen=True, slots=True)
class QuoteView:
    """The citation as the article prints it."""

    kind: str  # quote | embed
    text: str
    fragments: tuple[str, ...]
    speaker: str | None
    speaker_role: str | None
    cue: str | None
    channel: str | None
    platform_hint: str | None
    date_hint: str | None
    sentence: str | None  # the attribution sentence, when extraction kept it
    attribution: str  # "Ola Quill wrote on Twitter on 2024-05-12", built from the fields
    url: str | None  # an embed's permalink
    posted: When | None  # an embed's date


@dataclass(frozen=True, slots=True)
class OriginalView:
    """The original as stored, with the matched span cut out for highlighting."""

    id: int
    platform: str
    post_id: str
    kind: str
    title: str | None
    author: str  # "Ola Quill (@MayorOlaQuill)"
    speaker: str | None  # the speakers table's name
    status: str
    url: str | None
    archive_url: str | None
    posted: When | None
    before: str  # text before the matched span ("…" first when shortened)
    matched: str  # the matched span ("" when none could be placed)
    after: str
    shortened: bool


@dataclass(frozen=True, slots=True)
class OtherOriginal:
    id: int
    author: str
    platform: str
    url: str | None
    posted: When | None
    text: str


@dataclass(frozen=True, slots=True)
class Newer:
    verdict_id: int
    headline: Severity
    url: str | None


@dataclass(frozen=True, slots=True)
class Receipt:
    verdict_id: int
    headline: Severity
    relation: str
    attribution: str
    original_status: str
    date_check: str
    confidence: float
    checked: When | None
    article: ArticleView
    quote: QuoteView
    original: OriginalView | None
    segments: tuple[Segment, ...]
    reasons: tuple[str, ...]  # why the bot decided so, one sentence each
    whose_words: str | None  # misattributed: "The words are Ben Adeyemi's (@BenAdeyemi)."
    dates: tuple[str, str] | None  # date mismatch: (the article's date, the original's)
    also: tuple[OtherOriginal, ...]
    newer: Newer | None

    @property
    def title(self) -> str:
        who = self.quote.speaker or "an unnamed speaker"
        return f"{self.headline.label.capitalize()}: a quote of {who}"


@dataclass(frozen=True, slots=True)
class ReceiptRows:
    """The stored rows a receipt is built from."""

    match: MatchRow
    citation: Citation
    article: Article
    source: Source | None = None
    original: Original | None = None
    speaker: Speaker | None = None  # the original's author in the speakers table
    also: tuple[tuple[Original, Speaker | None], ...] = ()
    newer: MatchRow | None = None  # the latest verdict on the citation, when not this one
    extracted: dict[str, Any] | None = None  # the citation's object in extracted_json


def safe_link(url: str | None) -> str | None:
    """*url* when it is an absolute http(s) URL without spaces or controls, else None."""
    if not url or len(url) > 2048:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    return url


def archive_link(url: str | None, when: datetime | None) -> str | None:
    """The Wayback Machine's copy of *url* nearest to *when* (its latest without one)."""
    if safe_link(url) is None:
        return None
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S") if when else "2"
    return f"{ARCHIVE}{stamp}/{url}"


def when(moment: datetime | None, zone: str) -> When | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fmt = "%a %-d %b %Y, %H:%M"
    local = moment.astimezone(ZoneInfo(zone))
    utc = moment.astimezone(UTC)
    return When(
        local=f"{local.strftime(fmt)} {local.tzname() or zone}",
        utc=f"{utc.strftime(fmt)} UTC",
        iso=utc.isoformat().replace("+00:00", "Z"),
        zone=zone,
    )


def author_of(original: Original, speaker: Speaker | None = None) -> str:
    name = (speaker.name if speaker and not speaker.name.startswith("@") else None) or (
        original.author_name
    )
    handle = f"@{original.author_handle.lstrip('@')}" if original.author_handle else None
    if name and handle:
        return f"{name} ({handle})"
    return name or handle or original.platform


def _possessive(original: Original, speaker: Speaker | None) -> str:
    """ "Ben Adeyemi’s (@BenAdeyemi)"."""
    author = author_of(original, speaker)
    name, _, handle = author.partition(" (")
    return f"{name}’s ({handle}" if handle else f"{author}’s"


def segments(diff: Sequence[Sequence[str]], relation: str) -> tuple[Segment, ...]:
    """The stored word diff as segments; in an elided quote every left-out run is an elision."""
    kinds: dict[str, SegmentKind] = {"=": "same", "-": "dropped", "+": "added"}
    found: list[Segment] = []
    for op, words in diff:
        kind = kinds.get(op)
        if kind is None or not words:
            continue
        if kind == "dropped" and relation == "elided":
            kind = "elided"
        found.append(Segment(kind, words))
    return tuple(found)


def _placed(text: str, match: MatchRow, parts: Sequence[Segment]) -> tuple[int, int] | None:
    """Where the matched span lies in *text*: the stored span when it fits the text, else
    where the first unchanged words are found."""
    first = next((s.text for s in parts if s.kind == "same"), None)
    start, end = match.span_start, match.span_end
    if start is not None and end is not None and 0 <= start < end <= len(text):
        head = first.split()[0].casefold() if first else ""
        if not head or text[start:end].casefold().find(head) != -1:
            return start, end
    if first:
        at = text.find(first)
        if at >= 0:
            last = next((s.text for s in reversed(parts) if s.kind == "same"), first)
            stop = text.find(last, at)
            return at, (stop + len(last)) if stop >= 0 else at + len(first)
    return None


def _original_view(
    original: Original,
    speaker: Speaker | None,
    match: MatchRow,
    parts: Sequence[Segment],
    zone: str,
) -> OriginalView:
    assert original.id is not None
    text = original.text
    span = _placed(text, match, parts)
    if span is None:
        before, matched, after = text, "", ""
    else:
        before, matched, after = text[: span[0]], text[span[0] : span[1]], text[span[1] :]
    shortened = False
    if len(before) > CONTEXT_CHARS:
        cut = before[-CONTEXT_CHARS:]
        before = "… " + cut[cut.find(" ") + 1 :] if " " in cut else "… " + cut
        shortened = True
    if len(after) > CONTEXT_CHARS:
        cut = after[:CONTEXT_CHARS]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + " …"
        shortened = True
    url = safe_link(original.url)
    return OriginalView(
        id=original.id,
        platform=original.platform,
        post_id=original.post_id,
        kind=original.kind,
        title=original.title,
        author=author_of(original, speaker),
        speaker=speaker.name if speaker else None,
        status=original.status,
        url=url,
        archive_url=archive_link(url, original.posted_at),
        posted=when(original.posted_at, zone),
        before=before,
        matched=matched,
        after=after,
        shortened=shortened,
    )


def _fragments(citation: Citation) -> tuple[str, ...]:
    """The quote's parts as the article breaks it: its fragments, each split at "…"."""
    value: Any = []
    if citation.fragments_json:
        try:
            value = json.loads(citation.fragments_json)
        except ValueError:
            value = []
    listed = [str(f) for f in value] if isinstance(value, list) else []
    return tuple(part for f in (listed or [citation.text or ""]) for part in split_fragments(f))


def attribution_line(citation: Citation) -> str:
    """ "Ola Quill, mayor, wrote on Twitter (date hint 2024-05-12)", from the stored fields."""
    if citation.kind == "embed":
        who = citation.author_name or (
            f"@{citation.author_handle}" if citation.author_handle else "an unnamed author"
        )
        return f"a {citation.platform or 'social'} post by {who}, embedded in the article"
    who = citation.speaker or "an unnamed speaker"
    if citation.speaker_role:
        who += f", {citation.speaker_role},"
    line = f"{who} {citation.cue}" if citation.cue else who
    where = citation.platform_hint or (
        citation.channel if citation.channel not in (None, "unknown") else None
    )
    if where:
        line += f" (on {where})" if citation.platform_hint else f" (in a {where})"
    if citation.date_hint:
        line += f"; the article dates it {_day(citation.date_hint)}"
    return line


def _day(value: str) -> str:
    """ "2024-05-11" as "11 May 2024" (as it is when not a date)."""
    try:
        return f"{date.fromisoformat(value[:10]):%-d %b %Y}"
    except ValueError:
        return value


def _quote_view(citation: Citation, extracted: dict[str, Any] | None, zone: str) -> QuoteView:
    sentence = extracted.get("sentence") if extracted else None
    return QuoteView(
        kind=citation.kind,
        text=citation.text or "",
        fragments=_fragments(citation),
        speaker=citation.speaker
        or citation.author_name
        or (f"@{citation.author_handle}" if citation.author_handle else None),
        speaker_role=citation.speaker_role,
        cue=citation.cue,
        channel=citation.channel,
        platform_hint=citation.platform_hint,
        date_hint=citation.date_hint,
        sentence=str(sentence) if isinstance(sentence, str) and sentence else None,
        attribution=attribution_line(citation),
        url=safe_link(citation.url),
        posted=when(citation.posted_at, zone),
    )


def _local_dates(moment: datetime | None, zones: Sequence[str]) -> list[date]:
    if moment is None:
        return []
    found: list[date] = []
    for zone in zones:
        day = moment.astimezone(ZoneInfo(zone)).date()
        if day not in found:
            found.append(day)
    return found


def _op(kind: SegmentKind) -> str:
    return {"same": "=", "dropped": "-", "added": "+"}.get(kind, "-")


def _reasons(
    rows: ReceiptRows, quote: QuoteView, original: OriginalView | None, zones: Sequence[str]
) -> tuple[list[str], str | None, tuple[str, str] | None]:
    match = rows.match
    reasons = [RELATION_TEXT.get(match.relation, match.relation)]
    parts = segments(json.loads(match.diff_json) if match.diff_json else [], match.relation)
    if match.relation == "altered":
        for was, now in changed_words((_op(s.kind), s.text) for s in parts):
            if was and now:
                reasons.append(f"The original says “{was}” where the article has “{now}”.")
            elif was:
                reasons.append(f"The article leaves out “{was}”.")
            else:
                reasons.append(f"The article adds “{now}”.")
    whose = None
    if match.attribution == "mismatch" and rows.original is not None:
        named = quote.speaker or "the speaker the article names"
        whose = f"The words are {_possessive(rows.original, rows.speaker)}, not {named}’s."
        reasons.append(whose)
    elif match.attribution == "match" and original is not None:
        reasons.append(f"The original's author, {original.author}, is the speaker named.")
    if original is not None:
        reasons.append(STATUS_TEXT.get(match.original_status, match.original_status))
    dates = None
    if match.date_check != "unknown" and rows.original is not None:
        days = _local_dates(rows.original.posted_at, zones)
        shown = " or ".join(f"{d:%-d %b %Y}" for d in days)
        hint_text = _day(quote.date_hint or "")
        if match.date_check == "mismatch":
            dates = (hint_text, shown)
            reasons.append(
                f"Date mismatch: the article dates it {hint_text}; the original was posted "
                f"{shown} ({', '.join(zones)})."
            )
        else:
            reasons.append(f"The article's date, {hint_text}, is the original's ({shown}).")
    if rows.also:
        reasons.append(
            f"{len(rows.also)} other original{'s' if len(rows.also) > 1 else ''} "
            "fit the text as well: the text alone cannot tell which one is meant."
        )
    return reasons, whose, dates


def build_receipt(
    rows: ReceiptRows,
    *,
    zones: Sequence[str],
    link: Callable[[int], str | None] = lambda _id: None,
) -> Receipt:
    """The receipt of *rows*' verdict. Dates show in ``zones[0]`` (the speaker's likely time
    zone) and UTC; *link* gives the receipt URL of another verdict (a newer one)."""
    match = rows.match
    assert match.id is not None
    zones = list(zones) or ["UTC"]
    zone = zones[0]
    diff = json.loads(match.diff_json) if match.diff_json else []
    parts = segments(diff, match.relation)
    original = (
        _original_view(rows.original, rows.speaker, match, parts, zone)
        if rows.original is not None
        else None
    )
    quote = _quote_view(rows.citation, rows.extracted, zone)
    reasons, whose, dates = _reasons(rows, quote, original, zones)
    article = rows.article
    article_url = safe_link(article.url) or safe_link(article.canonical_url)
    named = headline(match.relation, match.attribution, match.original_status)  # type: ignore[arg-type]
    newer = None
    if rows.newer is not None and rows.newer.id is not None and rows.newer.id != match.id:
        newer_headline = headline(
            rows.newer.relation,  # type: ignore[arg-type]
            rows.newer.attribution,  # type: ignore[arg-type]
            rows.newer.original_status,
        )
        newer = Newer(rows.newer.id, Severity(newer_headline), link(rows.newer.id))
    also = tuple(
        OtherOriginal(
            id=other.id,
            author=author_of(other, other_speaker),
            platform=other.platform,
            url=safe_link(other.url),
            posted=when(other.posted_at, zone),
            text=other.text if len(other.text) <= 2 * CONTEXT_CHARS else other.text[:1200] + " …",
        )
        for other, other_speaker in rows.also
        if other.id is not None
    )
    return Receipt(
        verdict_id=match.id,
        headline=Severity(named),
        relation=match.relation,
        attribution=match.attribution,
        original_status=match.original_status,
        date_check=match.date_check,
        confidence=match.confidence,
        checked=when(match.created_at, zone),
        article=ArticleView(
            title=article.title or article.canonical_url,
            outlet=(urlsplit(article.canonical_url).hostname or "").removeprefix("www."),
            url=article_url,
            published=when(article.published_at, zone),
            source_url=safe_link(rows.source.url) if rows.source else None,
        ),
        quote=quote,
        original=original,
        segments=parts,
        reasons=tuple(reasons),
        whose_words=whose,
        dates=dates,
        also=also,
        newer=newer,
    )
