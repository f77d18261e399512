"""Serve the web app with uvicorn inside the caller's event loop (``quotecheck run``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from sqlalchemy import Engine

from bot.config import Settings
from bot.web.app import create_app

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: signals are the caller's (``run``)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def make_server(engine: Engine, settings: Settings, *, port: int | None = None) -> uvicorn.Server:
    """A uvicorn server of the app on ``settings.web_host`` and *port* (default the setting)."""
    config = uvicorn.Config(
        create_app(engine, settings),
        host=settings.web_host,
        port=port if port is not None else settings.web_port or 0,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
    )
    return _Server(config)


async def serve(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Serve receipts and the read-only view until *stop* is set (then close gracefully).

    Runs in the current event loop and installs no signal handler (the caller's business).
    uvicorn raises ``SystemExit`` when the address cannot be bound.
    """
    if settings.web_port is None:
        raise ValueError("QUOTECHECK_WEB_PORT is not set: there is no port to serve on")
    server = make_server(engine, settings)
    await serve_until(server, stop)


async def serve_until(server: uvicorn.Server, stop: asyncio.Event) -> None:
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # the server ended by itself: raise why
            return
        server.should_exit = True
        await task
    finally:
        waiter.cancel()
        if not task.done():
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
