"""`quotecheck recheck`: stored articles checked again, pages read again from a real local
server, a changed verdict stored as an update and an unchanged one writing nothing.
Every page and original here is invented (the bundled demo)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.config import ConfigError
from bot.demo import ARTICLE, ORIGINALS
from bot.models import Article, Citation, MatchRow
from bot.recheck import choose_articles
from tests.local_server import Site, serve
from tests.test_cli_check import CONTRACT

FOUND_LATER = {
    "platform": "statement",
    "post_id": "riverton-gov-2024-05-15-briefing",
    "url": "https://gov.riverton.example/briefings/2024-05-15",
    "author_name": "Dana Reyes",
    "posted_at": "2024-05-15T10:00:00Z",
    "text": "We expect the first cars to cross the bridge before the winter holidays. "
    "The crews are working around the clock.",
    "kind": "statement",
}


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as site:
        yield site


@pytest.fixture
def cli(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI with the demo originals imported, allowed to fetch from the local server."""
    monkeypatch.setenv("QUOTECHECK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("QUOTECHECK_HTTP_HOST_DELAY", "0")
    code, _, err = run_cli("originals", "import", str(ORIGINALS))
    assert code == 0, err
    return run_cli


def _json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def _check(cli: Any, url: str) -> dict[str, Any]:
    code, out, err = cli("check", url, "--json", "--no-resolve")
    assert code == 0, err
    (data,) = _json_lines(out)
    return data


def _import_found_later(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "later.jsonl"
    path.write_text(json.dumps(FOUND_LATER) + "\n", encoding="utf-8")
    code, _, err = cli("originals", "import", str(path))
    assert code == 0, err


def _verdict_rows() -> int:
    from bot.config import load_settings
    from bot.db import make_engine

    engine = make_engine(load_settings().database_url)
    try:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(MatchRow)).one())
    finally:
        engine.dispose()


def test_unchanged_verdicts_write_nothing_and_json_has_checks_shape(cli: Any, site: Site) -> None:
    url = site.add("/bridge", ARTICLE.read_bytes())
    checked = _check(cli, url)
    rows_before = _verdict_rows()

    code, out, err = cli("recheck", url, "--json", "--no-resolve")
    assert code == 0, err
    (data,) = _json_lines(out)
    assert set(data) == {"article", "results"}
    assert data["article"] == checked["article"]
    assert len(data["results"]) == 7
    for before, now in zip(checked["results"], data["results"], strict=True):
        assert set(now) >= CONTRACT | {"verdict_id", "changed", "was"}
        assert now["verdict_id"] == before["verdict_id"]
        assert (now["changed"], now["was"]) == (False, before["headline"])
    assert _verdict_rows() == rows_before
    assert site.hits["/bridge"] == 2, "the page was read again"

    code, out, _ = cli("recheck", "1", "--no-resolve")
    assert code == 0
    assert "unchanged: article 1, Riverton bridge to open in 2027" in out


def test_a_newer_original_changes_one_verdict_stored_as_a_new_row(
    cli: Any, site: Site, tmp_path: Path
) -> None:
    url = site.add("/bridge", ARTICLE.read_bytes())
    checked = _check(cli, url)
    _import_found_later(cli, tmp_path)

    code, out, err = cli("recheck", "--all", "--json", "--no-resolve")
    assert code == 0, err
    (data,) = _json_lines(out)
    changed = [r for r in data["results"] if r["changed"]]
    assert [(r["was"], r["headline"]) for r in changed] == [("not_found", "excerpt")]
    assert changed[0]["original"]["url"] == FOUND_LATER["url"]
    old_ids = {r["verdict_id"] for r in checked["results"]}
    assert changed[0]["verdict_id"] not in old_ids
    assert {r["verdict_id"] for r in data["results"] if not r["changed"]} <= old_ids

    code, out, _ = cli("recheck", url, "--no-resolve")
    assert code == 0
    assert "unchanged" in out, "the change was stored: a second recheck finds none"


def test_an_edited_page_is_read_again_and_the_report_names_the_change(cli: Any, site: Site) -> None:
    url = site.add("/bridge", ARTICLE.read_bytes())
    _check(cli, url)
    edited = ARTICLE.read_text(encoding="utf-8").replace("by 14 percent", "by 4 percent")
    site.add("/bridge", edited)

    code, out, err = cli("recheck", url, "--no-resolve")
    assert code == 0, err
    assert "1 verdict changed: 4. EXCERPT (was ALTERED)" in " ".join(out.split())
    assert "MISATTRIBUTED" in out, "the whole article's report is printed"


def test_a_page_gone_is_matched_from_its_stored_extraction(
    cli: Any, site: Site, tmp_path: Path
) -> None:
    url = site.add("/bridge", ARTICLE.read_bytes())
    _check(cli, url)
    site.add("/bridge", "gone", status=404)
    _import_found_later(cli, tmp_path)

    code, out, err = cli("recheck", url, "--no-resolve")
    assert code == 0, err
    assert "could not fetch" in err and "404" in err and "stored extraction" in err
    assert "(was NOT FOUND)" in out


def test_receipt_urls_beside_verdict_ids_with_a_public_url(
    cli: Any, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.add("/bridge", ARTICLE.read_bytes())
    _check(cli, url)
    monkeypatch.setenv("QUOTECHECK_PUBLIC_URL", "https://receipts.example")
    code, out, _ = cli("recheck", url, "--json", "--no-fetch", "--no-resolve")
    assert code == 0
    (data,) = _json_lines(out)
    for result in data["results"]:
        assert result["receipt_url"].startswith("https://receipts.example/")


def test_post_sends_the_change_as_an_update(cli: Any, site: Site, tmp_path: Path) -> None:
    code, _, err = cli("channels", "add", "desk", "--kind", "stdout", "--schedule", "immediate")
    assert code == 0, err
    url = site.add("/bridge", ARTICLE.read_bytes())
    _check(cli, url)
    code, out, _ = cli("digest", "send")
    assert code == 0 and "NOT FOUND" in out
    _import_found_later(cli, tmp_path)

    code, out, err = cli("recheck", url, "--post", "--no-resolve")
    assert code == 0, err
    assert "UPDATE: EXCERPT (was not found)" in out
    assert "sent 1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name the articles to re-check"),
        (("42",), "no stored article '42'"),
        (("https://news.example/never-seen",), "`quotecheck check https://news.example/never"),
        (("--since", "soon"), "--since: 'soon' is not a duration"),
    ],
)
def test_bad_arguments_exit_2_naming_the_fix(cli: Any, args: tuple[str, ...], message: str) -> None:
    code, _, err = cli("recheck", *args)
    assert code == 2
    assert message in " ".join(err.split())


# ------------------------------------------------------------------ choosing articles

NOW = datetime(2024, 5, 21, 12, tzinfo=UTC)


def _article(engine: Engine, n: int, *, status: str, hours_ago: int, no_original: bool) -> int:
    with Session(engine) as session:
        row = Article(
            url=f"https://news.example/{n}",
            canonical_url=f"https://news.example/{n}",
            status=status,
            processed_at=NOW - timedelta(hours=hours_ago),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        citation = Citation(article_id=row.id, kind="quote", resolve_status="skipped")
        session.add(citation)
        session.flush()
        assert citation.id is not None
        session.add(
            MatchRow(
                citation_id=citation.id,
                original_id=None,
                relation="none" if no_original else "verbatim",
                attribution="unknown",
                original_status="unknown",
                date_check="unknown",
                created_at=NOW,
            )
        )
        session.commit()
        return row.id


def test_all_since_and_unresolved_pick_processed_articles(engine: Engine) -> None:
    from bot.models import Original

    with Session(engine) as session:  # an original for the found verdicts to name
        original = Original(platform="statement", post_id="a", text="Words.")
        session.add(original)
        session.commit()
        assert original.id is not None
        original_id = original.id
    old_found = _article(engine, 1, status="processed", hours_ago=48, no_original=False)
    new_missing = _article(engine, 2, status="processed", hours_ago=2, no_original=True)
    old_missing = _article(engine, 3, status="failed", hours_ago=72, no_original=True)
    never = _article(engine, 4, status="new", hours_ago=1, no_original=True)
    with Session(engine) as session:
        for row in session.exec(select(MatchRow).where(MatchRow.relation == "verbatim")).all():
            row.original_id = original_id
            session.add(row)
        session.commit()

    def pick(*refs: str, **flags: Any) -> list[int]:
        return choose_articles(engine, list(refs), now=NOW, **flags)

    assert pick(everything=True) == [old_found, new_missing, old_missing]
    assert pick(since=timedelta(hours=24)) == [new_missing]
    assert pick(unresolved=True) == [new_missing, old_missing]
    assert pick(since=timedelta(hours=24), unresolved=True) == [new_missing]
    assert pick(str(never), "https://news.example/1") == [old_found, never]
    with pytest.raises(ConfigError, match="no stored article"):
        pick("https://news.example/5")
