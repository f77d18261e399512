"""Normalisation and tokenisation (invented text only)."""

from __future__ import annotations

import pytest

from bot.match.normalize import WILDCARD, normalize, split_fragments, tokens, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello  World", "hello world"),
        ("\u201cQuoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("north\u2013south \u2014 east", "north-south - east"),
        ("wait\u2026", "wait..."),
        ("salt &amp; pepper &#8220;x&#8221;", 'salt & pepper "x"'),
        ("read this https://example.org/a?b=1 now", "read this now"),
        ("big news! https://t.co/AbC123 pic.twitter.com/XyZ", "big news!"),
        ("see t.co/abc", "see"),
        ("tabs\tand\nnew\u00a0lines", "tabs and new lines"),
        ("soft\u00adhyphen", "softhyphen"),
    ],
)
def test_normalize_folds_what_a_page_changes(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thank you, Chairman Ola.", ["thank", "you", "chairman", "ola"]),
        ("Thank you, Chairman Ola,", ["thank", "you", "chairman", "ola"]),
        ("It\u2019s #GreatDay for @Ola_News", ["it's", "greatday", "for", "ola_news"]),
        ("We paid $1,250.50 at 10:30", ["we", "paid", "1,250.50", "at", "10:30"]),
        ("the [River Council] said", ["the", "said"]),
        ("Fish&amp;chips", ["fish", "chips"]),
        ("", []),
    ],
)
def test_words_ignore_punctuation_and_keep_tags_as_words(raw: str, expected: list[str]) -> None:
    assert words(raw) == expected


def test_tokens_point_into_the_raw_text() -> None:
    raw = "Yes &amp; \u201cno\u201d \u2014 it\u2019s https://t.co/x fine"
    found = tokens(raw)
    assert [t.word for t in found] == ["yes", "no", "it's", "fine"]
    assert [raw[t.start : t.end] for t in found] == ["Yes", "no", "it\u2019s", "fine"]


def test_entity_word_offsets_cover_the_entity() -> None:
    raw = "caf&eacute; open"
    found = tokens(raw)
    assert [t.word for t in found] == ["caf\u00e9", "open"]
    assert raw[found[0].start : found[0].end] == "caf&eacute;"


def test_bracket_becomes_one_wildcard_when_asked() -> None:
    found = tokens("we thank [the River Council] today", brackets=True)
    assert [t.word for t in found] == ["we", "thank", WILDCARD, "today"]
    assert [t.word for t in tokens("we [x] go")] == ["we", "x", "go"]


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("one two", ["one two"]),
        ("one two \u2026 three", ["one two", "three"]),
        ("one two... three", ["one two", "three"]),
        ("one two . . . three", ["one two", "three"]),
        ("one two [...] three [\u2026] four", ["one two", "three", "four"]),
        ("\u2026one two", ["one two"]),
    ],
)
def test_split_fragments_at_ellipses(quote: str, expected: list[str]) -> None:
    assert split_fragments(quote) == expected
