"""The one place that builds HTTP clients, and the guarded way to fetch a URL.

Every client made here sends the quotecheck User-Agent, uses the configured timeouts,
connection limits and redirect limit, and refuses to connect to loopback, private,
link-local, multicast and other non-public addresses unless
``QUOTECHECK_ALLOW_PRIVATE_NETWORKS=true``. The refusal happens in the network backend, after
DNS resolution, on the address actually connected to, so every redirect hop is checked too.
Environment proxies are never used: the guard has to see the address it connects to.

Tests pass their own transport (respx, ``httpx.MockTransport``); no DNS happens then.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpcore
import httpx

from bot.config import Settings

DEFAULT_MAX_BYTES = Settings.model_fields["http_max_bytes"].default
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A URL could not be fetched; the message names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class BlockedAddress(FetchError):
    """The host resolves to an address the SSRF guard refuses."""


class TooLarge(FetchError):
    """The body is larger than ``http_max_bytes``."""


class HTTPStatus(FetchError):
    """A status other than 2xx or 304; keeps the status and headers (Retry-After…)."""

    def __init__(self, url: str, status_code: int, headers: httpx.Headers) -> None:
        reason = httpx.codes.get_reason_phrase(status_code)
        super().__init__(url, f"HTTP {status_code} {reason}".rstrip())
        self.status_code = status_code
        self.headers = headers


class NetworkError(FetchError):
    """DNS, connection, TLS, timeout, protocol or redirect-limit failure."""


class BadURL(FetchError):
    """The URL (or a redirect target) is not an http(s) URL httpx can request."""


# ---------------------------------------------------------------------------- the guard


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 IPv6 address leads to."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


_KINDS = (
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("unspecified", "is_unspecified"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),
)


def forbidden_reason(ip: str | IPAddress) -> str | None:
    """Why *ip* must not be connected to (e.g. ``"loopback"``), or None for a public address."""
    if isinstance(ip, str):
        return _text_reason(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    if ip.is_global and not ip.is_multicast:  # the common case, decided quickly
        return None
    return next((name for name, kind in _KINDS if getattr(ip, kind)), "not globally routable")


@functools.lru_cache(maxsize=4096)
def _text_reason(ip: str) -> str | None:
    """Parsing dominates the cost (~7 µs), and the same addresses come back all the time."""
    return forbidden_reason(ipaddress.ip_address(ip))


def is_forbidden_address(ip: str | IPAddress) -> bool:
    """True for loopback, private, link-local, multicast and other non-public addresses."""
    return forbidden_reason(ip) is not None


def check_addresses(host: str, addresses: Sequence[str], *, allow_private: bool) -> list[str]:
    """The addresses *host* may be connected to, in order; raise BlockedAddress if any is
    forbidden (a name that resolves to one private address is refused as a whole)."""
    unique = list(dict.fromkeys(addresses))
    if not allow_private:
        for address in unique:
            reason = forbidden_reason(address)
            if reason:
                shown = host if host == address else f"{host} ({address})"
                raise BlockedAddress(
                    host,
                    f"refused to connect to {shown}: {reason} address "
                    "(set QUOTECHECK_ALLOW_PRIVATE_NETWORKS=true to allow)",
                )
    return unique


def _addresses(infos: Iterable[tuple[Any, ...]]) -> list[str]:
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def resolve(host: str, port: int) -> list[str]:
    """The addresses *host* resolves to (IP literals resolve to themselves, without DNS)."""
    return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))


async def aresolve(host: str, port: int) -> list[str]:
    return _addresses(await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM))


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host, checks every address, connects to a checked one.

    *resolve* and *inner* (the backend that opens the socket) are injectable for tests.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Callable[[str, int], list[str]] = resolve,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._inner = inner or httpcore.SyncBackend()
        self._resolve = resolve
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        allowed = check_addresses(host, addresses, allow_private=self._allow_private)
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in allowed:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by quotecheck")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """The async twin of :class:`GuardedBackend` (asyncio or trio, through anyio)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Callable[[str, int], Awaitable[list[str]]] = aresolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._inner = inner or httpcore.AnyIOBackend()
        self._resolve = resolve
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        allowed = check_addresses(host, addresses, allow_private=self._allow_private)
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in allowed:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by quotecheck")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _pool_options(limits: httpx.Limits) -> dict[str, Any]:
    """The connection pool settings httpx's own transports derive from *limits*."""
    return {
        "ssl_context": httpx.create_ssl_context(),
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a :class:`GuardedBackend`. httpx takes no backend argument, so
    the pool is built here as HTTPTransport builds it (no proxies, no retries)."""

    def __init__(self, limits: httpx.Limits, backend: httpcore.NetworkBackend) -> None:
        self._pool = httpcore.ConnectionPool(**_pool_options(limits), network_backend=backend)


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    """The async twin of :class:`GuardedTransport`."""

    def __init__(self, limits: httpx.Limits, backend: httpcore.AsyncNetworkBackend) -> None:
        self._pool = httpcore.AsyncConnectionPool(**_pool_options(limits), network_backend=backend)


# --------------------------------------------------------------------------- clients


class LimitedClient(httpx.Client):
    """An httpx.Client that remembers the body size cap :func:`fetch` applies."""

    max_bytes: int = DEFAULT_MAX_BYTES


class AsyncLimitedClient(httpx.AsyncClient):
    """An httpx.AsyncClient that remembers the body size cap :func:`afetch` applies."""

    max_bytes: int = DEFAULT_MAX_BYTES


def _options(settings: Settings) -> dict[str, Any]:
    read = settings.http_read_timeout.total_seconds()
    return {
        "timeout": httpx.Timeout(
            connect=settings.http_connect_timeout.total_seconds(), read=read, write=read, pool=None
        ),
        "headers": {"User-Agent": settings.user_agent},
        "follow_redirects": True,
        "max_redirects": settings.http_max_redirects,
        "trust_env": False,
    }


def _limits(settings: Settings) -> httpx.Limits:
    n = settings.http_max_connections
    return httpx.Limits(max_connections=n, max_keepalive_connections=n, keepalive_expiry=30)


def make_client(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A sync client with quotecheck's timeouts, UA, limits and SSRF guard.

    With *transport* (tests: respx, ``httpx.MockTransport``) that transport is used as given.
    """
    if transport is None:
        backend = GuardedBackend(allow_private=settings.allow_private_networks)
        transport = GuardedTransport(_limits(settings), backend)
    client = LimitedClient(
        transport=transport,
        **_options(settings),
    )
    client.max_bytes = settings.http_max_bytes
    return client


def make_async_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The async twin of :func:`make_client`."""
    if transport is None:
        backend = AsyncGuardedBackend(allow_private=settings.allow_private_networks)
        transport = AsyncGuardedTransport(_limits(settings), backend)
    client = AsyncLimitedClient(
        transport=transport,
        **_options(settings),
    )
    client.max_bytes = settings.http_max_bytes
    return client


# ---------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class Fetched:
    """A response read whole: final URL after redirects, status (2xx or 304), body."""

    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes
    encoding: str | None  # the charset of Content-Type, if any


@contextmanager
def _mapped_errors(url: str) -> Iterator[None]:
    """Turn httpx's and the guard's exceptions into FetchErrors naming *url*."""
    try:
        yield
    except BlockedAddress as exc:
        raise BlockedAddress(url, exc.reason) from None
    except FetchError:
        raise
    except httpx.TooManyRedirects as exc:
        raise NetworkError(url, f"too many redirects ({exc})") from None
    except httpx.TimeoutException as exc:
        raise NetworkError(url, f"timed out ({type(exc).__name__})") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise BadURL(url, str(exc) or type(exc).__name__) from None
    except httpx.HTTPError as exc:
        raise NetworkError(url, f"{type(exc).__name__}: {exc}".rstrip(": ")) from None


def _check_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BadURL(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise BadURL(url, "only http:// and https:// URLs are fetched")
    if not parsed.host:
        raise BadURL(url, "the URL has no host")


def _check_head(url: str, response: httpx.Response, limit: int) -> None:
    if response.status_code != 304 and not 200 <= response.status_code < 300:
        raise HTTPStatus(url, response.status_code, response.headers)
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(url, f"Content-Length {length} is over the {limit}-byte limit")


def _too_large(url: str, limit: int) -> TooLarge:
    return TooLarge(url, f"body is over the {limit}-byte limit (QUOTECHECK_HTTP_MAX_BYTES)")


def _fetched(response: httpx.Response, content: bytes) -> Fetched:
    return Fetched(
        url=str(response.url),
        status_code=response.status_code,
        headers=response.headers,
        content=content,
        encoding=response.charset_encoding,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """GET *url*, following redirects, reading at most ``http_max_bytes`` of body.

    Returns 2xx and 304 responses; raises a :class:`FetchError` subclass otherwise.
    """
    limit = max_bytes or (client.max_bytes if isinstance(client, LimitedClient) else None)
    limit = limit or DEFAULT_MAX_BYTES
    _check_url(url)
    with _mapped_errors(url), client.stream("GET", url, headers=headers) as response:
        _check_head(url, response, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(url, limit)
            chunks.append(chunk)
        return _fetched(response, b"".join(chunks))


async def afetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    throttle: HostThrottle | None = None,
) -> Fetched:
    """The async twin of :func:`fetch`; waits for *throttle* first when one is given."""
    if throttle is not None:
        await throttle.wait(url)
    limit = max_bytes or (client.max_bytes if isinstance(client, AsyncLimitedClient) else None)
    limit = limit or DEFAULT_MAX_BYTES
    _check_url(url)
    with _mapped_errors(url):
        async with client.stream("GET", url, headers=headers) as response:
            _check_head(url, response, limit)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _too_large(url, limit)
                chunks.append(chunk)
            return _fetched(response, b"".join(chunks))


# -------------------------------------------------------------------------- politeness


class HostThrottle:
    """Spaces requests to one host at least *delay* apart (``http_host_delay``).

    Each call reserves the host's next free slot before sleeping, so concurrent tasks for
    one host queue up in order while other hosts are not held up. Clock and sleep are
    injected for tests.
    """

    def __init__(
        self,
        delay: timedelta | float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.delay = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}

    async def wait(self, url_or_host: str) -> None:
        """Return when a request to this URL's host may be sent."""
        host = httpx.URL(url_or_host).host if "://" in url_or_host else url_or_host
        host = host.lower()
        now = self._clock()
        if len(self._next) > 10_000:  # forget hosts whose slot has passed
            self._next = {h: t for h, t in self._next.items() if t > now}
        slot = max(now, self._next.get(host, now))
        self._next[host] = slot + self.delay
        if slot > now:
            await self._sleep(slot - now)


# ------------------------------------------------------------------------ what the server asks


def retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """How long a 429 or 503 response asks us to wait: ``Retry-After`` as seconds or as an
    HTTP date (RFC 9110 10.2.3); None when absent or unreadable, zero for a date passed."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return timedelta(seconds=max(float(value), 0.0))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment - now, timedelta(0))
