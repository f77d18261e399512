"""`quotecheck extract SOURCE… [--json]`: files, standard input, URLs, and failing sources."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "data" / "embeds"
CONTRACT_KEYS = {"url", "canonical_url", "title", "published_at", "language", "embeds", "quotes"}


def test_json_for_one_file_follows_the_contract(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("extract", str(FIXTURES / "bluesky.html"), "--json")
    assert code == 0, err
    (line,) = out.splitlines()
    article = json.loads(line)
    assert set(article) == CONTRACT_KEYS
    assert article["title"] == "Invented skeets"
    assert article["language"] == "en"
    assert [embed["author_handle"] for embed in article["embeds"]] == [
        "library.example.test",
        "ferries.example.test",
    ]
    assert set(article["embeds"][0]) == {
        "platform",
        "url",
        "post_id",
        "author_name",
        "author_handle",
        "text",
        "posted_at",
    }


def test_several_sources_give_json_lines_in_the_order_given(run_cli) -> None:  # type: ignore[no-untyped-def]
    names = ["vine.html", "twitter.html", "mastodon.html"]
    code, out, err = run_cli("extract", "--json", *(str(FIXTURES / n) for n in names))
    assert code == 0, err
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    assert titles == ["Invented vines", "Invented tweets", "Invented toots"]


def test_dash_reads_the_page_from_standard_input(run_cli) -> None:  # type: ignore[no-untyped-def]
    page = (FIXTURES / "truthsocial.html").read_text(encoding="utf-8")
    code, out, err = run_cli("extract", "-", "--json", input=page)
    assert code == 0, err
    article = json.loads(out)
    assert article["url"] is None
    assert [embed["platform"] for embed in article["embeds"]] == ["truthsocial"]


def test_missing_file_exits_2_with_one_line_naming_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("extract", "no-such-page.html", "--json")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no-such-page.html" in err


def test_a_failing_source_among_several_is_reported_and_the_rest_still_printed(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        "extract",
        str(FIXTURES / "vine.html"),
        "gone.html",
        str(FIXTURES / "youtube.html"),
        "--json",
    )
    assert code == 2
    assert [json.loads(line)["title"] for line in out.splitlines()] == [
        "Invented vines",
        "Invented videos",
    ]
    assert "gone.html" in err
    assert "vine.html" not in err


def test_summary_without_json_names_title_embeds_and_quotes(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("extract", str(FIXTURES / "twitter.html"))
    assert code == 0, err
    assert "Invented tweets" in out
    assert "Embedded posts (7)" in out
    assert "Mayor Wilma Okonkwo-Test (@MayorWilmaTest), 2018-09-09" in out
    assert "Quotes (0)" in out


def test_seed_article_dated_from_its_visible_line(run_cli, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("extract", str(shared_data / "seed" / "article.html"), "--json")
    assert code == 0, err
    article = json.loads(out)
    assert article["published_at"] == "2018-09-10"
    assert article["embeds"] == []


@pytest.fixture
def local_site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one page (as ISO-8859-1, declared) and a 404."""
    page = (
        "<html lang='fr'><head><title>Café invented</title></head><body>"
        "<p>Le maire a écrit ceci.</p>"
        '<iframe src="https://vine.co/v/iLoCaLvInE1/embed/simple"></iframe></body></html>'
    ).encode("iso-8859-1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/article":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=ISO-8859-1")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_url_is_fetched_and_decoded_by_its_declared_charset(  # type: ignore[no-untyped-def]
    run_cli, local_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    code, out, err = run_cli("extract", f"{local_site}/article", "--json")
    assert code == 0, err
    article = json.loads(out)
    assert article["url"] == f"{local_site}/article"
    assert article["title"] == "Café invented"
    assert article["language"] == "fr"
    assert article["embeds"][0]["url"] == "https://vine.co/v/iLoCaLvInE1"


def test_url_that_fails_exits_2_naming_it(  # type: ignore[no-untyped-def]
    run_cli, local_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    code, out, err = run_cli("extract", f"{local_site}/missing", "--json")
    assert code == 2
    assert out == ""
    assert f"{local_site}/missing" in err
    assert len(err.strip().splitlines()) == 1
