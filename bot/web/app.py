"""The web server's app: receipts at their HMAC links, ``/healthz``, and the read-only view
(recent verdicts, sources' health, deliveries waiting or dead) behind ``QUOTECHECK_WEB_TOKEN``.

Every response carries the strict Content-Security-Policy and security headers of
:mod:`bot.web.render`; every database call runs in a worker thread, off the event loop.
Without a token configured the listing pages do not exist (404).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Engine, text
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.match.verdict import Severity
from bot.web import listing
from bot.web.links import receipt_key, receipt_path, verify
from bot.web.load import load_receipt
from bot.web.render import SECURITY_HEADERS, render_page, render_receipt

COOKIE = "quotecheck_view"
T = TypeVar("T")


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers}
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message["headers"] = [*kept, *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Web:
    """The routes' shared state: the engine, the settings and the receipt key."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._key: bytes | None = None

    async def db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(self.engine) as session:
                return work(session)

        return await run_in_threadpool(run)

    async def key(self) -> bytes:
        if self._key is None:
            self._key = await run_in_threadpool(receipt_key, self.engine, self.settings)
        return self._key

    # -- the token ------------------------------------------------------------------------

    def _cookie_value(self) -> str:
        token = self.settings.web_token or ""
        return hmac.new(token.encode(), b"quotecheck web view", hashlib.sha256).hexdigest()

    def authorized(self, request: Request) -> bool:
        token = self.settings.web_token
        if not token:
            return False
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return True
        cookie = request.cookies.get(COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self._cookie_value().encode())

    def gate(self, request: Request) -> Response | None:
        """None when the listing may be shown; else the 404 (no token set) or 401 page."""
        if not self.settings.web_token:
            return not_found()
        if self.authorized(request):
            return None
        page = render_page("login.html", next=_safe_next(request.url.path), failed=False)
        return HTMLResponse(page, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    # -- routes ---------------------------------------------------------------------------

    async def receipt(self, request: Request) -> Response:
        try:
            verdict_id = int(request.path_params["verdict_id"])
        except ValueError:
            return not_found()
        key = await self.key()
        if not verify(key, verdict_id, request.path_params["mac"]):
            return not_found()
        zones = self.settings.timezone_list

        def link(other: int) -> str | None:
            return receipt_path(key, other)

        found = await self.db(lambda s: load_receipt(s, verdict_id, zones=zones, link=link))
        if found is None:
            return not_found()
        return HTMLResponse(render_receipt(found), headers={"Cache-Control": "no-store"})

    async def healthz(self, request: Request) -> Response:
        def ping(session: Session) -> None:  # the database answers, with its tables
            session.execute(text("SELECT 1 FROM sources LIMIT 1"))

        try:
            await self.db(ping)
        except Exception as exc:  # any failure of the database is the answer
            body = {"ok": False, "database": "error", "error": type(exc).__name__}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"ok": True, "database": "ok"})

    async def login(self, request: Request) -> Response:
        if not self.settings.web_token:
            return not_found()
        if request.method == "GET":
            page = render_page(
                "login.html", next=_safe_next(request.query_params.get("next")), failed=False
            )
            return HTMLResponse(page)
        body = (await request.body()).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(body).items()}
        given = form.get("token", "")
        target = _safe_next(form.get("next"))
        if not hmac.compare_digest(given.encode(), self.settings.web_token.encode()):
            page = render_page("login.html", next=target, failed=True)
            return HTMLResponse(page, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            self._cookie_value(),
            httponly=True,
            samesite="strict",
            secure=(self.settings.public_url or str(request.url)).startswith("https://"),
            path="/",
            max_age=30 * 24 * 3600,
        )
        return response

    async def articles(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        params = request.query_params
        verdict = params.get("verdict") or None
        speaker = (params.get("speaker") or "").strip() or None
        source = (params.get("source") or "").strip() or None
        try:
            page_no = max(int(params.get("page", "1")), 1)
        except ValueError:
            page_no = 1
        key = await self.key()
        found = await self.db(
            lambda s: listing.recent_verdicts(
                s, verdict=verdict, speaker=speaker, source=source, page=page_no
            )
        )
        filters = {"verdict": verdict or "", "speaker": speaker or "", "source": source or ""}

        def page_link(number: int) -> str:
            kept = {k: v for k, v in filters.items() if v}
            return "/?" + urlencode({**kept, "page": number})

        page = render_page(
            "articles.html",
            found=found,
            filters=filters,
            verdicts=[s for s in reversed(Severity)],
            receipt=lambda vid: receipt_path(key, vid),
            prev_link=page_link(found.page - 1) if found.page > 1 else None,
            next_link=page_link(found.page + 1) if found.has_next else None,
            current="articles",
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def sources(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        rows = await self.db(listing.sources)
        page = render_page("sources.html", sources=rows, current="sources")
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def deliveries(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        rows = await self.db(listing.deliveries)
        page = render_page("deliveries.html", deliveries=rows, current="deliveries")
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _safe_next(value: str | None) -> str:
    """A local path to go back to after the login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def not_found() -> Response:
    page = render_page("not_found.html")
    return HTMLResponse(page, status_code=404, headers={"Cache-Control": "no-store"})


async def _not_found_handler(request: Request, exc: Any) -> Response:
    return not_found()


def create_app(engine: Engine, settings: Settings) -> ASGIApp:
    """The ASGI app of receipts, ``/healthz`` and the read-only view."""
    web = Web(engine, settings)
    routes = [
        Route("/r/{verdict_id}/{mac}", web.receipt, methods=["GET", "HEAD"]),
        Route("/healthz", web.healthz, methods=["GET", "HEAD"]),
        Route("/login", web.login, methods=["GET", "POST"]),
        Route("/", web.articles, methods=["GET", "HEAD"]),
        Route("/sources", web.sources, methods=["GET", "HEAD"]),
        Route("/deliveries", web.deliveries, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found_handler})
    app.state.web = web
    return SecurityHeaders(app)
