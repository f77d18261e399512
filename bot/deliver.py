"""The outbox: every message to a chat channel is a ``deliveries`` row, sent at least once.

States: ``pending`` → ``sending`` (the attempt is counted and committed *before* the HTTP
call) → ``sent``, or ``failed`` (retried after an exponential back-off with jitter, or after
the platform's Retry-After) → ``dead`` after ``QUOTECHECK_DELIVERY_MAX_ATTEMPTS`` attempts,
or at once on a 4xx other than 408/429 (the URL or the payload is wrong: retrying the same
request cannot help). A row left ``sending`` by a crashed worker is claimed again when its
lease expires and sent again with the same idempotency key:

- matrix: ``PUT …/send/m.room.message/{txnId}``, the txnId derived from the delivery id; the
  homeserver returns the first event for a repeated txnId of the same access token;
- googlechat: ``requestId`` (a repeated one updates the same message instead of posting);
- discord: ``?wait=true``, so a 2xx carries the stored message, whose id becomes the receipt;
- slack, mattermost, teams, webhook: no idempotency: a crash after the platform took the
  message and before the ``sent`` commit posts it again (at least once, never lost). The
  webhook kind carries an ``Idempotency-Key`` header for receivers that de-duplicate.

Rate limits: a 429 waits for ``Retry-After`` or the JSON body's ``retry_after`` (Discord,
seconds; its ``global`` flag is named in the error) / ``retry_after_ms`` (Matrix). A Discord
answer with ``X-RateLimit-Remaining: 0`` pauses that channel's next send for
``X-RateLimit-Reset-After`` seconds (at most :data:`MAX_BUCKET_PAUSE`), so a long digest
waits for its bucket instead of drawing a 429.

Rows are claimed with :func:`bot.db.claim_due`, so replicas never send one row at once. The
deliveries of one channel are sent in order; a channel that fails stops for this run while
the others go on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from bot import db
from bot.config import Settings
from bot.http import FetchError, retry_after
from bot.models import Channel, Delivery

log = logging.getLogger(__name__)

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
RETRIED_4XX = frozenset({408, 425, 429})
STATES = ("pending", "sending", "sent", "failed", "dead")
Sleep = Callable[[float], Awaitable[None]]
# Least time between two messages to one channel (Slack ~1/s, Teams 4/s, Google Chat 1/s).
SPACING = {"slack": 1.0, "mattermost": 0.2, "teams": 0.25, "googlechat": 1.0, "discord": 0.0}


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait after the *attempts*-th failed attempt: 30 s doubled each time, capped at 6 h,
    with "equal jitter" (between half and all of it) so replicas do not retry in step."""
    full: timedelta = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    jitter: float = (rng or random).random()
    return full * (0.5 + 0.5 * jitter)


# --------------------------------------------------------------------------- enqueue


def payload(body: dict[str, Any] | str, content_type: str = "application/json") -> str:
    """What a delivery row stores: the body and how to send it."""
    return json.dumps({"content_type": content_type, "body": body}, ensure_ascii=False)


def enqueue(
    session: Session,
    *,
    digest_id: int,
    channel_id: int,
    bodies: Sequence[tuple[dict[str, Any] | str, str]],
    now: datetime,
) -> list[Delivery]:
    """Add one pending delivery per (body, content type), parts numbered from 1.

    Enqueuing the same digest again adds nothing (the rows are unique by digest and part).
    """
    existing = {
        row.part: row
        for row in session.exec(select(Delivery).where(col(Delivery.digest_id) == digest_id))
    }
    rows: list[Delivery] = []
    for part, (body, content_type) in enumerate(bodies, 1):
        row = existing.get(part)
        if row is None:
            row = Delivery(
                digest_id=digest_id,
                channel_id=channel_id,
                part=part,
                payload_json=payload(body, content_type),
                status="pending",
                next_attempt_at=now,
            )
            session.add(row)
            session.flush()
            row.idempotency_key = f"quotecheck-delivery-{row.id}"
            session.add(row)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- one send


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to: sent (with the platform's receipt), or an error that is
    retried (``retry``; ``after`` the platform's own wait) or final."""

    sent: bool
    ref: str | None = None
    error: str | None = None
    retry: bool = True
    after: timedelta | None = None
    pause: float = 0.0  # seconds the channel's next send waits (an exhausted rate-limit bucket)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_text(response: httpx.Response) -> str:
    """The platform's own words: Slack's plain "no_service", Discord's JSON "message",
    Matrix's "error", Google Chat's "error.message"."""
    text = response.text
    data = _json(response)
    if isinstance(data, dict):
        nested = data.get("error")
        if isinstance(nested, dict) and isinstance(nested.get("message"), str):
            text = nested["message"]
        elif isinstance(data.get("message"), str):
            text = data["message"]
        elif isinstance(nested, str):
            text = nested
    text = " ".join(text.split())[:300]
    reason = response.reason_phrase or httpx.codes.get_reason_phrase(response.status_code)
    return f"HTTP {response.status_code} {reason}" + (f": {text}" if text else "")


def _platform_wait(response: httpx.Response, now: datetime) -> timedelta | None:
    """Retry-After, or the body's ``retry_after`` (Discord, seconds) / ``retry_after_ms``."""
    wait = retry_after(response.headers, now)
    data = _json(response)
    if isinstance(data, dict):
        if isinstance(data.get("retry_after_ms"), int | float):
            wait = max(wait or timedelta(0), timedelta(milliseconds=data["retry_after_ms"]))
        elif isinstance(data.get("retry_after"), int | float):
            wait = max(wait or timedelta(0), timedelta(seconds=data["retry_after"]))
    return wait


# Longest pause taken for an exhausted Discord bucket; a longer wait is left to a 429.
MAX_BUCKET_PAUSE = 60.0


def _bucket_pause(kind: str, response: httpx.Response) -> float:
    """Discord's ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset-After`` (seconds): the
    bucket is empty, so the channel's next send waits that long (capped) instead of drawing
    a 429."""
    if kind != "discord" or response.headers.get("X-RateLimit-Remaining", "").strip() != "0":
        return 0.0
    try:
        wait = float(response.headers.get("X-RateLimit-Reset-After", ""))
    except ValueError:
        return 0.0
    return min(max(wait, 0.0), MAX_BUCKET_PAUSE)


RECEIPT_KEYS = {"discord": "id", "matrix": "event_id", "googlechat": "name"}


def _receipt(kind: str, response: httpx.Response) -> str | None:
    """The platform's id of the message sent (Discord's message id, Matrix's event id,
    Google Chat's message name), else what the platform answered ("ok", "1")."""
    data = _json(response)
    key = RECEIPT_KEYS.get(kind, "id")
    if isinstance(data, dict) and isinstance(data.get(key), str | int):
        return str(data[key])
    return response.text.strip()[:512] or None


def matrix_target(url: str) -> tuple[str, str]:
    """``https://HOST[:PORT]/#!room:server`` → (homeserver base URL, room id)."""
    base, _, room = url.partition("#")
    if not room.startswith("!"):
        raise ValueError(f"{url}: a matrix channel URL ends in #!ROOM_ID, e.g. https://hs/#!abc")
    return base.rstrip("/"), room


def build_request(
    channel: Channel, delivery: Delivery, settings: Settings
) -> tuple[str, str, dict[str, str], bytes]:
    """Method, URL, headers and body of one delivery to its channel (no I/O)."""
    data = json.loads(delivery.payload_json)
    body = data["body"]
    content = (
        body.encode("utf-8")
        if isinstance(body, str)
        else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )
    headers = {"Content-Type": data.get("content_type", "application/json")}
    key = delivery.idempotency_key or f"quotecheck-delivery-{delivery.id}"
    kind, url = channel.kind, channel.url
    if kind == "matrix":
        base, room = matrix_target(url)
        token = settings.matrix_access_token
        if not token:
            raise ValueError("a matrix channel needs QUOTECHECK_MATRIX_ACCESS_TOKEN")
        headers["Authorization"] = f"Bearer {token}"
        target = f"{base}/_matrix/client/v3/rooms/{quote(room, safe='')}/send/m.room.message/{key}"
        return "PUT", target, headers, content
    endpoint = httpx.URL(url)
    if kind == "discord":
        endpoint = endpoint.copy_merge_params({"wait": "true"})
    elif kind == "googlechat":
        endpoint = endpoint.copy_merge_params({"requestId": key})
    elif kind == "webhook":
        headers["Idempotency-Key"] = key
    return "POST", str(endpoint), headers, content


async def send_one(
    client: httpx.AsyncClient,
    channel: Channel,
    delivery: Delivery,
    settings: Settings,
    now: datetime,
) -> Outcome:
    """One attempt at one delivery; never raises for what the network or platform does."""
    if channel.kind == "stdout":
        data = json.loads(delivery.payload_json)["body"]
        print(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))
        return Outcome(sent=True)
    if channel.kind == "apprise":
        from bot import notify_apprise

        data = json.loads(delivery.payload_json)["body"]
        body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        error = await asyncio.to_thread(notify_apprise.notify, channel.url, body)
        return Outcome(sent=True) if error is None else Outcome(sent=False, error=error)
    try:
        method, url, headers, content = build_request(channel, delivery, settings)
    except ValueError as exc:
        return Outcome(sent=False, error=str(exc), retry=False)
    try:
        response = await client.request(method, url, headers=headers, content=content)
    except httpx.TimeoutException as exc:  # may have been sent: idempotency decides
        return Outcome(sent=False, error=f"timeout ({type(exc).__name__}); outcome unknown")
    except httpx.HTTPError as exc:
        return Outcome(sent=False, error=f"{type(exc).__name__}: {exc}")
    except FetchError as exc:  # the SSRF guard refused the address: retrying cannot help
        return Outcome(sent=False, error=exc.reason, retry=False)
    pause = _bucket_pause(channel.kind, response)
    if response.is_success:
        return Outcome(sent=True, ref=_receipt(channel.kind, response), pause=pause)
    error = _error_text(response)
    if response.status_code == 429 or response.status_code >= 500:
        data = _json(response)
        if isinstance(data, dict) and data.get("global") is True:
            error += " (global rate limit)"
        return Outcome(sent=False, error=error, after=_platform_wait(response, now), pause=pause)
    return Outcome(sent=False, error=error, retry=response.status_code in RETRIED_4XX)


# --------------------------------------------------------------------------- the stage job


@dataclass
class Summary:
    """What one run of :func:`send_deliveries` did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)  # "channel: error"


DUE_STATES = ("pending", "failed", "sending")


def _due(now: datetime) -> list[Any]:
    return [
        col(Delivery.status).in_(DUE_STATES),
        or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now),
    ]


def _start(engine: Engine, delivery_id: int, now: datetime) -> tuple[Delivery, Channel] | None:
    """Count the attempt and mark the row sending, committed before any byte is sent."""
    with db.session_scope(engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None or row.status in ("sent", "dead"):
            return None
        channel = session.get(Channel, row.channel_id)
        if channel is None:
            return None
        row.status = "sending"
        row.attempts += 1
        row.attempted_at = now
        session.add(row)
        return row, channel


def _finish(
    engine: Engine, delivery_id: int, outcome: Outcome, *, now: datetime, max_attempts: int
) -> str:
    with db.session_scope(engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            return "gone"
        row.lease_owner = None
        row.lease_until = None
        if outcome.sent:
            row.status = "sent"
            row.sent_at = now
            row.message_ref = outcome.ref or row.message_ref
            row.last_error = None
        else:
            row.last_error = outcome.error
            if not outcome.retry or row.attempts >= max_attempts:
                row.status = "dead"
                row.next_attempt_at = None
            else:
                row.status = "failed"
                wait = backoff(row.attempts)
                if outcome.after is not None:
                    wait = max(outcome.after, timedelta(seconds=1))
                row.next_attempt_at = now + wait
        session.add(row)
        return row.status


async def _send_channel(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    ids: Sequence[int],
    *,
    now: datetime,
    owner: str,
    sleep: Sleep,
    summary: Summary,
) -> None:
    pause = 0.0
    for position, delivery_id in enumerate(ids):
        started = _start(engine, delivery_id, now)
        if started is None:
            continue
        row, channel = started
        wait = max(pause, SPACING.get(channel.kind, 0.0)) if position else 0.0
        if wait:
            await sleep(wait)
        outcome = await send_one(client, channel, row, settings, now)
        pause = outcome.pause
        state = _finish(
            engine, delivery_id, outcome, now=now, max_attempts=settings.delivery_max_attempts
        )
        if state == "sent":
            summary.sent += 1
            continue
        summary.errors.append(f"{channel.name}: {outcome.error}")
        log.warning("delivery %s to %s: %s (%s)", delivery_id, channel.name, outcome.error, state)
        if state == "dead":
            summary.dead += 1
        else:
            summary.failed += 1
        # Keep the channel's order: what follows waits for the failed part.
        db.release(engine, Delivery, list(ids[position + 1 :]), owner=owner)
        return


async def send_deliveries(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str = "deliver",
    limit: int = 100,
    channel_id: int | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Summary:
    """Send the due deliveries (stage job): claimed with a lease, one channel after another
    part by part, the channels side by side."""
    due = _due(now)
    if channel_id is not None:
        due.append(col(Delivery.channel_id) == channel_id)
    ids = db.claim_due(
        engine, Delivery, owner=owner, now=now, lease=settings.lease_duration, limit=limit, due=due
    )
    summary = Summary()
    if not ids:
        return summary
    by_channel: dict[int, list[int]] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.id, Delivery.channel_id)
            .where(col(Delivery.id).in_(ids))
            .order_by(col(Delivery.id))
        ).all()
    for delivery_id, channel in rows:
        assert delivery_id is not None
        by_channel.setdefault(channel, []).append(delivery_id)
    await asyncio.gather(
        *(
            _send_channel(
                engine,
                client,
                settings,
                channel_ids,
                now=now,
                owner=owner,
                sleep=sleep,
                summary=summary,
            )
            for channel_ids in by_channel.values()
        )
    )
    return summary


async def send_test(
    client: httpx.AsyncClient, channel: Channel, settings: Settings, now: datetime
) -> Outcome:
    """`quotecheck channels test NAME`: one small message, and the platform's real answer."""
    text = f"quotecheck test message to channel {channel.name}"
    bodies: dict[str, dict[str, Any]] = {
        "slack": {"text": text},
        "mattermost": {"text": text},
        "discord": {"content": text, "allowed_mentions": {"parse": []}},
        "googlechat": {"text": text},
        "matrix": {"msgtype": "m.notice", "body": text, "m.mentions": {}},
        "webhook": {"type": "test", "text": text},
        "teams": {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
                    },
                }
            ],
        },
    }
    probe = Delivery(
        id=0,
        digest_id=0,
        channel_id=channel.id or 0,
        payload_json=(
            payload(text, "text/plain")
            if channel.kind == "apprise"
            else payload(bodies.get(channel.kind, {"text": text}))
        ),
        idempotency_key=f"quotecheck-test-{int(now.timestamp() * 1000)}",
    )
    return await send_one(client, channel, probe, settings, now)
