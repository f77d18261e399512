"""Attribution patterns of news prose: who a clause says spoke ("Jane Roe said", "said Roe,
the mayor", "according to a person familiar with the talks", "as the Daily Planet put it"),
and what the clause tells about the channel and platform. Pure regular expressions and
small helpers; :mod:`bot.extract.quotes` decides which clause belongs to which quotation."""

from __future__ import annotations

import re

from bot.extract.speakers import HANDLE, NAME, ROLE_HEADS, TITLE_RE, words
from bot.extract.types import Channel

# Speech verbs in the past and present tense ("said", "says"); "put it" as in "as the
# Daily Planet put it".
_VERBS = words(
    """
    say tell write tweet post add continue explain note state declare ask reply respond
    insist argue warn announce claim recall acknowledge admit remark comment concede
    emphasize emphasise stress urge joke quip share exclaim observe conclude counter suggest
    predict boast complain confirm describe lament muse retweet shout yell whisper testify
    elaborate recount caution vow promise agree disagree assert report allege recall
    chronicle trumpet sing answer
    """
)
_IRREGULAR = {
    "say": ("said", "says"),
    "tell": ("told", "tells"),
    "write": ("wrote", "writes"),
    "sing": ("sang", "sings"),
    "quip": ("quipped", "quips"),
    "admit": ("admitted", "admits"),
}


def _forms(verb: str) -> set[str]:
    """Past and present third person ("said", "says") of a speech verb."""
    if verb in _IRREGULAR:
        return set(_IRREGULAR[verb])
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return {verb[:-1] + "ied", verb[:-1] + "ies"}
    past = verb + "d" if verb.endswith("e") else verb + "ed"
    present = verb + "es" if verb.endswith(("sh", "ss", "ch", "x")) else verb + "s"
    return {past, present}


# German, Spanish and French speech verbs (present, past, perfect), which in news prose
# mostly come before the name ("sagte Jane Roe", "explica Juan Pérez", "a déclaré Luc Morel").
FOREIGN_CUES = words(
    """
    sagte sagt erklärte erklärt betonte betont schrieb schreibt meinte meint sagten
    ergänzte ergänzt warnte warnt kritisierte kritisiert berichtete berichtet fügte
    dijo dice afirmó afirma aseguró asegura explicó explica añadió añade agregó agrega
    señaló señala indicó indica destacó destaca resaltó resalta detalló detalla opinó opina
    comentó comenta sostuvo sostiene advirtió advierte declaró declara apuntó apunta
    subrayó subraya insistió insiste escribió escribe relató relata
    déclare explique affirme ajoute souligne précise indique estime rappelle détaille
    assure confie raconte poursuit conclut insiste note observe écrit dit
    """
) | {
    "a déclaré",
    "a dit",
    "a expliqué",
    "a affirmé",
    "a ajouté",
    "a souligné",
    "a précisé",
    "a indiqué",
    "a estimé",
    "a assuré",
    "a écrit",
    "a confié",
    "a raconté",
    "hat gesagt",
    "ha dicho",
    "ha explicado",
    "ha afirmado",
    "ha asegurado",
    "ha señalado",
}
CUES = (
    frozenset({form for verb in _VERBS for form in _forms(verb)})
    | {"say", "write", "tell", "add", "note", "argue", "explain", "claim", "recall", "warn"}
    | {"assert", "insist", "respond", "will answer", "would answer", "would reply"}
    | {
        "pointed out",
        "put it",
        "puts it",
        "called",
    }
    | FOREIGN_CUES
)
_CUE = "(?P<cue>" + "|".join(re.escape(c) for c in sorted(CUES, key=len, reverse=True)) + ")"
_AUX = (
    r"(?:(?:also|later|then|previously|once|has|had|have|would|will|further|simply|recently"
    r"|went on to|quickly|separately|had earlier|reportedly|often|once|still|again|may"
    r"|(?:on\s+|late\s+|early\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?|yesterday|today|tonight|earlier|last week)\s+)*"
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
            reporter reporters employee employees colleague colleagues staffer staffers woman
            man host producer filmmaker composer musician artist model executives reader
            readers commenter assistant aide aides lawsuit complaint filing letter memo
            mother father brother sister wife husband son daughter
            traveler traveller passenger voter customer shopper parent student worker
            steelworker protester protestor supporter attendee veteran driver bystander
            observer critic viewer listener member participant commentator girl boy lady
            """
        ),
        key=len,
        reverse=True,
    )
)
# "a person close to the family", "one official familiar with the talks"
_POST_MODIFIER = (
    r"(?:\s+(?:close to|familiar with|briefed on|with (?:direct )?knowledge of|involved in"
    r"|in the room|at the meeting)(?:\s+[\w’'.-]+){1,4}?)?"
)
_NP = (
    r"(?:(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Oo]ne|[Aa]nother|[Tt]wo|[Tt]hree"
    r"|[Ss]ome|[Ss]everal)\s+(?:[\w’'.-]+\s+){0,4}?"
    rf"(?:{_NP_HEADS})(?:'s|’s)?(?![\w-]){_POST_MODIFIER}"
    r")"
)
# A capitalised organisation with linking words ("The Association of American Railroads").
_ORG = r"[A-Z][\w.&’'-]*(?:\s+(?:(?:of|for|on|and|to)\s+)?(?:the\s+)?[A-Z][\w.&’'-]*){1,7}"
# "Roe's brother Sam", "Roe's lawyer"
_POSSESSIVE_NP = rf"{NAME}(?:'s|’s)\s+(?:[a-z-]+\s+){{0,2}}?(?:{_NP_HEADS})(?:\s+{NAME})?(?![\w-])"
_SUBJECT = (
    rf"(?P<subject>{HANDLE}|{_POSSESSIVE_NP}"
    rf"|(?:(?:[Tt]he\s+)?(?:(?:{TITLE_RE})\s+)?{NAME}(?:\s+(?:{NAME}))?"
    rf"(?:\s+and\s+(?:{NAME}))?)"
    rf"|[Tt]he\s+{_ORG}"
    rf"|he|she|they|it|I|we"
    rf"|{_NP}(?:\s+(?:for|at|of|from|by)\s+(?:the\s+)?(?:(?:{TITLE_RE})\s+)?{NAME}"
    rf"(?:(?:'s|’s)\s+office)?)?)"
)
_REFLEXIVE = r"(?:\s+(?:himself|herself|themselves|itself))?"
_APPOS = r"(?:,\s*(?P<appos>[^,“”\"«»]{2,90}?),?)?"
# Words that may stand between a verb and its subject ("opina en cambio Sergi Roca").
_BETWEEN = (
    r"(?:\s+(?:en cambio|además|también|por su parte|weiter|auch|ebenfalls|aussi|encore"
    r"|pour sa part|de son côté|then|later))?"
)
# "Jane Roe, the mayor, said" at the end of the text before a quote or after it.
# "Judge Ann Lee of the U.S. District Court for Oregon wrote"
_OF_ORG = rf"(?P<of>\s+(?:of|at|from)\s+(?:the\s+)?{_ORG})?"
SUBJ_CUE = re.compile(rf"(?<![\w’'-]){_SUBJECT}{_OF_ORG}{_REFLEXIVE}{_APPOS},?\s+{_AUX}{_CUE}\b")
# "said Jane Roe, the mayor" right after a quote.
CUE_SUBJ = re.compile(
    rf"^\s*{_AUX}{_CUE}{_BETWEEN}\s+{_SUBJECT}(?:,\s*(?P<appos>[^,“”\"«»]{{2,90}}?)(?:,|\.|$))?"
)
ACCORDING = re.compile(
    rf"(?<![\w’'-])(?P<cue>[Aa]ccording to|[Ss]egún|[Ss]elon|[Ll]aut|[Zz]ufolge)\s+{_SUBJECT}"
)
# Verb before the name inside a sentence ("…, sagte Trump am Montag:", "explica Juan Pérez"):
# only a name (with its title) counts as the subject here.
_VERB_FIRST = FOREIGN_CUES | {"said", "says", "added", "adds", "wrote", "writes"}
_VERB_FIRST_CUE = (
    "(?P<cue>" + "|".join(re.escape(c) for c in sorted(_VERB_FIRST, key=len, reverse=True)) + ")"
)
VERB_NAME = re.compile(
    rf"(?<![\w’'-]){_VERB_FIRST_CUE}{_BETWEEN}\s+(?P<subject>(?:(?:{TITLE_RE})\s+)?{NAME})"
    rf"(?:,\s*(?P<appos>[^,“”\"«»]{{2,90}}?)(?:,|\.|$))?"
)
# A definite description after a foreign verb ("añade el investigador", "so der Minister").
FOREIGN_DESCRIBED = re.compile(
    rf"^\s*{_VERB_FIRST_CUE}{_BETWEEN}\s+(?P<subject>(?:el|la|le|der|die|das)\s+[a-zà-ÿß-]{{3,}})\b"
)
# The same description before its verb ("El investigador asegura que …").
DESCRIBED_VERB = re.compile(
    rf"(?:^|[.;:]\s+)(?P<subject>(?:El|La|Le|Der|Die)\s+[a-zà-ÿß-]{{3,}})\s+{_VERB_FIRST_CUE}\b"
)
# Any cue word at all (a sentence whose subject is a name and which has one of these).
ANY_CUE = re.compile(rf"(?<![\w’'-]){_CUE}(?![\w’'-])")
# "Roe recalls him saying": the one heard is the speaker.
HEARD = re.compile(
    r"\b(?P<cue>recalls?|recalled|remembers?|remembered|heard|quoted)\s+"
    rf"(?P<subject>him|her|them|{NAME})\s+(?:as\s+)?(?:saying|say)\b"
)
DASH_ATTRIB = re.compile(rf"^\s*[—–-]+\s*(?P<subject>(?:[A-Z][\w.]*\s+)*{NAME})")
# A subject right after one of these words is part of a longer phrase ("close to the
# Murdochs said", "at the Film Festival, the director says").
_PREPOSITION_BEFORE = re.compile(
    r"(?:\b(?:to|of|for|at|from|with|by|about|on|in|into|than|like|against|near|over|under"
    r"|behind|between|among|during|after|before|en|de|del|al|con|por|para|dans|du|des|aux"
    r"|avec|von|vom|aus|bei|mit|nach|im|zum|zur|für)|\d(?:st|nd|rd|th)?|&)\s*$",
    re.I,
)


def subject_cues(clause: str) -> list[re.Match[str]]:
    """SUBJ_CUE matches with a subject, skipping subjects inside a longer phrase; after such
    a phrase the search goes on from its appositive ("According to the Times, Roe said")."""
    found: list[re.Match[str]] = []
    pos = 0
    while (match := SUBJ_CUE.search(clause, pos)) is not None:
        if not match.group("subject"):
            pos = match.end()
        elif preceded_by_preposition(clause, match):
            appos = match.start("appos") if match.group("appos") else -1
            pos = appos if appos > match.start() else match.end()
        else:
            found.append(match)
            pos = match.end()
    return found


# "She remembers Ailes's reply:" just before a quotation: Ailes speaks.
REPLY = re.compile(
    rf"(?<![\w’'-])(?P<subject>(?:(?:{TITLE_RE})\s+)?{NAME})(?:'s|’s)\s+(?:\w+\s+)?"
    r"(?P<cue>reply|response|answer|retort|words|message|comment|verdict)\s*:?\s*$"
)
# "…, calling the ruling “…”", "…, saying:": the sentence's subject speaks.
PARTICIPLE = re.compile(
    r"(?:^|,\s*|\s(?:and|while|before|after)\s+)(?P<cue>calling|telling|saying|writing|adding"
    r"|describing|noting|arguing|warning|declaring|insisting|posting|tweeting|vowing"
    r"|promising|urging|accusing|blasting|slamming)\b"
)
# Party and state after a US politician's name: "(R-Fla.)", ", D-Ore.,".
AFFILIATION = re.compile(
    r"\s\((?:[RDI]|Ind)\s?-\s?[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?\)"
    r"|,\s(?:[RDI])-[A-Z][A-Za-z.]*(?:\s[A-Z][a-z][A-Za-z.]*)?(?=[,.;:]|\s|$)"
)


def mask_affiliations(text: str, keep: list[tuple[int, int]]) -> str:
    """Party affiliations outside the `keep` ranges blanked to spaces (same length), so
    "said Sen. Jane Roe, D-Ore., the sponsor" reads "said Sen. Jane Roe, the sponsor"."""
    if "-" not in text:
        return text
    out = text
    for match in AFFILIATION.finditer(text):
        start, end = match.span()
        if any(a < end and start < b for a, b in keep):
            continue
        if match.group(0).startswith(","):
            fill = "," + " " * (end - start - 1)
            if end < len(text) and text[end] == ",":
                fill, end = "," + " " * (end - start), end + 1
            elif match.group(0).endswith("."):
                fill = "." + " " * (end - start - 1)
        else:
            fill = " " * (end - start)
        out = out[:start] + fill + out[end:]
    return out


def preceded_by_preposition(clause: str, match: re.Match[str]) -> bool:
    """Does a preposition (or a number or "&") stand right before the match's subject?"""
    start = match.start("subject")
    before = clause[max(0, start - 30) : start]
    before = re.sub(r"(?:\b[Tt]he\s+)$", "", before)
    return bool(_PREPOSITION_BEFORE.search(before))


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
    r"|press release|memo|letter|lawsuit|complaint|court papers|filing|documents?)\b",
    re.I,
)
_SPEECH = re.compile(
    r"\b(?:told reporters|reporters|rally|speech|briefing|news conference|press conference|"
    r"interview|remarks|address|hearing|testified|podcast|on (?:CNN|Fox|MSNBC|NBC|ABC|CBS)|"
    r"told|tells|after the (?:game|match|race|fight|loss|win|defeat|victory)|postgame|"
    r"post-match|post-game|meeting|conference|conversation)\b",
    re.I,
)
_SOCIAL_POST = re.compile(r"\b[Ii]n an? (?:social[- ]media )?post\b")
_SOCIAL_CUES = {"tweeted", "tweets", "posted", "posts", "retweeted", "retweets"}


def appos_role(appos: str | None) -> str | None:
    """The role an appositive gives ("Jane Roe, the mayor, said"); none for an age."""
    if not appos:
        return None
    text = appos.strip()
    if re.fullmatch(r"\d+|\d+\s*years?\s*old", text):
        return None
    text = re.sub(r"^(?:the|a|an|who is(?: the| a| an)?)\s+", "", text, flags=re.I)
    return text or None


def cue_phrase(cue: str | None, clause: str) -> str | None:
    if cue is None:
        return None
    lower = cue.lower()
    if re.search(r"\bin a (?:written )?statement\b", clause, re.I) and lower in ("said", "says"):
        return "in a statement"
    return lower


def platform(clause: str, cue: str | None) -> str | None:
    if not clause:
        return None
    for pattern, name in PLATFORMS:
        if pattern.search(clause):
            return name
    if cue in ("tweeted", "tweets", "retweeted", "retweets"):
        return "twitter"
    return None


def channel(clause: str, cue: str | None, platform: str | None) -> Channel:
    if platform is not None or (cue or "") in _SOCIAL_CUES or _SOCIAL_POST.search(clause):
        return "social"
    if cue is None:
        return "unknown"
    if _STATEMENT.search(clause) or cue == "in a statement":
        return "statement"
    if _SPEECH.search(clause):
        return "speech"
    return "unknown"
