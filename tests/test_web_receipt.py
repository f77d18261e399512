"""Receipts built from stored verdicts: the bundled demo (invented people), invented hostile
quotes, and `quotecheck receipt`; real tweets in tests/test_web_receipt_real.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import load_settings
from bot.extract.types import Quote
from bot.models import Original
from bot.originals.importers import import_file
from bot.web.links import mac, receipt_key, receipt_path, receipt_url, verify
from bot.web.load import load_receipt
from bot.web.render import CSP, render_receipt
from tests.web_helpers import assert_inert, store_article, texts, tree

ZONES = ["America/New_York", "UTC"]


@pytest.fixture
def demo(run_cli: Any) -> dict[str, int]:
    """The bundled demo checked once: its verdict ids by headline."""
    code, out, err = run_cli("demo", "--json")
    assert code == 0, err
    data = json.loads(out.splitlines()[-1])
    return {r["headline"]: r["verdict_id"] for r in data["results"]}


def _receipt(run_cli: Any, tmp_path: Path, verdict_id: int) -> str:
    page = tmp_path / f"receipt-{verdict_id}.html"
    code, out, err = run_cli("receipt", str(verdict_id), "--html", str(page))
    assert code == 0, err
    assert f"written to {page}" in out
    return page.read_text(encoding="utf-8")


def test_check_json_gives_each_result_its_verdict_id(demo: dict[str, int]) -> None:
    assert sorted(demo) == [
        "altered",
        "deleted",
        "elided",
        "excerpt",
        "misattributed",
        "not_found",
        "verbatim",
    ]
    assert len(set(demo.values())) == 7


def test_receipt_url_is_added_when_the_public_url_is_set(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTECHECK_PUBLIC_URL", "https://receipts.example/qc/")
    monkeypatch.setenv("QUOTECHECK_RECEIPT_SECRET", "s" * 32)
    code, out, err = run_cli("demo", "--json")
    assert code == 0, err
    key = ("s" * 32).encode()
    for result in json.loads(out.splitlines()[-1])["results"]:
        verdict_id = result["verdict_id"]
        assert result["receipt_url"] == f"https://receipts.example/qc/r/{verdict_id}/" + mac(
            key, verdict_id
        )


def test_altered_receipt_strikes_the_original_word_and_marks_the_added_one(
    run_cli: Any, tmp_path: Path, demo: dict[str, int]
) -> None:
    page = _receipt(run_cli, tmp_path, demo["altered"])
    assert texts(page, "//*[@id='alignment']//del") == ["4"]
    assert texts(page, "//*[@id='alignment']//ins") == ["14"]
    assert texts(page, "//*[@id='original']//mark") == [
        "The budget for Riverton schools will grow by 4 percent next year"
    ]
    assert texts(page, "//h1") == ["altered"]
    assert "The original says “4” where the article has “14”." in texts(page, "//li")
    links = texts(page, "//a")
    assert "Permalink of the original" in links and "Archived copy (Wayback Machine)" in links
    assert_inert(page)


def test_misattributed_receipt_says_whose_words_they_are(
    run_cli: Any, tmp_path: Path, demo: dict[str, int]
) -> None:
    page = _receipt(run_cli, tmp_path, demo["misattributed"])
    (whose,) = texts(page, "//*[@id='whose']")
    assert whose == "The words are Ben Adeyemi’s (@BenAdeyemi), not Ola Quill’s."
    assert texts(page, "//*[@id='original']//mark") == [
        "Riverton deserves a public library that stays open on Sundays"
    ]


def test_elided_receipt_shows_the_words_left_out(
    run_cli: Any, tmp_path: Path, demo: dict[str, int]
) -> None:
    page = _receipt(run_cli, tmp_path, demo["elided"])
    (left_out,) = texts(page, "//*[@id='alignment']//*[@class='elided']")
    assert "We have listened to the people of Riverton" in left_out
    assert not texts(page, "//*[@id='alignment']//del")
    assert texts(page, "//*[@id='quote']//*[@class='elided']") == ["…"]


@pytest.mark.parametrize(
    ("headline", "status", "mark"),
    [
        ("verbatim", "live", "Great talks today with the Riverton Council."),
        ("excerpt", "live", "Tickets will cost 2 dollars for everyone under 18"),
        ("deleted", "deleted", "I will never raise the ferry fares while I am mayor"),
    ],
)
def test_receipt_highlights_the_matched_span_and_the_status(
    run_cli: Any, tmp_path: Path, demo: dict[str, int], headline: str, status: str, mark: str
) -> None:
    page = _receipt(run_cli, tmp_path, demo[headline])
    assert texts(page, "//h1") == [headline]
    (marked,) = texts(page, "//*[@id='original']//mark")
    assert marked.startswith(mark)
    assert texts(page, "//*[@data-status]") == [status]
    assert texts(page, "//*[@id='fields']/dt[3]/following-sibling::dd[1]") == [status]


def test_not_found_receipt_has_no_original(
    run_cli: Any, tmp_path: Path, demo: dict[str, int]
) -> None:
    page = _receipt(run_cli, tmp_path, demo["not_found"])
    assert "No stored original holds these words." in texts(page, "//p")
    assert not texts(page, "//mark")


def test_the_excerpt_shows_the_date_in_the_speakers_zone_and_utc(
    run_cli: Any, tmp_path: Path, demo: dict[str, int]
) -> None:
    page = _receipt(run_cli, tmp_path, demo["excerpt"])
    # Posted 2024-05-13 01:30 UTC: still 12 May in New York, as the article says.
    assert "Sun 12 May 2024, 21:30 EDT (Mon 13 May 2024, 01:30 UTC)" in " ".join(texts(page, "//p"))


def test_receipt_of_an_unknown_verdict_exits_2(run_cli: Any) -> None:
    code, _, err = run_cli("receipt", "999")
    assert code == 2
    assert "no verdict 999" in err


def test_receipt_without_html_prints_the_page(run_cli: Any, demo: dict[str, int]) -> None:
    code, out, _ = run_cli("receipt", str(demo["verbatim"]))
    assert code == 0
    assert out.startswith("<!doctype html>")
    assert '<meta http-equiv="Content-Security-Policy"' in out


# -- invented quotes, stored directly ---------------------------------------------------------

HOSTILE = (
    'Vote <script>alert("x")</script> for <a href="javascript:alert(1)">me</a> and '
    '<img src=x onerror="alert(2)"> the harbour <b onmouseover="alert(3)">bridge</b> now'
)


def _originals(tmp_path: Path, engine: Engine, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / "originals.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert import_file(engine, path).rejected_count == 0


def test_a_hostile_quote_and_original_render_inert(engine: Engine, tmp_path: Path) -> None:
    _originals(
        tmp_path,
        engine,
        [
            {
                "platform": "twitter",
                "post_id": "1",
                "url": "javascript:alert(document.cookie)",
                "author_name": 'Mallory <svg onload="alert(4)">',
                "author_handle": 'mallory"><script>alert(5)</script>',
                "posted_at": "2024-05-01T10:00:00Z",
                "text": HOSTILE,
                "kind": "post",
            }
        ],
    )
    result = store_article(
        engine,
        [Quote(text=HOSTILE, fragments=(HOSTILE,), speaker='Mallory <i onclick="x()">')],
        url="https://news.example/x?<script>",
        title='<script>alert("title")</script>',
    )
    (verdict_id,) = result.verdict_ids
    with Session(engine) as session:
        receipt = load_receipt(session, verdict_id, zones=ZONES)
    assert receipt is not None
    assert receipt.original is not None and receipt.original.url is None
    page = render_receipt(receipt, standalone=True)
    assert_inert(page)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert HOSTILE in " ".join(texts(page, "//*[@id='quote']"))
    assert receipt.relation == "verbatim"


def test_a_newer_verdict_is_linked_from_the_older_receipt(engine: Engine, tmp_path: Path) -> None:
    _originals(
        tmp_path,
        engine,
        [
            {
                "platform": "twitter",
                "post_id": "7",
                "url": "https://twitter.com/IvoNandor/status/7",
                "author_name": "Ivo Nandor",
                "author_handle": "IvoNandor",
                "posted_at": "2024-05-01T10:00:00Z",
                "text": "The river festival will return next spring with free boats for all.",
            }
        ],
    )
    quote = Quote(
        text="The river festival will return next spring with free boats",
        fragments=("The river festival will return next spring with free boats",),
        speaker="Ivo Nandor",
    )
    first = store_article(engine, [quote])
    with Session(engine) as session:
        row = session.get(Original, 1)
        assert row is not None
        row.status = "deleted"
        session.add(row)
        session.commit()
    second = store_article(engine, [quote])
    (old,), (new,) = first.verdict_ids, second.verdict_ids
    assert new > old
    key = b"k" * 32
    with Session(engine) as session:
        older = load_receipt(
            session, old, zones=ZONES, link=lambda i: receipt_url("https://r.example", key, i)
        )
        newest = load_receipt(session, new, zones=ZONES)
    assert older is not None and newest is not None and newest.newer is None
    page = render_receipt(older)
    (notice,) = texts(page, "//*[@id='newer']")
    assert "the newest one says deleted" in notice
    (href,) = [a.get("href") for a in _anchors(page, "newer")]
    assert href == f"https://r.example/r/{new}/{mac(key, new)}"


def _anchors(page: str, within: str) -> list[Any]:
    return list(tree(page).xpath(f"//*[@id='{within}']//a"))


def test_a_date_mismatch_shows_both_dates(engine: Engine, tmp_path: Path) -> None:
    _originals(
        tmp_path,
        engine,
        [
            {
                "platform": "twitter",
                "post_id": "8",
                "url": "https://twitter.com/IvoNandor/status/8",
                "author_name": "Ivo Nandor",
                "author_handle": "IvoNandor",
                "posted_at": "2024-05-02T02:30:00Z",  # 1 May in New York
                "text": "Our town hall opens its doors to every neighbour this Saturday morning.",
            }
        ],
    )
    text = "Our town hall opens its doors to every neighbour this Saturday morning."
    result = store_article(
        engine, [Quote(text=text, fragments=(text,), speaker="Ivo Nandor", date_hint="2024-05-04")]
    )
    with Session(engine) as session:
        receipt = load_receipt(session, result.verdict_ids[0], zones=ZONES)
    assert receipt is not None and receipt.date_check == "mismatch"
    assert receipt.dates == ("4 May 2024", "1 May 2024 or 2 May 2024")
    page = render_receipt(receipt)
    (dates,) = texts(page, "//*[@id='dates']")
    assert "4 May 2024" in dates and "1 May 2024 or 2 May 2024" in dates


def test_other_originals_that_fit_as_well_are_listed(engine: Engine, tmp_path: Path) -> None:
    text = "Every library card in Riverton is free from today, for every age."
    _originals(
        tmp_path,
        engine,
        [
            {
                "platform": "twitter",
                "post_id": str(n),
                "url": f"https://twitter.com/IvoNandor/status/{n}",
                "author_name": "Ivo Nandor",
                "author_handle": "IvoNandor",
                "posted_at": f"2024-05-0{n}T12:00:00Z",
                "text": text,
            }
            for n in (3, 5)
        ],
    )
    result = store_article(engine, [Quote(text=text, fragments=(text,), speaker="Ivo Nandor")])
    with Session(engine) as session:
        receipt = load_receipt(session, result.verdict_ids[0], zones=ZONES)
    assert receipt is not None
    assert len(receipt.also) == 1
    page = render_receipt(receipt)
    assert texts(page, "//*[@id='h-also']") == ["Other originals that fit as well"]
    assert any("fit the text as well" in line for line in texts(page, "//li"))


# -- links -----------------------------------------------------------------------------------


def test_receipt_links_are_hmacs_of_the_verdict_id() -> None:
    key = b"x" * 32
    path = receipt_path(key, 42)
    assert path.startswith("/r/42/") and len(path.rsplit("/", 1)[1]) == 32
    assert verify(key, 42, path.rsplit("/", 1)[1])
    assert not verify(key, 43, path.rsplit("/", 1)[1])
    assert not verify(b"y" * 32, 42, path.rsplit("/", 1)[1])
    assert receipt_url(None, key, 42) is None


def test_without_a_secret_one_is_generated_once_and_kept(engine: Engine) -> None:
    settings = load_settings(_env_file=None)
    first = receipt_key(engine, settings)
    assert len(first) == 64
    assert receipt_key(engine, settings) == first
    chosen = load_settings(_env_file=None, receipt_secret="c" * 20)
    assert receipt_key(engine, chosen) == b"c" * 20


def test_the_policy_allows_no_script() -> None:
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP
