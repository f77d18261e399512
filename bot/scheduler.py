"""The service's jobs: one table of stage jobs, one full cycle of them, and their records.

Each job calls one stage function with the current time; the stage claims its due rows
with leases (``db.claim_due``), so the database is the queue and every replica may run
every job. :func:`run_cycle` is `quotecheck run --once`: each job once, in order, new
articles and permalinks drained until nothing is left. Every run of a job is recorded in
``job_runs`` (last start, end and outcome per job and replica) and each replica keeps a
heartbeat in ``replicas``; `quotecheck status` shows both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from bot import db
from bot.config import Settings
from bot.http import HostThrottle
from bot.models import JobRun, Replica
from bot.worker import ExtractWorker

log = logging.getLogger(__name__)

DRAIN_ROUNDS = 10_000  # a bound on draining one stage in one cycle (never reached in use)


def default_owner() -> str:
    """This replica's name in leases, job runs and heartbeats: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What the jobs of one process share: the replica's name, one extraction worker
    process and one per-host throttle."""

    owner: str
    throttle: HostThrottle
    worker: ExtractWorker
    force_digests: bool = False  # build every channel's digest whatever its schedule

    def close(self) -> None:
        self.worker.close()


Run = Callable[[Engine, httpx.AsyncClient, Settings, datetime, Context], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    name: str
    run: Run
    drain: bool  # run again until a round claims nothing (or makes no progress)
    description: str


async def _poll(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.sources.poll import poll_due_sources

    return await poll_due_sources(
        engine, client, settings, now, owner=ctx.owner, throttle=ctx.throttle
    )


async def _articles(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.pipeline import process_new_articles

    return await process_new_articles(
        engine, client, settings, now, owner=ctx.owner, worker=ctx.worker, throttle=ctx.throttle
    )


async def _resolve(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.pipeline import resolve_pending_citations

    return await resolve_pending_citations(engine, client, settings, now, owner=ctx.owner)


async def _rematch(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.pipeline import rematch_citations

    return await rematch_citations(engine, client, settings, now, owner=ctx.owner)


async def _reresolve(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.pipeline import reresolve_stale_originals

    return await reresolve_stale_originals(engine, client, settings, now, owner=ctx.owner)


async def _digests(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.digests import compose_digests

    del client  # the stage signature; digests are made from the database alone
    return await asyncio.to_thread(compose_digests, engine, settings, now, force=ctx.force_digests)


async def _deliver(
    engine: Engine, client: httpx.AsyncClient, settings: Settings, now: datetime, ctx: Context
) -> Any:
    from bot.deliver import send_deliveries

    return await send_deliveries(engine, client, settings, now, owner=ctx.owner)


JOBS: tuple[Job, ...] = (
    Job("poll", _poll, False, "poll the sources that are due"),
    Job("articles", _articles, True, "fetch, extract and match new articles"),
    Job("resolve", _resolve, True, "resolve pending permalinks"),
    Job("rematch", _rematch, True, "match citations again after new or changed originals"),
    Job("reresolve", _reresolve, True, "fetch stale originals again"),
    Job("digests", _digests, False, "make each due channel's digest"),
    Job("deliver", _deliver, False, "send due digest parts"),
)
"""The stage jobs, in the order one cycle runs them."""

JOB_NAMES = tuple(job.name for job in JOBS)


# ---------------------------------------------------------------------- summaries


def describe(summary: Any) -> dict[str, Any]:
    """A stage summary as JSON: its counts and its errors."""
    if summary is None:
        return {}
    if hasattr(summary, "to_json"):
        value = summary.to_json()
        return dict(value) if isinstance(value, dict) else {"value": value}
    out: dict[str, Any] = {}
    if dataclasses.is_dataclass(summary):
        for item in dataclasses.fields(summary):
            value = getattr(summary, item.name)
            if isinstance(value, int) and not isinstance(value, bool):
                out[item.name] = value
            elif item.name == "errors":
                out["errors"] = [str(error) for error in value]
    return out


def _errors(summary: dict[str, Any]) -> list[str]:
    errors = summary.get("errors") or []
    if isinstance(errors, dict):
        return [f"{key}: {value}" for key, value in errors.items()]
    return [str(error) for error in errors]


def _progress(summary: dict[str, Any]) -> bool:
    """Did a round of a drained stage finish any item (so another round may find more)?"""
    claimed = int(summary.get("claimed", 0))
    left = int(summary.get("retried", 0)) + int(summary.get("waiting", 0))
    return claimed > 0 and claimed > left


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, int) and not isinstance(value, bool):
            total[key] = int(total.get(key, 0)) + value
        elif key == "errors":
            total.setdefault("errors", [])
            total["errors"].extend(_errors(part))


@dataclass
class JobResult:
    """One job's run: ok (its stage ran; items in it may have failed) or error (it raised)."""

    job: str
    outcome: str  # ok | error
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    rounds: int = 1

    @property
    def problems(self) -> list[str]:
        return _errors(self.summary)

    def line(self) -> str:
        """One line for the terminal: the job, its outcome and its counts."""
        if self.outcome == "error":
            return f"{self.job}: error: {self.error}"
        counts = ", ".join(
            f"{key.replace('_', ' ')} {value}"
            for key, value in self.summary.items()
            if isinstance(value, int) and not isinstance(value, bool)
        )
        problems = self.problems
        more = f"; {len(problems)} problem(s): {problems[0]}" if problems else ""
        return f"{self.job}: {counts or 'nothing to do'}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "outcome": self.outcome,
            "error": self.error,
            "rounds": self.rounds,
            "summary": self.summary,
        }


@dataclass
class CycleSummary:
    """What one cycle of every job did, job by job, in order."""

    owner: str
    results: list[JobResult] = field(default_factory=list)

    @property
    def errored(self) -> list[JobResult]:
        return [result for result in self.results if result.outcome == "error"]

    def job(self, name: str) -> JobResult:
        return next(result for result in self.results if result.job == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "ok": not self.errored,
            "jobs": [result.to_json() for result in self.results],
        }


# ---------------------------------------------------------------------- records


def _record_start(engine: Engine, job: str, owner: str, at: datetime) -> None:
    with db.session_scope(engine) as session:
        row = session.get(JobRun, (job, owner)) or JobRun(job=job, owner=owner)
        row.started_at = at
        row.ended_at = None
        row.outcome = "running"
        row.error = None
        session.add(row)


def _record_end(engine: Engine, result: JobResult, owner: str, at: datetime) -> None:
    with db.session_scope(engine) as session:
        row = session.get(JobRun, (result.job, owner)) or JobRun(job=result.job, owner=owner)
        row.ended_at = at
        row.outcome = result.outcome
        row.error = result.error
        row.summary_json = json.dumps(result.summary, default=str)
        if result.outcome == "ok":
            row.last_ok_at = at
        session.add(row)


def beat(
    engine: Engine,
    owner: str,
    at: datetime,
    *,
    every_seconds: int,
    started: bool = False,
    stopped: bool = False,
) -> None:
    """Write this replica's heartbeat (its row is created on the first beat)."""
    host, _, pid = owner.rpartition(":")
    with db.session_scope(engine) as session:
        row = session.get(Replica, owner)
        if row is None:
            row = Replica(
                owner=owner,
                host=host or socket.gethostname(),
                pid=int(pid) if pid.isdigit() else os.getpid(),
                started_at=at,
            )
        if started:
            row.started_at = at
            row.stopped_at = None
        row.beat_at = at
        row.beat_seconds = every_seconds
        if stopped:
            row.stopped_at = at
        session.add(row)


# ---------------------------------------------------------------------- running jobs


async def run_job(
    job: Job,
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    ctx: Context,
    *,
    clock: Callable[[], datetime] = utcnow,
    stopping: Callable[[], bool] = lambda: False,
) -> JobResult:
    """Run one job (drained if it drains), record its start, end and outcome; a job that
    raises is logged with its name and the reason, and reported as an error."""
    await asyncio.to_thread(_record_start, engine, job.name, ctx.owner, clock())
    total: dict[str, Any] = {}
    rounds = 0
    try:
        while True:
            rounds += 1
            part = describe(await job.run(engine, client, settings, now, ctx))
            _add(total, part)
            if not job.drain or not _progress(part) or rounds >= DRAIN_ROUNDS or stopping():
                break
        result = JobResult(job.name, "ok", total, rounds=rounds)
    except Exception as exc:  # one job's failure must not stop the others
        log.exception("job %s failed: %s", job.name, exc)
        reason = f"{type(exc).__name__}: {exc}"
        result = JobResult(job.name, "error", total, error=reason, rounds=rounds)
    await asyncio.to_thread(_record_end, engine, result, ctx.owner, clock())
    return result


def make_context(settings: Settings, owner: str | None = None) -> Context:
    return Context(
        owner=owner or default_owner(),
        throttle=HostThrottle(settings.http_host_delay),
        worker=ExtractWorker(settings.extract_timeout),
    )


async def run_cycle(
    engine: Engine,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    *,
    owner: str | None = None,
    force_digests: bool = True,
    clock: Callable[[], datetime] = utcnow,
) -> CycleSummary:
    """One full cycle (`quotecheck run --once`): every job once, in order, at *now*.

    New articles and permalinks are drained, so one cycle processes every new article; each
    channel's digest of what is new is made whatever its schedule (*force_digests*: the cron
    calling `--once` is the schedule then) and sent. A job that raises is logged and
    reported, and the next one still runs.
    """
    ctx = make_context(settings, owner)
    ctx.force_digests = force_digests
    summary = CycleSummary(owner=ctx.owner)
    try:
        await asyncio.to_thread(beat, engine, ctx.owner, clock(), every_seconds=0, started=True)
        for job in JOBS:
            summary.results.append(
                await run_job(job, engine, client, settings, now, ctx, clock=clock)
            )
        await asyncio.to_thread(beat, engine, ctx.owner, clock(), every_seconds=0, stopped=True)
    finally:
        await asyncio.to_thread(ctx.close)
    return summary


# ---------------------------------------------------------------------- the service


def intervals(settings: Settings) -> dict[str, float]:
    """Seconds between two runs of each job in `quotecheck run` (QUOTECHECK_JOB_*_EVERY)."""
    return {
        job.name: max(getattr(settings, f"job_{job.name}_every").total_seconds(), 0.1)
        for job in JOBS
    }


async def serve_forever(
    engine: Engine,
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    owner: str | None = None,
    install_signals: bool = True,
) -> None:
    """`quotecheck run`: every job on its interval (APScheduler 3, in this event loop, one
    instance of a job at a time, missed runs coalesced), a heartbeat, and the web server
    when QUOTECHECK_WEB_PORT is set, until SIGTERM or SIGINT (or *stop*).

    APScheduler only keeps time here: its jobs live in memory, and the work they do is
    claimed from the database, so every replica runs the same schedule. On a stop signal no
    job starts again and a drained stage ends after its current batch; jobs in flight get
    ``QUOTECHECK_SHUTDOWN_GRACE`` to finish, then are cancelled (what they claimed but did
    not finish keeps its lease and is taken over when it expires).
    """
    import signal

    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.http import make_async_client

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if install_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    ctx = make_context(settings, owner)
    beat_seconds = max(int(settings.heartbeat_every.total_seconds()), 1)
    in_flight: set[asyncio.Task[Any]] = set()
    web: asyncio.Task[None] | None = None

    async with make_async_client(settings) as client:

        async def tick(job: Job) -> None:
            if stop.is_set():
                return
            task = asyncio.current_task()
            assert task is not None
            in_flight.add(task)
            try:
                await run_job(job, engine, client, settings, utcnow(), ctx, stopping=stop.is_set)
            finally:
                in_flight.discard(task)

        async def heartbeat() -> None:
            try:
                await asyncio.to_thread(
                    beat, engine, ctx.owner, utcnow(), every_seconds=beat_seconds
                )
            except Exception as exc:  # a database hiccup: the next beat tries again
                log.warning("heartbeat of %s failed: %s", ctx.owner, exc)

        await asyncio.to_thread(
            beat, engine, ctx.owner, utcnow(), every_seconds=beat_seconds, started=True
        )
        scheduler = AsyncIOScheduler(timezone=UTC)
        first = utcnow()
        for job in JOBS:
            scheduler.add_job(
                tick,
                IntervalTrigger(seconds=intervals(settings)[job.name], timezone=UTC),
                args=(job,),
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=first,
            )
        scheduler.add_job(
            heartbeat,
            IntervalTrigger(seconds=beat_seconds, timezone=UTC),
            id="heartbeat",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        if settings.web_port is not None:
            from bot.web.server import serve

            web = asyncio.create_task(serve(engine, settings, stop))
        log.info("quotecheck run: replica %s started", ctx.owner)
        try:
            await stop.wait()
        finally:
            log.info("quotecheck run: stopping; %d job(s) in flight", len(in_flight))
            scheduler.pause()  # no job starts again (shutdown would cancel those running)
            if in_flight:
                grace = settings.shutdown_grace.total_seconds()
                _, late = await asyncio.wait(set(in_flight), timeout=grace)
                for task in late:
                    log.warning("a job did not finish within %ss; stopped", grace)
                    task.cancel()
                if late:
                    await asyncio.wait(late, timeout=5)
            scheduler.shutdown(wait=False)
            if web is not None:
                await web
            await asyncio.to_thread(
                beat, engine, ctx.owner, utcnow(), every_seconds=beat_seconds, stopped=True
            )
            await asyncio.to_thread(ctx.close)
    log.info("quotecheck run: replica %s stopped", ctx.owner)
