"""bot.http: the SSRF guard (against real local servers), fetch limits and errors, throttle.

No traffic leaves 127.0.0.1/::1: private addresses such as 10.0.0.1 are refused before any
connection is made, and third-party hosts are served by httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpcore
import httpx
import pytest

from bot.config import Settings
from bot.http import (
    AsyncGuardedBackend,
    AsyncGuardedTransport,
    BadURL,
    BlockedAddress,
    GuardedBackend,
    GuardedTransport,
    HostThrottle,
    HTTPStatus,
    NetworkError,
    TooLarge,
    afetch,
    check_addresses,
    fetch,
    forbidden_reason,
    is_forbidden_address,
    make_async_client,
    make_client,
)

PUBLIC_IP = "93.184.216.34"  # a global address; the tests below never connect to it


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


# ------------------------------------------------------------------ a real local server


class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok → 200 text; /redirect?to=URL → 302 to URL; /ua → echoes the User-Agent."""

    def do_GET(self) -> None:
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.headers.get("User-Agent", "").encode() if self.path == "/ua" else b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _serve(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    host = server.server_address[0]
    port = server.server_address[1]
    try:
        yield f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[str]:
    """Base URL of a real HTTP server on 127.0.0.1."""
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))


@pytest.fixture
def server6() -> Iterator[str]:
    """Base URL of a real HTTP server on [::1], or skip when IPv6 loopback is missing."""
    try:
        instance = _V6Server(("::1", 0), _Handler)
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here ({exc})")
    yield from _serve(instance)


def _port(url: str) -> int:
    return httpx.URL(url).port or 80


# ------------------------------------------------------------------ the decision function


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.5.5.5", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not globally routable"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
        (PUBLIC_IP, None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_forbidden_reason_names_the_kind_of_address(ip: str, reason: str | None) -> None:
    assert forbidden_reason(ip) == reason
    assert is_forbidden_address(ip) is (reason is not None)


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "224.0.0.1"])
def test_check_addresses_refuses_without_the_flag_and_allows_with_it(ip: str) -> None:
    with pytest.raises(BlockedAddress, match="QUOTECHECK_ALLOW_PRIVATE_NETWORKS"):
        check_addresses("host.example", [PUBLIC_IP, ip], allow_private=False)
    assert check_addresses("host.example", [PUBLIC_IP, ip], allow_private=True) == [PUBLIC_IP, ip]


def test_check_addresses_keeps_public_addresses_in_order_without_duplicates() -> None:
    got = check_addresses("h.example", [PUBLIC_IP, "8.8.8.8", PUBLIC_IP], allow_private=False)
    assert got == [PUBLIC_IP, "8.8.8.8"]


# ------------------------------------------------------------------ the guard, for real


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://localhost:9/",
        "http://0.0.0.0:9/",
    ],
)
def test_client_refuses_forbidden_addresses_before_connecting(url: str) -> None:
    with make_client(settings()) as client, pytest.raises(BlockedAddress) as info:
        fetch(client, url)
    assert info.value.url == url
    assert str(info.value).startswith(url)


def test_client_refuses_a_local_server_and_the_flag_allows_it(server: str) -> None:
    with make_client(settings()) as client, pytest.raises(BlockedAddress, match="loopback"):
        fetch(client, f"{server}/ok")
    with make_client(settings(allow_private_networks=True)) as client:
        got = fetch(client, f"{server}/ok")
    assert (got.status_code, got.content, got.encoding) == (200, b"ok", "utf-8")


def test_name_resolving_to_loopback_is_refused_and_allowed_with_the_flag(server: str) -> None:
    url = f"http://localhost:{_port(server)}/ok"
    with make_client(settings()) as client, pytest.raises(BlockedAddress, match="localhost"):
        fetch(client, url)
    with make_client(settings(allow_private_networks=True)) as client:
        assert fetch(client, url).content == b"ok"


def test_ipv6_loopback_is_refused_and_allowed_with_the_flag(server6: str) -> None:
    with make_client(settings()) as client, pytest.raises(BlockedAddress, match="::1"):
        fetch(client, f"{server6}/ok")
    with make_client(settings(allow_private_networks=True)) as client:
        assert fetch(client, f"{server6}/ok").content == b"ok"


class _Relay(httpcore.NetworkBackend):
    """Opens the socket for PUBLIC_IP on the local server instead (a test NAT): the guard
    sees a public address for the first hop, and only the redirect points somewhere local."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpcore.SyncBackend()
        self.connected: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connected.append((host, port))
        assert host == PUBLIC_IP, f"the guard let {host} through"
        return self.inner.connect_tcp("127.0.0.1", self.port, *args, **kwargs)


def _fake_resolve(host: str, port: int) -> list[str]:
    if host == "news.example":
        return [PUBLIC_IP]
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost"])
def test_redirect_to_a_forbidden_address_is_refused(server: str, target_host: str) -> None:
    port = _port(server)
    relay = _Relay(port)
    backend = GuardedBackend(allow_private=False, resolve=_fake_resolve, inner=relay)
    transport = GuardedTransport(httpx.Limits(), backend)
    start = f"http://news.example:{port}/redirect?to=http://{target_host}:{port}/ok"
    with make_client(settings(), transport=transport) as client:
        with pytest.raises(BlockedAddress, match="loopback") as info:
            fetch(client, start)
        assert relay.connected == [(PUBLIC_IP, port)]  # the first hop did reach the server
        assert info.value.url == start
        # the same relay serves a plain page: the guard is what stopped the redirect
        assert fetch(client, f"http://news.example:{port}/ok").content == b"ok"


def test_redirect_to_a_local_address_is_followed_with_the_flag(server: str) -> None:
    target = f"http://localhost:{_port(server)}/ok"
    with make_client(settings(allow_private_networks=True)) as client:
        got = fetch(client, f"{server}/redirect?to={target}")
    assert (got.url, got.content) == (target, b"ok")


def test_async_client_guards_addresses_and_redirects(server: str) -> None:
    async def run() -> None:
        async with make_async_client(settings()) as client:
            for url in ("http://10.0.0.1/", f"{server}/ok", f"http://localhost:{_port(server)}/"):
                with pytest.raises(BlockedAddress):
                    await afetch(client, url)
        async with make_async_client(settings(allow_private_networks=True)) as client:
            target = f"http://localhost:{_port(server)}/ok"
            got = await afetch(client, f"{server}/redirect?to={target}")
            assert (got.url, got.content) == (target, b"ok")

    asyncio.run(run())


def test_async_redirect_to_a_forbidden_address_is_refused(server: str) -> None:
    port = _port(server)

    class Relay(httpcore.AsyncNetworkBackend):
        def __init__(self) -> None:
            self.inner = httpcore.AnyIOBackend()

        async def connect_tcp(self, host: str, port_: int, *args: Any, **kw: Any) -> Any:
            assert host == PUBLIC_IP, f"the guard let {host} through"
            return await self.inner.connect_tcp("127.0.0.1", port, *args, **kw)

    async def resolve(host: str, port_: int) -> list[str]:
        return _fake_resolve(host, port_)

    backend = AsyncGuardedBackend(allow_private=False, resolve=resolve, inner=Relay())
    transport = AsyncGuardedTransport(httpx.Limits(), backend)

    async def run() -> None:
        async with make_async_client(settings(), transport=transport) as client:
            assert (await afetch(client, f"http://news.example:{port}/ok")).content == b"ok"
            with pytest.raises(BlockedAddress, match="loopback"):
                await afetch(client, f"http://news.example:{port}/redirect?to={server}/ok")

    asyncio.run(run())


def test_client_sends_the_configured_user_agent(server: str) -> None:
    with make_client(settings(allow_private_networks=True, user_agent="qc-test/9")) as client:
        assert fetch(client, f"{server}/ua").content == b"qc-test/9"


# ------------------------------------------------------------------ fetch over a mock transport


def _mock(handler: Callable[[httpx.Request], httpx.Response], **overrides: Any) -> httpx.Client:
    return make_client(settings(**overrides), transport=httpx.MockTransport(handler))


def test_fetch_returns_body_final_url_and_charset() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "https://news.example/new"})
        return httpx.Response(
            200,
            content="café".encode("latin-1"),
            headers={"Content-Type": "text/html; charset=ISO-8859-1"},
        )

    with _mock(handler) as client:
        got = fetch(client, "https://news.example/old")
    assert got.url == "https://news.example/new"
    assert got.status_code == 200
    assert got.content.decode(got.encoding or "ascii") == "café"
    assert got.headers["content-type"].startswith("text/html")


def test_fetch_passes_headers_and_returns_304_without_error() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, content=b"<rss/>", headers={"ETag": '"v1"'})

    with _mock(handler, user_agent="qc-ua/1") as client:
        first = fetch(client, "https://feeds.example/rss")
        again = fetch(client, "https://feeds.example/rss", headers={"If-None-Match": '"v1"'})
    assert (first.status_code, first.content, first.encoding) == (200, b"<rss/>", None)
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", '"v1"')
    assert seen[0].headers["User-Agent"] == "qc-ua/1"


@pytest.mark.parametrize(("status", "retry_after"), [(404, None), (429, "120"), (503, "30")])
def test_fetch_raises_http_status_keeping_code_and_headers(
    status: int, retry_after: str | None
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    client = _mock(lambda request: httpx.Response(status, headers=headers))
    with client, pytest.raises(HTTPStatus) as info:
        fetch(client, "https://news.example/a")
    assert info.value.status_code == status
    assert info.value.headers.get("retry-after") == retry_after
    assert str(info.value).startswith(f"https://news.example/a: HTTP {status}")


def test_fetch_stops_reading_at_the_size_cap() -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(100):
            sent.append(1)
            yield b"x" * 1000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())  # streamed, no Content-Length

    with _mock(handler, http_max_bytes=2500) as client:
        with pytest.raises(TooLarge, match="2500-byte limit"):
            fetch(client, "https://news.example/big")
        assert len(sent) == 3  # stopped after the chunk that crossed the cap
        exactly = fetch(client, "https://news.example/big", max_bytes=100_000)
    assert len(exactly.content) == 100_000


def test_fetch_refuses_a_declared_length_over_the_cap() -> None:
    client = _mock(lambda r: httpx.Response(200, content=b"y" * 50), http_max_bytes=10)
    with client, pytest.raises(TooLarge, match="Content-Length 50"):
        fetch(client, "https://news.example/a")


@pytest.mark.parametrize(
    ("handler", "error", "words"),
    [
        (
            lambda r: httpx.Response(302, headers={"Location": str(r.url)}),
            NetworkError,
            "redirects",
        ),
        (
            lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
            NetworkError,
            "timed out",
        ),
        (
            lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
            NetworkError,
            "refused",
        ),
    ],
)
def test_fetch_maps_failures_to_fetch_errors(
    handler: Callable[[httpx.Request], httpx.Response], error: type[Exception], words: str
) -> None:
    with _mock(handler, http_max_redirects=3) as client, pytest.raises(error, match=words) as info:
        fetch(client, "https://news.example/a")
    assert str(info.value).startswith("https://news.example/a: ")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://files.example/x", "https:///a", "news.example/a"]
)
def test_fetch_rejects_a_non_http_url(url: str) -> None:
    with _mock(lambda r: httpx.Response(200)) as client, pytest.raises(BadURL) as info:
        fetch(client, url)
    assert info.value.url == url


def test_redirect_to_a_non_http_url_is_refused(server: str) -> None:
    client = make_client(settings(allow_private_networks=True))
    with client, pytest.raises(BadURL, match="ftp"):
        fetch(client, f"{server}/redirect?to=ftp://files.example/x")


def test_afetch_mirrors_fetch() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gone":
            return httpx.Response(410)
        return httpx.Response(200, content=b"z" * 40, headers={"Content-Type": "text/plain"})

    async def run() -> None:
        transport = httpx.MockTransport(handler)
        async with make_async_client(settings(http_max_bytes=30), transport=transport) as client:
            with pytest.raises(TooLarge):
                await afetch(client, "https://news.example/a")
            with pytest.raises(HTTPStatus) as info:
                await afetch(client, "https://news.example/gone")
            assert info.value.status_code == 410
            got = await afetch(client, "https://news.example/a", max_bytes=40)
            assert got.content == b"z" * 40

    asyncio.run(run())


def test_afetch_stops_reading_a_streamed_body_at_the_cap() -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(50):
            sent.append(1)
            yield b"x" * 1000

    async def run() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body()))
        async with make_async_client(settings(http_max_bytes=4500), transport=transport) as client:
            with pytest.raises(TooLarge):
                await afetch(client, "https://news.example/big")

    asyncio.run(run())
    assert len(sent) == 5


def test_client_settings_are_applied() -> None:
    s = settings(
        http_connect_timeout="3s", http_read_timeout="7s", http_max_redirects=2, user_agent="u/1"
    )
    with make_client(s, transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        assert client.timeout.connect == 3 and client.timeout.read == 7
        assert client.max_redirects == 2 and client.follow_redirects
        assert client.headers["User-Agent"] == "u/1"


# ------------------------------------------------------------------ politeness


class _FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_host_throttle_spaces_requests_to_one_host_only() -> None:
    fake = _FakeTime()
    throttle = HostThrottle(timedelta(seconds=2), clock=fake.clock, sleep=fake.sleep)

    async def run() -> None:
        await throttle.wait("https://a.example/1")
        await throttle.wait("https://b.example/1")  # another host: no wait
        await throttle.wait("https://A.example/2")  # same host: waits 2 s
        fake.now += 5
        await throttle.wait("https://a.example/3")  # enough time passed: no wait

    asyncio.run(run())
    assert fake.slept == [2.0]


def test_host_throttle_queues_concurrent_requests_in_order() -> None:
    fake = _FakeTime()
    throttle = HostThrottle(1.5, clock=fake.clock, sleep=fake.sleep)
    fake_sleeps: list[float] = []

    async def frozen_sleep(seconds: float) -> None:  # time does not move while they wait
        fake_sleeps.append(seconds)

    throttle._sleep = frozen_sleep

    async def run() -> None:
        await asyncio.gather(*(throttle.wait("https://a.example/") for _ in range(3)))

    asyncio.run(run())
    assert fake_sleeps == [1.5, 3.0]


def test_afetch_waits_for_the_throttle() -> None:
    fake = _FakeTime()
    throttle = HostThrottle(1, clock=fake.clock, sleep=fake.sleep)

    async def run() -> None:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, content=b"ok"))
        async with make_async_client(settings(), transport=transport) as client:
            for _ in range(3):
                await afetch(client, "https://news.example/a", throttle=throttle)

    asyncio.run(run())
    assert fake.slept == [1.0, 1.0]
