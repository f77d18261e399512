"""Word shingles hashed to stable 63-bit integers, for the originals search index (pure).

A text is cut into overlapping runs of :data:`SIZE` words; each run is hashed to a positive
63-bit int (fits SQLite INTEGER and PostgreSQL BIGINT) that is the same in every process
(blake2b of each word, combined arithmetically; never Python's ``hash()``). A text shorter
than :data:`SIZE` words gets one shingle of all its words, so a short post is still found by
a quote of exactly its words.

A quote is looked up by all its shingles (:func:`shingles`); an original is stored with its
*winnowed* shingles (:func:`indexed_shingles`): the smallest hash of every run of
:data:`WINDOW` consecutive shingles (Schleimer, Wilkerson and Aiken, "Winnowing", SIGMOD
2003); any :data:`GUARANTEED` words an original shares with a quote still share a stored
shingle. :data:`WINDOW` is 1 (every shingle is stored): see there why.
:func:`batch_indexed_shingles` computes the same sets for many texts at once
with numpy, about twice as fast as one text at a time.

:func:`index_words` gives the same words as :func:`bot.match.normalize.words` (a test keeps
them equal) but works on the whole string at once, about ten times faster.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from hashlib import blake2b

import numpy as np
import orjson
from numpy.lib.stride_tricks import sliding_window_view

from bot.match.normalize import BRACKET, ENTITY, FOLD, LINK, WORD

SIZE = 4
"""Words per shingle. An altered quote (a word changed every ~5 words) keeps ~1 in 5."""
WINDOW = 1
"""Consecutive shingles of an original of which the smallest is stored: 1 stores them all.

Winnowing every 2 stores about 2 in 3 and makes an indexed import faster, but it cost 5 of 80
altered quotes their top-1 original in ``bench/match.py`` (200k originals), so it is off."""
GUARANTEED = SIZE + WINDOW - 1
"""A run of this many words shared with a quote always shares a stored shingle."""

_MASK64 = (1 << 64) - 1
# Odd multipliers, one per position in a shingle (and one per length of a short text).
_MULT = (
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0xD6E8FEB86659FD93,
    0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53,
)
_FOLD_CHARS = re.compile("[" + re.escape("".join(FOLD)) + "]")  # faster than str.translate
_LINK_LOWER = re.compile(LINK.pattern)  # the same links, matched in lower-cased text
_MAX_CACHED = 1 << 20
# Between texts of a batch: a NUL word (a text's own NULs become spaces) fenced by empty
# brackets, so no bracket, link or entity of one text can reach into the next.
_SEPARATOR = "\n[]\x00[]\n"
_WORD_OR_SEPARATOR = re.compile("\x00|" + WORD.pattern)


class _WordHashes(dict[str, int]):
    """Word → stable 64-bit hash, computed on first use (never 0: 0 marks a separator)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= _MAX_CACHED:
            self.clear()
            self["\x00"] = 0
        value = int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        self[word] = value = value or 1
        return value


_WORD_HASHES = _WordHashes({"\x00": 0})


def _fold(text: str) -> str:
    """What :func:`index_words` does to a text before it finds the words."""
    return _fold_joinable(_fold_one(text))


def _fold_one(text: str) -> str:
    """The steps of :func:`_fold` that must see one text alone: entities and Unicode."""
    if "&" in text:
        text = ENTITY.sub(lambda match: html.unescape(match.group()), text)
    if not text.isascii():
        return unicodedata.normalize("NFKC", _FOLD_CHARS.sub(_folded, text))
    if "`" in text:
        return text.replace("`", "'")
    return text


def _fold_joinable(text: str) -> str:
    """The steps of :func:`_fold` that give the same words on texts joined by _SEPARATOR."""
    text = text.lower()
    if "/" in text or "www." in text:
        # A link never spans whitespace, so only the whitespace-separated pieces holding a
        # "/" or "www." need the (slow) link pattern; the rest only loses runs of spaces.
        text = " ".join(
            [
                _LINK_LOWER.sub(" ", piece) if "/" in piece or "www." in piece else piece
                for piece in text.split()
            ]
        )
    if "[" in text:
        text = BRACKET.sub(" ", text)
    return text


def _folded(match: re.Match[str]) -> str:
    return FOLD[match.group()]


def index_words(text: str) -> list[str]:
    """The normalised words of *text*, as :func:`bot.match.normalize.words` gives them."""
    return WORD.findall(_fold(text))


def word_hash(word: str) -> int:
    """A stable 64-bit hash of one word (the same in every process)."""
    return _WORD_HASHES[word]


def _combine(hashes: Sequence[int]) -> int:
    """One 63-bit value for a short text's words (the length is mixed in)."""
    value = _MULT[len(hashes) % len(_MULT)]
    for position, item in enumerate(hashes):
        value = (value ^ item) * _MULT[position % len(_MULT)] & _MASK64
    return value >> 1


def shingle_sequence(words: Sequence[str], size: int = SIZE) -> list[int]:
    """The hashed shingles of a word list in text order (one when shorter than *size*)."""
    if not words:
        return []
    hashes = list(map(_WORD_HASHES.__getitem__, words))
    if len(hashes) < size:
        return [_combine(hashes)]
    if size == SIZE:  # a linear mix of random 64-bit values, one per position
        if size == 4:  # unrolled
            a, b, c, d = _MULT[:4]
            return [
                ((w * a + x * b + y * c + z * d) & _MASK64) >> 1
                for w, x, y, z in zip(hashes, hashes[1:], hashes[2:], hashes[3:], strict=False)
            ]
        return [
            (sum(h * m for h, m in zip(hashes[i : i + size], _MULT, strict=False)) & _MASK64) >> 1
            for i in range(len(hashes) - size + 1)
        ]
    return [_combine(hashes[i : i + size]) for i in range(len(hashes) - size + 1)]


def shingles_of_words(words: Sequence[str], size: int = SIZE) -> set[int]:
    """The hashed shingles of a word list (one shingle when shorter than *size*)."""
    return set(shingle_sequence(words, size))


def shingles(text: str, size: int = SIZE) -> set[int]:
    """All the hashed shingles of *text* (what a quote is looked up by)."""
    return shingles_of_words(index_words(text), size)


def indexed_shingles_of_words(words: Sequence[str], window: int = WINDOW) -> set[int]:
    """The winnowed shingles of a word list: the smallest of every *window* in a row."""
    sequence = shingle_sequence(words)
    if len(sequence) <= window:
        return set(sequence)
    return {min(sequence[i : i + window]) for i in range(len(sequence) - window + 1)}


def indexed_shingles(text: str, window: int = WINDOW) -> set[int]:
    """The shingles an original is stored with (:func:`indexed_shingles_of_words`)."""
    return indexed_shingles_of_words(index_words(text), window)


def batch_words(texts: Sequence[str]) -> list[str]:
    """The index words of all *texts*, each text's words followed by one ``"\\x00"``."""
    if not texts:
        return []
    folded = [_fold_one(text.replace("\x00", " ") if "\x00" in text else text) for text in texts]
    return _WORD_OR_SEPARATOR.findall(_fold_joinable(_SEPARATOR.join(folded)) + "\x00")


def batch_indexed_shingles(
    texts: Sequence[str], window: int = WINDOW
) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`indexed_shingles` of every text, computed together.

    Returns ``(offsets, values)``: the sorted int64 shingles of ``texts[i]`` are
    ``values[offsets[i]:offsets[i + 1]]`` (empty for a text without words).
    """
    words = batch_words(texts)
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, words), np.uint64, len(words))
    ends = np.flatnonzero(hashes == 0)  # one separator after each text
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    doc_of_word = np.repeat(np.arange(len(texts)), lengths + 1)
    count = max(len(hashes) - SIZE + 1, 0)  # runs of SIZE words (some across texts)
    every = np.zeros(count, dtype=np.uint64)
    crosses = np.zeros(count, dtype=bool)
    with np.errstate(over="ignore"):
        for position in range(SIZE):
            every += hashes[position : position + count] * np.uint64(_MULT[position])
            crosses |= hashes[position : position + count] == 0
    whole = ~crosses
    values = (every[whole] >> np.uint64(1)).view(np.int64)
    docs = doc_of_word[:count][whole]
    # Winnow: the smallest of each *window* shingles in a row of one text.
    keep = np.zeros(len(values), dtype=bool)
    if len(values) >= window:
        windows = sliding_window_view(values, window)
        inside = docs[: len(windows)] == docs[window - 1 :]
        smallest = windows.argmin(axis=1) + np.arange(len(windows))
        keep[smallest[inside]] = True
    counts = np.bincount(docs, minlength=len(texts))
    keep |= (counts <= window)[docs]  # short texts keep every shingle
    docs, values = docs[keep], values[keep]
    # Texts shorter than SIZE words: one shingle of all their words.
    short = np.flatnonzero((lengths > 0) & (lengths < SIZE))
    if len(short):
        extra = [_combine(hashes[starts[i] : ends[i]].tolist()) for i in short.tolist()]
        docs = np.concatenate((docs, short))
        values = np.concatenate((values, np.array(extra, dtype=np.int64)))
    # By text, then value: a quicksort of the values, then a stable (radix) sort by text.
    order = np.argsort(values)
    by_text = docs[order].astype(np.int16 if len(texts) <= np.iinfo(np.int16).max else np.int64)
    order = order[np.argsort(by_text, kind="stable")]
    docs, values = docs[order], values[order]
    first = np.ones(len(values), dtype=bool)
    first[1:] = (values[1:] != values[:-1]) | (docs[1:] != docs[:-1])
    docs, values = docs[first], values[first]
    offsets = np.searchsorted(docs, np.arange(len(texts) + 1))
    return offsets, values


def batch_packed_shingles(texts: Sequence[str]) -> list[tuple[bytes, str]]:
    """The :func:`batch_indexed_shingles` of each text as packed int64 bytes (sorted) and as
    a JSON list: what the search index stages for a bulk build."""
    offsets, values = batch_indexed_shingles(texts)
    listed = values.tolist()
    bounds = offsets.tolist()
    return [
        (values[start:end].tobytes(), orjson.dumps(listed[start:end]).decode())
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
