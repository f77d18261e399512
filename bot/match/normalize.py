"""Text normalisation and tokenisation shared by the matcher and the search index (pure).

``normalize`` folds what a news page changes without changing the words: case, Unicode
quotes, dashes and ellipses, runs of whitespace, HTML entities (``&amp;``), links (URLs,
t.co, a trailing pic.twitter.com). ``words`` splits normalised text into words without
punctuation, so a period that became a comma before an attribution changes nothing; a
hashtag or @mention stays a word (without its sign). ``tokens`` does the same and keeps each
word's offsets in the *raw* text, so a verdict can point at the span it matched.

An editorial insertion in brackets ("[North Korea]") stands for words the speaker said
differently: ``words`` drops it (search), ``tokens(..., brackets=True)`` turns it into one
:data:`WILDCARD` token that alignment lets match any words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

WILDCARD = "[…]"
"""Token standing for an editorial bracket in a quote; it matches any (few) words."""

# What words are made of, public because the search index cuts words the same way
# (bot.match.shingles, on whole strings at once).
ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b(?:pic\.twitter\.com|t\.co|bit\.ly|ow\.ly|buff\.ly|youtu\.be|goo\.gl)/\S*",
    re.IGNORECASE,
)
FOLD = {
    # single quotes and apostrophes
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u0060": "'",
    "\u00b4": "'",
    "\u02bc": "'",
    # double quotes
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    # dashes and minus
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    # ellipsis
    "\u2026": "...",
    # invisible characters
    "\u00ad": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
}
WORD = re.compile(r"\d+(?:[.,:]\d+)+|\w+(?:'\w+)*")
BRACKET = re.compile(r"\[[^\[\]]*\]")
_ELLIPSIS_BRACKET = re.compile(r"\[\s*(?:\.\s*){2,}\]")
_FRAGMENT_SPLIT = re.compile(r"\[\s*(?:\.\s*){2,}\]|\[\s*…\s*\]|…|\.\s*\.\s*\.(?:\s*\.)?")


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised word and where it stands in the raw text (``raw[start:end]``)."""

    word: str
    start: int
    end: int


def _fold(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Normalised text and, for each of its characters, the raw span it came from."""
    out: list[str] = []
    where: list[tuple[int, int]] = []
    pos = 0
    # Entities first (they may hide quotes and dashes), then links, then characters.
    pieces: list[tuple[str, tuple[int, int]]] = []
    for match in ENTITY.finditer(text):
        pieces.extend((ch, (i, i + 1)) for i, ch in enumerate(text[pos : match.start()], pos))
        pieces.extend((ch, match.span()) for ch in html.unescape(match.group()))
        pos = match.end()
    pieces.extend((ch, (i, i + 1)) for i, ch in enumerate(text[pos:], start=pos))
    unescaped = "".join(ch for ch, _ in pieces)
    spans = [(m.start(), m.end()) for m in LINK.finditer(unescaped)]
    link_at = 0
    index = 0
    while index < len(pieces):
        if link_at < len(spans) and index == spans[link_at][0]:
            out.append(" ")
            where.append(pieces[index][1])
            index = spans[link_at][1]
            link_at += 1
            continue
        ch, origin = pieces[index]
        index += 1
        folded = FOLD.get(ch)
        if folded is None:
            folded = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
            folded = " " if folded.isspace() else folded.lower()
        for piece in folded:
            out.append(piece)
            where.append(origin)
    return "".join(out), where


def normalize(text: str) -> str:
    """Fold case, quotes, dashes, ellipses, entities, links and whitespace."""
    folded, _ = _fold(text)
    return " ".join(folded.split())


def tokens(text: str, *, brackets: bool = False) -> list[Token]:
    """The words of *text* with their raw offsets.

    With ``brackets=True`` each editorial insertion "[…]" becomes one :data:`WILDCARD`
    token; otherwise bracketed words are kept as ordinary words (an original may contain
    brackets of its own).
    """
    folded, where = _fold(text)
    found: list[Token] = []

    def add(segment_start: int, segment_end: int) -> None:
        for match in WORD.finditer(folded, segment_start, segment_end):
            start = where[match.start()][0]
            end = where[match.end() - 1][1]
            found.append(Token(match.group(), start, end))

    if not brackets:
        add(0, len(folded))
        return found
    pos = 0
    for match in BRACKET.finditer(folded):
        add(pos, match.start())
        if WORD.search(folded, match.start(), match.end()):
            found.append(Token(WILDCARD, where[match.start()][0], where[match.end() - 1][1]))
        pos = match.end()
    add(pos, len(folded))
    return found


def words(text: str) -> list[str]:
    """Normalised words of *text*, editorial brackets dropped (what the index stores)."""
    return [token.word for token in tokens(text, brackets=True) if token.word != WILDCARD]


def split_fragments(text: str) -> list[str]:
    """Split a quote at ellipses ("…", "...", ". . .", "[...]") into its non-empty parts."""
    parts = _FRAGMENT_SPLIT.split(text)
    return [part.strip() for part in parts if any(ch.isalnum() for ch in part)]
