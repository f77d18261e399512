"""`channels test` and `digest send` through the CLI, against respx routes for the webhooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import respx
from sqlalchemy import Engine, select

from bot import db
from bot.deliver import enqueue
from bot.models import Delivery, Digest

Run = Callable[..., tuple[int, str, str]]
SLACK = "https://hooks.slack.com/services/T000/B000/invented-secret"
NOW = datetime(2020, 1, 1, tzinfo=UTC)  # queued long ago: due whenever the test runs


def test_channels_test_reports_the_platform_answer(run_cli: Run) -> None:
    assert run_cli("channels", "add", "news", "--kind", "slack", "--url", SLACK)[0] == 0
    with respx.mock() as router:
        route = router.post(SLACK).respond(200, text="ok")
        code, out, _ = run_cli("channels", "test", "news")
    assert (code, out) == (0, "sent a test message to news (ok)\n")
    assert json.loads(route.calls[0].request.content) == {
        "text": "quotecheck test message to channel news"
    }


def test_channels_test_404_is_a_failure_not_sent(run_cli: Run) -> None:
    run_cli("channels", "add", "news", "--kind", "slack", "--url", SLACK)
    with respx.mock() as router:
        router.post(SLACK).respond(404, text="no_service")
        code, out, _ = run_cli("channels", "test", "news")
    assert code == 1
    assert out == "test message to news failed: HTTP 404 Not Found: no_service\n"
    assert "invented-secret" not in out


def test_channels_test_of_an_unknown_channel_exits_2(run_cli: Run) -> None:
    code, _, err = run_cli("channels", "test", "nobody")
    assert code == 2 and "channels list" in err


def test_digest_send_sends_what_waits(run_cli: Run, sqlite_url: str) -> None:
    run_cli("channels", "add", "news", "--kind", "slack", "--url", SLACK)
    engine: Engine = db.make_engine(sqlite_url)
    with db.session_scope(engine) as session:
        session.add(Digest(id=1, channel_id=1, created_at=NOW))
        session.flush()
        enqueue(session, digest_id=1, channel_id=1, bodies=[({"text": "x"}, "application/json")],
                now=NOW)  # fmt: skip
    with respx.mock() as router:
        router.post(SLACK).respond(200, text="ok")
        code, out, _ = run_cli("digest", "send", "--channel", "news")
    assert (code, out) == (0, "sent 1, failed 0 (retried later), dead 0\n")
    with engine.connect() as connection:
        assert connection.execute(select(Delivery.status)).scalars().all() == ["sent"]
    engine.dispose()
