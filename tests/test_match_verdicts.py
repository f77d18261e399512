"""Verdicts on real tweets and a real White House briefing (../shared/data), one row each.

The quotes are built at run time from the shared files: picked by tweet id or document id,
then cut, joined or edited in code, so no real text is kept in the project. The store holds
all of @realDonaldTrump's 2018–2021 tweets except a few held back (the "not found" rows),
and a few dozen briefings.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from bot import db
from bot.config import load_settings
from bot.extract.types import Quote
from bot.http import make_async_client
from bot.match.matcher import match_quote
from bot.match.verdict import Verdict
from bot.models import Original
from bot.originals.importers import import_file
from bot.pipeline import check_source

pytestmark = pytest.mark.shared_data

ZONES = ["America/New_York", "UTC"]
TWEETS = "tweets/trump_2018_2021.jsonl"
BRIEFINGS = "statements/whitehouse_press_briefings.jsonl.gz"
BRIEFING_ID = (
    "wh-briefings:press-briefings/2021-02/2021-02-04-press-briefing-by-press-secretary-"
    "jen-psaki-and-national-security-advisor-jake-sullivan-february-4-2021"
)
HELD_BACK = ("1011228265003077632", "1001834394359877633")
DELETED = "965968309358333952"
SEED = "1038812262549663744"
TWINS = ("1022936690267176971", "1024341376509599745")  # the same text, four days apart
BRIEFINGS_KEPT = 40


@dataclass
class World:
    engine: Engine
    tweets: dict[str, dict[str, str]]
    turns: dict[str, list[list[str]]]  # speaker label -> turns -> paragraphs (of the briefing)


_WORLD: dict[Path, World] = {}


def _turns(text: str) -> dict[str, list[list[str]]]:
    """The briefing's turns by speaker label ("MS. PSAKI"), each as its paragraphs."""
    found: dict[str, list[list[str]]] = {}
    pattern = re.compile(r"^(Q|[A-Z][A-Z.'\- ]+):", re.MULTILINE)
    marks = list(pattern.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : following.start() if following else len(text)]
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
        found.setdefault(mark.group(1), []).append(paragraphs)
    return found


def _build(shared: Path, folder: Path) -> World:
    tweets: dict[str, dict[str, str]] = {}
    kept = folder / "tweets.jsonl"
    with (shared / TWEETS).open(encoding="utf-8") as source, kept.open("w") as out:
        for line in source:
            row = json.loads(line)
            tweets[row["id"]] = row
            if row["id"] not in HELD_BACK:
                out.write(line)
    briefings = folder / "briefings.jsonl"
    briefing_text = ""
    with (
        gzip.open(shared / BRIEFINGS, "rt", encoding="utf-8") as source,
        briefings.open("w") as out,
    ):
        for number, line in enumerate(source):
            row = json.loads(line)
            if row["id"] == BRIEFING_ID:
                briefing_text = row["text"]
            if row["id"] == BRIEFING_ID or number < BRIEFINGS_KEPT:
                out.write(line)
    assert briefing_text, "the briefing picked by id is not in the shared data"
    engine = db.make_engine(f"sqlite:///{folder / 'verdicts.db'}")
    db.upgrade(engine)
    assert import_file(engine, kept).rejected_count == 0
    assert import_file(engine, briefings).rejected_count == 0
    with engine.begin() as connection:  # as a resolve that found the post gone would leave it
        connection.execute(
            update(Original).where(Original.post_id == DELETED).values(status="deleted")  # type: ignore[arg-type]
        )
    return World(engine, tweets, _turns(briefing_text))


@pytest.fixture
def world(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Built once for the module (the import takes seconds), on first use."""
    if shared_data not in _WORLD:
        _WORLD[shared_data] = _build(shared_data, tmp_path_factory.mktemp("verdicts"))
    return _WORLD[shared_data]


@pytest.fixture
def session(world: World) -> Iterator[Session]:
    with Session(world.engine) as session:
        yield session


# -- building quotes from the real texts ------------------------------------------------------


def _words(text: str, start: int, end: int | None = None) -> str:
    return " ".join(text.split()[start:end])


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?:(?<=[.!?])|(?<=[.!?][\u201d\"']))\s+", paragraph) if s]


def _around(text: str, word: str, width: int = 10) -> str:
    """The words around the first word of *text* that contains *word*."""
    found = text.split()
    at = next(i for i, w in enumerate(found) if word in w)
    return " ".join(found[max(0, at - width) : at + width])


Build = Callable[[World], Quote]


def tweet(post_id: str, cut: Callable[[str], str | tuple[str, ...]], **fields: str | None) -> Build:
    def build(world: World) -> Quote:
        made = cut(world.tweets[post_id]["text"])
        fragments = (made,) if isinstance(made, str) else made
        fields.setdefault("speaker", "Donald Trump")
        return Quote(text=" … ".join(fragments), fragments=fragments, **fields)  # type: ignore[arg-type]

    return build


def briefing(
    label: str, turn: int, paragraph: int, cut: Callable[[list[str]], str], **fields: str | None
) -> Build:
    def build(world: World) -> Quote:
        made = cut(_sentences(world.turns[label][turn][paragraph]))
        return Quote(text=made, fragments=(made,), **fields)  # type: ignore[arg-type]

    return build


@dataclass(frozen=True)
class Row:
    name: str
    build: Build
    relation: str
    attribution: str = "match"
    post_id: str | None = None  # the original expected (a prefix for briefing passages)
    status: str = "live"
    date_check: str | None = None
    diff_has: tuple[tuple[str, str], ...] = ()


def _seed(text: str) -> tuple[str, ...]:
    # The article's split quote: the first two sentences (a final "." become ","), then the third.
    start = text.index("This")
    first, second, third = _sentences(text[start:])[:3]
    return (f"{first} {second[:-1]},", third)


def _drop_word(word: str) -> Callable[[str], str]:
    def cut(text: str) -> str:
        sentence = next(s for s in _sentences(text) if f" {word} " in s)
        return sentence.replace(f" {word} ", " ", 1)

    return cut


ROWS = [
    Row(
        "seed excerpt split by attribution",
        tweet(SEED, _seed, date_hint="2018-09-09"),
        "excerpt",
        post_id=SEED,
        date_check="match",
    ),
    Row(
        "verbatim",
        tweet("1072614269773119489", lambda t: t),
        "verbatim",
        post_id="1072614269773119489",
    ),
    Row(
        "excerpt",
        tweet("1037302649199177728", lambda t: _words(t, 0, 22)),
        "excerpt",
        post_id="1037302649199177728",
    ),
    Row(
        "consecutive fragments are an excerpt",
        tweet("960522569492426753", lambda t: tuple(_sentences(t)[:2])),
        "excerpt",
        post_id="960522569492426753",
    ),
    Row(
        "elided with an ellipsis character",
        tweet("1068600355225690112", lambda t: f"{_words(t, 0, 10)}\u2026 {_words(t, -8)}"),
        "elided",
        post_id="1068600355225690112",
    ),
    Row(
        "elided with spaced periods",
        tweet("1009935968164630528", lambda t: f"{_words(t, 0, 12)} . . . {_words(t, -12)}"),
        "elided",
        post_id="1009935968164630528",
    ),
    Row(
        "elided by an attribution",
        tweet("1024967606577573891", lambda t: (_words(t, 0, 12), _sentences(t)[-1])),
        "elided",
        post_id="1024967606577573891",
    ),
    Row(
        "altered: a number changed",
        tweet("1016291887957848066", lambda t: _around(t, "90%").replace("90%", "80%")),
        "altered",
        post_id="1016291887957848066",
        diff_has=(("-", "90"), ("+", "80")),
    ),
    Row(
        "altered: 'not' dropped",
        tweet("1020290163933630464", _drop_word("not")),
        "altered",
        post_id="1020290163933630464",
        diff_has=(("-", "not"),),
    ),
    Row(
        "altered: an adjective swapped",
        tweet("1052885781675687936", lambda t: _words(t, 0, 40).replace("strongest", "weakest")),
        "altered",
        post_id="1052885781675687936",
        diff_has=(("-", "strongest"), ("+", "weakest")),
    ),
    Row(
        "misattributed tweet",
        tweet("1009935968164630528", lambda t: " ".join(_sentences(t)[-2:]), speaker="Joe Biden"),
        "excerpt",
        attribution="mismatch",
        post_id="1009935968164630528",
    ),
    Row(
        "deleted",
        tweet(DELETED, lambda t: _words(t, 0, 25)),
        "excerpt",
        post_id=DELETED,
        status="deleted",
    ),
    Row(
        "not found: a tweet not imported",
        tweet(HELD_BACK[0], lambda t: _words(t, 0, 30)),
        "none",
        attribution="unknown",
        status="unknown",
    ),
    Row(
        "not found: another tweet not imported",
        tweet(HELD_BACK[1], lambda t: _words(t, 0, 40)),
        "none",
        attribution="unknown",
        status="unknown",
    ),
    Row(
        "date mismatch",
        tweet("1037302649199177728", lambda t: _words(t, 0, 22), date_hint="2018-09-07"),
        "excerpt",
        post_id="1037302649199177728",
        date_check="mismatch",
    ),
    Row(
        "near-duplicate: the earlier twin by date",
        tweet(TWINS[0], lambda t: _words(t, 0, 14), date_hint="2018-07-27"),
        "excerpt",
        post_id=TWINS[0],
        date_check="match",
    ),
    Row(
        "near-duplicate: the later twin by date",
        tweet(TWINS[1], lambda t: _words(t, 0, 14), date_hint="2018-07-31"),
        "excerpt",
        post_id=TWINS[1],
        date_check="match",
    ),
    Row(
        "briefing excerpt",
        briefing("MS. PSAKI", 0, 1, lambda s: s[0], speaker="Jen Psaki"),
        "excerpt",
        post_id=BRIEFING_ID,
    ),
    Row(
        "briefing elided",
        briefing(
            "MS. PSAKI",
            0,
            1,
            lambda s: f"{_words(s[0], 0, 9)} \u2026 {_words(s[0], -9)}",
            speaker="Jen Psaki",
        ),
        "elided",
        post_id=BRIEFING_ID,
    ),
    Row(
        "briefing altered",
        briefing(
            "MS. PSAKI",
            0,
            1,
            lambda s: s[0].replace("diplomacy", "the military", 1),
            speaker="Jen Psaki",
        ),
        "altered",
        post_id=BRIEFING_ID,
        diff_has=(("-", "diplomacy"), ("+", "the military")),
    ),
    Row(
        "briefing passage attributed to the wrong official",
        briefing("MR. SULLIVAN", 0, 0, lambda s: " ".join(s[1:3]), speaker="Jen Psaki"),
        "excerpt",
        attribution="mismatch",
        post_id=BRIEFING_ID,
    ),
]


def _check(row: Row, verdict: Verdict) -> list[str]:
    """What differs from the row's expectation (empty when the verdict is right)."""
    problems = []
    if verdict.relation != row.relation:
        problems.append(f"relation {verdict.relation} != {row.relation}")
    if verdict.attribution != row.attribution:
        problems.append(f"attribution {verdict.attribution} != {row.attribution}")
    if verdict.original_status != row.status:
        problems.append(f"status {verdict.original_status} != {row.status}")
    if row.post_id is not None and (
        verdict.original is None or not verdict.original.post_id.startswith(row.post_id)
    ):
        problems.append(
            f"original {verdict.original and verdict.original.post_id} != {row.post_id}"
        )
    if row.post_id is None and verdict.original is not None:
        problems.append(f"a wrong original was named: {verdict.original.post_id}")
    if row.date_check is not None and verdict.date_check != row.date_check:
        problems.append(f"date_check {verdict.date_check} != {row.date_check}")
    for op, word in row.diff_has:
        if not any(
            o == op and set(word.split()) <= set(words.split()) for o, words in verdict.diff
        ):
            problems.append(f"diff lacks {op}{word}: {verdict.diff}")
    return problems


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_verdict(row: Row, world: World, session: Session) -> None:
    quote = row.build(world)
    verdict = match_quote(session, quote, before=None, zones=ZONES)
    assert _check(row, verdict) == []
    assert 0.0 <= verdict.confidence <= 1.0
    if verdict.original is not None and verdict.span is not None:
        start, end = verdict.span
        assert end > start


def test_the_article_date_hides_later_originals(world: World, session: Session) -> None:
    quote = tweet("1072614269773119489", lambda t: t)(world)
    verdict = match_quote(session, quote, before=datetime(2018, 12, 1, tzinfo=UTC), zones=ZONES)
    assert verdict.relation == "none"


def test_the_seed_article_end_to_end(world: World, shared_data: Path) -> None:
    """The article this project was made for: the tweet is an excerpt, the press
    secretary's remarks (no stored original) are not found, never a wrong match."""
    settings = load_settings(database_url=str(world.engine.url))

    async def run() -> list[Verdict]:
        transport = httpx.MockTransport(lambda request: httpx.Response(500))
        async with make_async_client(settings, transport=transport) as client:
            result = await check_source(
                str(shared_data / "seed" / "article.html"),
                settings=settings,
                engine=world.engine,
                client=client,
                now=datetime(2018, 9, 11, tzinfo=UTC),
            )
        return list(result.verdicts)

    verdicts = asyncio.run(run())
    by_speaker = {v.citation.get("speaker"): v for v in verdicts}
    trump = by_speaker["Donald Trump"]
    assert (trump.relation, trump.attribution, trump.date_check) == ("excerpt", "match", "match")
    assert trump.original is not None and trump.original.post_id == SEED
    sanders = by_speaker["Sarah Sanders"]
    assert sanders.relation == "none"
    assert sanders.original is None
