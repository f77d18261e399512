"""Winnowed shingles: the batch (numpy) computation, the single-text one, and the guarantee."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match.shingles import (
    GUARANTEED,
    SIZE,
    WINDOW,
    batch_indexed_shingles,
    index_words,
    indexed_shingles,
    shingles,
)
from bot.originals.prepare import record_hash
from bot.originals.records import Record
from bot.originals.store import _row

VOCABULARY = ["harbour", "ferry", "bakers", "council", "the", "a", "of", "noon", "Ferry!", "ok"]


def _batch(texts: list[str], window: int = WINDOW) -> list[set[int]]:
    offsets, values = batch_indexed_shingles(texts, window)
    assert len(offsets) == len(texts) + 1
    ascending = values[1:] > values[:-1]  # each text's values sorted, none twice
    bounds = offsets.tolist()
    assert all(ascending[a : max(a, b - 1)].all() for a, b in zip(bounds, bounds[1:], strict=False))
    return [set(values[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(texts))]


def test_batch_agrees_with_one_text_at_a_time_on_awkward_texts() -> None:
    texts = [
        "",
        "one",
        "two words",
        "three short words",
        "exactly four words here",
        "An unclosed [bracket runs to the end of this text",
        "a stray ] bracket and [an aside] in one text",
        "see https://example.org/a/b and pic.twitter.com/xyz here, then www.example.com too",
        "Fish &amp; chips &#8212; “quoted” words… and ΣΊΣΥΦΟΣ at the end",
        "A NUL\x00inside a text does not end it",
        "\u00e9cole\u0301 caf\u00e9 — combining marks",
    ]
    for window in (1, 2, 4):
        assert _batch(texts, window) == [indexed_shingles(text, window) for text in texts]
    assert _batch(texts)[0] == set()
    assert len(_batch(texts)[1]) == 1  # a one-word text still has its one shingle


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8), st.integers(min_value=1, max_value=4))
def test_batch_agrees_with_one_text_at_a_time_on_any_texts(texts: list[str], window: int) -> None:
    assert _batch(texts, window) == [indexed_shingles(text, window) for text in texts]


def test_batch_agrees_in_a_batch_of_more_texts_than_an_int16_counts() -> None:
    """Over 32,767 texts the batch sorts by a wider text number: the same result."""
    texts = [f"notice {n} for the pier {n % 97} is out on day {n % 31}" for n in range(33_000)]
    texts[-1] = texts[0]  # a repeated text far apart in the batch
    found = _batch(texts, 1)
    assert found[-1] == found[0]
    sample = [0, 1, 32_766, 32_767, 32_768, 32_999]
    assert [found[i] for i in sample] == [indexed_shingles(texts[i]) for i in sample]


def test_batch_agrees_on_real_tweets(shared_data: Path) -> None:
    path = shared_data / "tweets" / "biden_2019_2020.jsonl"
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(3000), handle, strict=False)]
    for window in (1, 2):
        assert _batch(texts, window) == [indexed_shingles(text, window) for text in texts]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=4),
)
def test_any_guaranteed_run_of_words_shares_a_stored_shingle(
    words: list[str], start: int, window: int
) -> None:
    text = " ".join(words)
    stored = indexed_shingles(text, window)
    assert stored <= shingles(text)  # winnowing only leaves shingles out
    guaranteed = SIZE + window - 1
    run = index_words(text)[start : start + guaranteed]
    if len(run) == guaranteed:
        assert shingles(" ".join(run)) & stored
    assert GUARANTEED == SIZE + WINDOW - 1


def test_winnowing_keeps_fewer_shingles_of_a_long_text() -> None:
    words = [f"w{i}" for i in range(200)]
    every = shingles(" ".join(words))
    assert len(every) == 200 - SIZE + 1
    assert indexed_shingles(" ".join(words), 1) == every
    kept = indexed_shingles(" ".join(words), 2)
    # 2 / (window + 1) of them on average (Schleimer et al.): far from all, never none
    assert 0.5 * len(every) < len(kept) < 0.85 * len(every)


def test_record_hash_is_the_stored_content_hash() -> None:
    from datetime import UTC, datetime

    from bot.originals.store import content_hash

    record = Record(
        platform="twitter",
        post_id="5",
        text="Harbour lights go on at dusk.",
        url="https://example.org/5",
        author_name="Ines Okafor",
        author_handle="ines",
        posted_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        title=None,
        kind="post",
        status="deleted",
        is_retweet=True,
    )
    assert record_hash(record) == content_hash(_row(record, None))
    assert record_hash(record) != record_hash(Record(platform="twitter", post_id="5", text="x"))
