"""In a real browser: headless Chromium (Debian's ``chromium``, driven by Playwright) reads a
demo verdict's receipt and the token-gated listing from a running ``quotecheck run`` on
127.0.0.1, as a person would: the changed words struck and marked, the matched words
highlighted, the links to the original and the article; screenshots under the test's
folder.

``QUOTECHECK_SCREENSHOT=docs/receipt.png`` also writes the receipt's screenshot there (the
README's picture; the demo's people are invented). Skipped only where Chromium is absent.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot import db
from bot.models import MatchRow, Original
from bot.scheduler import JOB_NAMES
from bot.web.links import receipt_path
from tests.test_scheduler import free_port, healthz, service_env, start_service, wait_for

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "browser-test-token-" + "x" * 12
SECRET = "browser-test-receipt-secret"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not installed at {CHROMIUM} (Debian package `chromium`; .ci/run installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def service(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    """The bundled demo checked into the database (``quotecheck demo``), then ``quotecheck
    run`` serving it; yields the server's base URL. Both are processes of their own (the
    browser's driver keeps an event loop in this one)."""
    demo = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        env=service_env(sqlite_url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    quiet = {f"QUOTECHECK_JOB_{job.upper()}_EVERY": "10m" for job in JOB_NAMES}
    env = service_env(
        sqlite_url,
        QUOTECHECK_WEB_PORT=str(port),
        QUOTECHECK_WEB_TOKEN=TOKEN,
        QUOTECHECK_RECEIPT_SECRET=SECRET,
        QUOTECHECK_HEARTBEAT_EVERY="10m",
        **quiet,
    )
    proc = start_service(env, tmp_path)
    try:
        wait_for("the web server", lambda: healthz(port) == 200, [proc])
        yield f"http://127.0.0.1:{port}"
        proc.send_signal(signal.SIGTERM)
        _, err_bytes = proc.communicate(timeout=60)
        assert proc.returncode == 0, err_bytes.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _altered(sqlite_url: str) -> tuple[int, Original]:
    """The demo's altered verdict (the newest, should the service have checked it again)."""
    engine = db.make_engine(sqlite_url)
    try:
        with Session(engine) as session:
            match = session.exec(
                select(MatchRow)
                .where(col(MatchRow.relation) == "altered")
                .order_by(col(MatchRow.id).desc())
            ).first()
            assert match is not None and match.id is not None and match.original_id
            original = session.get(Original, match.original_id)
            assert original is not None
            return match.id, original
    finally:
        engine.dispose()


LINES = """e => { const r = document.createRange(); r.selectNodeContents(e);
  return new Set(Array.from(r.getClientRects(), b => Math.round(b.top))).size; }"""


def _lines(locator: Any) -> int:
    """On how many lines the browser lays out the element's text."""
    return int(locator.evaluate(LINES))


def _screenshot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(PNG)


def test_a_person_reads_a_receipt_and_the_listing_in_chromium(
    browser: Any, service: str, sqlite_url: str, tmp_path: Path
) -> None:
    verdict_id, original = _altered(sqlite_url)
    link = service + receipt_path(SECRET.encode(), verdict_id)
    page = browser.new_page(viewport={"width": 1000, "height": 900})

    response = page.goto(link)
    assert response is not None and response.status == 200
    assert page.locator("h1 [data-headline]").inner_text().strip() == "ALTERED"  # as shown
    # the changed words: the original's "4" struck, the article's "14" marked
    struck = page.get_by_role("deletion").filter(has_text="4").first
    added = page.get_by_role("insertion").filter(has_text="14").first
    assert struck.is_visible() and struck.inner_text() == "4"
    assert added.is_visible() and added.inner_text() == "14"
    decoration = struck.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in decoration
    # the matched words highlighted inside the original's text
    highlighted = page.locator("#original mark")
    assert highlighted.is_visible()
    assert "Riverton schools will grow by 4 percent" in highlighted.inner_text()
    # the links to the original, its archived copy and the article
    permalink = page.get_by_role("link", name="Permalink of the original")
    assert permalink.get_attribute("href") == original.url
    archived = page.get_by_role("link", name="Archived copy (Wayback Machine)")
    assert (archived.get_attribute("href") or "").endswith("/" + str(original.url))
    article = page.locator("#h-article + .card a").first
    assert (article.get_attribute("href") or "").startswith("http")
    receipt_png = tmp_path / "receipt.png"
    _screenshot(page, receipt_png)

    # the listing: a login form first, then the verdicts with links to their receipts
    response = page.goto(service + "/")
    assert response is not None and response.status == 401
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(service + "/")
    rows = page.locator("#verdicts tbody tr")
    assert rows.count() == 7  # the demo's seven citations
    row = page.locator(f"#verdicts tr[data-verdict-id='{verdict_id}']")
    assert "Ola Quill" in row.inner_text()
    badge = row.get_by_role("link", name="altered")
    assert badge.get_attribute("href") == receipt_path(SECRET.encode(), verdict_id)
    # whole words: no badge or column heading is broken over two lines
    for badge_name in ("verbatim", "misattributed", "not found"):
        shown = page.locator(f"#verdicts a.badge:text-is('{badge_name}')").first
        assert _lines(shown) == 1, badge_name
    for heading in ("Verdict", "Speaker", "Source", "Checked"):
        assert _lines(page.get_by_role("columnheader", name=heading)) == 1, heading
    _screenshot(page, tmp_path / "listing.png")
    badge.click()
    page.wait_for_url(link)
    assert page.get_by_role("insertion").filter(has_text="14").first.is_visible()
    page.close()

    wanted = os.environ.get("QUOTECHECK_SCREENSHOT")  # the README's picture
    if wanted:
        shutil.copyfile(receipt_png, wanted)


def test_a_wrong_link_shows_the_not_found_page(browser: Any, service: str) -> None:
    page = browser.new_page()
    response = page.goto(service + "/r/4/" + "0" * 32)
    assert response is not None and response.status == 404
    assert page.get_by_role("link", name="Permalink of the original").count() == 0
    page.close()
