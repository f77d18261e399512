"""Faults on every webhook platform, with the platform's documented success and error answers
(429 bodies and headers included): a 429, a 500, a timeout and a connection reset each leave
the part failed, the next run after its wait sends it, and the receiver takes it exactly once.
Discord's rate-limit bucket headers pause the channel instead of drawing a 429."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine

from bot.deliver import MAX_BUCKET_PAUSE, send_deliveries
from tests.test_deliver import (
    CHAT,
    DISCORD,
    MATTERMOST,
    NOW,
    SLACK,
    TEAMS,
    _channel,
    _queue,
    _rows,
    _send,
    _settings,
)

CHAT_ROUTE = "https://chat.googleapis.com/v1/spaces/AAA/messages"
# What each platform answers on success, and on a 429 (status, headers, body).
PLATFORMS: dict[str, dict[str, Any]] = {
    "slack": {
        "url": SLACK,
        "route": SLACK,
        "ok": lambda: httpx.Response(200, text="ok"),
        "429": lambda: httpx.Response(429, headers={"Retry-After": "30"}, text="rate_limited"),
        "wait": 30,
    },
    "discord": {
        "url": DISCORD,
        "route": DISCORD,
        "ok": lambda: httpx.Response(
            200,
            headers={"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4"},
            json={"id": "2222", "channel_id": "9", "content": "x"},
        ),
        "429": lambda: httpx.Response(
            429,
            headers={
                "Retry-After": "3",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": "2.5",
                "X-RateLimit-Bucket": "abcd1234",
                "X-RateLimit-Scope": "user",
            },
            json={"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
        ),
        "wait": 3,
    },
    "teams": {
        "url": TEAMS,
        "route": TEAMS,
        "ok": lambda: httpx.Response(202),
        "429": lambda: httpx.Response(
            429,
            headers={"Retry-After": "12"},
            json={
                "error": {
                    "code": "WorkflowRequestsThrottled",
                    "message": "Rate limit is exceeded. Try again in 12 seconds.",
                }
            },
        ),  # fmt: skip
        "wait": 12,
    },
    "googlechat": {
        "url": CHAT,
        "route": CHAT_ROUTE,
        "ok": lambda: httpx.Response(200, json={"name": "spaces/AAA/messages/C.C", "text": "x"}),
        "429": lambda: httpx.Response(
            429,
            json={
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted (e.g. check quota).",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
        ),  # fmt: skip
        "wait": None,  # no Retry-After: the outbox backs off
    },
    "mattermost": {
        "url": MATTERMOST,
        "route": MATTERMOST,
        "ok": lambda: httpx.Response(200, text="ok"),
        "429": lambda: httpx.Response(
            429,
            headers={
                "X-Ratelimit-Limit": "10",
                "X-Ratelimit-Remaining": "0",
                "X-Ratelimit-Reset": "1",
                "Retry-After": "1",
            },
            text="limit exceeded\n",
        ),  # fmt: skip
        "wait": 1,
    },
}


def _fault(kind: str, fault: str) -> httpx.Response | Exception:
    if fault == "429":
        response: httpx.Response = PLATFORMS[kind]["429"]()
        return response
    if fault == "500":
        return httpx.Response(500, text="Internal Server Error")
    if fault == "timeout":
        return httpx.ReadTimeout("The read operation timed out")
    return httpx.ReadError("[Errno 104] Connection reset by peer")


@pytest.mark.parametrize("fault", ["429", "500", "timeout", "reset"])
@pytest.mark.parametrize("kind", sorted(PLATFORMS))
def test_a_fault_loses_nothing_and_doubles_nothing(engine: Engine, kind: str, fault: str) -> None:
    spec = PLATFORMS[kind]
    _queue(engine, _channel(engine, "c", kind, spec["url"]), "first", "second")
    with respx.mock() as router:
        route = router.post(spec["route"])
        route.side_effect = [spec["ok"](), _fault(kind, fault), spec["ok"](), spec["ok"]()]
        summary = _send(engine)
        assert (summary.sent, summary.failed, summary.dead) == (1, 1, 0)
        first, second = _rows(engine)
        assert (first.status, second.status) == ("sent", "failed")
        assert second.next_attempt_at is not None and second.next_attempt_at > NOW
        if fault == "429" and spec["wait"] is not None:
            assert second.next_attempt_at == NOW + timedelta(seconds=spec["wait"])
        assert _send(engine, second.next_attempt_at - timedelta(seconds=1)).sent == 0
        assert _send(engine, second.next_attempt_at).sent == 1
        assert _send(engine, second.next_attempt_at + timedelta(hours=1)).sent == 0
    assert [row.status for row in _rows(engine)] == ["sent", "sent"]
    accepted = [call for call in route.calls if call.optional_response and call.response.is_success]
    assert len(accepted) == 2 and route.call_count == 3
    assert {call.request.content for call in accepted} == {c.request.content for c in route.calls}


def test_a_discord_429_says_when_the_limit_is_global(engine: Engine) -> None:
    _queue(engine, _channel(engine, "d", "discord", DISCORD), "one")
    with respx.mock() as router:
        router.post(DISCORD).respond(
            429,
            headers={"Retry-After": "1", "X-RateLimit-Global": "true", "X-RateLimit-Scope":
                     "global"},
            json={"message": "You are being rate limited.", "retry_after": 0.75,
                  "global": True},
        )  # fmt: skip
        assert _send(engine).failed == 1
    [row] = _rows(engine)
    assert (
        row.last_error
        == "HTTP 429 Too Many Requests: You are being rate limited. (global rate limit)"
    )
    assert row.next_attempt_at == NOW + timedelta(seconds=1)


def _send_recording(engine: Engine) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> None:
        async with httpx.AsyncClient() as client:
            await send_deliveries(engine, client, _settings(), NOW, sleep=sleep)

    asyncio.run(run())
    return slept


@pytest.mark.parametrize(("reset_after", "paused"), [("2.5", 2.5), ("600", MAX_BUCKET_PAUSE)])
def test_an_empty_discord_bucket_pauses_the_next_part(
    engine: Engine, reset_after: str, paused: float
) -> None:
    _queue(engine, _channel(engine, "d", "discord", DISCORD), "one", "two", "three")
    emptied = {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": reset_after,
        "X-RateLimit-Bucket": "abcd1234",
    }
    with respx.mock() as router:
        router.post(DISCORD).side_effect = [
            httpx.Response(200, headers={"X-RateLimit-Remaining": "1"}, json={"id": "1"}),
            httpx.Response(200, headers=emptied, json={"id": "2"}),
            httpx.Response(200, headers={"X-RateLimit-Remaining": "4"}, json={"id": "3"}),
        ]
        slept = _send_recording(engine)
    assert slept == [paused]
    assert [row.message_ref for row in _rows(engine)] == ["1", "2", "3"]


def test_a_slack_channel_is_spaced_about_a_second_a_message(engine: Engine) -> None:
    _queue(engine, _channel(engine, "s", "slack", SLACK), "one", "two", "three")
    with respx.mock() as router:
        router.post(SLACK).respond(200, text="ok")
        assert _send_recording(engine) == [1.0, 1.0]
