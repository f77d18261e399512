"""The originals search index on SQLite and PostgreSQL: retrieval, filters, re-indexing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text, update

from bot import db
from bot.match import index
from bot.match.normalize import words
from bot.match.shingles import index_words, indexed_shingles, shingles
from bot.models import Original, Speaker

ORIGINALS_TABLE = Original.__table__  # type: ignore[attr-defined]
BASE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

# Invented originals (id, speaker, text); distractors below share many of their words.
ORIGINALS = [
    (
        1,
        "Tomas Brill",
        "The river festival will return to Harbour Square next summer, and every stall will "
        "be free for local bakers who sign up before the end of March.",
    ),
    (
        2,
        "Tomas Brill",
        "Grateful to the volunteers who cleaned the riverbank on Sunday. Harbour Square has "
        "never looked better!",
    ),
    (
        3,
        "Ines Okafor",
        "Our council will not raise the parking fees this year. Families have paid enough, "
        "and the budget can be balanced without them. We owe every household that promise.",
    ),
    (
        4,
        "Ines Okafor",
        "The parking garage on Mill Lane closes for repairs on Monday; the council apologises "
        "for the trouble and thanks drivers for their patience.",
    ),
    (5, "Tomas Brill", "Local bakers deserve a festival that puts them first."),
]
SPEAKERS = {"Tomas Brill": 1, "Ines Okafor": 2}
N_DISTRACTORS = 600


def _distractors(n: int) -> list[str]:
    """Texts built from the same vocabulary as ORIGINALS, none of them a source."""
    nouns = ["river festival", "council", "parking fees", "budget", "local bakers", "square"]
    verbs = ["will return", "closes", "will not raise", "grows", "moves", "looked better"]
    tails = ["next summer", "this year", "on Monday", "before the end of March", "for repairs"]
    return [
        f"The {nouns[i % 6]} {verbs[(i // 6) % 6]} {tails[(i // 36) % 5]}, and the "
        f"{nouns[(i * 5 + 1) % 6]} of ward {i} {verbs[(i * 7 + 2) % 6]} too."
        for i in range(n)
    ]


@pytest.fixture(params=["engine", "pg_engine"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The test runs on SQLite, and again on PostgreSQL when the server is there."""
    engine: Engine = request.getfixturevalue(request.param)
    return engine


def _add(engine: Engine, rows: list[dict[str, object]]) -> None:
    defaults = {"platform": "test", "kind": "post", "status": "live", "is_retweet": False}
    with engine.begin() as connection:
        connection.execute(
            insert(ORIGINALS_TABLE),
            [defaults | {"post_id": str(row["id"])} | row for row in rows],
        )
        index.index_originals(connection, [(int(str(r["id"])), str(r["text"])) for r in rows])


@pytest.fixture
def corpus(any_engine: Engine) -> Engine:
    """The invented originals among many distractors, indexed."""
    with any_engine.begin() as connection:
        connection.execute(
            insert(Speaker.__table__),  # type: ignore[attr-defined]
            [{"id": sid, "name": name} for name, sid in SPEAKERS.items()],
        )
    rows: list[dict[str, object]] = [
        {
            "id": oid,
            "text": body,
            "speaker_id": SPEAKERS[name],
            "posted_at": BASE + timedelta(days=oid),
        }
        for oid, name, body in ORIGINALS
    ]
    rows += [
        {"id": 1000 + i, "text": body, "speaker_id": 1 + i % 2, "posted_at": BASE}
        for i, body in enumerate(_distractors(N_DISTRACTORS))
    ]
    _add(any_engine, rows)
    return any_engine


def _search(engine: Engine, quote: str, **kwargs: object) -> list[index.Candidate]:
    with engine.connect() as connection:
        return index.search(connection, quote, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        # exact
        (ORIGINALS[0][2], 1),
        # excerpt
        ("every stall will be free for local bakers who sign up", 1),
        ("Families have paid enough, and the budget can be balanced without them", 3),
        # elided: fragments in order
        ("Our council will not raise the parking fees … We owe every household that promise.", 3),
        # altered: a word changed every ~5 words
        (
            "The river carnival will return to Harbour Square next autumn, and every booth will "
            "be free for local bakers who register before the end of March.",
            1,
        ),
        (
            "The parking garage on Mill Road closes for works on Monday; the council apologises "
            "for the disruption and thanks drivers for their patience.",
            4,
        ),
        # typography and case the index folds
        ("GRATEFUL to the volunteers who cleaned the riverbank on Sunday &amp; more", 2),
        # a short post, quoted whole
        ("Local bakers deserve a festival that puts them first!", 5),
    ],
)
def test_quote_retrieves_its_original_first(corpus: Engine, quote: str, expected: int) -> None:
    found = _search(corpus, quote)
    assert found, "no candidate at all"
    assert found[0].original_id == expected
    assert found[0].score >= 80
    assert found[0].shared >= 1


def test_results_are_best_first_and_limited(corpus: Engine) -> None:
    found = _search(corpus, "the parking fees this year", limit=5)
    assert 1 <= len(found) <= 5
    scores = [candidate.score for candidate in found]
    assert scores == sorted(scores, reverse=True)


def test_unrelated_quote_finds_nothing_close(corpus: Engine) -> None:
    found = _search(corpus, "Penguins in the southern ocean dive deeper than scientists thought")
    assert all(candidate.score < 60 for candidate in found)


def test_before_excludes_later_originals_and_keeps_undated(corpus: Engine) -> None:
    quote = "every stall will be free for local bakers who sign up before the end of March"
    earlier = _search(corpus, quote, before=BASE)  # 1 is posted a day after BASE
    assert 1 not in {candidate.original_id for candidate in earlier}
    assert _search(corpus, quote, before=BASE + timedelta(days=1))[0].original_id == 1
    with corpus.begin() as connection:
        connection.execute(
            update(ORIGINALS_TABLE).where(ORIGINALS_TABLE.c.id == 1).values(posted_at=None)
        )
    assert _search(corpus, quote, before=BASE)[0].original_id == 1


def test_speaker_filter_keeps_only_their_originals(corpus: Engine) -> None:
    quote = "Our council will not raise the parking fees this year"
    echo = "Like Ines said: our council will not raise the parking fees, and I agree."
    _add(corpus, [{"id": 6, "text": echo, "speaker_id": 1}])
    assert _search(corpus, quote, speaker_ids={2})[0].original_id == 3
    assert _search(corpus, quote, speaker_ids={1})[0].original_id == 6
    others = _search(corpus, quote, speaker_ids={1})
    assert 3 not in {candidate.original_id for candidate in others}
    with corpus.connect() as connection:
        rows = index.candidate_texts(connection, [c.original_id for c in others])
    assert {row.speaker_id for row in rows.values()} == {1}
    assert _search(corpus, quote, speaker_ids=set()) == []


def test_reindexing_a_changed_text_replaces_its_entries(corpus: Engine) -> None:
    new_text = "Lighthouse tours resume in June with a brand new guide for visiting schools."
    with corpus.begin() as connection:
        connection.execute(
            update(ORIGINALS_TABLE).where(ORIGINALS_TABLE.c.id == 2).values(text=new_text)
        )
        index.index_originals(connection, [(2, new_text)])
    assert 2 not in {c.original_id for c in _search(corpus, ORIGINALS[1][2])}
    assert (
        _search(corpus, "lighthouse tours resume in June with a brand new guide")[0].original_id
        == 2
    )
    with corpus.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM match_shingles WHERE original_id = 2")
        ).scalar_one()
    assert stored == len(indexed_shingles(new_text))


def test_reindexing_the_same_text_changes_nothing(corpus: Engine) -> None:
    def count() -> int:
        with corpus.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM match_shingles")).scalar_one())

    before = count()
    with corpus.begin() as connection:
        index.index_originals(connection, [(oid, body) for oid, _, body in ORIGINALS])
    assert count() == before


def test_unindex_removes_an_original(corpus: Engine) -> None:
    with corpus.begin() as connection:
        index.unindex(connection, [3, 99999])
    assert 3 not in {c.original_id for c in _search(corpus, ORIGINALS[2][2])}
    with corpus.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM match_shingles WHERE original_id = 3")
        ).scalar_one()
        docs = connection.execute(
            text("SELECT count(*) FROM match_docs WHERE original_id = 3")
        ).scalar_one()
    assert (left, docs) == (0, 0)


def test_empty_and_tiny_queries(corpus: Engine) -> None:
    assert _search(corpus, "") == []
    assert _search(corpus, "… !!") == []
    assert _search(corpus, ORIGINALS[0][2], limit=0) == []


def test_copies_prefer_the_post_over_the_retweet(any_engine: Engine) -> None:
    body = "Nine new ferry routes start on Friday across the northern lakes."
    _add(
        any_engine,
        [
            {"id": 1, "text": body, "is_retweet": True},
            {"id": 2, "text": body, "is_retweet": False},
        ],
    )
    assert [c.original_id for c in _search(any_engine, body)][:2] == [2, 1]


def test_index_words_agree_with_the_normaliser() -> None:
    samples = [
        "Don’t stop — it’s “GREAT” &amp; true… https://t.co/AbC123 pic.twitter.com/xyz",
        "Visit WWW.Example.org/Page now [Mayor Vance] said: 3.5% of 1,200!",
        "Ｆｕｌｌｗｉｄｔｈ café résumé naïve\u00a0space`quote",
        "#Hashtag @handle e-mail self-driving 24/7",
    ]
    for sample in samples:
        assert index_words(sample) == words(sample)


def test_index_words_agree_with_the_normaliser_on_real_tweets(shared_data: Path) -> None:
    path = shared_data / "tweets" / "trump_2018_2021.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert [t for t in texts if index_words(t) != words(t)] == []


def test_shingles_are_stable_across_processes() -> None:
    # A stored index must mean the same thing tomorrow: fixed value for a fixed text.
    first = shingles("one two three four five")
    assert len(first) == 2
    assert all(0 < value < 2**63 for value in first)
    assert shingles("One, two; THREE four five!") == first
    assert shingles("two three four") != shingles("two three four five")


def test_real_tweets_cut_and_edited_find_their_originals(
    any_engine: Engine, shared_data: Path
) -> None:
    path = shared_data / "tweets" / "trump_2018_2021.jsonl"
    tweets = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    tweets = [tweet for tweet in tweets if tweet["time"].startswith("2018")]  # ~3,500, quicker
    _add(
        any_engine,
        [
            {
                "id": i + 1,
                "post_id": tweet["id"],
                "text": tweet["text"],
                "posted_at": datetime.fromisoformat(tweet["time"]),
                "is_retweet": bool(tweet.get("is_retweet")),
            }
            for i, tweet in enumerate(tweets)
        ],
    )
    by_post = {tweet["id"]: i + 1 for i, tweet in enumerate(tweets)}
    target = by_post["1038812262549663744"]
    original = tweets[target - 1]["text"]
    said = words(original)
    altered = list(said)
    for i in range(2, len(altered), 5):
        altered[i] = "zzz" + altered[i]
    quotes = {
        "exact": original,
        "excerpt": "very positive statement from North Korea",
        "elided": " ".join(said[:12]) + " … " + " ".join(said[-5:]),
        "altered": " ".join(altered),
    }
    for kind, quote in quotes.items():
        found = _search(any_engine, quote, limit=3)
        assert found and found[0].original_id == target, kind
    later = _search(any_engine, quotes["excerpt"], before=datetime(2018, 9, 9, 15, 0, tzinfo=UTC))
    assert target not in {c.original_id for c in later}


def test_migration_goes_down_and_up(sqlite_url: str) -> None:
    engine = db.make_engine(sqlite_url)
    try:
        db.upgrade(engine)
        db.downgrade(engine, "0001")
        with engine.connect() as connection:
            names = set(
                connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'table'")
                ).scalars()
            )
        assert "match_shingles" not in names and "match_docs" not in names
        db.upgrade(engine)
        with engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(text("match_shingles")))
            assert count.scalar_one() == 0
    finally:
        engine.dispose()


def test_migration_goes_down_and_up_on_postgres(pg_url: str) -> None:
    engine = db.make_engine(pg_url)
    try:
        db.upgrade(engine)
        db.downgrade(engine, "0001")
        db.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(ORIGINALS_TABLE),
                [
                    {
                        "id": 7,
                        "platform": "t",
                        "post_id": "7",
                        "text": "a b c d e",
                        "kind": "post",
                        "status": "live",
                        "is_retweet": False,
                    }
                ],
            )
            index.index_originals(connection, [(7, "a b c d e")])
        with engine.connect() as connection:
            assert [c.original_id for c in index.search(connection, "a b c d e")] == [7]
    finally:
        engine.dispose()


# -- quotecheck originals search ----------------------------------------------------------------

CLI_ORIGINALS = Path(__file__).parent / "data" / "match" / "originals.jsonl"


def _cli_corpus(run_cli) -> None:  # type: ignore[no-untyped-def]
    for name, handle in (("Tomas Brill", "tbrill"), ("Ines Okafor", "inesokafor")):
        code, _, err = run_cli("speakers", "add", name, "--handle", f"twitter:{handle}")
        assert code == 0, err
    code, _, err = run_cli("originals", "import", str(CLI_ORIGINALS), "--quiet")
    assert code == 0, err


def test_cli_search_prints_best_candidates_as_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    _cli_corpus(run_cli)
    code, out, _ = run_cli(
        "originals", "search", "every stall will be free for local bakers", "--json"
    )
    assert code == 0
    results = json.loads(out)["results"]
    # Both contain the words verbatim: a tie the matcher settles by speaker and date.
    assert {r["post_id"] for r in results[:2]} == {"1001", "2002"}
    assert [r["score"] for r in results[:2]] == [100, 100]
    first = next(r for r in results if r["post_id"] == "1001")
    assert first["author_handle"] == "tbrill"
    assert first["posted_at"].startswith("2024-05-02T12:00:00")
    assert first["status"] == "live" and first["score"] == 100


def test_cli_search_speaker_filter_finds_someone_elses_words(run_cli) -> None:  # type: ignore[no-untyped-def]
    _cli_corpus(run_cli)
    quote = "every stall will be free for local bakers"
    code, out, _ = run_cli("originals", "search", quote, "--speaker", "Ines Okafor", "--json")
    assert code == 0
    assert [r["post_id"] for r in json.loads(out)["results"]] == ["2002"]


def test_cli_search_table_shows_id_date_author_status_and_text(run_cli) -> None:  # type: ignore[no-untyped-def]
    _cli_corpus(run_cli)
    code, out, _ = run_cli("originals", "search", "the parking garage closes for repairs")
    assert code == 0
    for shown in ("2024-05-06", "Ines Okafor", "deleted", "Mill Lane"):
        assert shown in out
    code, out, _ = run_cli("originals", "search", "penguins dive deeper than scientists thought")
    assert code == 0 and "no original found" in out


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["some words here", "--limit", "0"], "--limit"),
        (["… !!"], "TEXT"),
        (["some words here", "--speaker", "Nobody Known"], "--speaker"),
    ],
)
def test_cli_search_bad_arguments_exit_2(run_cli, args: list[str], names: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli("originals", "search", *args)
    assert code == 2
    assert names in err and len(err.strip().splitlines()) == 1
