"""bot/scheduler.py: the job table, and `quotecheck run` as a real process against a real
local site: it processes and delivers, then stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import load_settings
from bot.models import Article, Delivery, JobRun, Replica
from bot.scheduler import JOB_NAMES, JOBS, describe, intervals
from tests.poll_server import LocalServer, Reply, serve
from tests.service_site import add_site

Run = Callable[..., tuple[int, str, str]]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serve() as running:
        yield running


def test_the_job_table_runs_the_stages_in_pipeline_order() -> None:
    assert JOB_NAMES == (
        "poll",
        "articles",
        "resolve",
        "rematch",
        "reresolve",
        "digests",
        "deliver",
    )
    drained = {job.name for job in JOBS if job.drain}
    assert drained == {"articles", "resolve", "rematch", "reresolve"}
    every = intervals(load_settings(job_poll_every="2m", database_url="sqlite:///x.db"))
    assert every["poll"] == 120 and set(every) == set(JOB_NAMES)


def test_describe_keeps_counts_and_errors() -> None:
    from bot.pipeline import ProcessSummary

    summary = ProcessSummary(claimed=2, processed=1, failed=1, errors=["u: HTTP 404"])
    assert describe(summary) == {
        "claimed": 2,
        "processed": 1,
        "failed": 1,
        "retried": 0,
        "errors": ["u: HTTP 404"],
    }


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUOTECHECK_")}
    env.update(
        {
            "QUOTECHECK_DATABASE_URL": database_url,
            "QUOTECHECK_ALLOW_PRIVATE_NETWORKS": "true",
            "QUOTECHECK_HTTP_HOST_DELAY": "0",
            "QUOTECHECK_FIRST_POLL": "post",
            "QUOTECHECK_HEARTBEAT_EVERY": "1s",
            "QUOTECHECK_SHUTDOWN_GRACE": "20s",
            "PYTHONPATH": str(ROOT),
        }
    )
    for job in JOB_NAMES:
        env[f"QUOTECHECK_JOB_{job.upper()}_EVERY"] = "1s"
    env.update(extra)
    return env


def start_service(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(
    what: str, check: Callable[[], bool], procs: list[subprocess.Popen[bytes]], limit: float = 90
) -> None:
    """Poll *check* until it holds; fail early (with the logs) when a service process died.
    *limit* only bounds a hung test; nothing is asserted about how long it took."""
    deadline = time.monotonic() + limit
    while not check():
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"service exited {proc.returncode} before {what}:\n{err.decode()}")
        if time.monotonic() > deadline:
            for proc in procs:
                proc.kill()
            logs = "\n".join(proc.communicate()[1].decode()[-3000:] for proc in procs)
            pytest.fail(f"gave up waiting for {what}:\n{logs}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthz(port: int) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
    except httpx.HTTPError:
        return None


def rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model)).all())


def test_run_processes_delivers_and_stops_cleanly_on_sigterm(
    run_cli: Run, server: LocalServer, sqlite_url: str, tmp_path: Path
) -> None:
    hooked: list[bytes] = []

    def hook(request: Any) -> Reply:
        hooked.append(request.body)
        return Reply(200, b"ok")

    server.routes["/hook"] = hook
    feed = add_site(server, datetime.now(UTC), embed=False)
    code, _, err = run_cli(
        "channels", "add", "desk", "--kind", "webhook", "--url", server.url("/hook"),
        "--schedule", "immediate",
    )  # fmt: skip
    assert code == 0, err
    assert run_cli("sources", "add", feed, "--kind", "feed")[0] == 0
    engine = db.make_engine(sqlite_url)

    port = free_port()
    proc = start_service(service_env(sqlite_url, QUOTECHECK_WEB_PORT=str(port)), tmp_path)
    try:
        wait_for("the web server", lambda: healthz(port) == 200, [proc])
        wait_for(
            "the digest to be delivered",
            lambda: any(d.status == "sent" for d in rows(engine, Delivery)),
            [proc],
        )
        wait_for("a heartbeat", lambda: bool(rows(engine, Replica)), [proc])
        proc.send_signal(signal.SIGTERM)
        _, err_bytes = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err_bytes.decode()
    assert healthz(port) is None  # the web server stopped with it

    articles = rows(engine, Article)
    assert sorted(a.status for a in articles) == ["processed", "processed"]
    assert len(server.hits("/feed-xml/1")) == len(server.hits("/feed-xml/2")) == 1
    assert [d.status for d in rows(engine, Delivery)] == ["sent"]
    assert len(hooked) == 1
    body = json.dumps(json.loads(hooked[0]))
    assert "Saltmere pier news 1" in body and "Saltmere pier news 2" in body
    (replica,) = rows(engine, Replica)
    assert replica.pid == proc.pid
    assert replica.beat_at is not None and replica.stopped_at is not None
    assert replica.beat_seconds == 1
    runs = {run.job: run for run in rows(engine, JobRun)}
    assert set(runs) == set(JOB_NAMES)
    assert {run.outcome for run in runs.values()} == {"ok"}  # none left "running"
    engine.dispose()


def test_sigterm_lets_the_article_in_flight_finish(
    run_cli: Run, server: LocalServer, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.service_site import page

    feed = add_site(server, datetime.now(UTC), count=1, embed=False)
    slow = Reply(200, page(1, embed=False), {"Content-Type": "text/html"}, delay=2.0)
    server.routes["/feed-xml/1"] = slow
    assert run_cli("sources", "add", feed, "--kind", "feed")[0] == 0
    engine = db.make_engine(sqlite_url)

    proc = start_service(service_env(sqlite_url), tmp_path)
    try:
        wait_for("the page fetch in flight", lambda: bool(server.hits("/feed-xml/1")), [proc])
        proc.send_signal(signal.SIGTERM)
        _, err_bytes = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err_bytes.decode()
    (article,) = rows(engine, Article)
    assert article.status == "processed"  # finished, not dropped half-way
    assert article.lease_owner is None
    runs = {run.job: run for run in rows(engine, JobRun)}
    assert runs["articles"].outcome == "ok"
    engine.dispose()
