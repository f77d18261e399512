"""Word shingles hashed to stable 63-bit integers, for the originals search index (pure).

A text is cut into overlapping runs of :data:`SIZE` words; each run is hashed to a positive
63-bit int (fits SQLite INTEGER and PostgreSQL BIGINT) that is the same in every process
(blake2b of each word, combined arithmetically; never Python's ``hash()``). A text shorter
than :data:`SIZE` words gets one shingle of all its words, so a short post is still found by
a quote of exactly its words.

:func:`index_words` gives the same words as :func:`bot.match.normalize.words` (a test keeps
them equal) but works on the whole string at once, about ten times faster: the importer
indexes tens of thousands of originals a second.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from hashlib import blake2b

from bot.match.normalize import _BRACKET, _ENTITY, _FOLD, _LINK, _WORD

SIZE = 4
"""Words per shingle. An altered quote (a word changed every ~5 words) keeps ~1 in 5."""

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
_FOLD_TABLE = str.maketrans(_FOLD)


_LINK_LOWER = re.compile(_LINK.pattern)  # the same links, matched in lower-cased text
_WORD_HASHES: dict[str, int] = {}
_MAX_CACHED = 1 << 20


def index_words(text: str) -> list[str]:
    """The normalised words of *text*, as :func:`bot.match.normalize.words` gives them."""
    if "&" in text:
        text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_FOLD_TABLE))
    elif "`" in text:
        text = text.replace("`", "'")
    text = text.lower()
    if "/" in text or "www." in text:
        text = _LINK_LOWER.sub(" ", text)
    if "[" in text:
        text = _BRACKET.sub(" ", text)
    return _WORD.findall(text)


def word_hash(word: str) -> int:
    """A stable 64-bit hash of one word (the same in every process)."""
    value = _WORD_HASHES.get(word)
    if value is None:
        if len(_WORD_HASHES) >= _MAX_CACHED:
            _WORD_HASHES.clear()
        value = int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        _WORD_HASHES[word] = value
    return value


def _combine(hashes: Sequence[int]) -> int:
    """One 63-bit value for a short text's words (the length is mixed in)."""
    value = _MULT[len(hashes) % len(_MULT)]
    for position, item in enumerate(hashes):
        value = (value ^ item) * _MULT[position % len(_MULT)] & _MASK64
    return value >> 1


def shingles_of_words(words: Sequence[str], size: int = SIZE) -> set[int]:
    """The hashed shingles of a word list (one shingle when shorter than *size*)."""
    if not words:
        return set()
    cached = _WORD_HASHES.get
    hashes = [cached(word) or word_hash(word) for word in words]
    if len(hashes) < size:
        return {_combine(hashes)}
    if size == 4:  # the common case, unrolled: a linear mix of four random 64-bit values
        a, b, c, d = _MULT[:4]
        return {
            ((w * a + x * b + y * c + z * d) & _MASK64) >> 1
            for w, x, y, z in zip(hashes, hashes[1:], hashes[2:], hashes[3:], strict=False)
        }
    return {_combine(hashes[i : i + size]) for i in range(len(hashes) - size + 1)}


def shingles(text: str, size: int = SIZE) -> set[int]:
    """The hashed shingles of *text*."""
    return shingles_of_words(index_words(text), size)
