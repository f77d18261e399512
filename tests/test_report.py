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


def test_an_original_without_an_author_name_shows_the_speaker_table_name() -> None:
    from datetime import UTC, datetime

    from bot.match.verdict import OriginalRef

    def original(speaker: str | None) -> OriginalRef:
        return OriginalRef(
            id=1,
            platform="twitter",
            post_id="1",
            url="https://twitter.com/olaquill/status/1",
            author_name=None,
            author_handle="olaquill",
            posted_at=datetime(2024, 5, 14, 12, tzinfo=UTC),
            kind="post",
            status="live",
            text="The ferry runs on time",
            speaker=speaker,
        )

    base = _quote_verdict(text="The ferry runs on time")
    named = Verdict(**{**_fields(base), "relation": "verbatim", "original": original("Ola Quill")})
    bare = Verdict(**{**_fields(base), "relation": "verbatim", "original": original(None)})
    assert "original: Ola Quill (@olaquill) · 2024-05-14 12:00 UTC" in _plain(
        render(Article(url=None, title="Ferry news"), [named])
    )
    assert "original: (@olaquill) · 2024-05-14" in _plain(
        render(Article(url=None, title="Ferry news"), [bare])
    )


def _fields(verdict: Verdict) -> dict[str, object]:
    return {name: getattr(verdict, name) for name in Verdict.__dataclass_fields__}
