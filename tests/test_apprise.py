"""Apprise channels: the text digest through Apprise to a real local receiver (`json://`)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import admin, db
from bot.config import ConfigError, Settings
from bot.deliver import send_deliveries
from bot.digests import compose_digests
from bot.http import make_async_client
from bot.models import Article, Channel, Citation, Delivery, MatchRow
from bot.notify_apprise import limit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


class Receiver:
    """Answers each POST with *status* and keeps the JSON it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.bodies.append(json.loads(body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/notify"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    threading.Thread(target=found.server.serve_forever, daemon=True).start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _verdicts(engine: Engine, quotes: list[str]) -> None:
    with db.session_scope(engine) as session:
        article = Article(url="https://news.example/1", canonical_url="https://news.example/1")
        session.add(article)
        session.flush()
        for n, text in enumerate(quotes):
            citation = Citation(article_id=article.id, position=n, kind="quote", text=text)
            session.add(citation)
            session.flush()
            session.add(
                MatchRow(
                    citation_id=citation.id,
                    relation="none",
                    attribution="unknown",
                    original_status="unknown",
                    date_check="unknown",
                    created_at=NOW,
                )  # fmt: skip
            )


def _send(engine: Engine) -> tuple[int, int, list[str]]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    async def run() -> tuple[int, int, list[str]]:
        async with make_async_client(settings) as client:
            summary = await send_deliveries(engine, client, settings, NOW)
            return summary.sent, summary.failed, summary.errors

    return asyncio.run(run())


def test_limits_come_from_the_service() -> None:
    assert limit("tgram://123456:ABCDEF/987") == 4096  # Telegram's message limit
    assert limit("json://127.0.0.1:9/x") == 32_768


def test_unknown_apprise_urls_are_refused(engine: Engine) -> None:
    with pytest.raises(ConfigError, match="not an Apprise URL"):
        admin.add_channel(
            engine, "x", kind="apprise", url="nosuch://x", schedule="immediate",
            min_severity="verbatim", now=NOW,
        )  # fmt: skip
    info = admin.add_channel(
        engine, "tg", kind="apprise", url="tgram://123456:SECRETTOKEN/987", schedule="immediate",
        min_severity="verbatim", now=NOW,
    )  # fmt: skip
    assert info.url == "tgram://…"  # the token is never shown


def test_a_digest_goes_out_through_apprise(engine: Engine, receiver: Receiver) -> None:
    admin.add_channel(
        engine, "ops", kind="apprise", url=receiver.url, schedule="immediate",
        min_severity="verbatim", now=NOW,
    )  # fmt: skip
    _verdicts(engine, ["Invented words one", "@everyone invented words two"])
    assert compose_digests(engine, SETTINGS, NOW).messages == 1
    assert _send(engine)[:2] == (1, 0)
    (body,) = receiver.bodies
    message = body["message"]
    assert isinstance(message, str)
    assert "Invented words one" in message and "invented words two" in message
    assert "@everyone" not in message  # neutralised before it left
    with Session(engine) as session:
        assert session.exec(select(Delivery.status)).all() == ["sent"]


def test_a_refusing_service_is_retried_later_with_apprise_reason(
    engine: Engine, receiver: Receiver
) -> None:
    receiver.status = 503
    admin.add_channel(
        engine, "ops", kind="apprise", url=receiver.url, schedule="immediate",
        min_severity="verbatim", now=NOW,
    )  # fmt: skip
    _verdicts(engine, ["Invented words"])
    compose_digests(engine, SETTINGS, NOW)
    sent, failed, errors = _send(engine)
    assert (sent, failed) == (0, 1)
    assert "Apprise could not send" in errors[0] and "503" in errors[0]
    with Session(engine) as session:
        row = session.exec(select(Delivery)).one()
        channel = session.exec(select(Channel)).one()
    assert row.status == "failed" and row.next_attempt_at is not None
    assert channel.url == receiver.url


def test_a_long_digest_is_split_to_the_service_limit(engine: Engine, receiver: Receiver) -> None:
    url = receiver.url + "?overflow=upstream"  # Apprise sends as given; we split
    admin.add_channel(
        engine, "ops", kind="apprise", url=url, schedule="immediate",
        min_severity="verbatim", now=NOW,
    )  # fmt: skip
    _verdicts(engine, [f"Invented quote {n} " * 120 for n in range(30)])  # ~60,000 characters
    made = compose_digests(engine, SETTINGS, NOW)
    assert made.messages >= 2
    assert _send(engine)[0] == made.messages
    assert all(len(str(body["message"])) <= 32_768 for body in receiver.bodies)
    text = "".join(str(body["message"]) for body in receiver.bodies)
    assert all(f"Invented quote {n} " in text for n in range(30))
