"""Built-in facts about well-known public figures: names, roles, terms and account handles.

:mod:`bot.originals.speakers` seeds these into the speakers table; :func:`holder_on` answers
"who held this office on that date" from the terms below, and :func:`speaker_key` who speaks
in a record before the speakers table is asked. No database here: import workers use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.originals.records import Record


@dataclass(frozen=True, slots=True)
class Term:
    office: str  # president | vice president | press secretary
    start: date  # the day the term began (inauguration day belongs to the incoming holder)
    end: date | None  # the day it ended; None while in office


@dataclass(frozen=True, slots=True)
class KnownSpeaker:
    name: str
    role: str
    aliases: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()  # (platform, handle)
    terms: tuple[Term, ...] = field(default=())


_OBAMA = date(2009, 1, 20)
_TRUMP1 = date(2017, 1, 20)
_BIDEN = date(2021, 1, 20)
_TRUMP2 = date(2025, 1, 20)

KNOWN_SPEAKERS: tuple[KnownSpeaker, ...] = (
    KnownSpeaker(
        "Barack Obama",
        "President of the United States (2009–2017)",
        ("Barack H. Obama", "Barack Hussein Obama", "President Obama", "Obama"),
        (("twitter", "BarackObama"), ("twitter", "POTUS44")),
        (Term("president", _OBAMA, _TRUMP1),),
    ),
    KnownSpeaker(
        "Donald J. Trump",
        "President of the United States (2017–2021, 2025–)",
        ("Donald Trump", "Donald John Trump", "President Trump", "Trump", "Mr. Trump"),
        (
            ("twitter", "realDonaldTrump"),
            ("truthsocial", "realDonaldTrump"),
            ("twitter", "POTUS45"),
        ),
        (Term("president", _TRUMP1, _BIDEN), Term("president", _TRUMP2, None)),
    ),
    KnownSpeaker(
        "Joe Biden",
        "President of the United States (2021–2025); Vice President (2009–2017)",
        (
            "Joseph R. Biden",
            "Joseph R. Biden Jr.",
            "Joseph R. Biden, Jr.",
            "Joseph Biden",
            "President Biden",
            "Vice President Biden",
            "Biden",
        ),
        (("twitter", "JoeBiden"), ("twitter", "POTUS46"), ("bluesky", "joebiden.bsky.social")),
        (Term("vice president", _OBAMA, _TRUMP1), Term("president", _BIDEN, _TRUMP2)),
    ),
    KnownSpeaker(
        "Mike Pence",
        "Vice President of the United States (2017–2021)",
        ("Michael R. Pence", "Michael Pence", "Vice President Pence", "Pence"),
        (("twitter", "Mike_Pence"), ("twitter", "VP45")),
        (Term("vice president", _TRUMP1, _BIDEN),),
    ),
    KnownSpeaker(
        "Kamala Harris",
        "Vice President of the United States (2021–2025)",
        ("Kamala D. Harris", "Vice President Harris", "Harris"),
        (("twitter", "KamalaHarris"), ("twitter", "VP46")),
        (Term("vice president", _BIDEN, _TRUMP2),),
    ),
    KnownSpeaker(
        "JD Vance",
        "Vice President of the United States (2025–)",
        ("J.D. Vance", "James David Vance", "Vice President Vance", "Vance"),
        (("twitter", "JDVance"),),
        (Term("vice president", _TRUMP2, None),),
    ),
    KnownSpeaker(
        "Sean Spicer",
        "White House Press Secretary (2017)",
        ("Sean M. Spicer", "Spicer"),
        (("twitter", "seanspicer"),),
        (Term("press secretary", _TRUMP1, date(2017, 7, 21)),),
    ),
    KnownSpeaker(
        "Sarah Huckabee Sanders",
        "White House Press Secretary (2017–2019)",
        ("Sarah Sanders", "Sarah Huckabee", "Sanders"),
        (("twitter", "SarahHuckabee"),),
        (Term("press secretary", date(2017, 7, 21), date(2019, 7, 1)),),
    ),
    KnownSpeaker(
        "Stephanie Grisham",
        "White House Press Secretary (2019–2020)",
        ("Grisham",),
        (),
        (Term("press secretary", date(2019, 7, 1), date(2020, 4, 7)),),
    ),
    KnownSpeaker(
        "Kayleigh McEnany",
        "White House Press Secretary (2020–2021)",
        ("McEnany",),
        (("twitter", "kayleighmcenany"),),
        (Term("press secretary", date(2020, 4, 7), _BIDEN),),
    ),
    KnownSpeaker(
        "Jen Psaki",
        "White House Press Secretary (2021–2022)",
        ("Jennifer Psaki", "Psaki"),
        (("twitter", "jrpsaki"),),
        (Term("press secretary", _BIDEN, date(2022, 5, 13)),),
    ),
    KnownSpeaker(
        "Karine Jean-Pierre",
        "White House Press Secretary (2022–2025)",
        ("Jean-Pierre",),
        (),
        (Term("press secretary", date(2022, 5, 13), _TRUMP2),),
    ),
    KnownSpeaker(
        "Karoline Leavitt",
        "White House Press Secretary (2025–)",
        ("Leavitt",),
        (),
        (Term("press secretary", _TRUMP2, None),),
    ),
)

# Accounts that belong to an office, not a person: the holder on the post's date wrote it.
OFFICE_HANDLES: dict[tuple[str, str], str] = {
    ("twitter", "potus"): "president",
    ("truthsocial", "potus"): "president",
    ("twitter", "vp"): "vice president",
    ("twitter", "presssec"): "press secretary",
}


_EASTERN = ZoneInfo("America/New_York")
_NOON = time(12, 0)


def holder_on(office: str, when: date | datetime) -> str | None:
    """Who held *office* ("president", "vice president", "press secretary") on that day.

    A term changes hands at noon Eastern; a bare date names the holder at the end of that day.
    """
    if isinstance(when, datetime):
        local = when.astimezone(_EASTERN) if when.tzinfo else when
        day, before_noon = local.date(), local.time() < _NOON
    else:
        day, before_noon = when, False
    for known in KNOWN_SPEAKERS:
        for term in known.terms:
            if term.office != office:
                continue
            starts_ok = day > term.start or (day == term.start and not before_noon)
            ends_ok = term.end is None or day < term.end or (day == term.end and before_noon)
            if starts_ok and ends_ok:
                return known.name
    return None


SpeakerKey = tuple[str, ...]
"""Who an original's speaker is, as :func:`speaker_key` tells it (JSON-able)."""


def is_office_handle(platform: str, handle: str | None) -> bool:
    """Whether *handle* speaks for an office (its speaker depends on the date)."""
    return bool(handle) and (platform, (handle or "").lower()) in OFFICE_HANDLES


def speaker_key(record: Record) -> SpeakerKey | None:
    """Who speaks in *record*, before the speakers table is asked (pure).

    ``("name", name)``: the holder of an office handle's office on the post's date, or the
    author's name when there is no handle; ``("handle", platform, handle, name)``: an
    author's own handle (lower case), with the name to give a speaker made for it.
    """
    handle = (record.author_handle or "").lower()
    office = OFFICE_HANDLES.get((record.platform, handle)) if handle else None
    if office is not None:
        holder = holder_on(office, record.posted_at) if record.posted_at else None
        return ("name", holder) if holder else None
    if handle:
        name = record.author_name or "@" + (record.author_handle or handle)
        return ("handle", record.platform, handle, name)
    return ("name", record.author_name) if record.author_name else None
