"""`channels test`, `digest preview` and `digest send` through the CLI (respx for webhooks)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import respx
from sqlalchemy import Engine, select

from bot import db
from bot.deliver import enqueue
from bot.models import Article, Citation, Delivery, Digest, MatchRow

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
    assert (code, out) == (
        0,
        "made 0 digest(s) of 0 citation(s) in 0 message(s)\n"
        "sent 1, failed 0 (retried later), dead 0\n",
    )
    with engine.connect() as connection:
        assert connection.execute(select(Delivery.status)).scalars().all() == ["sent"]
    engine.dispose()


def _one_verdict(engine: Engine, text: str) -> None:
    """An article with one quote and a "not found" verdict, made now (after the channel)."""
    now = datetime.now(UTC)
    with db.session_scope(engine) as session:
        article = Article(
            url="https://news.example/a", canonical_url="https://news.example/a", title="A story"
        )
        session.add(article)
        session.flush()
        citation = Citation(article_id=article.id, kind="quote", text=text, speaker="Ilse Varga")
        session.add(citation)
        session.flush()
        session.add(
            MatchRow(
                citation_id=citation.id,
                relation="none",
                attribution="unknown",
                original_status="unknown",
                date_check="unknown",
                created_at=now,
            )  # fmt: skip
        )


def test_digest_preview_then_send_then_nothing_new(run_cli: Run, sqlite_url: str) -> None:
    run_cli("channels", "add", "news", "--kind", "slack", "--url", SLACK)
    engine: Engine = db.make_engine(sqlite_url)
    _one_verdict(engine, "Our invented plan saves money")

    code, out, _ = run_cli("digest", "preview")
    assert code == 0
    assert out.startswith("── news (slack) message 1/1")
    assert "Our invented plan saves money" in out and '"blocks"' in out
    with engine.connect() as connection:  # a preview stores nothing
        assert connection.execute(select(Digest.id)).all() == []

    with respx.mock() as router:
        route = router.post(SLACK).respond(200, text="ok")
        code, out, _ = run_cli("digest", "send")
        assert (code, out.splitlines()[0]) == (
            0,
            "made 1 digest(s) of 1 citation(s) in 1 message(s)",
        )
        body = json.loads(route.calls[0].request.content)
        assert "Our invented plan saves money" in json.dumps(body)
        code, out, _ = run_cli("digest", "send")  # nothing new: nothing sent again
        assert route.call_count == 1
    assert out == (
        "made 0 digest(s) of 0 citation(s) in 0 message(s)\n"
        "sent 0, failed 0 (retried later), dead 0\n"
    )
    assert run_cli("digest", "preview")[1] == "nothing new for any channel\n"
    engine.dispose()
