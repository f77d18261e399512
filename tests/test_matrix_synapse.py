"""Matrix delivery against a real Synapse homeserver on 127.0.0.1.

Synapse runs from its own virtualenv (it pins its own dependencies): ``.venv-synapse`` at
the project's root, which `.ci/run` creates (``python3 -m venv .venv-synapse &&
.venv-synapse/bin/pip install matrix-synapse``), or the Python named by
``QUOTECHECK_TEST_SYNAPSE_PYTHON``. Without it the tests skip and say so.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.deliver import send_deliveries
from bot.digests import compose_digests
from bot.http import make_async_client
from bot.models import Article, Channel, Citation, Delivery, MatchRow

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = "@room look <script>alert(1)</script> <a href='javascript:x()'>here</a>"


def _synapse_python() -> Path | None:
    named = os.environ.get("QUOTECHECK_TEST_SYNAPSE_PYTHON")
    candidate = Path(named) if named else ROOT / ".venv-synapse" / "bin" / "python"
    return candidate if candidate.exists() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Homeserver:
    base: str
    token: str  # the bot's access token
    room: str  # a room the bot created and is in


OVERRIDES = """\
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
trusted_key_servers: []
suppress_key_server_warning: true
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
"""


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    python = _synapse_python()
    if python is None:
        pytest.skip(
            "Synapse not installed: create .venv-synapse (python3 -m venv .venv-synapse && "
            ".venv-synapse/bin/pip install matrix-synapse) or set QUOTECHECK_TEST_SYNAPSE_PYTHON"
        )
    home = tmp_path_factory.mktemp("synapse")
    port = _free_port()
    config = home / "homeserver.yaml"
    subprocess.run(
        [str(python), "-m", "synapse.app.homeserver", "--server-name", "localhost",
         "--config-path", str(config), "--generate-config", "--report-stats=no"],
        cwd=home, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    overrides = home / "overrides.yaml"
    overrides.write_text(OVERRIDES.format(port=port), encoding="utf-8")
    log = (home / "synapse.out").open("wb")
    server = subprocess.Popen(
        [str(python), "-m", "synapse.app.homeserver", "-c", str(config), "-c", str(overrides)],
        cwd=home, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"Synapse exited: {(home / 'synapse.out').read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/_matrix/client/versions", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Synapse did not answer within 120 s")
            time.sleep(0.3)
        register = python.with_name("register_new_matrix_user")
        subprocess.run(
            [str(register), "-u", "qcbot", "-p", "invented-password", "--no-admin",
             "-c", str(config), base],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        login = httpx.post(
            f"{base}/_matrix/client/v3/login",
            json={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": "qcbot"},
                "password": "invented-password",
            },
        ).json()
        token = login["access_token"]
        room = httpx.post(
            f"{base}/_matrix/client/v3/createRoom",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "standards desk (test)", "preset": "private_chat"},
        ).json()["room_id"]
        yield Homeserver(base=base, token=token, room=room)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _notices(server: Homeserver) -> list[dict[str, object]]:
    """The bot's m.notice events in the room, oldest first, read back through the client API."""
    answer = httpx.get(
        f"{server.base}/_matrix/client/v3/rooms/{quote(server.room, safe='')}/messages",
        params={"dir": "b", "limit": "100"},
        headers={"Authorization": f"Bearer {server.token}"},
    ).json()
    events = [
        event
        for event in answer["chunk"]
        if event["type"] == "m.room.message" and event["content"].get("msgtype") == "m.notice"
    ]
    return list(reversed(events))


def _settings(url: str, server: Homeserver) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        allow_private_networks=True,
        matrix_access_token=server.token,
    )


def _send(engine: Engine, settings: Settings, now: datetime) -> int:
    async def run() -> int:
        async with make_async_client(settings) as client:
            summary = await send_deliveries(engine, client, settings, now)
            assert summary.errors == []
            return summary.sent

    return asyncio.run(run())


def test_a_digest_reaches_a_synapse_room_once(homeserver: Homeserver, sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    settings = _settings(sqlite_url, homeserver)
    with db.session_scope(engine) as session:
        session.add(
            Channel(
                name="desk",
                kind="matrix",
                url=f"{homeserver.base}/#{homeserver.room}",
                schedule="immediate",
                created_at=NOW,
            )
        )
        article = Article(
            url="https://news.example/parks",
            canonical_url="https://news.example/parks",
            title="Invented parks plan",
        )
        session.add(article)
        session.flush()
        for n, text in enumerate(["We will plant a thousand trees", HOSTILE]):
            citation = Citation(
                article_id=article.id, position=n, kind="quote", text=text, speaker="Ode Brann"
            )
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
                )
            )
    before = len(_notices(homeserver))
    assert compose_digests(engine, settings, NOW).messages == 1
    assert _send(engine, settings, NOW) == 1

    notices = _notices(homeserver)[before:]
    assert len(notices) == 1
    event = notices[0]
    content = event["content"]
    assert isinstance(content, dict)
    assert "We will plant a thousand trees" in content["body"]
    assert content["m.mentions"] == {}
    formatted = content["formatted_body"]
    assert isinstance(formatted, str)
    assert "<script" not in formatted and "<a href='javascript" not in formatted
    assert 'href="javascript' not in formatted
    assert "alert(1)" in formatted  # the hostile quote is shown as text, not markup
    assert "@room" not in content["body"] and "@room" not in formatted  # pings nobody
    with Session(engine) as session:
        row = session.exec(select(Delivery)).one()
    assert row.status == "sent" and row.message_ref == event["event_id"]

    # A worker that died after Synapse stored the event but before the commit: the row is
    # sent again with the same txnId, and Synapse answers with the same event, posting nothing.
    with db.session_scope(engine) as session:
        row = session.exec(select(Delivery)).one()
        row.status, row.message_ref = "sending", None
        session.add(row)
    assert _send(engine, settings, NOW + timedelta(minutes=1)) == 1
    with Session(engine) as session:
        assert session.exec(select(Delivery)).one().message_ref == event["event_id"]
    assert len(_notices(homeserver)[before:]) == 1
    engine.dispose()


def test_a_wrong_token_is_dead_with_synapse_words(homeserver: Homeserver, sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        allow_private_networks=True,
        matrix_access_token="not-a-token",
    )
    with db.session_scope(engine) as session:
        channel = Channel(
            name="desk", kind="matrix", url=f"{homeserver.base}/#{homeserver.room}", created_at=NOW
        )
        session.add(channel)
        session.flush()
        from bot.deliver import enqueue
        from bot.models import Digest

        digest = Digest(channel_id=channel.id, created_at=NOW)
        session.add(digest)
        session.flush()
        assert digest.id is not None and channel.id is not None
        enqueue(
            session,
            digest_id=digest.id,
            channel_id=channel.id,
            bodies=[({"msgtype": "m.notice", "body": "x"}, "application/json")],
            now=NOW,
        )

    async def run() -> None:
        async with make_async_client(settings) as client:
            summary = await send_deliveries(engine, client, settings, NOW)
            assert (summary.sent, summary.dead) == (0, 1)

    asyncio.run(run())
    with Session(engine) as session:
        row = session.exec(select(Delivery)).one()
    assert row.status == "dead"
    assert (
        row.last_error is not None
        and "HTTP 401" in row.last_error
        and "access token" in row.last_error
    )
    engine.dispose()
