"""The outbox against respx routes shaped like each platform's documented answers
(Slack's plain "ok"/"no_service", Discord's message object and 429 body, Google Chat's
message resource, Teams Workflows' 202)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.deliver import Summary, backoff, enqueue, send_deliveries
from bot.models import Channel, Delivery, Digest

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
SLACK = "https://hooks.slack.com/services/T000/B000/invented"
DISCORD = "https://discord.com/api/webhooks/123/invented-token"
CHAT = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"
TEAMS = "https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"
MATTERMOST = "https://mm.example/hooks/invented"


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def _channel(engine: Engine, name: str, kind: str, url: str) -> int:
    with db.session_scope(engine) as session:
        channel = Channel(name=name, kind=kind, url=url)
        session.add(channel)
        session.flush()
        assert channel.id is not None
        return channel.id


def _queue(engine: Engine, channel_id: int, *texts: str) -> list[int]:
    with db.session_scope(engine) as session:
        digest = Digest(channel_id=channel_id, created_at=NOW)
        session.add(digest)
        session.flush()
        assert digest.id is not None
        rows = enqueue(
            session,
            digest_id=digest.id,
            channel_id=channel_id,
            bodies=[({"text": text}, "application/json") for text in texts],
            now=NOW,
        )
        return [row.id for row in rows if row.id is not None]


def _rows(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())  # type: ignore[arg-type]


async def _no_sleep(_seconds: float) -> None:
    return None


def _send(engine: Engine, now: datetime = NOW, **settings: Any) -> Summary:
    async def run() -> Summary:
        async with httpx.AsyncClient() as client:
            return await send_deliveries(
                engine, client, _settings(**settings), now, sleep=_no_sleep
            )

    return asyncio.run(run())


def test_slack_message_is_posted_once_and_marked_sent(engine: Engine) -> None:
    _queue(engine, _channel(engine, "news", "slack", SLACK), "two findings")
    with respx.mock() as router:
        route = router.post(SLACK).respond(200, text="ok")
        assert _send(engine).sent == 1
        assert _send(engine).sent == 0  # nothing is due any more
    assert route.call_count == 1
    assert json.loads(route.calls[0].request.content) == {"text": "two findings"}
    [row] = _rows(engine)
    assert (row.status, row.attempts, row.message_ref, row.sent_at) == ("sent", 1, "ok", NOW)


def test_slack_429_waits_for_retry_after(engine: Engine) -> None:
    _queue(engine, _channel(engine, "news", "slack", SLACK), "a digest")
    with respx.mock() as router:
        route = router.post(SLACK)
        route.side_effect = [
            httpx.Response(429, headers={"Retry-After": "30"}, text="rate_limited"),
            httpx.Response(200, text="ok"),
        ]
        summary = _send(engine)
        assert (summary.sent, summary.failed) == (0, 1)
        [row] = _rows(engine)
        assert row.status == "failed"
        assert row.next_attempt_at == NOW + timedelta(seconds=30)
        assert "HTTP 429" in (row.last_error or "") and "rate_limited" in (row.last_error or "")
        assert _send(engine, NOW + timedelta(seconds=29)).sent == 0  # not before it asked
        assert route.call_count == 1
        assert _send(engine, NOW + timedelta(seconds=30)).sent == 1
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.parametrize(
    ("status", "text", "words"),
    [
        (404, "no_service", "HTTP 404 Not Found: no_service"),
        (410, "channel_is_archived", "HTTP 410 Gone: channel_is_archived"),
        (400, "invalid_blocks", "HTTP 400 Bad Request: invalid_blocks"),
        (403, "action_prohibited", "HTTP 403 Forbidden: action_prohibited"),
    ],
)
def test_slack_4xx_is_dead_at_once_with_the_platform_error(
    engine: Engine, status: int, text: str, words: str
) -> None:
    _queue(engine, _channel(engine, "news", "slack", SLACK), "a digest")
    with respx.mock() as router:
        route = router.post(SLACK).respond(status, text=text)
        summary = _send(engine)
        assert _send(engine, NOW + timedelta(days=1)).dead == 0  # not retried
    assert (summary.sent, summary.dead) == (0, 1)
    assert route.call_count == 1
    [row] = _rows(engine)
    assert (row.status, row.sent_at, row.last_error) == ("dead", None, words)


def test_server_errors_back_off_and_die_after_max_attempts(engine: Engine) -> None:
    _queue(engine, _channel(engine, "news", "mattermost", MATTERMOST), "a digest")
    now = NOW
    waits = []
    with respx.mock() as router:
        route = router.post(MATTERMOST).respond(500, json={"message": "boom"})
        for attempt in range(1, 9):
            summary = _send(engine, now)
            [row] = _rows(engine)
            assert row.attempts == attempt
            if attempt < 8:
                assert (summary.failed, row.status) == (1, "failed")
                assert row.next_attempt_at is not None
                waits.append(row.next_attempt_at - now)
                now = row.next_attempt_at
        assert (summary.dead, row.status) == (1, "dead")
        assert _send(engine, now + timedelta(days=2)).dead == 0
    assert route.call_count == 8
    assert row.last_error == "HTTP 500 Internal Server Error: boom"
    # 30 s doubled each time, with jitter between half and all of it
    for n, wait in enumerate(waits, 1):
        full = timedelta(seconds=30 * 2 ** (n - 1))
        assert full / 2 <= wait <= full


def test_backoff_is_capped_at_six_hours() -> None:
    assert backoff(40) <= timedelta(hours=6)
    assert backoff(40) >= timedelta(hours=3)


def test_discord_waits_for_the_message_and_stores_its_id(engine: Engine) -> None:
    _queue(engine, _channel(engine, "d", "discord", DISCORD), "one", "two")
    with respx.mock() as router:
        route = router.post(DISCORD, params={"wait": "true"})
        route.side_effect = [
            httpx.Response(200, json={"id": "1111", "channel_id": "9", "content": "one"}),
            httpx.Response(
                429,
                headers={"Retry-After": "65", "X-RateLimit-Remaining": "0"},
                json={"message": "You are being rate limited.", "retry_after": 64.57,
                      "global": False},
            ),
        ]  # fmt: skip
        summary = _send(engine)
    assert (summary.sent, summary.failed) == (1, 1)
    first, second = _rows(engine)
    assert (first.status, first.message_ref) == ("sent", "1111")
    assert second.status == "failed"
    assert second.next_attempt_at == NOW + timedelta(seconds=65)
    assert second.last_error == "HTTP 429 Too Many Requests: You are being rate limited."


def test_discord_unknown_webhook_is_a_failure(engine: Engine) -> None:
    _queue(engine, _channel(engine, "d", "discord", DISCORD), "one")
    with respx.mock() as router:
        router.post(DISCORD).respond(404, json={"message": "Unknown Webhook", "code": 10015})
        assert _send(engine).dead == 1
    assert _rows(engine)[0].last_error == "HTTP 404 Not Found: Unknown Webhook"


def test_google_chat_sends_the_request_id_and_keeps_the_message_name(engine: Engine) -> None:
    [delivery_id] = _queue(engine, _channel(engine, "g", "googlechat", CHAT), "hello")
    with respx.mock() as router:
        route = router.post("https://chat.googleapis.com/v1/spaces/AAA/messages").respond(
            200, json={"name": "spaces/AAA/messages/BBB.BBB", "text": "hello"}
        )
        assert _send(engine).sent == 1
    params = route.calls[0].request.url.params
    assert (params["key"], params["token"]) == ("k", "t")
    assert params["requestId"] == f"quotecheck-delivery-{delivery_id}"
    assert _rows(engine)[0].message_ref == "spaces/AAA/messages/BBB.BBB"


def test_google_chat_quota_429_is_retried(engine: Engine) -> None:
    _queue(engine, _channel(engine, "g", "googlechat", CHAT), "hello")
    body = {"error": {"code": 429, "message": "Resource has been exhausted", "status":
            "RESOURCE_EXHAUSTED"}}  # fmt: skip
    with respx.mock() as router:
        router.post("https://chat.googleapis.com/v1/spaces/AAA/messages").respond(429, json=body)
        assert _send(engine).failed == 1
    [row] = _rows(engine)
    assert row.last_error == "HTTP 429 Too Many Requests: Resource has been exhausted"
    assert row.next_attempt_at is not None and row.next_attempt_at > NOW


def test_teams_workflow_accepts_with_202(engine: Engine) -> None:
    _queue(engine, _channel(engine, "t", "teams", TEAMS), "card")
    with respx.mock() as router:
        router.post(TEAMS).respond(202)
        assert _send(engine).sent == 1
    assert _rows(engine)[0].status == "sent"


def test_timeout_counts_as_maybe_sent_and_is_retried(engine: Engine) -> None:
    _queue(engine, _channel(engine, "news", "slack", SLACK), "a digest")
    with respx.mock() as router:
        route = router.post(SLACK)
        route.side_effect = [httpx.ReadTimeout("read timed out"), httpx.Response(200, text="ok")]
        assert _send(engine).failed == 1
        [row] = _rows(engine)
        assert row.status == "failed" and "outcome unknown" in (row.last_error or "")
        assert row.next_attempt_at is not None
        assert _send(engine, row.next_attempt_at).sent == 1


def test_a_failing_channel_keeps_its_order_and_holds_up_no_other(engine: Engine) -> None:
    slack = _channel(engine, "news", "slack", SLACK)
    mattermost = _channel(engine, "mm", "mattermost", MATTERMOST)
    _queue(engine, slack, "part one", "part two")
    _queue(engine, mattermost, "elsewhere")
    with respx.mock() as router:
        slack_route = router.post(SLACK).respond(503, text="")
        router.post(MATTERMOST).respond(200, text="ok")
        summary = _send(engine)
    assert (summary.sent, summary.failed) == (1, 1)
    assert slack_route.call_count == 1  # part two was not sent before part one
    assert [row.status for row in _rows(engine)] == ["failed", "pending", "sent"]


def test_a_row_left_sending_by_a_crash_is_sent_again_after_its_lease(engine: Engine) -> None:
    _queue(engine, _channel(engine, "news", "slack", SLACK), "a digest")
    claimed = db.claim_due(engine, Delivery, owner="crashed", now=NOW, lease=timedelta(minutes=5))
    with db.session_scope(engine) as session:
        row = session.get(Delivery, claimed[0])
        assert row is not None
        row.status, row.attempts = "sending", 1
    with respx.mock() as router:
        route = router.post(SLACK).respond(200, text="ok")
        assert _send(engine, NOW + timedelta(minutes=1)).sent == 0  # still leased
        assert _send(engine, NOW + timedelta(minutes=6)).sent == 1
    assert route.call_count == 1
    assert (_rows(engine)[0].status, _rows(engine)[0].attempts) == ("sent", 2)


def test_enqueueing_a_digest_twice_adds_nothing(engine: Engine) -> None:
    channel = _channel(engine, "news", "slack", SLACK)
    _queue(engine, channel, "a", "b")
    with db.session_scope(engine) as session:
        enqueue(
            session, digest_id=1, channel_id=channel, bodies=[({"text": "a"}, "x")] * 2, now=NOW
        )
    assert len(_rows(engine)) == 2
