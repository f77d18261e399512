"""`quotecheck run --once` end to end: a real local feed whose articles embed posts, the
posts' oEmbed and a webhook channel mocked with respx; the second cycle asks the feed
with a conditional GET and sends nothing new."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from sqlalchemy import update
from sqlmodel import Session, select

from bot import db
from bot.models import Article, Delivery, JobRun, Replica, Source
from bot.scheduler import JOB_NAMES
from tests.poll_server import LocalServer, serve
from tests.service_site import HOOK, OEMBED, add_site, oembed

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serve() as running:
        yield running


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("QUOTECHECK_HTTP_HOST_DELAY", "0")
    monkeypatch.setenv("QUOTECHECK_FIRST_POLL", "post")


def _mocked() -> respx.MockRouter:
    router = respx.mock(assert_all_called=False)
    router.route(host="127.0.0.1").pass_through()
    router.get(OEMBED).mock(side_effect=oembed)
    router.post(HOOK).mock(return_value=httpx.Response(200, text="ok"))
    return router


def _rows(sqlite_url: str, model: type) -> list:  # type: ignore[type-arg]
    engine = db.make_engine(sqlite_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(model)).all())
    finally:
        engine.dispose()


def test_run_once_processes_each_article_once_and_delivers_one_digest(
    run_cli: Run, server: LocalServer, service_env: None, sqlite_url: str
) -> None:
    now = datetime.now(UTC)
    feed = add_site(server, now)
    assert run_cli("channels", "add", "desk", "--kind", "webhook", "--url", HOOK)[0] == 0
    assert run_cli("sources", "add", feed, "--kind", "feed")[0] == 0

    with _mocked() as router:
        code, out, err = run_cli("run", "--once")
        assert code == 0, err
        assert [line.split(":")[0] for line in out.splitlines()] == list(JOB_NAMES)
        assert "processed 2" in out
        hook = router.routes[-1]  # the webhook route, added last
        assert hook.call_count == 1
        body = json.loads(hook.calls[0].request.content)
        assert "Saltmere pier news 1" in json.dumps(body)
        assert "Saltmere pier news 2" in json.dumps(body)

        articles = _rows(sqlite_url, Article)
        assert sorted(a.status for a in articles) == ["processed", "processed"]
        assert len(server.hits("/feed-xml/1")) == len(server.hits("/feed-xml/2")) == 1
        assert [d.status for d in _rows(sqlite_url, Delivery)] == ["sent"]

        # The source's interval passes: the next cycle polls it again, conditionally.
        engine = db.make_engine(sqlite_url)
        with engine.begin() as connection:
            connection.execute(
                update(Source).values(next_poll_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        engine.dispose()
        code, out, err = run_cli("run", "--once", "--json")
        assert code == 0, err
        cycle = json.loads(out)
        assert cycle["ok"] is True
        assert [job["job"] for job in cycle["jobs"]] == list(JOB_NAMES)
        by_job = {job["job"]: job["summary"] for job in cycle["jobs"]}
        assert by_job["poll"]["not_modified"] == 1
        assert by_job["articles"]["claimed"] == 0
        assert by_job["deliver"]["sent"] == 0
        assert hook.call_count == 1  # nothing new sent

    polls = server.hits("/feed.xml")
    assert len(polls) == 2
    assert "if-none-match" not in polls[0].headers
    assert polls[1].headers["if-none-match"] == '"feed-xml-v1"'
    assert "if-modified-since" in polls[1].headers
    assert len(server.hits("/feed-xml/1")) == 1  # pages not fetched again
    assert len(_rows(sqlite_url, Article)) == 2

    runs = {run.job: run for run in _rows(sqlite_url, JobRun)}
    assert set(runs) == set(JOB_NAMES)
    assert {run.outcome for run in runs.values()} == {"ok"}
    assert all(run.ended_at is not None and run.started_at is not None for run in runs.values())
    (replica,) = _rows(sqlite_url, Replica)
    assert replica.stopped_at is not None


def test_a_job_that_raises_is_reported_and_the_others_run(
    run_cli: Run,
    server: LocalServer,
    service_env: None,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stage that raises is named with its reason, the later jobs still run (the digest
    goes out) and the exit code is 1."""
    from bot.scheduler import JOBS, Job

    feed = add_site(server, datetime.now(UTC), count=1)
    run_cli("channels", "add", "desk", "--kind", "webhook", "--url", HOOK)
    run_cli("sources", "add", feed, "--kind", "feed")

    async def broken(*args: object) -> None:
        raise RuntimeError("the resolver exploded")

    index = JOB_NAMES.index("resolve")
    patched = (*JOBS[:index], Job("resolve", broken, True, "broken"), *JOBS[index + 1 :])
    monkeypatch.setattr("bot.scheduler.JOBS", patched)
    with _mocked() as router:
        code, out, _ = run_cli("run", "--once")
        assert router.routes[-1].call_count == 1  # the digest still went out
    assert code == 1
    assert "resolve: error: RuntimeError: the resolver exploded" in out
    assert "deliver: sent 1" in out
    runs = {run.job: run for run in _rows(sqlite_url, JobRun)}
    assert runs["resolve"].outcome == "error"
    assert runs["resolve"].error == "RuntimeError: the resolver exploded"
    assert runs["articles"].outcome == "ok"


def test_run_once_with_nothing_to_do(run_cli: Run) -> None:
    code, out, _ = run_cli("run", "--once")
    assert code == 0
    assert out.splitlines()[0] == (
        "poll: polled 0, fetched 0, not modified 0, failed 0, new articles 0, recorded 0"
    )
    assert out.splitlines()[1] == "articles: claimed 0, processed 0, failed 0, retried 0"
