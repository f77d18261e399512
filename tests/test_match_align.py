"""Word alignment of a quote against one original (invented text only)."""

from __future__ import annotations

import pytest

from bot.match.align import align

ORIGINAL = (
    "Great talks today with Mayor Quill of Eastbay. The harbour bridge will open in 2031, "
    "not later! We thank the Eastbay Council for a very productive week. &amp; more soon "
    "https://t.co/AbCdEf123"
)


@pytest.mark.parametrize(
    ("quote", "relation"),
    [
        # whole text, punctuation, case, entities and the link do not count
        (
            "great talks today with mayor quill of eastbay the harbour bridge will open in "
            "2031 not later we thank the eastbay council for a very productive week & more soon",
            "verbatim",
        ),
        ("The harbour bridge will open in 2031, not later", "excerpt"),
        # a final "." turned into "," before the attribution
        ("Great talks today with Mayor Quill of Eastbay,", "excerpt"),
        # split by an attribution, the two parts consecutive in the original
        (
            ("Great talks today with Mayor Quill of Eastbay,", "The harbour bridge will open"),
            "excerpt",
        ),
        ("Great talks today \u2026 the harbour bridge will open in 2031", "elided"),
        ("Great talks today . . . We thank the Eastbay Council", "elided"),
        ("Great talks today [...] for a very productive week", "elided"),
        (("Great talks today with Mayor Quill", "We thank the Eastbay Council"), "elided"),
        ("We thank [the city's leaders] for a very productive week", "excerpt"),
        # changed words
        ("The harbour bridge will open in 2035, not later!", "altered"),
        ("The harbour bridge will open in 2031, later!", "altered"),
        ("We thank the Eastbay Council for a very wasteful week", "altered"),
        # not this original
        ("Nobody here has ever seen a harbour like ours before", "none"),
        ("bridge", "none"),
        ("", "none"),
    ],
)
def test_relation(quote: str | tuple[str, ...], relation: str) -> None:
    assert align(quote, ORIGINAL).relation == relation


@pytest.mark.parametrize(
    ("quote", "expected_diff"),
    [
        (
            "The harbour bridge will open in 2035, not later",
            [
                ("=", "The harbour bridge will open in"),
                ("-", "2031"),
                ("+", "2035"),
                ("=", "not later"),
            ],
        ),
        (
            "The harbour bridge will open in 2031, later",
            [("=", "The harbour bridge will open in 2031"), ("-", "not"), ("=", "later")],
        ),
        (
            "We thank the Eastbay Council for a very wasteful week",
            [
                ("=", "We thank the Eastbay Council for a very"),
                ("-", "productive"),
                ("+", "wasteful"),
                ("=", "week"),
            ],
        ),
        (
            "Great talks today \u2026 the harbour bridge will open",
            [
                ("=", "Great talks today"),
                ("-", "with Mayor Quill of Eastbay"),
                ("=", "The harbour bridge will open"),
            ],
        ),
    ],
)
def test_diff_names_the_changed_words(quote: str, expected_diff: list[tuple[str, str]]) -> None:
    assert list(align(quote, ORIGINAL).diff) == expected_diff


def test_span_points_at_the_matched_words_in_the_raw_original() -> None:
    result = align("the harbour bridge will open in 2031", ORIGINAL)
    assert result.span is not None
    assert ORIGINAL[result.span[0] : result.span[1]] == "The harbour bridge will open in 2031"


def test_short_original_inside_a_long_quote_is_not_a_match() -> None:
    # A one-word post is contained in any quote that uses the word: coverage says no.
    result = align("Thanks to everyone who came out to the harbour today", "Thanks!")
    assert result.relation == "none"
    assert result.coverage < 0.2


def test_short_quote_that_is_the_whole_post_is_verbatim() -> None:
    assert align("Thanks!", "thanks").relation == "verbatim"


def test_fragments_must_come_in_order() -> None:
    result = align(("We thank the Eastbay Council", "Great talks today with Mayor Quill"), ORIGINAL)
    assert result.relation not in ("excerpt", "elided", "verbatim")


def test_confidence_is_higher_for_exact_than_for_altered() -> None:
    exact = align("The harbour bridge will open in 2031, not later", ORIGINAL)
    changed = align("The harbour bridge will open in 2035, not later", ORIGINAL)
    nothing = align("Nobody here has ever seen a harbour like ours before", ORIGINAL)
    assert 0 <= nothing.confidence < changed.confidence < exact.confidence <= 1


def test_long_original_is_aligned_in_a_window() -> None:
    filler = " ".join(f"word{i}" for i in range(2000))
    original = f"{filler} the harbour bridge will open in 2031 {filler}"
    result = align("The harbour bridge will open in 2035", original)
    assert result.relation == "altered"
    assert result.span is not None
    assert original[result.span[0] : result.span[1]] == "the harbour bridge will open in 2031"
