"""A real HTTP server on 127.0.0.1 for the service's tests, a transport that sends requests
for that server through bot/http.py's guarded transport and the rest to a handler (third
party hosts: oEmbed…), and an extraction function that stalls on a marker.

Every page here is invented.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from bot.extract.types import Article
from bot.http import AsyncGuardedBackend, AsyncGuardedTransport
from bot.worker import extract_page

STALL = b"<!-- stall the extractor -->"


def stall_on_marker(content: bytes, url: str | None, content_type: str | None) -> Article:
    """Extract as the service does, except that a page holding :data:`STALL` never ends
    (as a hostile page stalling the HTML parser would)."""
    if STALL in content:
        while True:
            time.sleep(1)
    return extract_page(content, url, content_type)


@dataclass
class Page:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


@dataclass
class Site:
    """What the server serves (path → page) and which paths were asked for, how often."""

    base: str = ""
    pages: dict[str, Page] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str, status: int = 200, **headers: str) -> str:
        content = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(content, status, {"Content-Type": "text/html", **headers})
        return self.url(path)


@contextmanager
def serve() -> Iterator[Site]:
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            with site.lock:
                site.hits[self.path] += 1
            page = site.pages.get(self.path) or Page(b"not here", 404)
            self.send_response(page.status)
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class LocalAndMocked(httpx.AsyncBaseTransport):
    """127.0.0.1 through the real guarded transport (private addresses allowed); every
    other host answered by *handler* (default: 503, as if offline)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self._local = AsyncGuardedTransport(
            httpx.Limits(max_connections=20), AsyncGuardedBackend(allow_private=True)
        )
        self._other = httpx.MockTransport(handler or (lambda request: httpx.Response(503)))
        self.other_requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":
            return await self._local.handle_async_request(request)
        self.other_requests.append(str(request.url))
        return await self._other.handle_async_request(request)

    async def aclose(self) -> None:
        await self._local.aclose()
