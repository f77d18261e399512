"""People in an article: names as first introduced, their roles, and what later surnames,
honorifics and pronouns refer to. Pure; one :class:`Cast` is built per article, in order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles that may stand before a name; the longest first so "Vice President" beats "President".
TITLES = (
    "Vice President",
    "President",
    "President-elect",
    "Prime Minister",
    "Foreign Minister",
    "Minister",
    "Attorney General",
    "Secretary of State",
    "Secretary",
    "Press Secretary",
    "Chancellor",
    "Senator",
    "Sen.",
    "Representative",
    "Rep.",
    "Congressman",
    "Congresswoman",
    "Governor",
    "Gov.",
    "Lt. Gov.",
    "Mayor",
    "Speaker",
    "Leader",
    "Judge",
    "Justice",
    "Chief Justice",
    "Dr.",
    "Dr",
    "Prof.",
    "Professor",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Miss",
    "Sir",
    "Dame",
    "Lord",
    "First Lady",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Pope",
    "Gen.",
    "General",
    "Col.",
    "Colonel",
    "Lt.",
    "Capt.",
    "Captain",
    "Sgt.",
    "Adm.",
    "Admiral",
    "Ambassador",
    "Chairman",
    "Chairwoman",
    "Chair",
    "Commissioner",
    "Sheriff",
    "Chief",
    "Coach",
    "Rev.",
    "Reverend",
    "Rabbi",
    "Father",
    "Sister",
    "Detective",
    "Officer",
    "Deputy",
    "Mme",
    "M.",
    "Herr",
    "Frau",
    "Sr.",
    "Sra.",
    "Dra.",
)
TITLE_RE = "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
MALE_TITLES = {
    "M.",
    "Herr",
    "Sr.",
    "Mr.",
    "Mr",
    "Sir",
    "Lord",
    "King",
    "Prince",
    "Congressman",
    "Father",
    "Chairman",
}
FEMALE_TITLES = {
    "Mme",
    "Frau",
    "Sra.",
    "Dra.",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Miss",
    "Dame",
    "First Lady",
    "Queen",
    "Princess",
    "Congresswoman",
    "Sister",
    "Chairwoman",
}
# Lower-case words that may make up a role right before a name ("press secretary Sarah Sanders").
ROLE_WORDS = words(
    """
    farmer supervisor airman airwoman
    press secretary deputy assistant chief executive officer spokesperson spokesman
    spokeswoman leader director minister senator president vice former general attorney
    manager founder co-founder analyst professor economist chairman chairwoman chair
    head commissioner governor mayor state foreign defense defence prime communications
    adviser advisor aide senior national security lawyer coach captain star actor
    actress singer rapper player striker midfielder goalkeeper defender author writer
    journalist reporter editor host anchor researcher scientist doctor surgeon nurse
    economist strategist pollster candidate nominee lawmaker representative congressman
    congresswoman ambassador envoy official officer diplomat ceo cfo coo cto businessman
    businesswoman entrepreneur investor billionaire owner partner president-elect
    commander general colonel sergeant lieutenant agent inspector detective sheriff
    superintendent principal teacher student designer engineer developer consultant
    expert historian activist organizer organiser campaigner advocate chancellor counsel
    counselor counsellor secretary-general the party's company's team's club's union's
    group's
    """
)
ROLE_HEADS = words(
    """
    farmer supervisor airman airwoman
    secretary spokesperson spokesman spokeswoman leader director minister senator
    president chairman chairwoman chair head commissioner governor mayor adviser advisor
    aide lawyer coach captain star actor actress singer rapper player striker midfielder
    goalkeeper defender author writer journalist reporter editor host anchor researcher
    scientist doctor surgeon nurse economist strategist pollster candidate nominee
    lawmaker representative congressman congresswoman ambassador envoy official officer
    diplomat ceo cfo coo cto businessman businesswoman entrepreneur investor billionaire
    owner founder co-founder partner president-elect commander general colonel sergeant
    lieutenant agent inspector detective sheriff superintendent principal teacher
    student designer engineer developer consultant expert historian activist organizer
    organiser campaigner advocate chancellor counsel counselor counsellor secretary-
    general analyst manager executive filmmaker composer musician artist photographer
    novelist poet comedian
    """
)
FEMALE_ROLES = {"spokeswoman", "chairwoman", "congresswoman", "businesswoman", "actress"}
MALE_ROLES = {"spokesman", "chairman", "congressman", "businessman"}
FEMALE_NAMES = words(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa
    margaret betty sandra ashley dorothy kimberly emily donna michelle carol amanda
    melissa deborah stephanie rebecca laura sharon cynthia kathleen amy shirley angela
    helen anna brenda pamela nicole samantha katherine christine debra rachel catherine
    carolyn janet ruth maria heather diane virginia julie joyce victoria olivia kelly
    christina lauren joan evelyn judith megan cheryl andrea hannah martha jacqueline
    frances gloria ann teresa kathryn sara janice jean alice madison doris abigail julia
    judy grace denise amber marilyn beverly danielle theresa sophia marie diana brittany
    natalie isabella charlotte rose alexis kayla hillary kamala nancy melania ivanka
    ilhan alexandria elizabeth nikki kellyanne hope jen karine jane ella mia emma ava
    zoe chloe lucy holly greta angela theresa ursula jacinda marine giorgia lady
    gretchen megyn laurie suzanne nikole brigette judy kirsten kristen kirstie susanna
    susannah meghan megan kate katie kathy kathryn katharine caroline carolina claire
    clara claudia cristina daniela diana elena eleanor elisa eliza ellen emilia erica
    erika eva fiona francesca gabriela gabriella georgia gina hanna harriet ines irene
    isabel isabelle jana janet jeanne jenna jenny jessie jill joanna jodie josephine
    julia juliana julie karin katrin kerry kristin leah lena leslie lily linda lisa liz
    lorraine louise lucia luisa lydia maggie mara margarita margot maria mariana marina
    marta martina maya melanie mercedes michaela miriam molly monica nadia naomi natalia
    natasha nina nora olga paula pauline penelope petra phoebe pia priya rebekah regina
    renee rita roberta rosa rosie ruby sabine sabrina sally sandra sara serena sheila
    silvia simone sofia sonia sophie stella susan svetlana sylvia tamara tanya tara
    tatiana teresa tina tracy ursula valentina valerie vanessa vera veronica viktoria
    vivian wendy yolanda yvonne zara zoey beyonce oprah rihanna adele madonna
    ana carmen dolores pilar lucía maría sofía marta rocío beatriz inés begoña montserrat
    nuria marie-claire sylvie nathalie sandrine céline véronique brigitte françoise
    monique chantal élise hélène agnès ségolène annalena ursula angelika birgit ulrike
    heike sabine gabriele franziska katharina johanna greta ingrid astrid
    """
)
MALE_NAMES = words(
    """
    james robert john michael william david richard joseph thomas charles christopher
    daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian
    george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan
    stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
    raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter
    kyle walter ethan jeremy harold keith christian roger noah gerald carl terry sean
    austin arthur lawrence jesse dylan bryan joe jordan billy bruce albert willie
    gabriel logan alan juan wayne roy ralph randy eugene vincent russell elijah louis
    bobby philip johnny barack mike mitch chuck bernie ted marco rand lindsey kevin sean
    rudy boris emmanuel vladimir xi kim moon shinzo justin olaf rishi keir elon jeff
    bill tim sundar mark satya hunter beto pete tom ben sam max leo luke oliver harry
    jim bob tony steve dan matt chris nick rick ron greg
    roger rupert lachlan chet warren reince rudy rudolph newt dick colin antonin
    neil ian graham gordon hugh nigel clive trevor derek barry stuart malcolm duncan
    angus callum liam connor declan owen rhys gareth dylan evan finn jake josh luke
    marcus miles nathaniel oscar quentin rafael raul ricardo roberto rodrigo salvador
    sergio sergi santiago tomas tomás victor vincent xavier alberto alejandro andrés
    antonio carlos diego eduardo enrique felipe fernando francisco gonzalo guillermo
    ignacio javier jorge josé juan luis manuel marcelo mario miguel pablo pedro rafael
    álvaro jean pierre jacques françois michel philippe alain bernard christophe
    nicolas olivier laurent emmanuel éric thierry didier benoît gérard yves hans
    jürgen klaus wolfgang dieter helmut horst gerhard heinz karl friedrich markus
    stefan thomas uwe jens lars sven olaf frank-walter armin christian
    jonas lukas felix maximilian moritz niklas tobias florian sebastian matthias
    andreas giuseppe giovanni marco matteo luca alessandro lorenzo sergei dmitry
    vladimir alexei ivan igor mikhail yuri volodymyr viktor recep narendra rahul
    mohammed muhammad ahmed ali omar hassan hussein abdul yusuf benjamin yair naftali
    gustav anders magnus erik johan nils per jarl kristjan vinzenz johannes julian
    manuel fabian terence eric nolan damien justin ryan cyrus henry
    elliot ezra isaac jared kurt lance mitchell pat randall seth spencer travis wade
    """
)

FIRST_NAMES = FEMALE_NAMES | MALE_NAMES

_CAP = r"(?:[A-Z][A-Za-zà-ÿ'’\-]*[a-zà-ÿ]|[A-Z]\.|[A-Z]{2,}(?![a-z]))"
_PARTICLE = r"(?:de|da|del|della|di|van|von|der|den|bin|al|el|la|le|dos|du|ibn)"
NAME = rf"{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{0,4}}"
_MENTION = re.compile(rf"(?<![\w’'@-])(?=[A-Z])(?:(?P<title>{TITLE_RE})\s+)?(?P<name>{NAME})")

# Capitalised words that start sentences or name things other than people.
STOP_WORDS = words(
    """
    The A An In On At But And Or If When While As This That These Those It He She They
    We I You His Her Their Our Its My After Before During Since For With Without From To
    Of By According Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December Jan
    Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec Still Yet So Also Now Then Meanwhile
    However Later Earlier Last Next Speaking Asked Both Many Some Other Others Most
    Several Two Three One No Not Yes There Here What Who Why How Where Which Even Just
    Only Like Though Although Because Instead Indeed Despite Asked Under Over Among
    Between Through Into Upon Once Every Each All Any Such Should Would Could Will Can
    May Might Must Do Does Did Is Are Was Were Be Has Have Had Watch Follow Read Photo
    Image Credit Getty AP Reuters Updated Posted Published Related Sign Subscribe Share
    Click See More Mrs Mr Ms Dr Ask Perhaps Apparently Reportedly Eventually Finally
    Initially Privately Publicly Separately Meanwhile Afterward Afterwards Soon Today
    Yesterday Tonight Update UPDATE Editor's Note Via Tags
    Puis Mais Et Donc Alors Ainsi Pour Dans Selon Sur Avec Sans Le La Les Un Une Des Du Il
    Elle Ils Elles Nous Je On Ce Cette Ces Qui Que Quand Cependant Pourtant Enfin Depuis
    Pero Y En Para Según Con Sin El Los Las Una Él Ella Ellos Yo Como Cuando Donde Aunque
    Además También Tras Ante Desde Hasta Este Esta Estos Aber Und Doch Auch Denn Dann Nach
    Laut Die Der Das Ein Eine Einen Er Sie Es Wir Ich Mit Im Am Zum Zur Vom Bei Seit Wie
    Was Wer Als Bereits Zuletzt Noch Zwar Update Erstmeldung
    """
)
ORG_WORDS = words(
    """
    House Department University College Company Corp Corporation Inc Ltd LLC Group News
    Times Post Journal Party Committee Council Congress Senate Court Agency Association
    Institute Foundation Ministry Office Bank Airlines Press Reuters Twitter Facebook
    Instagram YouTube TikTok Google Apple Microsoft Amazon Korea America American States
    Union Republic Kingdom City County Street Center Centre Museum Church School Police
    Army Force Navy Club FC United Commission Administration Network Media Studios
    Records Games Service Services Security Nations Organization Organisation Federal
    National Democrats Republicans Democratic Republican Pentagon Kremlin Capitol Hall
    Square Park Hospital Television Radio Magazine Daily Herald Tribune Guardian
    Telegraph Society Fund Board Bureau Authority Government Parliament Assembly Cabinet
    Council Labour Labor Conservative Liberal Greens Coalition Alliance Project
    Initiative Summit War Act Bill Day Week Year Championship League Cup Festival Awards
    Award Prize Olympics World Series Island Islands Ocean Sea River Mountain Valley
    Airport Station Road Avenue Bridge Tower Building Palace Stadium Arena Hotel
    Restaurant Cafe Street Region Province State Coast North South East West Northern
    Southern Eastern Western Central Supreme Circuit District Trump's
    Theater Theatre Cinema Gallery Library Zoo
    """
)
PRONOUNS = {"he": "m", "him": "m", "she": "f", "her": "f", "they": None, "it": None}
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-zà-ÿ'’\-]*[a-zà-ÿ]\b")
_FEMALE_WORDS = re.compile(r"\b(?:[Ss]he|[Hh]er|[Hh]erself)\b")
_MALE_WORDS = re.compile(r"\b(?:[Hh]e|[Hh]is|[Hh]im|[Hh]imself)\b")


@dataclass
class Person:
    """Someone the article names, as first introduced."""

    name: str
    role: str | None = None
    gender: str | None = None  # "m", "f" or None when unknown
    office: str | None = None  # from a title before the name ("Sen." -> "Senator")
    last_seen: int = 0
    last_paragraph: int = -10
    count: int = 0


@dataclass
class Cast:
    """The people met so far in reading order; resolves surnames and pronouns to them."""

    people: list[Person] = field(default_factory=list)
    clock: int = 0
    by_token: dict[str, Person] = field(default_factory=dict)  # surname or first name
    # "@janeroe" -> "Sen. Jane Roe", as the article introduces a handle's owner.
    handles: dict[str, str] = field(default_factory=dict)
    paragraph: int = 0  # the paragraph being read
    last_speaker: Person | None = None

    def mention(self, phrase: str, role: str | None = None) -> Person | None:
        """Record a mention ("Sen. Jane Roe", "Roe", "Mr. Doe"); returns who it is."""
        parsed = parse_name(phrase)
        if parsed is None:
            return None
        name, title, gender = parsed
        person = self.lookup(name)
        if person is None:
            person = Person(name=name, role=role or _title_role(title), gender=gender)
            person.office = _title_role(title)
            self.people.append(person)
        else:
            person.office = person.office or _title_role(title)
            if len(name.split()) > len(person.name.split()) and person.name in name:
                person.name = name  # "Roe" first, "Jane Roe" later: keep the fuller form
            person.role = person.role or role or _title_role(title)
            person.gender = person.gender or gender
        self._seen(person)
        return person

    def _seen(self, person: Person) -> None:
        self.clock += 1
        person.last_seen = self.clock
        person.last_paragraph = self.paragraph
        tokens = person.name.split()
        self.by_token[tokens[-1]] = person
        self.by_token.setdefault(tokens[0], person)

    def named_in(self, text: str) -> list[Person]:
        """The known people a stretch of text names, in order (without marking them seen)."""
        named: list[Person] = []
        for match in _CAPITALISED.finditer(text):
            person = self.by_token.get(match.group(0))
            if person is not None and person not in named:
                named.append(person)
        return named

    def touch(self, text: str) -> list[Person]:
        """Note who a paragraph names by surname alone ("Rodgers shoved Suh"), in order;
        a lone person met with only "she"/"her" (or "he"/"his") around gets that gender."""
        met: list[Person] = []
        first_at = -1
        for match in _CAPITALISED.finditer(text):
            person = self.by_token.get(match.group(0))
            if person is not None:
                self._seen(person)
                if person not in met:
                    person.count += 1
                    met.append(person)
                    first_at = match.start() if first_at < 0 else first_at
        lone_subject = len(met) == 1 and not text[:first_at].strip()
        if lone_subject and met[0].gender is None:
            female = bool(_FEMALE_WORDS.search(text))
            male = bool(_MALE_WORDS.search(text))
            if female != male:
                met[0].gender = "f" if female else "m"
        return met

    def described(self, phrase: str) -> Person | None:
        """The person a definite description refers to ("the actress", "the former mayor"):
        the most recent one with that role word, else the most recent of the right gender."""
        head = phrase.split()[-1].lower()
        if head not in ROLE_HEADS:
            return None
        gender = "f" if head in FEMALE_ROLES else "m" if head in MALE_ROLES else None
        for person in sorted(self.people, key=lambda p: -p.last_seen):
            held = f"{person.role or ''} {person.office or ''}".lower()
            if head in held:
                self._seen(person)
                return person
        if re.search(r"(?:'s|’s)\s|\bown\b", phrase):
            return None  # "the state's election director": someone else's, unnamed
        # Otherwise the article's main figure: the most often named, first introduced first.
        ranked = sorted(
            self.people, key=lambda p: (-(gender is not None and p.gender == gender), -p.count)
        )
        for person in ranked:
            if gender is None or person.gender in (None, gender):
                self._seen(person)
                return person
        return None

    def recent(self) -> Person | None:
        """The person named last (the one a "the researcher adds" is about)."""
        if self.last_speaker is not None and self.last_speaker.last_paragraph >= self.paragraph - 1:
            return self.last_speaker
        return max(self.people, key=lambda p: p.last_seen, default=None)

    def lookup(self, name: str) -> Person | None:
        """The person a full name, a surname or a first name refers to, most recent first."""
        tokens = name.split()
        if len(tokens) == 1:
            same = [p for p in self.people if tokens[0] == p.name.split()[-1]]
            if len(same) > 1:  # "Murdoch" when Rupert and James Murdoch are both named
                return max(same, key=lambda p: (p.count, -self.people.index(p)))
        for person in sorted(self.people, key=lambda p: -p.last_seen):
            known = person.name.split()
            if person.name == name or (len(tokens) == 1 and tokens[0] in (known[-1], known[0])):
                return person
            if 1 < len(tokens) < len(known) and known[-len(tokens) :] == tokens:
                return person  # "De Iesu" for "Antonio De Iesu"
            if len(tokens) > 1 and tokens[-1] == known[-1] and len(known) == 1:
                return person
            same_first = tokens[0] == known[0] or (
                tokens[0].endswith(".") and known[0][0] == tokens[0][0]
            )
            if len(tokens) > 1 and len(known) > 1 and tokens[-1] == known[-1] and same_first:
                return person
        return None

    def pronoun(self, word: str) -> Person | None:
        """The most recent person a pronoun can refer to (by gender when it is known)."""
        gender = PRONOUNS.get(word.lower())
        last = self.last_speaker
        recent = sorted(self.people, key=lambda p: -p.last_seen)
        if gender is not None:
            # Someone of that gender named in this paragraph: the nearest such one.
            here = [p for p in recent if p.gender == gender and p.last_paragraph == self.paragraph]
            if here and (last is None or last.last_paragraph < self.paragraph or last in here):
                self._seen(here[0])
                return here[0]
        # The one just quoted, when named again in this paragraph or the one before.
        if (
            last is not None
            and last.last_paragraph >= self.paragraph - 1
            and (gender is None or last.gender in (None, gender))
        ):
            if gender and last.gender is None:
                last.gender = gender
            self._seen(last)
            return last
        candidates = sorted(self.people, key=lambda p: -p.last_seen)
        if gender is not None:
            # Someone known to be of that gender in this paragraph or the one before, over
            # names of unknown gender (often an organisation: "Big Machine").
            near = [p for p in candidates if p.gender == gender]
            near = [p for p in near if p.last_paragraph >= self.paragraph - 1]
            if near:
                self._seen(near[0])
                return near[0]
        for person in candidates:
            if gender is None or person.gender in (None, gender):
                if gender and person.gender is None:
                    person.gender = gender
                self._seen(person)
                return person
        return None


# "Sen. Jane Roe (@JaneRoe)", "Jane Roe, @JaneRoe," : a handle's owner named by the article.
HANDLE = r"@[A-Za-z0-9_]{1,30}(?![\w@])"
_HANDLE_OWNER = re.compile(
    rf"(?<![\w’'-])(?P<name>(?:(?:{TITLE_RE})\s+)?{NAME})\s*(?:\(\s*|,\s*)(?P<handle>{HANDLE})"
    r"\s*(?:\)|,)"
)


def handle_owners(text: str) -> list[tuple[str, str]]:
    """(handle, name) pairs the text introduces ("Sen. Jane Roe (@JaneRoe)")."""
    return [
        (m.group("handle").lower(), m.group("name"))
        for m in _HANDLE_OWNER.finditer(text)
        if parse_name(m.group("name")) is not None
    ]


def parse_name(phrase: str) -> tuple[str, str | None, str | None] | None:
    """(name, title, gender) from "Sen. Jane Roe"; None when it is not a person's name."""
    phrase = re.sub(r"\s+", " ", phrase.strip(" ,.;:")).removeprefix("the ").removeprefix("The ")
    title = None
    match = re.match(rf"(?:{TITLE_RE})(?=\s)", phrase)
    while match:
        title = match.group(0)
        phrase = phrase[match.end() :].strip()
        match = re.match(rf"(?:{TITLE_RE})(?=\s)", phrase)
    phrase = re.sub(r"(?:'s|’s)$", "", phrase)
    tokens = phrase.split()
    if not tokens or not tokens[0][:1].isupper():
        return None
    if tokens[0] in STOP_WORDS or any(t.strip(".,") in ORG_WORDS for t in tokens):
        return None
    gender = None
    if title in MALE_TITLES:
        gender = "m"
    elif title in FEMALE_TITLES:
        gender = "f"
    elif len(tokens) > 1:
        first = tokens[0].lower()
        gender = "f" if first in FEMALE_NAMES else "m" if first in MALE_NAMES else None
    return " ".join(tokens), title, gender


_HONORIFICS = {
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Sir",
    "Dame",
    "Mme",
    "M",
    "Herr",
    "Frau",
    "Sr",
    "Sra",
    "Dra",
}


def _title_role(title: str | None) -> str | None:
    if title is None or title.rstrip(".") in _HONORIFICS:
        return None
    return {"Sen.": "Senator", "Rep.": "Representative", "Gov.": "Governor"}.get(title, title)


def find_mentions(text: str) -> list[tuple[int, str, str | None]]:
    """Person mentions in running text: (offset, name phrase with title, role before it)."""
    found: list[tuple[int, str, str | None]] = []
    for match in _MENTION.finditer(text):
        if text[max(0, match.start() - 4) : match.start()].lower() == "the ":
            continue  # "the Little Monsters", "the Beatles": not a person
        if re.search(
            r"(?:\d(?:st|nd|rd|th)?|&)\s*$", text[max(0, match.start() - 6) : match.start()]
        ):
            continue  # "21st Century Fox", "Scott & Scott"
        name = match.group("name")
        if name.startswith("The ") and match.group("title") is None:
            continue
        tokens = name.split()
        # Drop sentence-initial capitalised words that are not names ("Still Jane Roe",
        # "Longtime Donald Trump") and role words ("CEO Jamie Dimon").
        while tokens and tokens[0].strip(".") in STOP_WORDS:
            tokens = tokens[1:]
        first_name = next(
            (i for i, t in enumerate(tokens) if t.lower() in FIRST_NAMES),
            0,
        )
        if 0 < first_name < len(tokens) - 1:
            tokens = tokens[first_name:]
        name, _ = split_role(" ".join(tokens))
        tokens = name.split()
        if not tokens or tokens[-1].lower() in ROLE_WORDS:
            continue
        title = match.group("title")
        if title is None and len(tokens) < 2:
            continue
        if any(t.strip(".,") in ORG_WORDS for t in tokens) or tokens[-1].endswith("."):
            if tokens[-1].endswith(".") and len(tokens) > 2:
                tokens = tokens[:-1]
            else:
                continue
        phrase = (f"{title} " if title else "") + " ".join(tokens)
        role = role_before(text, match.start()) if title is None else None
        found.append((match.start(), phrase, role))
    return found


def split_role(phrase: str) -> tuple[str, str | None]:
    """("Nicola Sturgeon", "Scotland's First Minister") from the whole phrase: the name is the
    run of capitalised words at the end that are neither role words nor possessives."""
    tokens = phrase.split()
    cut = len(tokens)
    while cut > 0:
        token = tokens[cut - 1]
        bare = token.strip(",")
        if (
            not bare[:1].isupper()
            or bare.lower() in ROLE_WORDS
            or bare.endswith(("'s", "’s"))
            or bare in TITLES
            or len(tokens) - cut >= 4
        ):
            break
        cut -= 1
    first = next((i for i in range(cut, len(tokens) - 1) if _first_name(tokens[i])), cut)
    if first > cut and not any(_first_name(t) for t in tokens[cut:first]):
        cut = first  # "Bürgermeisterin Greta Holm": a capitalised role before a first name
    if cut == len(tokens):
        return phrase, None
    role = " ".join(tokens[:cut]) or None
    if role in TITLES:
        role = _title_role(role)  # "Ms." is no role, "Sen." is "Senator"
    return " ".join(tokens[cut:]), role


def _first_name(token: str) -> bool:
    """A given name, or a hyphenated one that starts with one ("Eva-Marie")."""
    lower = token.lower()
    return lower in FIRST_NAMES or lower.split("-")[0] in FIRST_NAMES


def role_before(text: str, start: int) -> str | None:
    """The role phrase right before a name: "White House press secretary" in
    "White House press secretary Sarah Sanders"; None when the words there are no role."""
    words = text[max(0, start - 80) : start].split()
    role: list[str] = []
    for word in reversed(words):
        bare = word.strip(",;:()")
        if bare != word or not bare:
            break
        lower = bare.lower()
        if lower in ROLE_WORDS or (bare[:1].isupper() and lower not in _ARTICLES):
            role.insert(0, bare)
        else:
            break
        if len(role) >= 6:
            break
    while role and role[-1].lower() not in ROLE_HEADS:
        role.pop()  # the role must end with its head noun
    while role and role[0] in STOP_WORDS:
        role.pop(0)
    if not role or not any(w.lower() in ROLE_HEADS for w in role):
        return None
    return " ".join(role)


_ARTICLES = {"the", "a", "an", "and", "or", "of", "said", "says", "to", "by", "with"}
