"""Extraction in a worker process with a hard time limit.

A hostile or broken page can stall the HTML parser inside C code, where no thread can be
interrupted. So the service extracts pages in a separate process: each page is sent to it
over a pipe, and when the answer does not come within ``QUOTECHECK_EXTRACT_TIMEOUT`` the
process is killed (SIGKILL) and a fresh one is started for the next page.

The process is started with ``spawn`` (forking a process that runs threads is unsafe) and
kept for the next pages, so the cost of importing the extractors is paid once per worker,
not once per page. :meth:`ExtractWorker.extract` blocks: call it in a thread
(``asyncio.to_thread``) from the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bot.extract.types import Article

log = logging.getLogger(__name__)

ExtractFunc = Callable[[bytes, str | None, str | None], Article]
"""Page bytes, its URL and Content-Type → the extracted article (picklable: a module-level
function, since the worker process imports it by name)."""


STARTUP_TIMEOUT = 120
"""Seconds a new worker may take to import the extractors (not counted against a page)."""


class ExtractError(Exception):
    """Extraction of one page failed; the message says why (stored as the article's error)."""


class ExtractTimeout(ExtractError):
    """Extraction took longer than the limit; the worker was killed."""


def extract_page(content: bytes, url: str | None, content_type: str | None) -> Article:
    """What the worker runs by default: :func:`bot.extract.article.extract_article`."""
    from bot.extract.article import extract_article

    return extract_article(content, url, content_type=content_type)


def _serve(connection: Connection, func: ExtractFunc) -> None:
    """The worker's loop: "ready" once the extractors are imported, then one request in,
    one ("ok", article) or ("error", text) out."""
    import bot.extract.article  # noqa: F401 (imported before the clock of a page starts)

    connection.send(("ready", None))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        content, url, content_type = request
        try:
            answer: tuple[str, Any] = ("ok", func(content, url, content_type))
        except Exception as exc:  # reported to the parent, which marks the article failed
            answer = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(answer)


class ExtractWorker:
    """One extraction process, started on first use and restarted after a kill or a crash.

    Thread-safe: concurrent callers take turns. Use as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, timeout: timedelta | float, func: ExtractFunc = extract_page) -> None:
        self.timeout = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        self._func = func
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self.started = 0  # processes started so far (a killed one is replaced)

    def __enter__(self) -> ExtractWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> Connection:
        if self._connection is not None:
            return self._connection
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self._func), name="quotecheck-extract", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._connection = process, ours
        self.started += 1
        try:
            ready = ours.poll(STARTUP_TIMEOUT) and ours.recv()[0] == "ready"
        except (OSError, EOFError):
            ready = False
        if not ready:
            self._stop(kill=True)
            raise ExtractError(f"the extraction worker did not start within {STARTUP_TIMEOUT}s")
        return ours

    def _stop(self, *, kill: bool) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            if not kill:
                with contextlib.suppress(OSError):
                    connection.send(None)
            connection.close()
        if process is not None:
            if kill:
                process.kill()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()

    def extract(self, content: bytes, url: str | None, content_type: str | None) -> Article:
        """Extract one page in the worker; raise ExtractTimeout past the limit (the worker
        is killed) or ExtractError when extraction raised or the worker died."""
        with self._lock:
            connection = self._start()
            try:
                connection.send((content, url, content_type))
                ready = connection.poll(self.timeout)
            except (OSError, EOFError) as exc:
                self._stop(kill=True)
                raise ExtractError(f"the extraction worker stopped ({exc})") from None
            if not ready:
                self._stop(kill=True)
                raise ExtractTimeout(
                    f"extraction took longer than {self.timeout:g}s "
                    "(QUOTECHECK_EXTRACT_TIMEOUT); the worker was stopped"
                )
            try:
                kind, value = connection.recv()
            except (OSError, EOFError):
                code = self._process.exitcode if self._process is not None else None
                self._stop(kill=True)
                raise ExtractError(f"the extraction worker died (exit code {code})") from None
        if kind == "error":
            raise ExtractError(f"extraction failed: {value}")
        assert isinstance(value, Article)
        return value

    def close(self) -> None:
        with self._lock:
            self._stop(kill=False)
