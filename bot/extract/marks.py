"""Quotation marks in one paragraph: where quoted runs open and close. Straight and curly
double quotes, guillemets, „German“ marks and ‘single’ quotes; an unclosed mark runs to the
paragraph's end (or to the next opening mark), never raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Opening mark -> the marks that close it.
OPENERS = {"“": '”"', '"': '"”', "«": "»", "„": "“”", "‘": "’"}
ALL_MARKS = '“”"«»„‘’'


@dataclass
class Span:
    """One run of quoted text in a paragraph: inner [start, end); closed when a mark ends it."""

    start: int
    end: int
    closed: bool


_OPEN_RE = re.compile("[" + "".join(OPENERS) + "]")
_CLOSE_RE = {
    opener: re.compile("[" + re.escape(closers + ("“" if opener == "“" else "")) + "]")
    for opener, closers in OPENERS.items()
}


def scan(text: str) -> list[Span]:
    """Quoted runs in one paragraph. An unclosed mark runs to the paragraph's end."""
    spans: list[Span] = []
    n = len(text)
    opening = _OPEN_RE.search(text)
    while opening is not None:
        i = opening.start()
        ch = text[i]
        if not _opens(text, i):
            opening = _OPEN_RE.search(text, i + 1)
            continue
        end, stop = -1, n
        for found in _CLOSE_RE[ch].finditer(text, i + 1):
            j = found.start()
            c = text[j]
            if ch == "“" and c == "“":
                if _opens(text, j):
                    stop = j  # a new quotation starts: this one lost its closing mark
                    break
                continue
            if (ch != "‘" or _closes_single(text, j)) and (ch != c or j > i + 1):
                end = j
                break
        if end == -1:
            spans.append(Span(i + 1, stop, False))
            opening = _OPEN_RE.search(text, stop) if stop < n else None
        else:
            spans.append(Span(i + 1, end, True))
            opening = _OPEN_RE.search(text, end + 1)
    return spans


def _opens(text: str, i: int) -> bool:
    ch = text[i]
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch == "‘":
        return (before.isspace() or before in "([—–-\u00a0") and after.isalnum()
    if ch == '"':
        return not before.isalnum() and not after.isspace() and i + 1 < len(text)
    return True


def _closes_single(text: str, j: int) -> bool:
    after = text[j + 1] if j + 1 < len(text) else " "
    return not after.isalnum() and not text[j - 1].isspace()


def outside(text: str, spans: list[Span]) -> str:
    """The paragraph with its quoted runs blanked (offsets kept)."""
    parts: list[str] = []
    at = 0
    for span in spans:
        parts.append(text[at : span.start])
        parts.append(" " * (span.end - span.start))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


def marked(text: str) -> bool:
    """Does the text hold a quotation in marks with an attribution around it?"""
    spans = scan(text)
    inside = sum(span.end - span.start for span in spans)
    return bool(spans) and inside < len(text.strip()) - 4


def strip_marks(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(ALL_MARKS + " ")
