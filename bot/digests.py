"""The stage job "build digests": for each due channel, what it was not sent yet, rendered and
put in the outbox (impure: the database; the pure parts are ``bot.digest``).

A channel is due when its cron schedule has come round since its last digest, or at every
run when its schedule is ``immediate``. One transaction per channel claims the run (a
conditional update of ``last_digest_at``, so of several replicas one wins), stores the
digest, its deliveries (``bot.deliver.enqueue``) and one ``posted`` row per verdict carried:
a digest is never half made, and what was posted is never posted again. A channel only ever
receives verdicts made after it was added (no flood of old findings). With
``QUOTECHECK_PUBLIC_URL`` set, every item links to its receipt (``bot.web.links``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from croniter import croniter
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot import db, deliver
from bot.config import IMMEDIATE, Settings
from bot.digest.build import build_digest
from bot.digest.load import load_verdicts
from bot.digest.model import ChannelRules, Digest, Posted
from bot.digest.render import RENDERERS, Message
from bot.match.verdict import Severity
from bot.models import Channel, Delivery, PostedCitation
from bot.models import Digest as DigestRow
from bot.web.links import receipt_links

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=1)
"""Verdicts are read from this long before the channel's last digest: a verdict stamped
just before that digest but committed after it is not missed (what was posted is skipped)."""


def split_list(text: str | None) -> tuple[str, ...]:
    """``"a, b,,c"`` → ``("a", "b", "c")``: a channel filter as stored."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def rules_of(channel: Channel) -> ChannelRules:
    return ChannelRules(
        name=channel.name,
        min_severity=Severity(channel.min_severity),
        speakers=frozenset(split_list(channel.speakers)),
        sources=frozenset(split_list(channel.sources)),
        platforms=frozenset(split_list(channel.platforms)),
    )


def next_run(channel: Channel) -> datetime | None:
    """When the channel's next digest is due (None: at every run, ``immediate``)."""
    if channel.schedule.strip() == IMMEDIATE:
        return None
    base = channel.last_digest_at or channel.created_at
    if base is None:
        return None
    following: datetime = croniter(channel.schedule, base).get_next(datetime)
    return following


def is_due(channel: Channel, now: datetime) -> bool:
    following = next_run(channel)
    return following is None or following <= now


def posted_to(session: Session, channel_id: int) -> dict[int, Posted]:
    """What the channel was sent about each citation: the latest post, with the platform's
    id of the message that carried it when the platform gave one."""
    rows = session.execute(
        select(PostedCitation, Delivery.message_ref)
        .outerjoin(
            Delivery,
            (col(Delivery.digest_id) == col(PostedCitation.digest_id))
            & (col(Delivery.part) == col(PostedCitation.part)),
        )
        .where(col(PostedCitation.channel_id) == channel_id)
        .order_by(col(PostedCitation.id))
    ).all()
    return {
        row.citation_id: Posted(
            citation_id=row.citation_id,
            verdict_id=row.verdict_id,
            headline=Severity(row.headline),
            message_ref=ref,
        )
        for row, ref in rows
    }


@dataclass(frozen=True, slots=True)
class Composed:
    """A channel's digest and the messages it is rendered into."""

    channel: str
    kind: str
    digest: Digest
    messages: tuple[Message, ...]


def compose(
    session: Session,
    channel: Channel,
    now: datetime,
    receipt_url: Callable[[int], str | None] | None = None,
) -> Composed | None:
    """The digest of what *channel* was not sent yet, rendered; None when nothing is new.
    *receipt_url* gives each verdict's receipt link (None: no receipt links).

    Reads only: nothing is stored.
    """
    assert channel.id is not None
    since = channel.created_at
    if channel.last_digest_at is not None:
        window = channel.last_digest_at - LOOKBACK
        since = window if since is None else max(since, window)
    verdicts = load_verdicts(session, since=since, receipt_url=receipt_url)
    digest = build_digest(verdicts, rules_of(channel), posted_to(session, channel.id), now)
    if digest is None:
        return None
    if channel.kind == "apprise":  # split to the service's own limit
        from bot import notify_apprise
        from bot.digest.render import apprise

        messages = apprise.render(digest, notify_apprise.limit(channel.url))
        return Composed(channel.name, channel.kind, digest, tuple(messages))
    renderer = RENDERERS.get(channel.kind)
    if renderer is None:
        raise ValueError(f"channel {channel.name!r}: no renderer for kind {channel.kind!r}")
    return Composed(channel.name, channel.kind, digest, tuple(renderer.render(digest)))


def preview(
    engine: Engine, settings: Settings, now: datetime, channel_id: int | None = None
) -> list[Composed]:
    """What each channel (or the one given) would be sent now, whether due or not; nothing
    is written (but the receipt key, generated once when unset)."""
    links = receipt_links(engine, settings)
    with Session(engine) as session:
        query = select(Channel).order_by(col(Channel.name))
        if channel_id is not None:
            query = query.where(col(Channel.id) == channel_id)
        found = (compose(session, channel, now, links) for channel in session.exec(query).all())
        return [composed for composed in found if composed is not None]


@dataclass
class ComposeSummary:
    """What one run of :func:`compose_digests` did."""

    channels: int = 0  # due channels looked at
    digests: int = 0  # digests made (each in the outbox)
    messages: int = 0
    citations: int = 0
    errors: list[str] = field(default_factory=list)  # "channel: error"


@contextmanager
def _claimed(engine: Engine, channel: Channel, now: datetime) -> Iterator[Session | None]:
    """A transaction in which this process owns the channel's run (None: another did it).

    The claim is the transaction's first statement, so on SQLite it takes the write lock
    before anything is read, and on PostgreSQL a concurrent claim waits and then misses.
    """
    with db.session_scope(engine) as session:
        last = col(Channel.last_digest_at)
        claim = update(Channel).where(col(Channel.id) == channel.id)
        claim = claim.where(
            last.is_(None) if channel.last_digest_at is None else last == channel.last_digest_at
        )
        result = session.execute(claim.values(last_digest_at=now))
        yield session if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _store(session: Session, channel: Channel, composed: Composed, now: datetime) -> None:
    assert channel.id is not None
    digest = composed.digest
    row = DigestRow(
        channel_id=channel.id,
        period_start=channel.last_digest_at or channel.created_at,
        period_end=now,
        content_json=json.dumps(
            {
                "summary": digest.summary.text,
                "verdict_ids": [item.verdict_id for item in digest.items],
                "parts": len(composed.messages),
            }
        ),
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    deliver.enqueue(
        session,
        digest_id=row.id,
        channel_id=channel.id,
        bodies=[(message.body, message.content_type) for message in composed.messages],
        now=now,
    )
    items = {item.verdict_id: item for item in digest.items}
    for message in composed.messages:
        for verdict_id in message.verdict_ids:
            item = items[verdict_id]
            session.add(
                PostedCitation(
                    channel_id=channel.id,
                    citation_id=item.citation_id,
                    verdict_id=verdict_id,
                    headline=item.headline.value,
                    digest_id=row.id,
                    part=message.part,
                    created_at=now,
                )
            )


def compose_digests(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    channel_ids: Sequence[int] | None = None,
    force: bool = False,
) -> ComposeSummary:
    """Stage job: make the digest of every due channel (all given ones when *force*) and put
    its messages in the outbox. A channel that fails is logged and the others go on."""
    summary = ComposeSummary()
    links = receipt_links(engine, settings)  # before any claim: it may store the key
    with Session(engine) as session:
        query = select(Channel).order_by(col(Channel.id))
        if channel_ids is not None:
            query = query.where(col(Channel.id).in_(channel_ids))
        channels = list(session.exec(query).all())
    for channel in channels:
        if not force and not is_due(channel, now):
            continue
        summary.channels += 1
        try:
            with _claimed(engine, channel, now) as session:
                if session is None:
                    continue
                composed = compose(session, channel, now, links)
                if composed is None:
                    continue
                _store(session, channel, composed, now)
        except Exception as exc:  # one channel's failure must not stop the others
            log.exception("digest for channel %s failed", channel.name)
            summary.errors.append(f"{channel.name}: {type(exc).__name__}: {exc}")
            continue
        summary.digests += 1
        summary.messages += len(composed.messages)
        summary.citations += composed.digest.summary.citations
    return summary
