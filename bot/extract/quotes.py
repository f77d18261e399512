"""Direct quotations in an article body, with speaker, cue, channel and hints. Pure and
rule-based: paragraphs in, :class:`Quote` values out; odd quotation marks never raise.

Reading order matters: people are met as the article introduces them (:class:`Cast`), so a
later "Sanders said" or "she said" resolves to the full name introduced earlier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from bot.extract import attribution as attr
from bot.extract.attribution import (
    ACCORDING,
    ANY_CUE,
    CUE_SUBJ,
    DASH_ATTRIB,
    DESCRIBED_VERB,
    FOREIGN_DESCRIBED,
    HEARD,
    PARTICIPLE,
    REPLY,
    SUBJ_CUE,
    VERB_NAME,
    mask_affiliations,
    subject_cues,
)
from bot.extract.dates import date_hint
from bot.extract.marks import ALL_MARKS, OPENERS, Span, marked, outside, scan, strip_marks
from bot.extract.speakers import (
    FIRST_NAMES,
    NAME,
    ORG_WORDS,
    PRONOUNS,
    ROLE_HEADS,
    STOP_WORDS,
    TITLE_RE,
    Cast,
    Person,
    find_mentions,
    handle_owners,
    parse_name,
    split_role,
    words,
)
from bot.extract.types import Channel, Quote

_DETERMINERS = {
    "the",
    "a",
    "an",
    "his",
    "her",
    "their",
    "its",
    "one",
    "another",
    "two",
    "three",
    "some",
    "several",
}
# A subject opening with one of these is someone left unnamed, however capitalised the rest.
_INDEFINITE = {"a", "an", "one", "another", "two", "three", "some", "several"}
# Cues that say nothing of the channel: a quotation with one keeps its speaker's last.
_BARE_CUES = frozenset([None, "said", "says", "added", "adds", "continued", "went on"])
_CHANNEL_REACH = 3  # paragraphs
_INDEFINITE_BEFORE = re.compile(r"\b(an?|one|another)\s+$", re.IGNORECASE)
# Heads of descriptions that name no one: people left unnamed and documents.
_UNNAMED = ROLE_HEADS | words(
    """
    person people source sources insider friend relative witness resident neighbor neighbour
    fan user employee employees colleague colleagues staffer staffers woman man host producer
    executives assistant aide aides reader readers commenter lawsuit complaint filing letter
    memo report documents mother father brother sister wife husband son daughter
    """
)
MIN_WORDS = 4  # shorter quotations are scare quotes ("warm", "positive")
# A verb right after a name or description: it is the subject of a reported clause.
_REPORTED_VERB = re.compile(
    r"(?:was|is|were|are|had|has|have|would|will|could|should|did|does|might|must|may"
    r"|wanted|planned|hoped|expected|needed|knew|felt|believed|thought)\b"
)
_INDEFINITE_SUBJECT = re.compile(
    r"^\s*(?:[^,]{0,60},\s*)?(?:[Aa]n?|[Oo]ne|[Aa]nother)\s+(?:[a-z][\w’'-]*\s+){0,3}?"
    r"(?:woman|man|girl|boy|lady|person|voter|resident|passenger|traveler|traveller|worker"
    r"|customer|shopper|parent|mother|father|student|fan|neighbor|neighbour|bystander"
    r"|witness|supporter|protester|protestor|attendee|veteran|nurse|teacher|driver|owner)\b"
)
# "a statement from Roe's office", "a post by Roe"
_STATEMENT_FROM = re.compile(
    r"^(?:an?\s+|the\s+)?(?:joint\s+|written\s+)?"
    r"(?:statement|release|letter|post|email|reply|response|message|tweet)"
    rf"\s+(?:from|by)\s+(?:the\s+office\s+of\s+)?(?P<who>(?:(?:{TITLE_RE})\s+)?{NAME})"
    r"(?:'s|’s)?(?:\s+(?:office|press office))?$"
)


_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bSen)(?<!\bRep)(?<!\bGov)(?<!\bGen)(?<!\bJan)"
    r"(?<!\bFeb)(?<!\bAug)(?<!\bSept)(?<!\bSep)(?<!\bOct)(?<!\bNov)(?<!\bDec)(?<!\bMrs)"
    r"(?<!\b[A-Z])[.!?]\s+(?=[A-Z“\"‘«„])"
)
_SENTENCE_SUBJECT = re.compile(rf"^\s*((?:(?:{TITLE_RE})\s+)?{NAME})\s*,")
_SKIP_LINE = re.compile(
    r"^\s*(?:Follow\b|Photo\b|Image\b|Credit\b|Copyright\b|©|By\s+[A-Z]|Read more\b|Related\b|"
    r"Watch\b|Sign up\b|Subscribe\b|Click\b|Share\b)|Getty Images|\(AP Photo|\bAP Photo/",
    re.IGNORECASE,
)
_WORK_INTRO = re.compile(
    r"\b(?:titled|entitled|headlined|called|dubbed|named|book|film|movie|song|album|show|"
    r"series|episode|novel|article|headline|column|op-ed|report|documentary|play|podcast)\s*$",
    re.IGNORECASE,
)


@dataclass
class _Group:
    """Spans that make one quotation (split by its attribution, or over paragraphs)."""

    fragments: list[str] = field(default_factory=list)
    # Attribution text around it: (rank, after the quotation?, text); tried by rank.
    clauses: list[tuple[int, bool, str]] = field(default_factory=list)
    paragraph: int = 0
    # People named in the sentence just before it (a pronoun there most likely means them).
    context: list[Person] = field(default_factory=list)
    embedded: bool = False  # a lower-case fragment inside a sentence ("was “one of the…”")
    # The sentence before names no one and its subject is "a woman…", "one voter…": a
    # he/she after it is that unnamed person.
    unnamed: bool = False
    # An earlier quotation of this paragraph is in the same sentence ("X said she was “a”
    # and “b c d e”"): without an attribution of its own, this one is that one's.
    same_sentence: bool = False


@dataclass
class _Attribution:
    speaker: Person | None = None
    speaker_text: str | None = None
    role: str | None = None
    cue: str | None = None
    clause: str = ""
    found: bool = False
    # The whole attribution text the clause was found in ("In a post on Saturday, Roe
    # wrote:"): where a date hint may stand before the subject.
    sentence: str = ""


def find_quotes(
    paragraphs: Sequence[str],
    *,
    published: dt.date | None = None,
    blockquote_indexes: Collection[int] = (),
    context: Sequence[str] = (),
) -> tuple[Quote, ...]:
    """Direct quotations of at least four words in the body's paragraphs, in order.
    `context`: the headline and standfirst, where a speaker's full name may stand alone."""
    paragraphs = [_unaffiliated(p) for p in paragraphs]
    reader = _Reader(published)
    blockquotes = set(blockquote_indexes)
    index = 0
    while index < len(paragraphs):
        if index in blockquotes:
            end = index
            while end + 1 in blockquotes and end + 1 < len(paragraphs):
                end += 1
            reader.blockquote(paragraphs, index, end)
            index = end + 1
            continue
        reader.paragraph(paragraphs, index)
        index += 1
    reader._flush()
    _repeated(reader.quotes)
    return _full_names(reader.quotes, [*context, *paragraphs])


class _Reader:
    """Reads paragraphs in order, keeping the cast and the last speaker."""

    def __init__(self, published: dt.date | None) -> None:
        self.published = published
        self.cast = Cast()
        self.quotes: list[Quote] = []
        self.pending: _Group | None = None  # a quotation that runs on into the next paragraph
        self.last: _Attribution | None = None
        self.context: list[Person] = []  # people named just before the quotation at hand
        self.unnamed = False  # the sentence before is about someone unnamed
        self.last_paragraph = -10
        # The channel each speaker was last quoted through, for their bare "said" after it.
        self.channels: dict[str, tuple[Channel, str | None, int]] = {}

    # -- paragraphs ---------------------------------------------------------------------

    def paragraph(self, paragraphs: Sequence[str], index: int, *, lenient: bool = False) -> None:
        text = paragraphs[index]
        if _SKIP_LINE.search(text) and len(text.split()) < 40 or _looks_like_headline(text):
            self._flush()
            return
        spans = scan(text)
        initial = None
        if self.pending is not None:
            if spans and not text[: spans[0].start - 1].strip():
                initial = self.pending  # the quotation runs on into this paragraph
            else:
                self._flush()
            self.pending = None
        self.cast.paragraph = index
        blanked = outside(text, spans)
        mentions = find_mentions(blanked)
        if "@" in blanked:
            self.cast.handles.update(handle_owners(blanked))
        met = 0
        read = 0
        intro = _intro(paragraphs, index)
        for group, first_span, last_span in _groups(text, spans, index, initial):
            if intro and first_span is spans[0] and not text[: first_span.start - 1].strip():
                group.clauses.append((3, False, intro))  # "Jane Roe said:" just before
            while met < len(mentions) and mentions[met][0] < first_span.start:
                self.cast.mention(mentions[met][1], mentions[met][2])
                met += 1
            self.cast.touch(blanked[read : first_span.start])
            read = first_span.start
            if not group.context:
                before = _tail_sentence(blanked[: max(0, first_span.start - 1)].rstrip())
                group.context = self.cast.named_in(before)
                group.unnamed = not group.context and bool(_INDEFINITE_SUBJECT.match(before))
            group.embedded = _embedded(text, first_span)
            runs_on = not last_span.closed and last_span.end == len(text)
            if runs_on and _continues(paragraphs, index) and _speaks(group, first_span):
                self.pending = group
                continue
            self._finish(group, lenient=lenient)
        for _, phrase, role in mentions[met:]:
            self.cast.mention(phrase, role)
        self.cast.touch(blanked[read:])

    def blockquote(self, paragraphs: Sequence[str], first: int, last: int) -> None:
        """Paragraphs set as <blockquote>: quoted as a whole unless marks inside say more."""
        self._flush()
        if any(marked(paragraphs[i]) for i in range(first, last + 1)):
            for i in range(first, last + 1):
                self.paragraph(paragraphs, i, lenient=True)
            self._flush()
            return
        parts = [strip_marks(paragraphs[i]) for i in range(first, last + 1)]
        parts = [p for p in parts if p]
        if not parts:
            return
        group = _Group(paragraph=first)
        attribution = _dash_attribution(parts[-1])
        if attribution is not None:
            group.clauses.append((0, True, parts[-1][attribution.start() :]))
            parts[-1] = parts[-1][: attribution.start()].strip()
        group.fragments = parts
        if first > 0:
            group.clauses.append((2, False, _tail_sentence(paragraphs[first - 1])))
        self._finish(group, lenient=True)

    # -- quotations ---------------------------------------------------------------------

    def _flush(self) -> None:
        if self.pending is not None:
            self._finish(self.pending)
            self.pending = None

    def _finish(self, group: _Group, *, lenient: bool = False) -> None:
        index = group.paragraph
        fragments = [_clean(f) for f in group.fragments]
        fragments = [f for f in fragments if f]
        words = sum(len(f.split()) for f in fragments)
        if words < MIN_WORDS:
            return
        attribution = _Attribution()
        self.context = group.context
        self.unnamed = group.unnamed
        reported: _Attribution | None = None
        for _, after, clause in sorted(group.clauses, key=lambda c: c[0]):
            attribution = self._attribute(clause, after=after)
            attribution.sentence = clause
            if attribution.found and attribution.cue == "according to" and reported is None:
                # "“…,” according to Vanity Fair": the outlet reports; a person named with
                # a speech verb in another clause ("Kessler told colleagues …") speaks.
                reported = attribution
                continue
            if attribution.found:
                if reported is not None and attribution.speaker is None:
                    attribution = reported
                break
        else:
            if reported is not None:
                attribution = reported
        if not attribution.found:
            inside = _interpolated(fragments)
            if inside is not None:
                attribution = self._attribute(inside, after=False)
        if not attribution.found:
            if group.embedded and group.same_sentence and self.last is not None:
                if self.last_paragraph == index:
                    attribution = replace(self.last, found=False)
            elif group.embedded:
                pass  # a phrase inside someone else's sentence: its source is not the last
            elif self.last is not None and index - self.last_paragraph <= 2:
                attribution = _Attribution(
                    speaker=self.last.speaker,
                    speaker_text=self.last.speaker_text,
                    role=self.last.role,
                    found=False,
                )
            elif not lenient and _title_like(fragments):
                return
        speaker = attribution.speaker.name if attribution.speaker else attribution.speaker_text
        role = attribution.speaker.role if attribution.speaker else attribution.role
        platform = attr.platform(attribution.clause, attribution.cue)
        channel = attr.channel(attribution.clause, attribution.cue, platform)
        cue = attribution.cue
        if attribution.found and attribution.sentence and channel == "unknown":
            # "In a statement, Roe said:", "Speaking to reporters, Roe said:"
            platform = platform or attr.platform(attribution.sentence, attribution.cue)
            cue = attr.cue_phrase(cue, attribution.sentence)
            channel = attr.channel(attribution.sentence, cue, platform)
        known = self.channels.get(speaker or "")
        if channel == "unknown" and cue in _BARE_CUES and known is not None:
            if index - known[2] <= _CHANNEL_REACH:
                # "“…,” Roe told The Root." then "“…,” he said.": the same interview.
                channel, platform = known[0], known[1]
                self.channels[speaker or ""] = (channel, platform, index)
        elif speaker and channel != "unknown":
            self.channels[speaker] = (channel, platform, index)
        when = None
        if attribution.cue:
            when = date_hint(attribution.clause, self.published)
            if when is None and attribution.sentence:
                when = date_hint(attribution.sentence, self.published)
        self.quotes.append(
            Quote(
                text=" ".join(fragments),
                fragments=tuple(fragments),
                speaker=speaker,
                speaker_role=role,
                cue=cue,
                channel=channel,
                platform_hint=platform,
                date_hint=when,
            )
        )
        if attribution.found and attribution.speaker is not None:
            self.cast.last_speaker = attribution.speaker
        if attribution.found or speaker:
            self.last = attribution
            self.last_paragraph = index

    def _attribute(self, clause: str, *, after: bool) -> _Attribution:
        """Who a clause says spoke, and how ("Trump wrote on Twitter on Sept. 9"). After a
        quotation the first attribution counts, before it the last (nearest) one."""
        match = CUE_SUBJ.match(clause) if after else None
        if match is not None and match.group("subject").split()[0] in ("The", "the"):
            rest = clause[match.end("subject") :].lstrip()
            if _REPORTED_VERB.match(rest):
                match = None  # "said the company was …": a reported clause, not a speaker
        if after and match is None:
            described = FOREIGN_DESCRIBED.match(clause)
            if described is not None:
                # "añade el investigador": the person the article is talking about
                found = _Attribution(cue=described.group("cue").lower(), clause=clause, found=True)
                found.speaker = self.cast.recent()
                return found
        reply = None if after else REPLY.search(clause)
        if reply is not None and parse_name(reply.group("subject")) is not None:
            return self._speaker(reply.group("subject"), None, "said", clause[reply.start() :])
        if match is None:
            heard = HEARD.search(clause)
            if heard is not None:
                return self._speaker(heard.group("subject"), None, "said", clause[heard.start() :])
            candidates = subject_cues(clause)
            cue_starts = {m.start("cue") for m in candidates}
            according = ACCORDING.search(clause)
            if according is not None:
                candidates.append(according)
            # "a spokesperson said Kessler “…”": Kessler is the reported clause's subject.
            candidates += [
                m
                for m in VERB_NAME.finditer(clause)
                if parse_name(m.group("subject")) is not None
                and not (m.start("cue") in cue_starts and _reported(clause, m))
            ]
            candidates.sort(key=lambda m: m.start())
            if candidates:
                match = candidates[0] if after else candidates[-1]
        if match is None and not after:
            described = DESCRIBED_VERB.search(clause)
            if described is not None:
                found = _Attribution(cue=described.group("cue").lower(), clause=clause, found=True)
                found.speaker = self.cast.recent()
                return found
            subject = _SENTENCE_SUBJECT.match(clause)
            verb = ANY_CUE.search(clause, subject.end()) if subject else None
            if subject is not None and verb is not None and parse_name(subject.group(1)):
                # "Carlos Vela, the researcher who …, explains in an email that “…”"
                return self._speaker(subject.group(1), None, verb.group("cue"), clause)
            participle = PARTICIPLE.search(clause)
            if participle is not None:
                opener = self._subject_of(clause[: participle.start()])
                if opener is not None:
                    opener.cue = participle.group("cue").lower()
                    opener.clause = clause
                    return opener
        if match is None:
            dash = DASH_ATTRIB.match(clause)
            if dash is None:
                return _Attribution()
            return self._speaker(dash.group("subject"), None, "—", clause)
        cue = match.group("cue")
        appos = match.groupdict().get("appos")
        who: str = match.group("subject")
        article = _INDEFINITE_BEFORE.search(clause, 0, match.start("subject"))
        if article is not None:
            who = f"{article.group(1)} {who}"  # "an Iowa Republican": someone unnamed
        if match.groupdict().get("of") and parse_name(who) is None:
            who += match.group("of")  # "The Association of Rural Grocers"
        return self._speaker(who, appos, cue, clause[match.start() :])

    def _subject_of(self, sentence: str) -> _Attribution | None:
        """The person a sentence opens with ("In an interview, Jane Roe also addressed …",
        "He returned to …"), for a participle later in it ("…, saying:")."""
        lead = re.sub(
            r"^\s*(?:[^,]{0,60}?\s[—–]\s|(?:In|At|On|During|After)\b[^,]{0,60},)\s*", "", sentence
        )
        pronoun = re.match(r"(He|She|They)\b", lead)
        if pronoun is not None:
            return self._speaker(pronoun.group(1), None, None, sentence)
        mentions = find_mentions(lead)
        if mentions and mentions[0][0] < 60:
            return self._speaker(mentions[0][1], None, None, sentence)
        named = self.cast.named_in(lead[:40])
        if named:
            self.cast.touch(named[0].name.split()[-1])
            return _Attribution(speaker=named[0], clause=sentence, found=True)
        return None

    def _pronoun(self, word: str) -> Person | None:
        """He/she/they: the first fitting person of the sentence just before the quotation
        ("Roe told the court he feared for his safety. “…,” he said"), else the cast's pick."""
        if self.unnamed and word in ("he", "she"):
            return None  # "A woman shook her head. “…,” she said."
        gender = PRONOUNS.get(word)
        fitting = [p for p in self.context if gender is None or p.gender in (None, gender)]
        if fitting:
            return fitting[0]
        return self.cast.pronoun(word)

    def _speaker(
        self, subject: str, appos: str | None, cue: str | None, clause: str
    ) -> _Attribution:
        subject = subject.strip()
        if appos and appos.strip().lower() in ("he", "she", "they"):
            subject, appos = appos.strip(), None  # "…outside the office, he remarked"
        cue_text = attr.cue_phrase(cue, clause)
        lower = subject.lower()
        found = _Attribution(cue=cue_text, clause=clause, found=True)
        if subject.startswith("@"):
            # "@JaneRoe tweeted": the owner when the article named them with the handle
            owner = self.cast.handles.get(lower)
            found.speaker = self.cast.mention(owner) if owner else None
            found.speaker_text = None if found.speaker else subject
            return found
        if lower in PRONOUNS or lower == "them":
            found.speaker = self._pronoun(lower)
            return found
        possessive = re.match(r"(.+?)(?:'s|’s)\s+(.+)$", subject)
        if possessive and possessive.group(1).split()[0].lower() in _DETERMINERS:
            possessive = None  # "The station's lawyer, Ivo Brandt": a description
        if possessive and possessive.group(1)[:1].isupper() and " " in possessive.group(2):
            # "Roe's brother Sam": Sam; "Roe's lawyer": an unnamed relation.
            *relation, last = possessive.group(2).split()
            if last[:1].isupper():
                found.speaker = self.cast.mention(last, " ".join(relation))
                return found
        if (
            possessive
            and possessive.group(2).lower() in ("office", "press office")
            and parse_name(possessive.group(1)) is not None
        ):
            found.speaker = self.cast.mention(possessive.group(1))  # "Roe's office said"
            return found
        office = _STATEMENT_FROM.match(subject)
        if office is not None and parse_name(office.group("who")) is not None:
            found.speaker = self.cast.mention(office.group("who"))
            return found
        if (
            possessive
            and possessive.group(1)[:1].isupper()
            and not possessive.group(2)[:1].isupper()
        ):
            found.role = possessive.group(2)
            return found
        if " and " in subject and subject[:1].isupper():
            names = [self.cast.mention(part) for part in subject.split(" and ")]
            if all(names):
                found.speaker_text = " and ".join(n.name for n in names if n)
                return found
        if lower in ("i", "we"):
            return found
        first = subject.split()[0]
        if first.lower() in _DETERMINERS:
            description = subject.split(maxsplit=1)[1] if " " in subject else subject
            if appos and parse_name(appos) is not None and appos.strip()[:1].isupper():
                # "a lawyer in attendance, Shannon Kilpatrick, tweeted"
                found.speaker = self.cast.mention(appos.strip(), description)
                return found
            if first.lower() in ("the", "his", "her", "their", "its"):
                found.speaker = self.cast.described(description)
                if found.speaker is not None:
                    return found
            # "a spokesperson for the ministry", "the Dallas police department": no person.
            lowered = {w.lower().strip(",.") for w in description.split()}
            if first.lower() in _INDEFINITE:
                # "an Iowa Republican", "another Virginia Democrat", "one": someone unnamed
                found.role = description if " " in subject else None
            elif lowered & _UNNAMED or not any(w[:1].isupper() for w in description.split()):
                # "a person close to the family", "the lawsuit": no one named
                found.role = description
            else:
                found.speaker_text = description
            return found
        name, role = split_role(subject)
        role = attr.appos_role(appos) or role
        while name.split()[0] in STOP_WORDS and " " in name:
            name = name.split(maxsplit=1)[1]  # "As Jane Roe said"
        if name in STOP_WORDS and appos and parse_name(appos) is not None:
            found.speaker = self.cast.mention(appos.strip())  # "In June, Anna tweeted"
        elif name in STOP_WORDS:
            found.role = role  # "Others suggested": no one named
        elif parse_name(name) is not None:
            found.speaker = self.cast.mention(name, role)
        else:
            found.speaker_text = re.sub(r"^The\s+", "", name)
        return found


def _groups(
    text: str, spans: list[Span], index: int, initial: _Group | None = None
) -> list[tuple[_Group, Span, Span]]:
    """Join spans split only by an attribution ("A,” she said. “B.”) into one group each:
    (group, its first span, its last span). `initial` is a quotation running on from the
    paragraph before; the first span continues it."""
    groups: list[tuple[_Group, Span, Span]] = []
    previous_end = 0
    current = initial
    first_span: Span | None = spans[0] if spans and initial is not None else None
    last_span: Span | None = None
    for k, span in enumerate(spans):
        fragment = text[span.start : span.end]
        before = text[previous_end : max(previous_end, span.start - 1)]
        if current is not None and (
            (k == 0 and initial is not None)
            or (
                last_span is not None
                and _is_split(before, last_span, text[last_span.start : last_span.end])
                and not _own_speaker(text, span, before)
            )
        ):
            current.fragments.append(fragment)
            if before.strip():
                current.clauses.append((0, True, before))
        else:
            if current is not None and last_span is not None and first_span is not None:
                current.clauses.append((1, True, _after(text, last_span, spans[k:])))
                groups.append((current, first_span, last_span))
            same_sentence = current is not None and not _SENTENCE_END.search(before + " X")
            current = _Group(fragments=[fragment], paragraph=index, same_sentence=same_sentence)
            first_span = span
            if _WORK_INTRO.search(before) and _title_like([fragment.strip(" ,.")]):
                current.fragments = [""]  # the title of a work, not a quotation
            current.clauses.append((2, False, _tail_sentence(before)))
        last_span = span
        previous_end = span.end + 1
    if current is not None and last_span is not None and first_span is not None:
        current.clauses.append((1, True, _after(text, last_span, [])))
        groups.append((current, first_span, last_span))
    return groups


def _is_split(gap: str, previous: Span, previous_text: str = "") -> bool:
    """Is the text between two quoted runs only their attribution?"""
    if not previous.closed:
        return False
    words = gap.split()
    if not words or len(words) > 28:
        return False
    lead = gap.lstrip(",.!?;:…—– ")
    match = SUBJ_CUE.search(lead)
    if match is not None:
        lead_in = lead[: match.start()]
        if re.search(r"[.,;:!?()]", lead_in) or len(lead_in.split()) > 4:
            match = None  # the attribution must open the gap ("coach Mara Lind said")
    whole = match is not None and not lead[match.end() :].strip(" ,.:;—–")
    if not whole and not re.search(r"[.,:;—–]\s*$", gap):
        return False  # "“A,” Roe said “B”" joins; "“A” and so on “B”" does not
    if previous_text.rstrip().endswith(".") and len(words) > 4:
        return False  # a new sentence that only leads to the next quotation
    after = CUE_SUBJ.match(lead) if match is None else None
    if after is not None:
        rest = lead[after.end() :]
        if len(rest.split()) > 3 and re.search(r"[.!?]\s+\S", rest):
            return False  # more sentences follow the attribution: a new quotation
    return bool(match or after)


def _own_speaker(text: str, span: Span, gap: str) -> bool:
    """Does the quotation after a gap have its own attribution naming someone else
    (“A,” he said. “B,” said Roe.)? Then the two are separate quotations."""
    tail = text[span.end + 1 : span.end + 120].lstrip(",.!?;: ")
    after = CUE_SUBJ.match(tail)
    before = SUBJ_CUE.search(gap) or CUE_SUBJ.match(gap.lstrip(",.!? "))
    if after is None or before is None:
        return False
    theirs = after.group("subject").lower()
    ours = before.group("subject").lower()
    return theirs != ours and theirs not in PRONOUNS


def _reported(clause: str, match: re.Match[str]) -> bool:
    """Is "said Kessler" the start of a reported clause ("a spokesperson said Kessler “…”",
    "… said Kessler was …"), not an inverted attribution ("…, said Kessler:")?"""
    if match.group("cue").lower() not in ("said", "says", "added", "adds", "wrote", "writes"):
        return False
    rest = clause[match.end("subject") :].strip()
    return not rest or bool(_REPORTED_VERB.match(rest))


def _unaffiliated(text: str) -> str:
    """The paragraph with "(R-Fla.)" and ", D-Ore.," outside its quotations blanked."""
    if "-" not in text or not attr.AFFILIATION.search(text):
        return text
    return mask_affiliations(text, [(s.start - 1, s.end + 1) for s in scan(text)])


def _repeated(quotes: list[Quote]) -> None:
    """A pull quote repeats an earlier quotation: it is that quotation's speaker's."""
    seen: dict[str, Quote] = {}
    for k, quote in enumerate(quotes):
        key = " ".join(quote.text.split()[:8]).lower()
        earlier = seen.get(key)
        if earlier is not None and len(key.split()) >= 6 and earlier.speaker != quote.speaker:
            quotes[k] = replace(quote, speaker=earlier.speaker, speaker_role=earlier.speaker_role)
        seen.setdefault(key, quote)


def _interpolated(fragments: list[str]) -> str | None:
    """An attribution set inside the marks, French style ("…, rappelle Ana Roux, professeure.
    Dans…"): the clause from the cue on, when a comma opens it and a name follows the cue."""
    for fragment in fragments:
        for match in VERB_NAME.finditer(fragment):
            if fragment[: match.start()].rstrip().endswith(",") and match.group("subject"):
                return fragment[match.start() :]
    return None


def _embedded(text: str, span: Span) -> bool:
    """Is a quoted fragment part of someone else's sentence: lower case, after words that
    do not end in a colon or a cue ("the system was “one of the great…”")?"""
    inner = text[span.start : span.end].lstrip(" ….")
    before = text[: max(0, span.start - 1)].rstrip()
    return bool(inner[:1].islower() and before and before[-1:] not in ":,")


def _full_names(quotes: list[Quote], paragraphs: Sequence[str]) -> tuple[Quote, ...]:
    """A speaker known only by one name ("Emery") gets the full name the article gives
    anywhere (a subheading, a later paragraph, a quotation), when only one fits."""
    singles = {q.speaker for q in quotes if q.speaker and " " not in q.speaker}
    if not singles:
        return tuple(quotes)
    text = "\n".join(paragraphs)
    full: dict[str, str] = {}
    for name in singles:
        if not name[:1].isupper() or name in ORG_WORDS or name.isupper():
            continue
        pattern = re.compile(
            rf"(?<![\w’'-])((?:[A-Z][a-zà-ÿ’'-]+)(?:\s+[A-Z]\.)?)\s+{re.escape(name)}(?![\w’'-])"
        )
        forms = {
            f"{m.group(1)} {name}"
            for m in pattern.finditer(text)
            if m.group(1).split()[0].lower() in FIRST_NAMES
            or m.group(1).split()[0] not in STOP_WORDS | ORG_WORDS
            and m.group(1).split()[0].lower() not in ROLE_HEADS
        }
        firsts = {f.split()[0] for f in forms}
        if len(firsts) == 1:
            full[name] = max(forms, key=len)
    return tuple(replace(q, speaker=full[q.speaker]) if q.speaker in full else q for q in quotes)


def _after(text: str, span: Span, rest: list[Span]) -> str:
    """The attribution text after a closing mark: up to the next quotation or sentence end;
    nothing when a new sentence starts there ("…locally.” That allows …")."""
    end = span.end
    stop = rest[0].start - 1 if rest else len(text)
    if (
        text[span.start : span.end].rstrip().endswith(".")
        and text[end + 1 : stop].strip()[:1].isupper()
    ):
        return ""
    tail = text[end + 1 : stop] if end < len(text) else ""
    tail = tail.lstrip(",.!?;:… ")
    boundary = _SENTENCE_END.search(tail)
    return tail[: boundary.start() + 1] if boundary else tail


def _tail_sentence(text: str) -> str:
    """The last sentence of the text before a quotation (where "X said:" stands)."""
    last = 0
    for match in _SENTENCE_END.finditer(text):
        last = match.end()
    return text[last:]


def _intro(paragraphs: Sequence[str], index: int) -> str:
    """The last sentence of the paragraph before when it ends with a colon ("X said:")."""
    if index == 0 or not paragraphs[index - 1].rstrip().endswith(":"):
        return ""
    return _tail_sentence(paragraphs[index - 1])


def _speaks(group: _Group, first: Span) -> bool:
    """Is an unclosed quotation really one running on (not a stray mark)? It is when it opens
    its paragraph or something around it names a speaker."""
    if first.start <= 1 or len(group.fragments) > 1:
        return True
    return any(SUBJ_CUE.search(text) or ACCORDING.search(text) for _, _, text in group.clauses)


def _continues(paragraphs: Sequence[str], index: int) -> bool:
    """Does the next paragraph open with a quotation mark (a quotation running on)?"""
    if index + 1 >= len(paragraphs):
        return False
    nxt = paragraphs[index + 1].lstrip()
    return bool(nxt) and nxt[0] in OPENERS


# -- what a quotation and its attribution say -------------------------------------------


_CLOSING_SINGLE = re.compile(r"’(?![A-Za-zà-ÿ])")  # not an apostrophe ("don’t")


def _clean(fragment: str) -> str:
    """The quoted words without the marks around them; a nested quotation's own single marks
    at either end stay (“‘Second County’ is…” keeps "‘Second County’")."""
    text = re.sub(r"\s+", " ", fragment).strip()
    start = len(text) - len(text.lstrip(ALL_MARKS + " "))
    end = len(text.rstrip(ALL_MARKS + " "))
    if start >= end:
        return ""
    lead, inner, trail = text[:start], text[start:end], text[end:]
    opened = len(lead) - len(lead.rstrip("‘"))
    if opened and _CLOSING_SINGLE.search(inner):
        inner = "‘" * opened + inner
    unclosed = inner.count("‘") - len(_CLOSING_SINGLE.findall(inner))
    closing = len(trail) - len(trail.lstrip("’"))
    inner += "’" * max(0, min(unclosed, closing))
    return inner.rstrip(",;:—– ").strip()


def _dash_attribution(text: str) -> re.Match[str] | None:
    match = re.search(r"\s[—–-]{1,2}\s*[A-Z][\w.’' -]{1,60}$", text)
    return match


def _looks_like_headline(text: str) -> bool:
    """A title-case line with no sentence end ("Mayor Roe Says “We Will Rebuild”"). Prose
    around a quotation ("Roe wrote on Twitter: “NO DEAL”") and a quotation alone that shouts
    or opens with a handle, as posts do, are no headline."""
    stripped = text.strip().rstrip(ALL_MARKS + " ")
    words = stripped.split()
    if not words or len(words) > 20 or stripped[-1:] in ".!?…:;,)":
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    if capitals / len(words) < 0.6:
        return False
    spans = scan(text)
    if not spans:
        return True
    around = [w for w in outside(text, spans).split() if w.strip(ALL_MARKS + ".,:;—–-")]
    if len(around) >= 2:
        return not any(w.islower() and len(w.strip(".,:;")) > 3 for w in around)
    inside = " ".join(text[span.start : span.end] for span in spans)
    return not _post_like(inside)


def _post_like(text: str) -> bool:
    """Text as posts write it: opening with a handle (".@JaneRoe is right") or in capitals."""
    lead = text.lstrip(ALL_MARKS + " .…")
    if lead.startswith("@"):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _title_like(fragments: list[str]) -> bool:
    """A quoted title of a work ("The Art of the Deal"): short, title case, no sentence."""
    text = " ".join(fragments)
    words = text.split()
    if len(words) > 10 or text[-1:] in ".!?" or _post_like(text):
        return False
    significant = [w for w in words if len(w) > 3]
    return bool(significant) and all(w[:1].isupper() for w in significant)
