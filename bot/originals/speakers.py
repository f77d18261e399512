"""Speakers: names, aliases and handles, and THE decision whether a named speaker wrote an original.

:func:`attribution` is the only place that decides whether the speaker an article names is the
author of an original; everything else (matching, digests) asks it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlmodel import Session, select

from bot.match.attribution import compare_names, ties_to_one_person
from bot.models import Original, Speaker, SpeakerAlias, SpeakerHandle, utcnow
from bot.originals.known import (
    KNOWN_SPEAKERS,
    OFFICE_HANDLES,
    KnownSpeaker,
    holder_on,
)

log = logging.getLogger(__name__)

Attribution = Literal["match", "mismatch", "unknown"]


# Leading words that are titles, not names ("President Trump", "Sen. Warren").
_TITLES = frozenset(
    [
        "the",
        "former",
        "then",
        "late",
        "current",
        "acting",
        "president",
        "vice",
        "elect",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "secretary",
        "press",
        "white",
        "house",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "speaker",
        "leader",
        "mayor",
        "gen",
        "general",
        "adm",
        "admiral",
        "attorney",
        "judge",
        "justice",
        "chairman",
        "chairwoman",
        "chair",
        "minority",
        "majority",
        "first",
        "lady",
        "us",
        "u",
        "s",
        "united",
        "states",
        "democratic",
        "republican",
        "congressman",
        "congresswoman",
        "senate",
        "whip",
        "presidential",
        "nominee",
        "candidate",
        "democrat",
        "gop",
    ]
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words that name no one in particular: the speaker is then unknown, not someone else.
_GENERIC = frozenset(
    [
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "spokespeople",
        "official",
        "officials",
        "aide",
        "aides",
        "staff",
        "administration",
        "office",
        "campaign",
        "team",
        "source",
        "sources",
        "statement",
        "readout",
        "administration's",
        "department",
        "agency",
        "person",
        "people",
        "someone",
    ]
)
_OFFICES = {
    "president": "president",
    "vice president": "vice president",
    "press secretary": "press secretary",
    "white house press secretary": "press secretary",
}
_RT = re.compile(r"^\s*RT\s+@(\w{1,50})\s*:", re.IGNORECASE)


def fold(name: str) -> str:
    """Fold a name for comparison: no accents, lower case, no punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[^\w@]+|_", " ", text)
    return " ".join(text.split())


def _fold_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def _strip_titles(folded: str) -> list[str]:
    words = folded.split()
    while words and words[0] in _TITLES:
        words.pop(0)
    while words and words[-1] in _SUFFIXES:
        words.pop()
    return words


def _surname(folded_name: str) -> str | None:
    words = [w for w in folded_name.split() if w not in _SUFFIXES]
    return words[-1] if words else None


# -- offices --------------------------------------------------------------------------------


def president_on(when: date | datetime) -> str | None:
    """The President of the United States on that date (from the built-in table, 2009–)."""
    return holder_on("president", when)


def vice_president_on(when: date | datetime) -> str | None:
    return holder_on("vice president", when)


# -- the table -----------------------------------------------------------------------------


def _speaker_by_name(session: Session, name: str) -> Speaker | None:
    speaker = session.exec(select(Speaker).where(Speaker.name == name)).first()
    if speaker is not None:
        return speaker
    ids = set(
        session.exec(select(SpeakerAlias.speaker_id).where(SpeakerAlias.alias == fold(name))).all()
    )
    if len(ids) == 1:
        return session.get(Speaker, ids.pop())
    return None


def get_or_create_speaker(
    session: Session,
    name: str,
    *,
    role: str | None = None,
    aliases: Iterable[str] = (),
    handles: Iterable[tuple[str, str]] = (),
) -> Speaker:
    """The speaker called *name* (or known by it as an alias), created if new; adds the
    aliases and (platform, handle) pairs it lacks. A handle held by someone else is kept there."""
    name = " ".join(name.split())
    speaker = _speaker_by_name(session, name)
    if speaker is None:
        speaker = Speaker(name=name, role=role, created_at=utcnow())
        session.add(speaker)
        session.flush()
    elif role and not speaker.role:
        speaker.role = role
        session.add(speaker)
    assert speaker.id is not None
    have = set(
        session.exec(select(SpeakerAlias.alias).where(SpeakerAlias.speaker_id == speaker.id)).all()
    )
    for alias in {fold(name), *(fold(a) for a in aliases)} - have:
        if alias:
            session.add(SpeakerAlias(speaker_id=speaker.id, alias=alias))
    for platform, handle in handles:
        key = (platform.strip().lower(), _fold_handle(handle))
        owner = session.exec(
            select(SpeakerHandle).where(
                SpeakerHandle.platform == key[0], SpeakerHandle.handle == key[1]
            )
        ).first()
        if owner is None:
            session.add(SpeakerHandle(speaker_id=speaker.id, platform=key[0], handle=key[1]))
            session.flush()
        elif owner.speaker_id != speaker.id:
            log.warning(
                "handle %s:%s belongs to speaker %s; not given to %r", *key, owner.speaker_id, name
            )
    session.flush()
    return speaker


def find_speaker(session: Session, name_or_handle: str) -> Speaker | None:
    """A speaker by name, alias, "@handle" or "platform:handle"; None when unknown or ambiguous."""
    query = name_or_handle.strip()
    if not query:
        return None
    if re.fullmatch(r"[a-z]+:@?[\w.\-]+", query, re.IGNORECASE):
        platform, _, handle = query.partition(":")
        return _speaker_by_handle(session, platform.lower(), _fold_handle(handle))
    if query.startswith("@"):
        return _speaker_by_handle(session, None, _fold_handle(query))
    speaker = _speaker_by_name(session, query)
    if speaker is None:
        stripped = " ".join(_strip_titles(fold(query)))
        if stripped and stripped != fold(query):
            speaker = _speaker_by_name(session, stripped)
    return speaker


def _speaker_by_handle(session: Session, platform: str | None, handle: str) -> Speaker | None:
    statement = select(SpeakerHandle.speaker_id).where(SpeakerHandle.handle == handle)
    if platform:
        statement = statement.where(SpeakerHandle.platform == platform)
    ids = set(session.exec(statement).all())
    return session.get(Speaker, ids.pop()) if len(ids) == 1 else None


def seed_known_speakers(session: Session) -> int:
    """Put the built-in public figures in the speakers table (idempotent); returns how many."""
    for known in KNOWN_SPEAKERS:
        _seed_one(session, known)
    return len(KNOWN_SPEAKERS)


def _seed_one(session: Session, known: KnownSpeaker) -> Speaker:
    return get_or_create_speaker(
        session, known.name, role=known.role, aliases=known.aliases, handles=known.handles
    )


def author_speaker(
    session: Session,
    *,
    platform: str | None,
    handle: str | None,
    name: str | None,
    posted_at: datetime | None = None,
) -> Speaker | None:
    """The speaker behind an original's author fields, without creating one.

    An office account (twitter:POTUS) belongs to whoever held the office on *posted_at*.
    """
    if handle:
        key = ((platform or "").lower(), _fold_handle(handle))
        office = OFFICE_HANDLES.get(key)
        if office is not None:
            holder = holder_on(office, posted_at) if posted_at else None
            return _speaker_by_name(session, holder) if holder else None
        speaker = _speaker_by_handle(session, key[0] or None, key[1])
        if speaker is not None:
            return speaker
    if name:
        return find_speaker(session, name)
    return None


# -- the decision --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Who:
    names: frozenset[str]  # folded full names and aliases
    surnames: frozenset[str]
    handles: frozenset[str]  # folded handles, any platform


def _who_speaker(session: Session, speaker: Speaker) -> _Who:
    aliases = set(
        session.exec(select(SpeakerAlias.alias).where(SpeakerAlias.speaker_id == speaker.id)).all()
    )
    handles = set(
        session.exec(
            select(SpeakerHandle.handle).where(SpeakerHandle.speaker_id == speaker.id)
        ).all()
    )
    names = {fold(speaker.name), *aliases}
    surname = _surname(fold(speaker.name))
    return _Who(frozenset(names), frozenset({surname} if surname else ()), frozenset(handles))


def _who(
    session: Session, speaker: Speaker | None, name: str | None, handle: str | None
) -> _Who | None:
    if speaker is not None:
        who = _who_speaker(session, speaker)
        extra = {_fold_handle(handle)} if handle else set()
        return _Who(who.names, who.surnames, who.handles | extra)
    if not name and not handle:
        return None
    names = {fold(name)} if name else set()
    surname = _surname(fold(name)) if name else None
    return _Who(
        frozenset(names),
        frozenset({surname} if surname else ()),
        frozenset({_fold_handle(handle)} if handle else ()),
    )


def _identifies(named: str, who: _Who, session: Session, when: datetime | None) -> bool | None:
    """True when *named* names *who*, False when it names someone else, None when it is vague."""
    raw = named.strip()
    if raw.startswith("@") or re.fullmatch(r"[a-z]+:@?[\w.\-]+", raw, re.IGNORECASE):
        return _fold_handle(raw.partition(":")[2] if ":" in raw else raw) in who.handles
    folded = fold(raw)
    if folded in who.names:
        return True
    words = _strip_titles(folded)
    if not words:
        office = _OFFICES.get(" ".join(w for w in folded.split() if w != "the"))
        holder = holder_on(office, when) if office and when else None
        return fold(holder) in who.names if holder else None
    if any(w in _GENERIC for w in words):
        return None
    rest = " ".join(words)
    if rest in who.names or rest.replace(" ", "") in who.handles:
        return True
    return len(words) == 1 and words[0] in who.surnames


def _title_speaker(title: str | None) -> str | None:
    """The person a statement's title names as its author, if any."""
    if not title:
        return None
    from bot.originals.statements import speaker_from_title  # a feed module; loaded on need

    return speaker_from_title(title)


def attribution(session: Session, named_speaker: str | None, original: Original) -> Attribution:
    """Does the speaker an article names agree with the author of *original*?

    "match" when the name, an alias, a handle, the surname or a title form ("President X",
    "Sen. X", "the press secretary" on the original's date) identifies the author; "mismatch"
    when it names someone else; "unknown" when no speaker is named, the name is vague
    ("a spokesperson"), or the original's author is unknown. A retweet's words belong to the
    retweeted account, never to the retweeter.
    """
    if not named_speaker or not named_speaker.strip():
        return "unknown"
    when = original.posted_at
    own_speaker: Speaker | None = None
    if original.speaker_id is not None:
        own_speaker = session.get(Speaker, original.speaker_id)
    if own_speaker is None:
        own_speaker = author_speaker(
            session,
            platform=original.platform,
            handle=original.author_handle,
            name=original.author_name,
            posted_at=when,
        )
    author_name = original.author_name
    if own_speaker is None and not author_name and not original.author_handle:
        author_name = _title_speaker(original.title)  # "Statement from President X on …"
        if author_name:
            own_speaker = find_speaker(session, author_name)
    own = _who(session, own_speaker, author_name, original.author_handle)
    if original.is_retweet:
        retweeted = _RT.match(original.text or "")
        if own is not None and _identifies(named_speaker, own, session, when):
            return "mismatch"
        if retweeted is None:
            return "unknown"
        handle = retweeted.group(1)
        speaker = author_speaker(session, platform=original.platform, handle=handle, name=None)
        source = _who(session, speaker, None, handle)
        assert source is not None
        verdict = _identifies(named_speaker, source, session, when)
        if verdict is None or (verdict is False and speaker is None):
            return "unknown"  # an account we know only by handle: its owner's name is unknown
        return "match" if verdict else "mismatch"
    if own is None:
        return "unknown"
    verdict = _identifies(named_speaker, own, session, when)
    if verdict is None:
        return "unknown"
    if verdict is False and own_speaker is None and not own.names:
        return "unknown"  # only a handle is known, and a person's name cannot be checked against it
    if verdict is False:
        return _compatible(named_speaker, own_speaker, author_name) or "mismatch"
    return "match"


def _compatible(
    named: str, own_speaker: Speaker | None, author_name: str | None
) -> Attribution | None:
    """What is left of a "mismatch" once the names are compared as people write them.

    "match" when a surname with a title agrees with a full name of that surname ("Jake
    Sullivan" ~ a turn labelled "MR. SULLIVAN", a nickname, an initial); "unknown" when the
    original's author is a turn label that stands for no one person ("Q", "Moderator");
    None when the names do disagree. A handle or an office ("the press secretary") named by
    the article was already decided by :func:`_identifies`.
    """
    raw = named.strip()
    if raw.startswith("@") or re.fullmatch(r"[a-z]+:@?[\w.\-]+", raw, re.IGNORECASE):
        return None
    if own_speaker is None and author_name and not ties_to_one_person(author_name):
        return "unknown"
    printed = [own_speaker.name] if own_speaker is not None else []
    if author_name:
        printed.append(author_name)
    if any(compare_names(raw, name) == "match" for name in printed):
        return "match"
    return None
