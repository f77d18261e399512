"""Do two ways of naming a speaker name the same person? (pure)

An article names "Jake Sullivan"; the transcript's turn says "MR. SULLIVAN:" and the title of
the briefing does not name him. Those agree: a surname with a title or an honorific is
compatible with any full name of that surname. A turn label that stands for no one person
("Q", "AUDIENCE MEMBER", "MODERATOR", "SENIOR ADMINISTRATION OFFICIAL", two names joined by
"and") cannot be held against anyone: the answer is ``unknown``, never ``mismatch``.

:func:`compare_names` is the whole rule; :mod:`bot.originals.speakers` asks it before it ever
answers "mismatch" for a name it could not tie to a row of the speakers table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

NameCheck = Literal["match", "mismatch", "unknown"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words before a name that are titles, honorifics or offices, not given names.
TITLES = _wordset(
    """
    the a an former then late current acting interim incoming outgoing designate elect
    mr mrs ms miss mx dr doctor prof professor sir dame lord lady rev reverend father sister
    president vice chief deputy assistant principal senior special under associate executive
    secretary press white house sen senator rep representative congressman congresswoman
    gov governor lt lieutenant mayor speaker leader majority minority whip chair chairman
    chairwoman chairperson director administrator commissioner coordinator advisor adviser
    counselor counsellor envoy ambassador attorney general surgeon judge justice
    gen adm admiral rear col colonel maj major capt captain sgt sergeant cmdr commander
    first second prime minister national security economic council of staff member
    us u s united states democratic republican democrat gop presidential nominee candidate
    senate dhs doj dod fbi cia nasa epa fema
    """
)
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

# Words that, ending a label or a name, make it stand for no one in particular.
ANONYMOUS = _wordset(
    """
    press audience moderator operator participant participants crowd voice voices reporter
    reporters interpreter member members staff official officials aide aides unidentified
    unknown spokesperson spokesman spokeswoman spokespeople source sources someone person
    people administration office campaign team statement readout department agency
    student students resident residents
    """
)
_JOINERS = frozenset({"and", "&"})

# Given names people are also called by (a short list; prefixes are handled apart:
# "Alex" ~ "Alexandria").
_NICKNAMES = {
    frozenset(pair)
    for pair in (
        ("jake", "jacob"),
        ("joe", "joseph"),
        ("bill", "william"),
        ("will", "william"),
        ("bob", "robert"),
        ("rob", "robert"),
        ("dick", "richard"),
        ("rick", "richard"),
        ("jim", "james"),
        ("jimmy", "james"),
        ("mike", "michael"),
        ("tom", "thomas"),
        ("tony", "anthony"),
        ("chuck", "charles"),
        ("charlie", "charles"),
        ("bernie", "bernard"),
        ("ted", "edward"),
        ("ed", "edward"),
        ("liz", "elizabeth"),
        ("beth", "elizabeth"),
        ("betsy", "elizabeth"),
        ("kate", "katherine"),
        ("kathy", "katherine"),
        ("peggy", "margaret"),
        ("meg", "margaret"),
        ("jack", "john"),
        ("johnny", "john"),
        ("pete", "peter"),
        ("dan", "daniel"),
        ("dave", "david"),
        ("steve", "steven"),
        ("steve", "stephen"),
        ("sam", "samuel"),
        ("ben", "benjamin"),
        ("matt", "matthew"),
        ("andy", "andrew"),
        ("drew", "andrew"),
        ("greg", "gregory"),
        ("jerry", "gerald"),
        ("larry", "lawrence"),
        ("hank", "henry"),
        ("harry", "henry"),
        ("jd", "james"),
    )
}


def fold(name: str) -> str:
    """Lower case, no accents, no dots or apostrophes, other punctuation as spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^\w&-]+|_|-(?!\w)|(?<!\w)-", " ", text)  # "Jean-Pierre" is one word
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name as printed, taken apart: given names (maybe none), surname, and whether it
    can stand for one person at all."""

    given: tuple[str, ...]
    surname: str | None
    titled: bool  # a title or honorific came before it ("Mr.", "Secretary")
    anonymous: bool  # "Q", "Audience Member", "Senior Administration Official", "A and B"


def parse_name(name: str) -> PersonName:
    """Take a printed name or a turn label apart ("MR. SULLIVAN", "Sen. Tobias Fernsworth")."""
    raw = re.sub(r"\([^)]*\)", " ", name)  # "Q (press)", "Jane Roe (D-Ore.)"
    words = fold(raw).split()
    if not words or words[-1] in ANONYMOUS or set(words) & _JOINERS or words == ["q"]:
        return PersonName((), None, False, True)
    titled = False
    while words and words[0] in TITLES:
        words.pop(0)
        titled = True
    while words and words[-1] in SUFFIXES:
        words.pop()
    if not words:  # a title alone: "THE PRESIDENT", "MR. SECRETARY"
        return PersonName((), None, titled, True)
    return PersonName(tuple(words[:-1]), words[-1], titled, False)


def _given_agree(one: str, other: str) -> bool:
    if one == other or frozenset((one, other)) in _NICKNAMES:
        return True
    if len(one) == 1 or len(other) == 1:  # an initial
        return one[0] == other[0]
    short, long_ = sorted((one, other), key=len)
    return len(short) >= 3 and long_.startswith(short)  # "Alex" ~ "Alexandria"


def _surnames_agree(one: PersonName, other: PersonName) -> bool:
    assert one.surname is not None and other.surname is not None
    if one.surname.replace("-", "") == other.surname.replace("-", ""):
        return True
    return _part_of(one.given, one.surname, other.surname) or _part_of(
        other.given, other.surname, one.surname
    )


def _part_of(given: tuple[str, ...], surname: str, compound: str) -> bool:
    """A compound surname printed with a space or in part ("Jean Pierre", "Cortez" for
    "Ocasio-Cortez"): its last part, or the last two words run together."""
    if "-" in compound and surname in compound.split("-"):
        return True
    return bool(given) and given[-1] + surname == compound.replace("-", "")


def compare_names(named: str, author: str) -> NameCheck:
    """Does *named* (the article's speaker) name the same person as *author* (the
    original's)?

    "match" when the surnames agree and the given names do not disagree (one side may have
    none: "Mr. Sullivan" ~ "Jake Sullivan"; initials and common short forms agree);
    "mismatch" when the surnames differ, or the given names differ; "unknown" when either
    side stands for no one person ("Q", "a spokesperson", "THE PRESIDENT" without a date).
    """
    one, other = parse_name(named), parse_name(author)
    if one.anonymous or other.anonymous or one.surname is None or other.surname is None:
        return "unknown"
    if not _surnames_agree(one, other):
        return "mismatch"
    if not one.given or not other.given:
        return "match"
    if _given_agree(one.given[0], other.given[0]):
        return "match"
    # Two given names, or a double surname printed in part ("Lopez Obrador" ~ "Andres
    # Manuel Lopez Obrador"): the first given name of one is among the other's names.
    if one.given[0] in other.given or other.given[0] in one.given:
        return "match"
    return "mismatch"


def ties_to_one_person(author: str) -> bool:
    """Whether a printed author or turn label can stand for one person at all."""
    return not parse_name(author).anonymous
