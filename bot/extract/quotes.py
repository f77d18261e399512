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
from bot.extract.speakers import NAME, PRONOUNS, Cast, Person, find_mentions, parse_name, words
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
    cautioned vowed promised agreed disagreed
    """
) | {"pointed out"}
_CUE = "(?P<cue>" + "|".join(re.escape(c) for c in sorted(CUES, key=len, reverse=True)) + ")"
_AUX = (
    r"(?:(?:also|later|then|previously|once|has|had|have|would|will|further|simply|recently)"
    r"\s+)*"
)
_SUBJECT = (
    rf"(?P<subject>(?:(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)?(?:[\w’'.-]+\s+){{0,3}}"
    rf"(?:spokes(?:man|woman|person)|representative|official|source|aide|statement)"
    rf"(?:\s+for\s+(?:the\s+)?{NAME})?"
    rf"|(?:[Tt]he\s+)?{NAME}|he|she|they|it|I|we|[Tt]he\s+\w+)"
)
_APPOS = r"(?:,\s*(?P<appos>[^,“”\"«»]{2,90}?),)?"
# "Jane Roe, the mayor, said" at the end of the text before a quote or after it.
_SUBJ_CUE = re.compile(rf"{_SUBJECT}{_APPOS}\s+{_AUX}{_CUE}\b")
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
    clauses: list[str] = field(default_factory=list)  # attribution text, nearest first
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

    def paragraph(self, paragraphs: Sequence[str], index: int) -> None:
        text = paragraphs[index]
        spans = scan(text)
        if _SKIP_LINE.search(text) and len(text.split()) < 40 or _looks_like_headline(text):
            self._flush()
            self._meet(text, [])
            return
        if self.pending is not None:
            if spans and not text[: spans[0].start - 1].strip():
                first = spans.pop(0)
                self.pending.fragments.append(text[first.start : first.end])
                if not first.closed and not spans and _continues(paragraphs, index):
                    return
                self.pending.clauses.insert(0, _after(text, first.end, spans))
                self._finish(self.pending, index)
                self.pending = None
                text_spans = spans
            else:
                self._flush()
                text_spans = spans
        else:
            text_spans = spans
        self._meet(text, text_spans)
        for group, last_span in _groups(text, text_spans, index):
            if (
                not last_span.closed
                and last_span.end == len(text)
                and _continues(paragraphs, index)
            ):
                self.pending = group
                continue
            self._finish(group, index)

    def blockquote(self, paragraphs: Sequence[str], first: int, last: int) -> None:
        self._flush()
        parts = [_strip_marks(paragraphs[i]) for i in range(first, last + 1)]
        parts = [p for p in parts if p]
        if not parts:
            return
        attribution = _dash_attribution(parts[-1])
        if attribution is not None:
            parts[-1] = parts[-1][: attribution.start()].strip()
        group = _Group(fragments=[" ".join(parts)], paragraph=first)
        if attribution is not None:
            group.clauses.append(parts[-1][attribution.start() :])
        if first > 0:
            intro = paragraphs[first - 1]
            group.clauses.append(_tail_sentence(intro))
        self._finish(group, first, lenient=True)

    # -- quotations ---------------------------------------------------------------------

    def _flush(self) -> None:
        if self.pending is not None:
            self._finish(self.pending, self.pending.paragraph)
            self.pending = None

    def _meet(self, text: str, spans: list[_Span]) -> None:
        """Record the people a paragraph names outside its quotations."""
        outside = _outside(text, spans)
        for _, phrase, role in find_mentions(outside):
            self.cast.mention(phrase, role)

    def _finish(self, group: _Group, index: int, *, lenient: bool = False) -> None:
        fragments = [_clean(f) for f in group.fragments]
        fragments = [f for f in fragments if f]
        words = sum(len(f.split()) for f in fragments)
        if words < MIN_WORDS:
            return
        attribution = _Attribution()
        for clause in group.clauses:
            attribution = self._attribute(clause)
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
        if attribution.found or speaker:
            self.last = attribution
            self.last_paragraph = index

    def _attribute(self, clause: str) -> _Attribution:
        """Who a clause says spoke, and how ("Trump wrote on Twitter on Sept. 9")."""
        match = _CUE_SUBJ.match(clause) or _ACCORDING.search(clause)
        if match is None:
            candidates = list(_SUBJ_CUE.finditer(clause))
            match = candidates[-1] if candidates else None
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
        if lower in PRONOUNS:
            person = self.cast.pronoun(lower)
            return _Attribution(speaker=person, cue=cue_text, clause=clause, found=True)
        if lower in ("i", "we"):
            return _Attribution(cue=cue_text, clause=clause, found=True)
        role = _appos_role(appos)
        if parse_name(subject) is not None and subject[:1].isupper():
            person = self.cast.mention(subject, role)
            return _Attribution(speaker=person, cue=cue_text, clause=clause, found=True)
        # "the company", "a spokesperson for the ministry": no person to name.
        generic = re.sub(r"^(?:the|a|an)\s+", "", subject, flags=re.I)
        name = generic if generic[:1].isupper() else None
        if name:
            name = re.sub(r"^The\s+", "", name)
        return _Attribution(
            speaker_text=name,
            role=None if name else generic,
            cue=cue_text,
            clause=clause,
            found=True,
        )


# -- scanning ---------------------------------------------------------------------------


def scan(text: str) -> list[_Span]:
    """Quoted runs in one paragraph. An unclosed mark runs to the paragraph's end."""
    spans: list[_Span] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch not in OPENERS or not _opens(text, i):
            i += 1
            continue
        closers = OPENERS[ch]
        j = i + 1
        end = -1
        while j < n:
            c = text[j]
            if c in closers and (ch != "‘" or _closes_single(text, j)) and (ch != c or j > i + 1):
                end = j
                break
            if ch == "“" and c == "“" and _opens(text, j):
                break  # a new quotation starts: the previous one lost its closing mark
            j += 1
        if end == -1:
            spans.append(_Span(i + 1, j, False))
            i = j
        else:
            spans.append(_Span(i + 1, end, True))
            i = end + 1
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


def _groups(text: str, spans: list[_Span], index: int) -> list[tuple[_Group, _Span]]:
    """Join spans split only by an attribution ("A,” she said. “B.”) into one group each."""
    groups: list[tuple[_Group, _Span]] = []
    previous_end = 0
    current: _Group | None = None
    last_span: _Span | None = None
    for k, span in enumerate(spans):
        fragment = text[span.start : span.end]
        before = text[previous_end : max(previous_end, span.start - 1)]
        if current is not None and last_span is not None and _is_split(before, last_span):
            current.fragments.append(fragment)
            current.clauses.insert(0, before)
        else:
            if current is not None and last_span is not None:
                current.clauses.insert(0, _after(text, last_span.end, spans[k:]))
                groups.append((current, last_span))
            pre = before if _WORK_INTRO.search(before) is None else "\x00"
            current = _Group(fragments=[fragment], paragraph=index)
            if pre == "\x00":
                current.fragments = [""]  # a title of a work, not a quotation
            else:
                current.clauses.append(_tail_sentence(pre))
        last_span = span
        previous_end = span.end + 1
    if current is not None and last_span is not None:
        current.clauses.insert(0, _after(text, last_span.end, []))
        groups.append((current, last_span))
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


def _after(text: str, end: int, rest: list[_Span]) -> str:
    """The attribution text after a closing mark: up to the next quotation or sentence end."""
    stop = rest[0].start - 1 if rest else len(text)
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


def _continues(paragraphs: Sequence[str], index: int) -> bool:
    """Does the next paragraph open with a quotation mark (a quotation running on)?"""
    if index + 1 >= len(paragraphs):
        return False
    nxt = paragraphs[index + 1].lstrip()
    return bool(nxt) and nxt[0] in OPENERS


def _outside(text: str, spans: list[_Span]) -> str:
    """The paragraph with its quoted runs blanked (offsets kept)."""
    chars = list(text)
    for span in spans:
        for k in range(span.start, span.end):
            chars[k] = " "
    return "".join(chars)


# -- what a quotation and its attribution say -------------------------------------------


def _clean(fragment: str) -> str:
    text = re.sub(r"\s+", " ", fragment).strip()
    text = text.strip(_ALL_MARKS + " ")
    return text.rstrip(",;:—– ").strip()


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
