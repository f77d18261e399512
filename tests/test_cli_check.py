"""`quotecheck check` and `quotecheck demo` through the CLI (invented pages, offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.demo import ARTICLE, ORIGINALS

EMBED_PAGE = Path(__file__).resolve().parent / "data" / "check" / "embed_only.html"
CONTRACT = {
    "citation",
    "relation",
    "attribution",
    "original_status",
    "date_check",
    "confidence",
    "original",
    "diff",
}


def _import_demo(run_cli: Any) -> None:
    code, _, err = run_cli("originals", "import", str(ORIGINALS))
    assert code == 0, err


def test_check_json_prints_the_contract(run_cli: Any) -> None:
    _import_demo(run_cli)
    code, out, err = run_cli("check", str(ARTICLE), "--json", "--no-post", "--no-resolve")
    assert code == 0, err
    (line,) = out.splitlines()
    data = json.loads(line)
    assert set(data) == {"article", "results"}
    assert data["article"]["title"] == "Riverton bridge to open in 2027, mayor says"
    assert len(data["results"]) == 7
    for result in data["results"]:
        assert set(result) >= CONTRACT
        assert all(op in ("=", "-", "+") and isinstance(words, str) for op, words in result["diff"])
    relations = sorted(r["relation"] for r in data["results"])
    assert relations == sorted(
        ["verbatim", "excerpt", "elided", "altered", "excerpt", "excerpt", "none"]
    )


def test_several_sources_print_one_json_line_each_in_order(run_cli: Any) -> None:
    _import_demo(run_cli)
    code, out, _ = run_cli(
        "check", str(EMBED_PAGE), str(ARTICLE), str(EMBED_PAGE), "--json", "--no-resolve"
    )
    assert code == 0
    titles = [json.loads(line)["article"]["title"] for line in out.splitlines()]
    assert titles == [
        "Harbour festival moves to June",
        "Riverton bridge to open in 2027, mayor says",
        "Harbour festival moves to June",
    ]


@pytest.mark.parametrize(
    ("page", "fail_on", "expected"),
    [
        (ARTICLE, "altered", 1),  # the demo has an altered and a misattributed quote
        (ARTICLE, "misattributed", 1),
        (EMBED_PAGE, "not_found", 1),  # its embed is not in the store (and not fetched)
        (EMBED_PAGE, "deleted", 0),
        (EMBED_PAGE, "not-found", 1),  # spelled with a hyphen
    ],
)
def test_fail_on_exits_1_when_a_verdict_is_that_serious(
    run_cli: Any, page: Path, fail_on: str, expected: int
) -> None:
    _import_demo(run_cli)
    code, _, _ = run_cli("check", str(page), "--json", "--no-resolve", "--fail-on", fail_on)
    assert code == expected


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("check", "no-such-page.html"), "no-such-page.html"),
        (("check", str(ARTICLE), "--fail-on", "awful"), "--fail-on"),
        (("check", "ftp://news.example/page"), "ftp://news.example/page"),
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli: Any, args: tuple[str, ...], named: str) -> None:
    code, out, err = run_cli(*args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert named in err


def test_report_lists_verdicts_most_serious_first(run_cli: Any) -> None:
    _import_demo(run_cli)
    code, out, err = run_cli("check", str(ARTICLE), "--no-resolve")
    assert code == 0, err
    order = [
        "MISATTRIBUTED",
        "ALTERED",
        "DELETED",
        "NOT FOUND",
        "ELIDED",
        "EXCERPT",
        "VERBATIM",
    ]
    positions = [out.index(label) for label in order]
    assert positions == sorted(positions)
    assert "[-4-] {+14+}" in out  # the changed words, marked
    assert "https://twitter.com/BenAdeyemi/status/1790000000000000004" in out


def test_check_reads_standard_input(run_cli: Any) -> None:
    _import_demo(run_cli)
    code, out, _ = run_cli(
        "check", "-", "--json", "--no-resolve", input=ARTICLE.read_text(encoding="utf-8")
    )
    assert code == 0
    assert len(json.loads(out)["results"]) == 7


def test_demo_imports_once_and_reports(run_cli: Any) -> None:
    code, out, err = run_cli("demo")
    assert code == 0, err
    assert "6 added" in out
    assert "MISATTRIBUTED" in out and "VERBATIM" in out
    code, out, _ = run_cli("demo")
    assert code == 0
    assert "0 added, 6 unchanged" in out


def test_demo_json(run_cli: Any) -> None:
    code, out, _ = run_cli("demo", "--json")
    assert code == 0
    headlines = sorted(r["headline"] for r in json.loads(out)["results"])
    assert headlines == sorted(
        ["verbatim", "excerpt", "elided", "altered", "misattributed", "deleted", "not_found"]
    )


def test_a_source_that_cannot_be_read_among_several_is_named_and_the_rest_checked(
    run_cli: Any,
) -> None:
    _import_demo(run_cli)
    code, out, err = run_cli(
        "check", str(ARTICLE), "missing-page.html", str(EMBED_PAGE), "--json", "--no-resolve"
    )
    assert code == 2
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    assert lines[0]["article"]["title"] == "Riverton bridge to open in 2027, mayor says"
    assert lines[1]["article"]["embeds"], "the embed page was checked after the missing one"
    assert "missing-page.html" in err
    assert "1 of 3 sources could not be read" in err
