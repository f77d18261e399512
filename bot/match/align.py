"""Word-level alignment of a quote against one original's full text (pure).

Each fragment of the quote is fitted, in order, into the original: the whole fragment must
be consumed, the original may start and end anywhere (a "fitting" alignment on words, with
free end gaps on the original's side). The alignment says which quote words were found,
which were changed, added or dropped, and where the matched span lies in the raw original.
:func:`align` turns that into a relation:

- verbatim: every word of the original, in order, and nothing else;
- excerpt: one contiguous part (several fragments that follow each other directly count as
  one part: a quote split by an attribution);
- elided: the fragments are found exactly, in order, with words left out between them;
- altered: close, but words changed inside a fragment (the diff names them);
- none: not close enough (see :data:`MIN_COVERAGE` and friends).

Punctuation never counts (a final "." that became "," is no alteration), and an editorial
bracket in the quote matches up to :data:`WILDCARD_MAX` words of the original.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from bot.match.normalize import WILDCARD, Token, split_fragments, tokens

Relation = Literal["verbatim", "excerpt", "elided", "altered", "paraphrase", "none"]
DiffOp = tuple[str, str]  # ("=", words) | ("-", dropped original words) | ("+", added words)

WILDCARD_MAX = 8
"""Most original words one editorial bracket may stand for."""
MIN_COVERAGE = 0.8
"""Least share of the quote's words that must be found, in order, for "altered"."""
MIN_SPAN_COVERAGE = 0.75
"""Least share of the matched span's words that the quote keeps, for "altered"."""
MIN_MATCHED = 4
"""Fewest quote words that must be found for any relation but verbatim."""
MIN_RUN = 3
"""Longest run of consecutive found words must be at least this, for "altered"."""
FULL_DP_WORDS = 400
"""Originals up to this many words (after the previous fragment) are aligned whole;
longer ones only in a window around the fragment's longest exact match."""
GAP_SHOWN = 24
"""An elided gap longer than this many words is shown shortened in the diff."""


@dataclass(frozen=True, slots=True)
class Alignment:
    """How one quote lies in one original."""

    relation: Relation
    matched: int  # quote words found unchanged, in order
    quote_words: int  # words of the quote (editorial brackets excluded)
    changed: int  # quote words substituted or added, and original words dropped, inside fragments
    longest_run: int  # most consecutive quote words found unchanged
    span: tuple[int, int] | None  # raw offsets of the matched part in the original text
    diff: tuple[DiffOp, ...]
    confidence: float

    @property
    def coverage(self) -> float:
        return self.matched / self.quote_words if self.quote_words else 0.0

    @property
    def exact(self) -> bool:
        return self.relation in ("verbatim", "excerpt", "elided")


NO_ALIGNMENT = Alignment("none", 0, 0, 0, 0, None, (), 0.0)

# Operations of a fitting alignment: (kind, quote index or -1, original start, original end)
_EQ, _SUB, _ADD, _DROP, _WILD = "=", "~", "+", "-", "*"
_Op = tuple[str, int, int, int]


@dataclass(slots=True)
class _Piece:
    """One run of the diff: op, source (-1 original, -2 a gap text, i fragment i), range."""

    op: str
    source: int
    start: int
    end: int


def _fit(quote: Sequence[str], original: Sequence[str]) -> list[_Op]:
    """Best fitting alignment of all of *quote* into part of *original* (+1 / -1 scores)."""
    m, n = len(quote), len(original)
    neg = -(10**9)
    score = [[0] * (n + 1)] + [[neg] * (n + 1) for _ in range(m)]
    back: list[list[int]] = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(1, m + 1):
        word = quote[i - 1]
        row, prev = score[i], score[i - 1]
        brow = back[i]
        if word == WILDCARD:
            for j in range(n + 1):
                best, how = prev[j], 3
                for k in range(1, min(j, WILDCARD_MAX) + 1):
                    if prev[j - k] > best:
                        best, how = prev[j - k], 3 + k
                row[j], brow[j] = best, how
            continue
        row[0], brow[0] = prev[0] - 1, 1
        for j in range(1, n + 1):
            diag = prev[j - 1] + (1 if original[j - 1] == word else -1)
            up = prev[j] - 1
            left = row[j - 1] - 1
            if diag >= up and diag >= left:
                row[j], brow[j] = diag, 0
            elif up >= left:
                row[j], brow[j] = up, 1
            else:
                row[j], brow[j] = left, 2
    last = score[m]
    j = max(range(n + 1), key=lambda col: (last[col], col))
    ops: list[_Op] = []
    i = m
    while i > 0:
        how = back[i][j]
        if how == 0:
            kind = _EQ if original[j - 1] == quote[i - 1] else _SUB
            ops.append((kind, i - 1, j - 1, j))
            i, j = i - 1, j - 1
        elif how == 1:
            ops.append((_ADD, i - 1, j, j))
            i -= 1
        elif how == 2:
            ops.append((_DROP, -1, j - 1, j))
            j -= 1
        else:
            k = how - 3
            ops.append((_WILD, i - 1, j - k, j))
            i, j = i - 1, j - k
    ops.reverse()
    return ops


def _window(quote: Sequence[str], original: Sequence[str], lo: int) -> tuple[int, int]:
    """The part of *original* after *lo* where *quote* can lie (all of it when short)."""
    if len(original) - lo <= FULL_DP_WORDS:
        return lo, len(original)
    plain = [w for w in quote if w != WILDCARD]
    matcher = SequenceMatcher(None, plain, original[lo:], autojunk=False)
    block = matcher.find_longest_match(0, len(plain), 0, len(original) - lo)
    if block.size == 0:
        return lo, lo
    slack = max(4, len(quote) // 2) + WILDCARD_MAX * quote.count(WILDCARD)
    start = max(lo, lo + block.b - block.a - slack)
    end = min(len(original), lo + block.b + (len(plain) - block.a) + slack)
    return start, end


def _raw(text: str, toks: Sequence[Token], start: int, end: int) -> str:
    """The raw text of tokens[start:end] (punctuation between them included)."""
    if start >= end:
        return ""
    return text[toks[start].start : toks[end - 1].end]


def _gap_text(text: str, toks: Sequence[Token], start: int, end: int) -> str:
    if end - start <= GAP_SHOWN:
        return _raw(text, toks, start, end)
    half = GAP_SHOWN // 2
    return f"{_raw(text, toks, start, start + half)} … {_raw(text, toks, end - half, end)}"


def align(quote: str | Sequence[str], original: str) -> Alignment:
    """Align a quote (its text, or its fragments in order) against an original's text."""
    fragments = split_fragments(quote) if isinstance(quote, str) else [f for f in quote if f]
    pairs = [(fragment, tokens(fragment, brackets=True)) for fragment in fragments]
    pairs = [(f, toks) for f, toks in pairs if any(t.word != WILDCARD for t in toks)]
    frag_texts = [f for f, _ in pairs]
    frag_tokens = [toks for _, toks in pairs]
    orig_tokens = tokens(original)
    orig_words = [t.word for t in orig_tokens]
    quote_words = sum(1 for toks in frag_tokens for t in toks if t.word != WILDCARD)
    if not quote_words or not orig_words:
        return NO_ALIGNMENT

    # Diff pieces: [op, source, start, end]; source -1 is the original, i >= 0 fragment i,
    # -2 a ready-made text (an elided gap). Adjacent pieces of one source merge.
    pieces: list[_Piece] = []
    gaps: list[str] = []
    matched = changed = longest = run = placed_words = 0
    first: int | None = None
    last = 0
    lo = 0
    contiguous = True

    def emit(op: str, source: int, start: int, end: int) -> None:
        if pieces:
            prev = pieces[-1]
            if prev.op == op and prev.source == source != -2 and prev.end == start:
                prev.end = end
                return
        pieces.append(_Piece(op, source, start, end))

    for index, toks in enumerate(frag_tokens):
        words = [t.word for t in toks]
        start, end = _window(words, orig_words, lo)
        ops = _fit(words, orig_words[start:end])
        ops = [(kind, q, s + start, e + start) for kind, q, s, e in ops]
        # Leading and trailing additions lie outside the original: they anchor nowhere.
        placed = [op for op in ops if op[0] != _ADD]
        if not placed or not any(op[0] == _EQ for op in ops):
            changed += len(words)
            emit("+", index, 0, len(toks))
            run = 0
            contiguous = False
            continue
        frag_start = min(op[2] for op in placed)
        frag_end = max(op[3] for op in placed)
        if first is None:
            first = frag_start
        else:
            if frag_start != last:
                contiguous = False
                if frag_start > last:
                    gaps.append(_gap_text(original, orig_tokens, last, frag_start))
                    emit("-", -2, len(gaps) - 1, len(gaps))
            run = 0
        for kind, qi, s, e in ops:
            if kind == _EQ:
                matched += 1
                run += 1
                longest = max(longest, run)
                emit("=", -1, s, e)
                continue
            run = 0
            if kind == _WILD:
                if e > s:
                    emit("=", -1, s, e)
            elif kind == _SUB:
                changed += 1
                emit("-", -1, s, e)
                emit("+", index, qi, qi + 1)
            elif kind == _ADD:
                changed += 1
                emit("+", index, qi, qi + 1)
            else:
                changed += 1
                emit("-", -1, s, e)
        placed_words += frag_end - frag_start
        last = max(last, frag_end)
        lo = frag_end

    diff: list[DiffOp] = []
    changes: dict[str, list[str]] = {"-": [], "+": []}

    def flush() -> None:
        for op in ("-", "+"):  # inside a changed run: the original's words, then the quote's
            if changes[op]:
                diff.append((op, " ".join(changes[op])))
                changes[op] = []

    for piece in pieces:
        if piece.source == -2:
            text = gaps[piece.start]
        elif piece.source == -1:
            text = _raw(original, orig_tokens, piece.start, piece.end)
        else:
            source = piece.source
            text = _raw(frag_texts[source], frag_tokens[source], piece.start, piece.end)
        if piece.op != "=":
            changes[piece.op].append(text)
            continue
        flush()
        if diff and diff[-1][0] == "=":
            diff[-1] = ("=", f"{diff[-1][1]} {text}")
        else:
            diff.append(("=", text))
    flush()

    if first is None:
        return Alignment("none", 0, quote_words, changed, 0, None, tuple(diff), 0.0)
    span = (orig_tokens[first].start, orig_tokens[last - 1].end)
    relation: Relation
    if changed == 0 and matched == quote_words:
        if contiguous and first == 0 and last == len(orig_words):
            relation = "verbatim"
        elif quote_words < MIN_MATCHED:
            relation = "none"
        else:
            relation = "excerpt" if contiguous else "elided"
    elif (
        matched >= MIN_MATCHED
        and matched / quote_words >= MIN_COVERAGE
        and matched / max(placed_words, 1) >= MIN_SPAN_COVERAGE
        and longest >= MIN_RUN
    ):
        relation = "altered"
    else:
        relation = "none"
    confidence = _confidence(relation, matched, quote_words, changed)
    return Alignment(
        relation, matched, quote_words, changed, longest, span, tuple(diff), confidence
    )


def _confidence(relation: Relation, matched: int, quote_words: int, changed: int) -> float:
    """How sure the text relation is: long exact matches near 1, short or loose ones lower."""
    if relation == "none":
        return round(min(0.5, 0.5 * matched / max(quote_words, 1)), 3)
    length = min(1.0, matched / 12)
    if relation in ("verbatim", "excerpt", "elided"):
        return round(0.7 + 0.3 * length, 3)
    closeness = matched / (quote_words + changed)
    return round(max(0.0, min(1.0, 0.4 + 0.35 * closeness + 0.2 * length)), 3)
