"""Direct quotations: marks, splits, speakers, cues, channels and hints (invented people)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.extract.quotes import find_quotes

PUBLISHED = dt.date(2018, 9, 10)  # a Monday


def _paragraphs(html: str) -> tuple[list[str], list[int]]:
    tree = LexborHTMLParser(html)
    paragraphs: list[str] = []
    blockquotes: list[int] = []
    for node in tree.css("p, blockquote"):
        text = node.text(separator=" ").strip()
        if text:
            if node.tag == "blockquote":
                blockquotes.append(len(paragraphs))
            paragraphs.append(text)
    return paragraphs, blockquotes


def test_seed_article_gives_the_tweet_and_the_press_secretary(shared_data: Path) -> None:
    html = (shared_data / "seed" / "article.html").read_text(encoding="utf-8")
    paragraphs, blockquotes = _paragraphs(html)
    quotes = find_quotes(paragraphs, published=PUBLISHED, blockquote_indexes=blockquotes)

    tweet = quotes[0]
    assert tweet.fragments == (
        "This is a big and very positive statement from North Korea. Thank you To Chairman Kim",
        "We will both prove everyone wrong!",
    )
    assert tweet.text == " ".join(tweet.fragments)
    assert (tweet.speaker, tweet.speaker_role) == ("Donald Trump", "President")
    hints = (tweet.channel, tweet.platform_hint, tweet.date_hint)
    assert hints == ("social", "twitter", "2018-09-09")
    assert tweet.cue == "wrote"

    assert len(quotes) == 2  # "warm", "positive" and the Follow line give nothing
    sanders = quotes[1]
    assert sanders.fragments[0].startswith("It’s certainly something")
    assert sanders.fragments[1].endswith("run through Kim Jong Un.")
    assert sanders.speaker == "Sarah Sanders"
    assert sanders.speaker_role == "White House press secretary"


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["“Unclosed quotation that runs on, Jane Roe said."],
        ['"One "two" three " four " five'],
        ["”Backwards marks here,“ he said.", "«Never closed"],
        ["‘", "“", "”", '"', "«»", "„"],
        [""],
    ],
)
def test_odd_marks_never_raise(paragraphs: list[str]) -> None:
    for quote in find_quotes(paragraphs, published=PUBLISHED):
        for fragment in quote.fragments:
            assert fragment in " ".join(" ".join(paragraphs).split())
