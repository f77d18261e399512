"""The terminal report (bot/report.py): what a person reads."""

from __future__ import annotations

from rich.console import Console

from bot.extract.types import Article, Quote
from bot.match.verdict import Verdict
from bot.report import render, render_extraction


def _plain(renderable: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _quote_verdict(**citation: object) -> Verdict:
    return Verdict(
        citation={"kind": "quote", "speaker": "Ola Quill", **citation},
        relation="none",
        attribution="unknown",
        original_status="unknown",
        date_check="unknown",
        confidence=0.0,
    )


def test_a_split_quote_shows_its_fragments_with_an_ellipsis_between() -> None:
    verdict = _quote_verdict(
        text="The ferry runs on time The harbour is open",
        fragments=["The ferry runs on time", "The harbour is open"],
    )
    text = _plain(render(Article(url=None, title="Ferry news"), [verdict]))
    assert "“The ferry runs on time … The harbour is open”" in text
    assert "NOT FOUND" in text
    assert "no original found in the store" in text


def test_a_quote_of_one_fragment_is_shown_as_it_is() -> None:
    verdict = _quote_verdict(text="The ferry runs on time", fragments=["The ferry runs on time"])
    text = _plain(render(Article(url=None, title="Ferry news"), [verdict]))
    assert "“The ferry runs on time”" in text
    assert "…" not in text


def test_extraction_summary_names_speaker_role_and_hints() -> None:
    article = Article(
        url="https://ledger.example/a",
        title="Pier reopens",
        published_at="2024-05-15",
        quotes=(
            Quote(
                text="We will rebuild the pier this year",
                fragments=("We will rebuild the pier this year",),
                speaker="Ola Quill",
                speaker_role="Mayor",
                cue="wrote",
                platform_hint="twitter",
                date_hint="2024-05-14",
            ),
        ),
    )
    text = _plain(render_extraction(article, "page.html"))
    assert "Pier reopens" in text
    assert "published 2024-05-15" in text
    assert "Quotes (1)" in text
    assert "— Ola Quill, Mayor (wrote, twitter, 2024-05-14)" in text
