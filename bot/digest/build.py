"""Build a channel's digest from stored verdicts (pure: values in, a value out).

Only what the channel was not sent yet goes in: a citation never posted, or one whose
verdict changed since it was posted (an update, linked to the earlier message). Citations
are grouped by article; articles and citations are ordered most serious first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from bot.digest.model import (
    ArticleGroup,
    ChannelRules,
    Digest,
    DigestItem,
    Posted,
    StoredVerdict,
    Summary,
)
from bot.match.align import DiffOp
from bot.match.verdict import Severity


def outlet(url: str) -> str:
    """The host name of *url* without "www." ("" when it has none)."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def changed_words(diff: Iterable[DiffOp]) -> tuple[tuple[str, str], ...]:
    """(the original's words, the article's words) for each change of a word diff.

    A run of dropped words followed by added ones is one replacement.
    """
    pairs: list[tuple[str, str]] = []
    dropped: str | None = None
    for op, words in diff:
        if op == "-":
            dropped = f"{dropped} {words}" if dropped else words
        elif op == "+":
            pairs.append((dropped or "", words))
            dropped = None
        else:
            if dropped:
                pairs.append((dropped, ""))
            dropped = None
    if dropped:
        pairs.append((dropped, ""))
    return tuple(pairs)


def wanted(verdict: StoredVerdict, rules: ChannelRules) -> bool:
    """Does the channel want this verdict (severity and filters)?"""
    if verdict.headline < rules.min_severity:
        return False
    if rules.speakers:
        names = {verdict.speaker, verdict.original_speaker} - {None}
        if not {name.casefold() for name in names if name} & {s.casefold() for s in rules.speakers}:
            return False
    if rules.platforms and (verdict.platform or "").casefold() not in {
        p.casefold() for p in rules.platforms
    }:
        return False
    if rules.sources:
        keys = {verdict.source_url, outlet(verdict.article_url)}
        if verdict.source_url:
            keys.add(outlet(verdict.source_url))
        if not keys & rules.sources:
            return False
    return True


def _item(verdict: StoredVerdict, posted: Posted | None) -> DigestItem:
    return DigestItem(
        verdict_id=verdict.verdict_id,
        citation_id=verdict.citation_id,
        speaker=verdict.speaker,
        platform=verdict.platform,
        quote=verdict.quote,
        headline=verdict.headline,
        changed_words=changed_words(verdict.diff) if verdict.headline is Severity.ALTERED else (),
        real_speaker=verdict.original_speaker
        if verdict.headline is Severity.MISATTRIBUTED
        else None,
        original_url=verdict.original_url,
        archive_url=verdict.archive_url,
        receipt_url=verdict.receipt_url,
        is_update=posted is not None,
        previous_headline=posted.headline if posted else None,
        previous_message_ref=posted.message_ref if posted else None,
    )


def build_digest(
    verdicts: Iterable[StoredVerdict],
    rules: ChannelRules,
    posted: Mapping[int, Posted],
    now: datetime,
) -> Digest | None:
    """The digest of what *rules*' channel has not been sent yet, or None when nothing is new.

    *verdicts* are the latest verdict of each citation (for several of one citation the
    newest counts); *posted* maps a citation id to what the channel was sent about it. A
    citation sent with the same headline is left out; sent with another, it is an update.
    An update that falls below the channel's minimum severity is still sent, so an earlier
    alarm is corrected.
    """
    latest: dict[int, StoredVerdict] = {}
    for verdict in verdicts:
        seen = latest.get(verdict.citation_id)
        if seen is None or (verdict.created_at, verdict.verdict_id) > (
            seen.created_at,
            seen.verdict_id,
        ):
            latest[verdict.citation_id] = verdict
    by_article: dict[str, list[tuple[StoredVerdict, DigestItem]]] = {}
    for verdict in latest.values():
        before = posted.get(verdict.citation_id)
        if before is not None and before.headline is verdict.headline:
            continue
        if before is None and not wanted(verdict, rules):
            continue
        by_article.setdefault(verdict.article_url, []).append((verdict, _item(verdict, before)))
    if not by_article:
        return None
    groups = []
    for url, entries in by_article.items():
        entries.sort(key=lambda e: (-e[1].headline.rank, e[0].citation_id))
        first = entries[0][0]
        groups.append(
            ArticleGroup(
                title=first.article_title or url,
                outlet=outlet(url),
                published_at=first.article_published_at,
                url=url,
                items=tuple(item for _, item in entries),
            )
        )
    groups.sort(key=lambda g: (-g.headline.rank, -_timestamp(g.published_at), g.url))
    items = [item for group in groups for item in group.items]
    counts = Counter(item.headline for item in items)
    summary = Summary(
        articles=len(groups),
        citations=len(items),
        counts=tuple(sorted(counts.items(), key=lambda kv: -kv[0].rank)),
        updates=sum(item.is_update for item in items),
    )
    return Digest(channel=rules.name, generated_at=now, articles=tuple(groups), summary=summary)


def _timestamp(when: datetime | None) -> float:
    return when.timestamp() if when else 0.0
