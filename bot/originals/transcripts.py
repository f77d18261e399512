"""Split a transcript (briefing, speech, remarks) into passages, each with its speaker (pure).

Turns start a line with an upper-case label and a colon ("MS. PSAKI:", "THE PRESIDENT:") or
with "Q" (a question from the press). A label resolves to a full name from the document's
title ("Press Briefing by Press Secretary Jen Psaki"), from the office held on that date
("THE PRESIDENT"), or from a lookup of known surnames (the speakers table); "Q" and crowd labels
("AUDIENCE MEMBER") are never attributed to an official.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.originals.known import holder_on
from bot.originals.speakers import fold

PRESS = "Q (press)"
MAX_PASSAGE = 1200  # a longer turn is cut at paragraph breaks into pieces about this long
_MIN_PREAMBLE = 200  # shorter text before the first turn is a dateline, not a passage

_LABEL = re.compile(
    r"^[ \t\xa0]*(?:\*\*)?(?:(?P<label>[A-Z][A-Z.'’\- ]{0,60}[A-Z.])(?:\*\*)?:(?:\*\*)?"
    r"|(?P<q>Q)(?:\*\*)?(?::|[ \t\xa0]+(?=\S)))[ \t\xa0]*",
    re.MULTILINE,
)
_OFFICES = {
    "the president": "president",
    "the vice president": "vice president",
    "the press secretary": "press secretary",
}
_ANONYMOUS_WORDS = frozenset(
    {
        "audience",
        "moderator",
        "operator",
        "participant",
        "participants",
        "aide",
        "child",
        "crowd",
        "official",
        "officials",
        "voice",
        "reporter",
        "reporters",
        "interpreter",
        "from",
        "subject",
        "members",
        "member",
        "staff",
    }
)
_LABEL_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "the",
        "president",
        "vice",
        "secretary",
        "acting",
        "administrator",
        "chair",
        "chairman",
        "chairwoman",
        "director",
        "surgeon",
        "general",
        "governor",
        "gov",
        "senator",
        "sen",
        "representative",
        "rep",
        "mayor",
        "speaker",
        "leader",
        "admiral",
        "rear",
        "general",
        "gen",
        "ambassador",
        "deputy",
        "assistant",
        "agent",
        "commissioner",
        "coordinator",
        "prime",
        "minister",
        "first",
        "lady",
        "second",
        "gentleman",
        "under",
        "attorney",
        "justice",
    ]
)


@dataclass(frozen=True, slots=True)
class Passage:
    position: int
    speaker: str | None  # a full name, "Q (press)", or the label as printed ("Mr. Deese")
    resolved: bool  # True when *speaker* is a person's full name that can be linked to a speaker
    text: str


def _title_name(surname: str, title: str | None) -> str | None:
    """The full name in *title* that ends with *surname* ("Jen Psaki" for "PSAKI")."""
    if not title:
        return None
    pattern = (
        r"((?:[A-Z][\w’'.\-]*\s+){1,3})"
        + r"[\s\-]+".join(re.escape(part) for part in surname.split())
        + r"\b"
    )
    match = re.search(pattern, title, re.IGNORECASE)
    if not match:
        return None
    words = match.group(1).split()
    first: list[str] = []
    for word in reversed(words):
        if fold(word) in _LABEL_TITLES or word.isupper() or fold(word) in ("by", "and"):
            break
        first.insert(0, word)
        if not re.fullmatch(r"[A-Z]\.", word):  # a middle initial: take the first name too
            break
    if not first or re.fullmatch(r"[A-Z]\.", first[0]):
        return None
    tail = title[match.end(1) : match.end()]
    return " ".join([*first, tail.strip()])


def resolve_label(
    label: str,
    *,
    title: str | None,
    when: datetime | None,
    lookup: Callable[[str], str | None],
) -> tuple[str | None, bool]:
    """(speaker, resolved) for a turn label."""
    folded = fold(label)
    if folded == "q":
        return PRESS, False
    office = _OFFICES.get(folded)
    if office is not None:
        holder = holder_on(office, when) if when else None
        return (holder, True) if holder else (label.title(), False)
    if set(folded.split()) & _ANONYMOUS_WORDS:
        return label.title(), False
    words = folded.split()
    while words and words[0] in _LABEL_TITLES:
        words.pop(0)
    if not words:
        return label.title(), False
    surname = " ".join(words)
    tokens = label.split()
    while tokens and fold(tokens[0]) in _LABEL_TITLES:
        tokens.pop(0)
    name = _title_name(" ".join(tokens) or surname, title) or lookup(surname)
    if name:
        return name, True
    return label.title(), False


def _pieces(text: str, limit: int = MAX_PASSAGE) -> Iterator[str]:
    """Cut *text* at paragraph breaks into pieces of at most about *limit* characters."""
    paragraphs = [p.strip() for p in re.split(r"\n[ \t\xa0]*\n", text) if p.strip()]
    piece = ""
    for paragraph in paragraphs:
        if piece and len(piece) + len(paragraph) + 2 > limit:
            yield piece
            piece = ""
        piece = f"{piece}\n\n{paragraph}" if piece else paragraph
    if piece:
        yield piece


def split_transcript(
    text: str,
    *,
    title: str | None,
    author: str | None,
    when: datetime | None,
    lookup: Callable[[str], str | None] = lambda _surname: None,
) -> list[Passage]:
    """The passages of a transcript, in order; text without turns is the *author*'s alone."""
    turns = list(_LABEL.finditer(text))
    passages: list[Passage] = []

    def add(speaker: str | None, resolved: bool, body: str) -> None:
        for piece in _pieces(body):
            passages.append(Passage(len(passages), speaker, resolved, piece))

    if len(turns) < 2:
        add(author, author is not None, text)
        return passages
    preamble = text[: turns[0].start()].strip()
    if len(preamble) >= _MIN_PREAMBLE:
        add(author, author is not None, preamble)
    cache: dict[str, tuple[str | None, bool]] = {}
    for turn, following in zip(turns, [*turns[1:], None], strict=True):
        label = (turn.group("label") or turn.group("q")).strip()
        if label not in cache:
            cache[label] = resolve_label(label, title=title, when=when, lookup=lookup)
        speaker, resolved = cache[label]
        body = text[turn.end() : following.start() if following else len(text)].strip()
        if body:
            add(speaker, resolved, body)
    return passages
