"""Polling speed: a cold and a steady cycle over N feeds on a local server, beside the floor.

A server process (asyncio, HTTP/1.1 keep-alive) answers on N loopback addresses
(127.0.x.y, one host a feed, as 2,000 publishers would be) with generated RSS 2.0 feeds of
20 items, about 33 KB each, with an ETag and ``If-None-Match`` → 304. Between the two cycles
every tenth feed gains an item (a new ETag), so the steady cycle sees 90% 304s.

- **quotecheck**: ``poll_due_sources`` on a fresh SQLite database holding the N sources,
  everything a real poll does (claims, conditional GET, parsing, storing the items,
  recording the outcome), first with everything due (cold), then again a day later (steady).
- **floor**: the bare minimum with the same libraries, as ``../shared/DESIGN.md`` measured
  it: one httpx ``AsyncClient``, 20 requests in flight, ETags kept in a dict,
  ``feedparser.parse`` in a pool of two processes, nothing stored.

Each side runs in its own process, so its peak RSS (its own plus its pool's) is its own.
The per-host delay is 0 on both sides: each feed is its own host, polled once a cycle.
Targets on the 2-core machine (issue 11): steady ≤ 4 s, cold ≤ 10 s, ≤ 100 MB.

    .venv/bin/python bench/poll.py            # 2,000 feeds
    .venv/bin/python bench/poll.py --feeds 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ITEMS = 20
WORDS = [
    "harbor",
    "council",
    "budget",
    "river",
    "lantern",
    "orchard",
    "ferry",
    "museum",
    "tariff",
    "meadow",
    "school",
    "bridge",
    "archive",
    "clinic",
    "quarry",
    "festival",
    "granary",
    "railway",
    "library",
    "market",
    "vineyard",
    "stadium",
    "canal",
]


# ------------------------------------------------------------------------------ server


def host_of(number: int) -> str:
    """The loopback address of feed *number* (127.0.1.1 upwards, 250 per third octet)."""
    return f"127.0.{number // 250 + 1}.{number % 250 + 1}"


def feed_body(number: int, generation: int) -> bytes:
    """Feed *number* at *generation*: 20 invented items (one more per generation)."""
    items = []
    for index in range(generation, generation + ITEMS):
        words = " ".join(WORDS[(number + index + k) % len(WORDS)] for k in range(230))
        items.append(
            f"<item><title>Feed {number} story {index}</title>"
            f"<link>http://{host_of(number)}/story/{number}/{index}</link>"
            f"<guid>story-{number}-{index}</guid>"
            f"<pubDate>Mon, 30 Nov 2026 {index % 24:02d}:00:00 GMT</pubDate>"
            f"<description>{words}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {number}</title><link>http://{host_of(number)}/</link>"
        f"<description>Invented feed {number}</description>{''.join(items)}</channel></rss>"
    ).encode()


def serve(feeds: int, port_out: multiprocessing.connection.Connection) -> None:
    """The feed server (runs in its own process until killed)."""
    generation = [0] * feeds
    bodies = {n: feed_body(n, 0) for n in range(feeds)}

    def answer(path: str, headers: dict[str, str]) -> tuple[bytes, bytes]:
        if path == "/_bump":  # every tenth feed gains an item
            for n in range(0, feeds, 10):
                generation[n] += 1
                bodies[n] = feed_body(n, generation[n])
            return b"200 OK", b""
        n = int(path.rsplit("/", 1)[1])
        etag = f'"{n}-{generation[n]}"'
        if headers.get("if-none-match") == etag:
            return b"304 Not Modified", f"ETag: {etag}\r\n".encode()
        return b"200 OK", f"ETag: {etag}\r\nContent-Type: application/rss+xml\r\n".encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                status, extra = answer(path, headers)
                body = b""
                if status.startswith(b"200") and path != "/_bump":
                    body = bodies[int(path.rsplit("/", 1)[1])]
                writer.write(
                    b"HTTP/1.1 "
                    + status
                    + b"\r\n"
                    + extra
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        hosts = ["127.0.0.1", *(host_of(n) for n in range(feeds))]
        server = await asyncio.start_server(handle, host=hosts, port=port, backlog=4096)
        port_out.send(port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def bump(port: int) -> None:
    import httpx

    httpx.get(f"http://127.0.0.1:{port}/_bump").raise_for_status()


def feed_url(number: int, port: int) -> str:
    return f"http://{host_of(number)}:{port}/feed/{number}"


# ------------------------------------------------------------------------------ the sides


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def run_ours(feeds: int, port: int, phase_out: Path) -> None:
    from sqlalchemy import insert

    from bot import db
    from bot.config import Settings
    from bot.http import make_async_client
    from bot.models import Source
    from bot.sources.poll import poll_due_sources

    folder = Path(tempfile.mkdtemp(prefix="quotecheck-bench-poll-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'poll.db'}",
        allow_private_networks=True,
        http_host_delay=timedelta(0),
        max_item_age=timedelta(0),
        first_poll="post",
    )
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Source.__table__),  # type: ignore[attr-defined]
            [
                {"url": feed_url(n, port), "kind": "feed", "every_seconds": 900, "created_at": now}
                for n in range(feeds)
            ],
        )

    async def cycle(at: datetime) -> tuple[float, dict[str, int]]:
        async with make_async_client(settings) as client:
            start = time.perf_counter()
            summary = await poll_due_sources(engine, client, settings, at)
            took = time.perf_counter() - start
        statuses: dict[str, int] = {}
        for result in summary.results:
            statuses[result.status] = statuses.get(result.status, 0) + 1
        return took, statuses

    cold, cold_statuses = asyncio.run(cycle(now))
    bump(port)
    steady, steady_statuses = asyncio.run(cycle(now + timedelta(days=1)))
    phase_out.write_text(
        json.dumps(
            {
                "cold": cold,
                "steady": steady,
                "rss_mb": peak_rss_mb(),
                "cold_statuses": cold_statuses,
                "steady_statuses": steady_statuses,
            }
        )
    )


def _parse(content: bytes) -> int:
    import feedparser

    return len(feedparser.parse(content).entries)


def run_floor(feeds: int, port: int, phase_out: Path) -> None:
    import httpx

    etags: dict[str, str] = {}

    async def cycle(pool: ProcessPoolExecutor) -> tuple[float, dict[str, int]]:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(20)
        statuses: dict[str, int] = {}
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)

        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def one(url: str) -> None:
                async with gate:
                    headers = {"If-None-Match": etags[url]} if url in etags else {}
                    response = await client.get(url, headers=headers)
                if response.status_code == 200:
                    etags[url] = response.headers["ETag"]
                    await loop.run_in_executor(pool, _parse, response.content)
                key = str(response.status_code)
                statuses[key] = statuses.get(key, 0) + 1

            start = time.perf_counter()
            await asyncio.gather(*(one(feed_url(n, port)) for n in range(feeds)))
            return time.perf_counter() - start, statuses

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_parse, feed_body(0, 0)).result()  # start the workers before timing
        cold, cold_statuses = asyncio.run(cycle(pool))
        bump(port)
        steady, steady_statuses = asyncio.run(cycle(pool))
    phase_out.write_text(
        json.dumps(
            {
                "cold": cold,
                "steady": steady,
                "rss_mb": peak_rss_mb(),
                "cold_statuses": cold_statuses,
                "steady_statuses": steady_statuses,
            }
        )
    )


# ------------------------------------------------------------------------------ main


def side(name: str, feeds: int) -> dict[str, object]:
    """Run one side in a fresh process against a fresh server; its figures."""
    receive, send = multiprocessing.get_context("spawn").Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(feeds, send), daemon=True
    )
    server.start()
    port = receive.recv()
    try:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--side",
                    name,
                    "--feeds",
                    str(feeds),
                    "--port",
                    str(port),
                    "--out",
                    out.name,
                ],
                check=True,
            )
            return json.loads(Path(out.name).read_text())
    finally:
        server.kill()
        server.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--side", choices=("ours", "floor"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.side:
        (run_ours if args.side == "ours" else run_floor)(args.feeds, args.port, args.out)
        return
    print(
        f"{args.feeds} feeds of {ITEMS} items (~{len(feed_body(0, 0)) // 1024} KB), "
        f"one loopback host each, {os.cpu_count()} cores"
    )
    floor = side("floor", args.feeds)
    ours = side("ours", args.feeds)
    print(f"{'':10}{'quotecheck':>12}{'floor':>12}{'ratio':>8}{'target':>10}")
    for key, target in (("cold", "≤ 10 s"), ("steady", "≤ 4 s")):
        a, b = float(ours[key]), float(floor[key])  # type: ignore[arg-type]
        print(f"{key + ' (s)':10}{a:12.2f}{b:12.2f}{a / b:8.2f}{target:>10}")
    a, b = float(ours["rss_mb"]), float(floor["rss_mb"])  # type: ignore[arg-type]
    print(f"{'peak MB':10}{a:12.0f}{b:12.0f}{a / b:8.2f}{'≤ 100':>10}")
    print(f"quotecheck: cold {ours['cold_statuses']}, steady {ours['steady_statuses']}")
    print(f"floor:      cold {floor['cold_statuses']}, steady {floor['steady_statuses']}")


if __name__ == "__main__":
    main()
