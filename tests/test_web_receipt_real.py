"""Receipts of verdicts on real tweets (../shared/data), one verdict kind each.

The originals are a few hundred of @realDonaldTrump's 2018–2021 tweets read from the shared
file at run time; the quotes are cut, joined or edited from them in code, so no real text is
kept in the project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from bot import db
from bot.extract.types import Quote
from bot.models import Original
from bot.originals.importers import import_file
from bot.web.load import load_receipt
from bot.web.render import render_receipt
from tests.web_helpers import assert_inert, store_article, texts, tree

pytestmark = pytest.mark.shared_data

TWEETS = "tweets/trump_2018_2021.jsonl"
SEED = "1038812262549663744"
VERBATIM = "1072614269773119489"
ELIDED = "1068600355225690112"
ALTERED = "1020290163933630464"  # "not" dropped
MISATTRIBUTED = "1009935968164630528"
DELETED = "965968309358333952"
HELD_BACK = "1011228265003077632"
TWINS = ("1022936690267176971", "1024341376509599745")
KEPT = 400  # the first tweets of the file, besides those picked by id
ZONES = ["America/New_York", "UTC"]


@dataclass
class World:
    engine: Engine
    tweets: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / TWEETS).is_file():
        pytest.skip(f"real tweets not found at {SHARED_DATA / TWEETS} (the shared/ folder)")
    folder = tmp_path_factory.mktemp("receipts-real")
    picked = {SEED, VERBATIM, ELIDED, ALTERED, MISATTRIBUTED, DELETED, HELD_BACK, *TWINS}
    tweets: dict[str, str] = {}
    kept = folder / "tweets.jsonl"
    with (SHARED_DATA / TWEETS).open(encoding="utf-8") as source, kept.open("w") as out:
        for number, line in enumerate(source):
            row = json.loads(line)
            if row["id"] in picked:
                tweets[row["id"]] = row["text"]
            if (row["id"] in picked or number < KEPT) and row["id"] != HELD_BACK:
                out.write(line)
    assert picked <= set(tweets), "a tweet picked by id is missing from the shared file"
    engine = db.make_engine(f"sqlite:///{folder / 'receipts.db'}")
    db.upgrade(engine)
    assert import_file(engine, kept).rejected_count == 0
    with engine.begin() as connection:
        connection.execute(
            update(Original).where(Original.post_id == DELETED).values(status="deleted")  # type: ignore[arg-type]
        )
    yield World(engine, tweets)
    engine.dispose()


def _words(text: str, start: int, end: int | None = None) -> str:
    return " ".join(text.split()[start:end])


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def _quote(fragments: str | tuple[str, ...], **fields: str | None) -> Quote:
    parts = (fragments,) if isinstance(fragments, str) else fragments
    fields.setdefault("speaker", "Donald Trump")
    return Quote(text=" … ".join(parts), fragments=parts, **fields)  # type: ignore[arg-type]


def _seed(text: str) -> tuple[str, ...]:
    first, second, third = _sentences(text[text.index("This") :])[:3]
    return (f"{first} {second[:-1]},", third)


def _drop_not(text: str) -> str:
    sentence = next(s for s in _sentences(text) if " not " in s)
    return sentence.replace(" not ", " ", 1)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[dict[str, str]], Quote]
    headline: str
    post_id: str | None


CASES = [
    Case(
        "excerpt split by attribution",
        lambda t: _quote(_seed(t[SEED]), date_hint="2018-09-09"),
        "excerpt",
        SEED,
    ),
    Case("verbatim", lambda t: _quote(t[VERBATIM]), "verbatim", VERBATIM),
    Case(
        "elided",
        lambda t: _quote((_words(t[ELIDED], 0, 10), _words(t[ELIDED], -8))),
        "elided",
        ELIDED,
    ),
    Case("altered", lambda t: _quote(_drop_not(t[ALTERED])), "altered", ALTERED),
    Case(
        "misattributed",
        lambda t: _quote(" ".join(_sentences(t[MISATTRIBUTED])[-2:]), speaker="Joe Biden"),
        "misattributed",
        MISATTRIBUTED,
    ),
    Case("deleted", lambda t: _quote(_words(t[DELETED], 0, 25)), "deleted", DELETED),
    Case("not found", lambda t: _quote(_words(t[HELD_BACK], 0, 30)), "not_found", None),
    Case(
        "date mismatch",
        lambda t: _quote(_seed(t[SEED]), date_hint="2018-09-02"),
        "excerpt",
        SEED,
    ),
    Case("twins", lambda t: _quote(_words(t[TWINS[0]], 0, 14)), "excerpt", None),
]


@pytest.fixture(scope="module")
def receipts(world: World) -> dict[str, str]:
    """Every case checked as one article; each verdict's receipt page by case name."""
    quotes = [case.build(world.tweets) for case in CASES]
    result = store_article(world.engine, quotes, url="https://news.example/real", published_at=None)
    pages: dict[str, str] = {}
    with Session(world.engine) as session:
        for case, verdict_id in zip(CASES, result.verdict_ids, strict=True):
            receipt = load_receipt(session, verdict_id, zones=ZONES)
            assert receipt is not None
            assert receipt.headline.value == case.headline, case.name
            if case.post_id:
                assert receipt.original is not None and receipt.original.post_id == case.post_id
            pages[case.name] = render_receipt(receipt, standalone=True)
    return pages


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_receipt_is_inert_and_names_its_verdict(receipts: dict[str, str], case: Case) -> None:
    page = receipts[case.name]
    assert_inert(page)
    assert texts(page, "//h1") == [case.headline.replace("_", " ")]


def test_the_seed_receipt_highlights_both_parts_and_the_date(
    receipts: dict[str, str], world: World
) -> None:
    page = receipts["excerpt split by attribution"]
    (marked,) = texts(page, "//*[@id='original']//mark")
    first, second = _seed(world.tweets[SEED])
    assert marked.startswith(first[:-1]) and marked.endswith(second.rstrip("!.?"))
    assert f"https://twitter.com/realDonaldTrump/status/{SEED}" in [
        a for a in _hrefs(page) if a.endswith(SEED)
    ]
    assert any("web.archive.org/web/20180909153158/" in href for href in _hrefs(page))
    assert "Sun 9 Sep 2018, 11:31 EDT (Sun 9 Sep 2018, 15:31 UTC)" in " ".join(texts(page, "//p"))


def test_the_altered_receipt_strikes_not(receipts: dict[str, str]) -> None:
    assert texts(receipts["altered"], "//*[@id='alignment']//del") == ["not"]


def test_the_elided_receipt_shows_what_was_left_out(receipts: dict[str, str], world: World) -> None:
    (gap,) = texts(receipts["elided"], "//*[@id='alignment']//*[@class='elided']")
    left_out = _words(world.tweets[ELIDED], 10, -8)
    assert gap.startswith("[… ") and left_out.split()[0] in gap


def test_the_misattributed_receipt_names_the_author(receipts: dict[str, str]) -> None:
    (whose,) = texts(receipts["misattributed"], "//*[@id='whose']")
    assert "@realDonaldTrump" in whose and "not Joe Biden’s" in whose


def test_the_deleted_receipt_says_so(receipts: dict[str, str]) -> None:
    assert texts(receipts["deleted"], "//*[@data-status]") == ["deleted"]
    assert "The original has been deleted." in texts(receipts["deleted"], "//li")


def test_the_date_mismatch_receipt_shows_both_dates(receipts: dict[str, str]) -> None:
    (dates,) = texts(receipts["date mismatch"], "//*[@id='dates']")
    assert "2 Sep 2018" in dates and "9 Sep 2018" in dates


def test_the_twins_receipt_lists_the_other_tweet(receipts: dict[str, str]) -> None:
    page = receipts["twins"]
    assert texts(page, "//*[@id='h-also']") == ["Other originals that fit as well"]
    assert sum(href.endswith(TWINS) for href in _hrefs(page)) >= 2


def _hrefs(page: str) -> list[str]:
    return [str(a.get("href")) for a in tree(page).xpath("//a")]
