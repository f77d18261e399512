"""Direct quotations in an article body, with speaker, cue, channel and hints. Pure and
rule-based: paragraphs in, :class:`Quote` values out; odd quotation marks never raise.

Reading order matters: people are met as the article introduces them (:class:`Cast`), so a
later "Sanders said" or "she said" resolves to the full name introduced earlier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from bot.extract.dates import date_hint
from bot.extract.speakers import (
    NAME,
    PRONOUNS,
    ROLE_HEADS,
    STOP_WORDS,
    TITLE_RE,
    Cast,
    Person,
    find_mentions,
    parse_name,
    split_role,
    words,
)
from bot.extract.types import Channel, Quote

MIN_WORDS = 4  # shorter quotations are scare quotes ("warm", "positive")

# Opening mark -> the marks that close it.
OPENERS = {"“": '”"', '"': '"”', "«": "»", "„": "“”", "‘": "’"}
_ALL_MARKS = '“”"«»„‘’'

CUES = words(
    """
    said says told tells wrote writes tweeted posted added adds continued explained
    noted stated declared asked replied responded insisted argued warned announced
    claimed recalled acknowledged admitted remarked commented conceded emphasized
    emphasised stressed urged joked quipped shared exclaimed observed concluded
    countered suggested predicted boasted complained confirmed described lamented mused
    tweets posts retweeted shouted yelled whispered testified elaborated recounted
    cautioned vowed promised agreed disagreed asserted assert called
    """
) | {"pointed out"}
_CUE = "(?P<cue>" + "|".join(re.escape(c) for c in sorted(CUES, key=len, reverse=True)) + ")"
_AUX = (
    r"(?:(?:also|later|then|previously|once|has|had|have|would|will|further|simply|recently"
    r"|went on to|quickly|separately|had earlier)\s+)*"
)
_NP_HEADS = "|".join(
    sorted(
        ROLE_HEADS
        | words(
            """
            insider source sources person people friend relative witness resident neighbor
            neighbour family fan user caption post tweet website newspaper paper report
            outlet network magazine department agency company firm government ministry office
            team club police campaign administration group organization organisation union
            board court university school hospital airline bank statement release
            spokesperson official officials representative lawyer attorney publication
            reporter reporters
            """
        ),
        key=len,
        reverse=True,
    )
)
_NP = (
    r"(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+(?:[\w’'.-]+\s+){0,4}?"
    rf"(?:{_NP_HEADS})(?:'s|’s)?(?![\w-])"
)
_SUBJECT = (
    rf"(?P<subject>(?:(?:[Tt]he\s+)?(?:(?:{TITLE_RE})\s+)?{NAME}(?:\s+(?:{NAME}))?)"
    rf"|he|she|they|it|I|we"
    rf"|{_NP}(?:\s+(?:for|at|of)\s+(?:the\s+)?{NAME})?)"
)
_REFLEXIVE = r"(?:\s+(?:himself|herself|themselves|itself))?"
_APPOS = r"(?:,\s*(?P<appos>[^,“”\"«»]{2,90}?),?)?"
# "Jane Roe, the mayor, said" at the end of the text before a quote or after it.
_SUBJ_CUE = re.compile(rf"(?<![\w’'-]){_SUBJECT}{_REFLEXIVE}{_APPOS},?\s+{_AUX}{_CUE}\b")
# "said Jane Roe, the mayor" right after a quote.
_CUE_SUBJ = re.compile(
    rf"^\s*(?P<cue>said|says|added|wrote|asked|continued|explained|noted|tweeted|posted|"
    rf"replied|responded|insisted|argued|warned|recalled)\s+{_SUBJECT}"
    rf"(?:,\s*(?P<appos>[^,“”\"«»]{{2,90}}?)(?:,|\.|$))?"
)
_ACCORDING = re.compile(rf"\b(?P<cue>[Aa]ccording to)\s+{_SUBJECT}")
_DASH_ATTRIB = re.compile(rf"^\s*[—–-]+\s*(?P<subject>(?:[A-Z][\w.]*\s+)*{NAME})")
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bSen)(?<!\bRep)(?<!\bGov)(?<!\bGen)(?<!\bJan)"
    r"(?<!\bFeb)(?<!\bAug)(?<!\bSept)(?<!\bSep)(?<!\bOct)(?<!\bNov)(?<!\bDec)(?<!\bMrs)"
    r"(?<!\b[A-Z])[.!?]\s+(?=[A-Z“\"‘«„])"
)
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

PLATFORMS = (
    (re.compile(r"\b(?:Twitter|tweet(?:s|ed)?|X\.com|on X\b|retweet(?:ed)?)", re.I), "twitter"),
    (re.compile(r"\bTruth Social\b", re.I), "truthsocial"),
    (re.compile(r"\bInstagram\b", re.I), "instagram"),
    (re.compile(r"\bFacebook\b", re.I), "facebook"),
    (re.compile(r"\bTikTok\b", re.I), "tiktok"),
    (re.compile(r"\bBluesky\b", re.I), "bluesky"),
    (re.compile(r"\bMastodon\b", re.I), "mastodon"),
    (re.compile(r"\bThreads\b"), "threads"),
    (re.compile(r"\bYouTube\b", re.I), "youtube"),
    (re.compile(r"\bLinkedIn\b", re.I), "linkedin"),
)
_STATEMENT = re.compile(
    r"\b(?:statement|release|e-?mail(?:ed)?|written|communiqu[eé]|spokes(?:man|woman|person)"
    r"|press release|memo|letter)\b",
    re.I,
)
_SPEECH = re.compile(
    r"\b(?:told reporters|reporters|rally|speech|briefing|news conference|press conference|"
    r"interview|remarks|address|hearing|testified|podcast|on (?:CNN|Fox|MSNBC|NBC|ABC|CBS)|"
    r"told)\b",
    re.I,
)
_DETERMINERS = {"the", "a", "an", "his", "her", "their", "its"}
_SOCIAL_CUES = {"tweeted", "tweets", "posted", "posts", "retweeted"}


@dataclass
class _Span:
    """One run of quoted text in a paragraph: inner [start, end); closed when a mark ends it."""

    start: int
    end: int
    closed: bool


@dataclass
class _Group:
    """Spans that make one quotation (split by its attribution, or over paragraphs)."""

    fragments: list[str] = field(default_factory=list)
    # Attribution text around it: (rank, after the quotation?, text); tried by rank.
    clauses: list[tuple[int, bool, str]] = field(default_factory=list)
    paragraph: int = 0


@dataclass
class _Attribution:
    speaker: Person | None = None
    speaker_text: str | None = None
    role: str | None = None
    cue: str | None = None
    clause: str = ""
    found: bool = False


def find_quotes(
    paragraphs: Sequence[str],
    *,
    published: dt.date | None = None,
    blockquote_indexes: Collection[int] = (),
) -> tuple[Quote, ...]:
    """Direct quotations of at least four words in the body's paragraphs, in order."""
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
    return tuple(reader.quotes)


class _Reader:
    """Reads paragraphs in order, keeping the cast and the last speaker."""

    def __init__(self, published: dt.date | None) -> None:
        self.published = published
        self.cast = Cast()
        self.quotes: list[Quote] = []
        self.pending: _Group | None = None  # a quotation that runs on into the next paragraph
        self.last: _Attribution | None = None
        self.last_paragraph = -10

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
        outside = _outside(text, spans)
        mentions = find_mentions(outside)
        met = 0
        read = 0
        intro = _intro(paragraphs, index)
        for group, first_span, last_span in _groups(text, spans, index, initial):
            if intro and first_span is spans[0] and not text[: first_span.start - 1].strip():
                group.clauses.append((3, False, intro))  # "Jane Roe said:" just before
            while met < len(mentions) and mentions[met][0] < first_span.start:
                self.cast.mention(mentions[met][1], mentions[met][2])
                met += 1
            self.cast.touch(outside[read : first_span.start])
            read = first_span.start
            runs_on = not last_span.closed and last_span.end == len(text)
            if runs_on and _continues(paragraphs, index) and _speaks(group, first_span):
                self.pending = group
                continue
            self._finish(group, lenient=lenient)
        for _, phrase, role in mentions[met:]:
            self.cast.mention(phrase, role)
        self.cast.touch(outside[read:])

    def blockquote(self, paragraphs: Sequence[str], first: int, last: int) -> None:
        """Paragraphs set as <blockquote>: quoted as a whole unless marks inside say more."""
        self._flush()
        if any(_marked(paragraphs[i]) for i in range(first, last + 1)):
            for i in range(first, last + 1):
                self.paragraph(paragraphs, i, lenient=True)
            self._flush()
            return
        parts = [_strip_marks(paragraphs[i]) for i in range(first, last + 1)]
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
        for _, after, clause in sorted(group.clauses, key=lambda c: c[0]):
            attribution = self._attribute(clause, after=after)
            if attribution.found:
                break
        if not attribution.found:
            if self.last is not None and index - self.last_paragraph <= 2:
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
        platform = _platform(attribution.clause, attribution.cue)
        when = date_hint(attribution.clause, self.published) if attribution.cue else None
        self.quotes.append(
            Quote(
                text=" ".join(fragments),
                fragments=tuple(fragments),
                speaker=speaker,
                speaker_role=role,
                cue=attribution.cue,
                channel=_channel(attribution.clause, attribution.cue, platform),
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
        match = _CUE_SUBJ.match(clause) if after else None
        if match is None:
            candidates = [m for m in _SUBJ_CUE.finditer(clause) if m.group("subject")]
            according = _ACCORDING.search(clause)
            if according is not None:
                candidates.append(according)
                candidates.sort(key=lambda m: m.start())
            if candidates:
                match = candidates[0] if after else candidates[-1]
        if match is None:
            dash = _DASH_ATTRIB.match(clause)
            if dash is None:
                return _Attribution()
            return self._speaker(dash.group("subject"), None, "—", clause)
        cue = match.group("cue")
        appos = match.groupdict().get("appos")
        return self._speaker(match.group("subject"), appos, cue, clause[match.start() :])

    def _speaker(
        self, subject: str, appos: str | None, cue: str | None, clause: str
    ) -> _Attribution:
        subject = subject.strip()
        cue_text = _cue_phrase(cue, clause)
        lower = subject.lower()
        found = _Attribution(cue=cue_text, clause=clause, found=True)
        if lower in PRONOUNS:
            found.speaker = self.cast.pronoun(lower)
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
            head = description.split()[-1].lower()
            if head in ROLE_HEADS or not any(w[:1].isupper() for w in description.split()):
                found.role = description
            else:
                found.speaker_text = description
            return found
        name, role = split_role(subject)
        role = _appos_role(appos) or role
        while name.split()[0] in STOP_WORDS and " " in name:
            name = name.split(maxsplit=1)[1]  # "As Jane Roe said"
        if name in STOP_WORDS:
            found.role = role  # "Others suggested": no one named
        elif parse_name(name) is not None:
            found.speaker = self.cast.mention(name, role)
        else:
            found.speaker_text = re.sub(r"^The\s+", "", name)
        return found


# -- scanning ---------------------------------------------------------------------------


_OPEN_RE = re.compile("[" + "".join(OPENERS) + "]")
_CLOSE_RE = {
    opener: re.compile("[" + re.escape(closers + ("“" if opener == "“" else "")) + "]")
    for opener, closers in OPENERS.items()
}


def scan(text: str) -> list[_Span]:
    """Quoted runs in one paragraph. An unclosed mark runs to the paragraph's end."""
    spans: list[_Span] = []
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
            spans.append(_Span(i + 1, stop, False))
            opening = _OPEN_RE.search(text, stop) if stop < n else None
        else:
            spans.append(_Span(i + 1, end, True))
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


def _groups(
    text: str, spans: list[_Span], index: int, initial: _Group | None = None
) -> list[tuple[_Group, _Span, _Span]]:
    """Join spans split only by an attribution ("A,” she said. “B.”) into one group each:
    (group, its first span, its last span). `initial` is a quotation running on from the
    paragraph before; the first span continues it."""
    groups: list[tuple[_Group, _Span, _Span]] = []
    previous_end = 0
    current = initial
    first_span: _Span | None = spans[0] if spans and initial is not None else None
    last_span: _Span | None = None
    for k, span in enumerate(spans):
        fragment = text[span.start : span.end]
        before = text[previous_end : max(previous_end, span.start - 1)]
        if current is not None and (
            (k == 0 and initial is not None)
            or (last_span is not None and _is_split(before, last_span))
        ):
            current.fragments.append(fragment)
            if before.strip():
                current.clauses.append((0, True, before))
        else:
            if current is not None and last_span is not None and first_span is not None:
                current.clauses.append((1, True, _after(text, last_span, spans[k:])))
                groups.append((current, first_span, last_span))
            current = _Group(fragments=[fragment], paragraph=index)
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


def _is_split(gap: str, previous: _Span) -> bool:
    """Is the text between two quoted runs only their attribution?"""
    if not previous.closed:
        return False
    words = gap.split()
    if not words or len(words) > 16:
        return False
    if not re.search(r"[.,:;—–]\s*$", gap):
        return False
    return bool(_SUBJ_CUE.search(gap) or _CUE_SUBJ.match(gap.lstrip(",.!? ")))


def _after(text: str, span: _Span, rest: list[_Span]) -> str:
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


def _speaks(group: _Group, first: _Span) -> bool:
    """Is an unclosed quotation really one running on (not a stray mark)? It is when it opens
    its paragraph or something around it names a speaker."""
    if first.start <= 1 or len(group.fragments) > 1:
        return True
    return any(_SUBJ_CUE.search(text) or _ACCORDING.search(text) for _, _, text in group.clauses)


def _continues(paragraphs: Sequence[str], index: int) -> bool:
    """Does the next paragraph open with a quotation mark (a quotation running on)?"""
    if index + 1 >= len(paragraphs):
        return False
    nxt = paragraphs[index + 1].lstrip()
    return bool(nxt) and nxt[0] in OPENERS


def _outside(text: str, spans: list[_Span]) -> str:
    """The paragraph with its quoted runs blanked (offsets kept)."""
    parts: list[str] = []
    at = 0
    for span in spans:
        parts.append(text[at : span.start])
        parts.append(" " * (span.end - span.start))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


# -- what a quotation and its attribution say -------------------------------------------


def _clean(fragment: str) -> str:
    text = re.sub(r"\s+", " ", fragment).strip()
    text = text.strip(_ALL_MARKS + " ")
    return text.rstrip(",;:—– ").strip()


def _marked(text: str) -> bool:
    """Does the text hold a quotation in marks with an attribution around it?"""
    spans = scan(text)
    inside = sum(span.end - span.start for span in spans)
    return bool(spans) and inside < len(text.strip()) - 4


def _strip_marks(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(_ALL_MARKS + " ")


def _dash_attribution(text: str) -> re.Match[str] | None:
    match = re.search(r"\s[—–-]{1,2}\s*[A-Z][\w.’' -]{1,60}$", text)
    return match


def _looks_like_headline(text: str) -> bool:
    stripped = text.strip().rstrip(_ALL_MARKS + " ")
    words = stripped.split()
    if not words or len(words) > 20 or stripped[-1:] in ".!?…:;,)":
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    return capitals / len(words) >= 0.6


def _title_like(fragments: list[str]) -> bool:
    """A quoted title of a work ("The Art of the Deal"): short, title case, no sentence."""
    text = " ".join(fragments)
    words = text.split()
    if len(words) > 10 or text[-1:] in ".!?":
        return False
    significant = [w for w in words if len(w) > 3]
    return bool(significant) and all(w[:1].isupper() for w in significant)


def _appos_role(appos: str | None) -> str | None:
    if not appos:
        return None
    text = appos.strip()
    if re.fullmatch(r"\d+|\d+\s*years?\s*old", text):
        return None
    text = re.sub(r"^(?:the|a|an|who is(?: the| a| an)?)\s+", "", text, flags=re.I)
    return text or None


def _cue_phrase(cue: str | None, clause: str) -> str | None:
    if cue is None:
        return None
    lower = cue.lower()
    if re.search(r"\bin a (?:written )?statement\b", clause, re.I) and lower in ("said", "says"):
        return "in a statement"
    return lower


def _platform(clause: str, cue: str | None) -> str | None:
    if not clause:
        return None
    for pattern, name in PLATFORMS:
        if pattern.search(clause):
            return name
    if cue in ("tweeted", "tweets", "retweeted"):
        return "twitter"
    return None


def _channel(clause: str, cue: str | None, platform: str | None) -> Channel:
    if platform is not None or (cue or "") in _SOCIAL_CUES:
        return "social"
    if cue is None:
        return "unknown"
    if _STATEMENT.search(clause) or cue == "in a statement":
        return "statement"
    if _SPEECH.search(clause):
        return "speech"
    return "unknown"
