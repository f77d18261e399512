"""Match one citation against the originals store: retrieve, align, choose, attribute.

The only impure part of matching: it asks the search index for candidates (once among the
named speaker's originals, once among everyone's, so someone else's words are caught),
aligns the quote with each candidate's full text, picks the best one, and asks
:func:`bot.originals.speakers.attribution` whether the named speaker wrote it.

Choice among candidates, best first: the text relation (verbatim, then excerpt or elided,
then altered), more quote words found, fewer changed; then, for identical texts (copies,
retweets), the named speaker's own words, non-retweets, a single post or passage over a
whole transcript, the date the article names, the latest date before the article.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.extract.types import Embed, Quote
from bot.match import index
from bot.match.align import NO_ALIGNMENT, Alignment, align
from bot.match.normalize import split_fragments
from bot.match.verdict import (
    AttributionCheck,
    OriginalRef,
    Verdict,
    date_check,
    make_verdict,
)
from bot.models import Original, Speaker
from bot.originals.speakers import attribution, find_speaker

log = logging.getLogger(__name__)

CANDIDATES = 20
"""Candidates asked of the index, per search."""

JOIN_MIN_RUN = 3
"""A passage that holds a run of this many of the quote's words, but not all of them, is also
tried joined to the next or previous piece of the same turn."""

_TEXT_RANK = {"verbatim": 4, "excerpt": 3, "elided": 2, "paraphrase": 1, "altered": 1, "none": 0}
_ATTRIBUTION_RANK = {"match": 2, "unknown": 1, "mismatch": 0}
_KIND_RANK = {"passage": 2, "post": 2, "statement": 1, "transcript": 0}


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate original with its alignment and attribution."""

    original: Original
    alignment: Alignment
    attribution: AttributionCheck
    text: str | None = None  # the text aligned when it is more than the original's own


def speaker_name(session: Session, original: Original) -> str | None:
    """The name the speakers table gives the original's author (not a bare "@handle")."""
    if original.speaker_id is None:
        return None
    speaker = session.get(Speaker, original.speaker_id)
    if speaker is None or speaker.name.startswith("@"):
        return None
    return speaker.name


def to_ref(
    original: Original, text: str | None = None, *, speaker: str | None = None
) -> OriginalRef:
    return OriginalRef(
        id=original.id,
        platform=original.platform,
        post_id=original.post_id,
        url=original.url,
        author_name=original.author_name,
        author_handle=original.author_handle,
        posted_at=original.posted_at,
        kind=original.kind,
        status=original.status,
        text=original.text if text is None else text,
        speaker=speaker,
    )


def _text_key(alignment: Alignment) -> tuple[int, int, int]:
    return (_TEXT_RANK[alignment.relation], alignment.matched, -alignment.changed)


def _rank_key(
    scored: Scored, *, date_hint: str | None, zones: Sequence[str], before: datetime | None
) -> tuple[Any, ...]:
    original = scored.original
    posted = original.posted_at
    hinted = date_check(date_hint, posted, zones) == "match"
    return (
        _text_key(scored.alignment),
        _ATTRIBUTION_RANK[scored.attribution],
        not original.is_retweet,
        _KIND_RANK.get(original.kind, 1),
        hinted,
        posted is not None and (before is None or posted <= before),
        posted.timestamp() if posted else 0.0,
        -(original.id or 0),
    )


def _tie_key(scored: Scored, *, date_hint: str | None, zones: Sequence[str]) -> tuple[Any, ...]:
    """What tells two candidates apart, the date's closeness left out."""
    original = scored.original
    return (
        _text_key(scored.alignment),
        scored.attribution,
        original.is_retweet,
        _KIND_RANK.get(original.kind, 1),
        date_check(date_hint, original.posted_at, zones),
    )


def _same_document(one: Original, other: Original) -> bool:
    """A passage and its transcript, or two passages of one transcript."""
    return (
        one.parent_id == other.id
        or other.parent_id == one.id
        or (one.parent_id is not None and one.parent_id == other.parent_id)
    )


def _speaker_ids(session: Session, name: str | None) -> list[int]:
    if not name:
        return []
    speaker = find_speaker(session, name)
    return [speaker.id] if speaker is not None and speaker.id is not None else []


def candidates(
    session: Session, text: str, *, speaker: str | None, before: datetime | None
) -> list[Original]:
    """Originals the index proposes for *text*: the named speaker's first, then anyone's."""
    connection = session.connection()
    ids: list[int] = []
    speaker_ids = _speaker_ids(session, speaker)
    if speaker_ids:
        found = index.search(
            connection, text, limit=CANDIDATES, before=before, speaker_ids=speaker_ids
        )
        ids.extend(c.original_id for c in found)
    for candidate in index.search(connection, text, limit=CANDIDATES, before=before):
        if candidate.original_id not in ids:
            ids.append(candidate.original_id)
    if not ids:
        return []
    rows = session.exec(select(Original).where(Original.id.in_(ids))).all()  # type: ignore[union-attr]
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _complete(alignment: Alignment) -> bool:
    return alignment.exact and alignment.matched == alignment.quote_words


def _pieces_around(session: Session, passage: Original) -> tuple[Original | None, Original | None]:
    """The pieces just before and after *passage* in its transcript, when the same person's
    (a long turn is stored cut at paragraph breaks, and a quote may run across the cut)."""
    if passage.parent_id is None or passage.position is None:
        return None, None
    rows = session.exec(
        select(Original).where(
            Original.parent_id == passage.parent_id,
            Original.position.in_([passage.position - 1, passage.position + 1]),  # type: ignore[union-attr]
        )
    ).all()
    same = {
        row.position: row
        for row in rows
        if row.speaker_id == passage.speaker_id and row.author_name == passage.author_name
    }
    return same.get(passage.position - 1), same.get(passage.position + 1)


def _across_pieces(
    session: Session, fragments: Sequence[str], passage: Original, alignment: Alignment
) -> tuple[Original, Alignment, str] | None:
    """A better alignment of the quote over *passage* joined to a neighbouring piece of the
    same turn: (the piece the joined text starts with, the alignment, the joined text)."""
    before, after = _pieces_around(session, passage)
    best: tuple[Original, Alignment, str] | None = None
    for first, second in ((before, passage), (passage, after)):
        if first is None or second is None:
            continue
        text = f"{first.text}\n\n{second.text}"
        joined = align(fragments, text)
        if _text_key(joined) > _text_key(best[1] if best else alignment):
            best = (first, joined, text)
    return best


def choose(
    session: Session,
    fragments: Sequence[str],
    originals: Sequence[Original],
    *,
    speaker: str | None,
    date_hint: str | None,
    zones: Sequence[str],
    before: datetime | None,
) -> tuple[Scored | None, list[Scored]]:
    """The best candidate (None when none aligns) and the others whose text fits as well."""
    scored: list[Scored] = []
    for original in originals:
        alignment = align(fragments, original.text)
        text: str | None = None
        if (
            original.kind == "passage"
            and not _complete(alignment)
            and alignment.longest_run >= JOIN_MIN_RUN
        ):
            across = _across_pieces(session, fragments, original, alignment)
            if across is not None:
                original, alignment, text = across
        if alignment.relation == "none":
            continue
        who = attribution(session, speaker, original)
        scored.append(Scored(original, alignment, who, text))
    if not scored:
        return None, []
    scored.sort(
        key=lambda s: _rank_key(s, date_hint=date_hint, zones=zones, before=before), reverse=True
    )
    best = scored[0]
    best_key = _tie_key(best, date_hint=date_hint, zones=zones)
    ties = [
        s
        for s in scored[1:]
        if _tie_key(s, date_hint=date_hint, zones=zones) == best_key
        and not _same_document(s.original, best.original)
    ]
    return best, ties


def best_alignment(fragments: Sequence[str], originals: Sequence[Original]) -> Alignment:
    """The closest (failed) alignment, for the confidence of a "none" verdict."""
    best = NO_ALIGNMENT
    for original in originals:
        alignment = align(fragments, original.text)
        if alignment.coverage > best.coverage:
            best = alignment
    return best


def match_quote(
    session: Session,
    quote: Quote,
    *,
    before: datetime | None,
    zones: Sequence[str],
    citation: dict[str, Any] | None = None,
) -> Verdict:
    """The verdict on a quotation in an article's text."""
    citation = citation if citation is not None else {"kind": "quote", **quote.to_json()}
    # A fragment may still hold an ellipsis ("A … B"): split it into its parts.
    fragments = [part for f in (quote.fragments or (quote.text,)) for part in split_fragments(f)]
    originals = candidates(session, " ".join(fragments), speaker=quote.speaker, before=before)
    best, ties = choose(
        session,
        fragments,
        originals,
        speaker=quote.speaker,
        date_hint=quote.date_hint,
        zones=zones,
        before=before,
    )
    if best is None:
        return make_verdict(
            citation,
            best_alignment(fragments, originals),
            original=None,
            attribution="unknown",
            date_hint=quote.date_hint,
            zones=zones,
        )
    return make_verdict(
        citation,
        best.alignment,
        original=to_ref(best.original, best.text, speaker=speaker_name(session, best.original)),
        attribution=best.attribution,
        date_hint=quote.date_hint,
        zones=zones,
        also_matches=[s.original.id for s in ties if s.original.id is not None],
    )


def stored_original(session: Session, platform: str, post_id: str | None) -> Original | None:
    if not post_id:
        return None
    return session.exec(
        select(Original).where(Original.platform == platform, Original.post_id == post_id)
    ).first()


def embed_speaker(embed: Embed) -> str | None:
    if embed.author_name:
        return embed.author_name
    return f"@{embed.author_handle.lstrip('@')}" if embed.author_handle else None


def match_embed(
    session: Session,
    embed: Embed,
    original: Original | None,
    *,
    before: datetime | None,
    zones: Sequence[str],
) -> Verdict:
    """The verdict on an embedded post, matched by its post id first, then by its text.

    *original* is the stored (or just resolved) original of the embed's permalink, if any.
    An embed that shows no text (Mastodon, Truth Social, YouTube…) shows the original itself.
    """
    citation = {"kind": "embed", **embed.to_json()}
    speaker = embed_speaker(embed)
    hint = embed.posted_at[:10] if embed.posted_at else None
    if original is None:
        if not embed.text:
            return make_verdict(
                citation,
                NO_ALIGNMENT,
                original=None,
                attribution="unknown",
                date_hint=hint,
                zones=zones,
            )
        quote = Quote(text=embed.text, speaker=speaker, date_hint=hint)
        return match_quote(session, quote, before=before, zones=zones, citation=citation)
    who = attribution(session, speaker, original)
    if not embed.text:
        size = len(original.text)
        alignment = Alignment("verbatim", 1, 1, 0, 1, (0, size), (("=", original.text),), 0.95)
    elif not original.text.strip():
        # Known by id only (deleted or hidden before anyone stored its words): the embed's
        # copy is all there is, so the text cannot be compared; say so with a low confidence.
        alignment = Alignment("verbatim", 1, 1, 0, 1, None, (), 0.5)
    else:
        alignment = align(embed.text, original.text)
        if alignment.relation == "none":
            # Same post id, different words: the embed (or the post) was changed.
            alignment = Alignment(
                relation="altered",
                matched=alignment.matched,
                quote_words=alignment.quote_words,
                changed=alignment.quote_words - alignment.matched,
                longest_run=alignment.longest_run,
                span=(0, len(original.text)),
                diff=(("-", original.text), ("+", embed.text)),
                confidence=0.5,
            )
    return make_verdict(
        citation,
        alignment,
        original=to_ref(original, speaker=speaker_name(session, original)),
        attribution=who,
        date_hint=hint,
        zones=zones,
    )
