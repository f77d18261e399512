"""The web app: receipts at their HMAC links, /healthz, the token-gated listing pages, the
security headers; one test against a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from bot.config import Settings, load_settings
from bot.extract.types import Quote
from bot.models import Channel, Delivery, Digest, Original, Source
from bot.originals.importers import import_file
from bot.web.app import COOKIE, create_app
from bot.web.links import receipt_key, receipt_path
from bot.web.render import CSP
from bot.web.server import serve
from tests.web_helpers import NOW, assert_inert, store_article, texts, tree

TOKEN = "t" * 24
HOSTILE = (
    'Vote <script>alert("x")</script> for <a href="javascript:alert(1)">me</a> and '
    '<img src=x onerror="alert(2)"> the harbour <b onmouseover="alert(3)">bridge</b> now'
)


def _settings(**values: Any) -> Settings:
    return load_settings(_env_file=None, receipt_secret="k" * 32, **values)


def _hostile_verdict(engine: Engine, tmp_path: Path) -> int:
    path = tmp_path / "originals.jsonl"
    row = {
        "platform": "twitter",
        "post_id": "1",
        "url": "javascript:alert(document.cookie)",
        "author_name": 'Mallory <svg onload="alert(4)">',
        "author_handle": "mallory",
        "posted_at": "2024-05-01T10:00:00Z",
        "text": HOSTILE,
        "kind": "post",
    }
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert import_file(engine, path).rejected_count == 0
    result = store_article(
        engine,
        [Quote(text=HOSTILE, fragments=(HOSTILE,), speaker='Mallory <i onclick="x()">')],
        title='<script>alert("title")</script>',
    )
    (verdict_id,) = result.verdict_ids
    return verdict_id


def _client(engine: Engine, **values: Any) -> TestClient:
    return TestClient(create_app(engine, _settings(**values)), base_url="http://127.0.0.1")


def _assert_headers(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CSP
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_receipt_is_served_at_its_link_and_a_hostile_quote_is_inert(
    engine: Engine, tmp_path: Path
) -> None:
    verdict_id = _hostile_verdict(engine, tmp_path)
    path = receipt_path(receipt_key(engine, _settings()), verdict_id)
    with _client(engine) as client:
        response = client.get(path)
    assert response.status_code == 200
    _assert_headers(response)
    page = response.text
    assert_inert(page)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert HOSTILE in " ".join(texts(page, "//*[@id='quote']"))


def test_the_receipt_of_an_updated_verdict_links_to_the_newer_one(
    engine: Engine, tmp_path: Path
) -> None:
    first = _hostile_verdict(engine, tmp_path)
    with Session(engine) as session:  # the original was deleted since: checked again
        original = session.get(Original, 1)
        assert original is not None
        original.status = "deleted"
        session.add(original)
        session.commit()
    (second,) = store_article(
        engine, [Quote(text=HOSTILE, fragments=(HOSTILE,), speaker="Mallory")]
    ).verdict_ids
    assert second > first
    key = receipt_key(engine, _settings())
    with _client(engine) as client:
        older = client.get(receipt_path(key, first))
        assert older.status_code == 200
        (notice,) = texts(older.text, "//*[@id='newer']")
        assert "This verdict was updated" in notice and "deleted" in notice
        (href,) = tree(older.text).xpath("//*[@id='newer']//a/@href")
        assert href == receipt_path(key, second)
        newer = client.get(href)
    assert newer.status_code == 200
    assert texts(newer.text, "//*[@id='newer']") == []  # the newest says nothing of the kind


def test_a_wrong_hmac_is_404_like_an_unknown_verdict(engine: Engine, tmp_path: Path) -> None:
    verdict_id = _hostile_verdict(engine, tmp_path)
    key = receipt_key(engine, _settings())
    good = receipt_path(key, verdict_id)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    unknown = receipt_path(key, verdict_id + 1000)
    with _client(engine) as client:
        answers = [client.get(p) for p in (wrong, unknown, f"/r/{verdict_id}/x", "/r/x/y")]
        assert client.get(good).status_code == 200
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert len({a.text for a in answers}) == 1
    for answer in answers:
        _assert_headers(answer)
        assert "Mallory" not in answer.text


def test_healthz_checks_the_database(engine: Engine, tmp_path: Path) -> None:
    with _client(engine) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok"}
    _assert_headers(response)
    broken = load_settings(_env_file=None).model_copy()
    from bot.db import make_engine

    gone = make_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    with TestClient(create_app(gone, broken)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False


def test_listing_pages_are_off_without_a_configured_token(engine: Engine) -> None:
    with _client(engine) as client:
        for path in ("/", "/sources", "/deliveries", "/login"):
            response = client.get(path, headers={"Authorization": "Bearer " + TOKEN})
            assert response.status_code == 404, path
            _assert_headers(response)


def test_listing_needs_the_token_as_bearer_or_cookie(engine: Engine, tmp_path: Path) -> None:
    verdict_id = _hostile_verdict(engine, tmp_path)
    with _client(engine, web_token=TOKEN) as client:
        for path in ("/", "/sources", "/deliveries"):
            refused = client.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == "Bearer"
            _assert_headers(refused)
            assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
            ok = client.get(path, headers={"Authorization": "Bearer " + TOKEN})
            assert ok.status_code == 200, path
            _assert_headers(ok)
        client.cookies.set(COOKIE, TOKEN)  # the token itself is not the cookie's value
        assert client.get("/").status_code == 401
        client.cookies.clear()
        wrong = client.post("/login", data={"token": "x" * 24, "next": "/sources"})
        assert wrong.status_code == 401
        assert COOKIE not in wrong.cookies
        login = client.post(
            "/login", data={"token": TOKEN, "next": "/sources"}, follow_redirects=False
        )
        assert login.status_code == 303 and login.headers["location"] == "/sources"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert TOKEN not in cookie and "Secure" not in cookie
        page = client.get("/")  # the client keeps the cookie
        assert page.status_code == 200
    assert_inert(page.text)
    assert "&lt;script&gt;" in page.text
    path = receipt_path(receipt_key(engine, _settings()), verdict_id)
    assert page.text.count(f'href="{path}"') == 1


def test_login_never_sends_elsewhere(engine: Engine) -> None:
    public = "https://qc.example"
    with _client(engine, web_token=TOKEN, public_url=public) as client:
        answer = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert "Secure" in answer.headers["set-cookie"]
        for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
            answer = client.post(
                "/login", data={"token": TOKEN, "next": target}, follow_redirects=False
            )
            assert answer.headers["location"] == "/"


def test_the_listing_filters_by_verdict_speaker_and_source(engine: Engine, tmp_path: Path) -> None:
    verdict_id = _hostile_verdict(engine, tmp_path)
    bearer = {"Authorization": "Bearer " + TOKEN}
    with _client(engine, web_token=TOKEN) as client:

        def ids(query: str) -> list[str]:
            page = client.get("/?" + query, headers=bearer).text
            return [str(v) for v in texts_attr(page)]

        assert ids("") == [str(verdict_id)]
        assert ids("verdict=misattributed") == [str(verdict_id)]  # the names differ
        assert ids("verdict=verbatim") == []
        assert ids("verdict=altered") == []
        assert ids("speaker=MALLORY") == [str(verdict_id)]
        assert ids("speaker=ivo") == []
        assert ids("source=nowhere") == []
        assert ids("page=2") == []


def texts_attr(page: str) -> list[str]:
    from tests.web_helpers import tree

    return [str(v) for v in tree(page).xpath("//tr/@data-verdict-id")]


def test_sources_and_deliveries_show_their_health(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(
            Source(
                url="https://feeds.example/rss",
                failures=3,
                last_error="HTTP 503 <b>down</b>",
                last_polled_at=NOW,
                next_poll_at=NOW,
            )
        )
        channel = Channel(name="newsroom", kind="slack", url="https://hooks.example/x")
        session.add(channel)
        session.commit()
        assert channel.id is not None
        digest = Digest(channel_id=channel.id)
        session.add(digest)
        session.commit()
        assert digest.id is not None
        for part, status in ((1, "dead"), (2, "failed"), (3, "sent")):
            session.add(
                Delivery(
                    digest_id=digest.id,
                    channel_id=channel.id,
                    part=part,
                    payload_json="{}",
                    status=status,
                    attempts=part,
                    last_error=f"error {part}",
                    next_attempt_at=NOW,
                )
            )
        session.commit()
    bearer = {"Authorization": "Bearer " + TOKEN}
    with _client(engine, web_token=TOKEN) as client:
        sources = client.get("/sources", headers=bearer).text
        deliveries = client.get("/deliveries", headers=bearer).text
    assert_inert(sources)
    row = " ".join(texts(sources, "//table[@id='sources']//tbody/tr")[0].split())
    assert "https://feeds.example/rss" in row and "3 (backing off)" in row
    assert "HTTP 503 <b>down</b>" in row and "2026-12-04 09:00 UTC" in row
    rows = texts(deliveries, "//table[@id='deliveries']//tbody/tr")
    assert len(rows) == 2
    assert rows[0].startswith("newsroom (slack) dead 1 1") and "error 1" in rows[0]
    assert "failed 2 2 2026-12-04 09:00 UTC error 2" in rows[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_runs_uvicorn_on_127_0_0_1_until_stopped(engine: Engine, tmp_path: Path) -> None:
    verdict_id = _hostile_verdict(engine, tmp_path)
    port = _free_port()
    settings = _settings(web_port=port, web_host="127.0.0.1", web_token=TOKEN)
    path = receipt_path(receipt_key(engine, settings), verdict_id)
    base = f"http://127.0.0.1:{port}"

    async def main() -> list[httpx.Response]:
        stop = asyncio.Event()
        server = asyncio.create_task(serve(engine, settings, stop))
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(200):
                try:
                    health = await client.get("/healthz")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the server did not start")
            answers = [
                health,
                await client.get(path),
                await client.get(path[:-2] + "00"),
                await client.get("/"),
                await client.get("/", headers={"Authorization": "Bearer " + TOKEN}),
            ]
        stop.set()
        await asyncio.wait_for(server, 10)
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient(base_url=base) as client:
                await client.get("/healthz")
        return answers

    health, receipt, wrong, refused, listed = asyncio.run(main())
    assert health.json()["ok"] is True
    assert receipt.status_code == 200
    _assert_headers(receipt)
    assert_inert(receipt.text)
    assert "server" not in receipt.headers
    assert wrong.status_code == 404
    assert refused.status_code == 401
    assert listed.status_code == 200
