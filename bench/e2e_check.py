"""End-to-end accuracy of `quotecheck check` on news-style articles written at run time.

Mimics the held-back evaluation: the real tweets and White House transcripts of
../shared/data are imported (a fixed ~2% of tweets and of White House documents held out:
the "not found" citations), a few real tweets are re-imported with status ``deleted``
through the originals JSONL format, then articles are written around real tweets and real
transcript passages picked with a seeded RNG (headline, byline, dateline, 1–4 citations in
varied attribution styles, tweet embeds, date hints, scare quotes, "Follow X on Twitter"
lines) and each is run through the real path, ``bot.pipeline.check_source`` with no
network (embeds are not resolved). Every planted citation is compared with its labels.

    .venv/bin/python bench/e2e_check.py [--articles 120] [--seed 1] [--cache DIR] [--reuse]
                                        [--show N] [--keep DIR]

The first run imports everything into ``DIR/store.db`` (a few minutes); ``--reuse`` starts
from that file again (copied, so runs never change it). Nothing real is written into the
project; ``--keep DIR`` keeps the generated articles and the labels for a look. Prints each
field's accuracy per case, and the precision and recall of attribution "mismatch" on tweets
and on transcripts.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import random
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.match.normalize import words  # noqa: E402
from bot.originals.importers import import_file  # noqa: E402
from bot.pipeline import check_source  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
TWEETS = DATA / "tweets"
STATEMENTS = DATA / "statements"
EASTERN = ZoneInfo("America/New_York")
HOLDOUT_VERSION = "1"  # change when the hold-out rule below changes (the cache is rebuilt)
MONTHS = [
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ADJECTIVES = {
    "great": "terrible",
    "big": "small",
    "strong": "weak",
    "good": "bad",
    "best": "worst",
    "new": "old",
    "important": "minor",
    "historic": "modest",
    "safe": "dangerous",
    "proud": "ashamed",
    "critical": "trivial",
    "clear": "murky",
}


def held_tweet(post_id: str) -> bool:
    return zlib.crc32(post_id.encode()) % 50 == 7


def held_document(doc_id: str) -> bool:
    return zlib.crc32(doc_id.encode()) % 50 == 3


# -- the store -------------------------------------------------------------------------------


def _tweet_files() -> list[Path]:
    return sorted(TWEETS.glob("*.jsonl")) + sorted(
        (TWEETS / "trump_2009_2017_condensed").glob("*.json")
    )


def _statement_files() -> list[Path]:
    return sorted(STATEMENTS.glob("*.jsonl*"))


def _read_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        yield from handle


def build_store(cache: Path) -> None:
    """Import the shared data minus the held-out part into cache/store.db, and write the
    normalised corpus (one original a line) used to check that a planted quote is unique."""
    cache.mkdir(parents=True, exist_ok=True)
    inputs = cache / "inputs"
    inputs.mkdir(exist_ok=True)
    store = cache / "store.db"
    store.unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{store}")
    db.upgrade(engine)
    corpus = (cache / "corpus.txt").open("w", encoding="utf-8")
    started = time.perf_counter()
    for path in _tweet_files() + _statement_files():
        out = inputs / path.name.removesuffix(".gz")
        if path.suffix == ".json":
            rows = [
                r
                for r in json.loads(path.read_text(encoding="utf-8"))
                if not held_tweet(r["id_str"])
            ]
            out.write_text(json.dumps(rows), encoding="utf-8")
            texts = [r["text"] for r in rows]
        else:
            texts = []
            is_tweet = path.parent == TWEETS
            with out.open("w", encoding="utf-8") as kept:
                for line in _read_lines(path):
                    row = json.loads(line)
                    if (held_tweet if is_tweet else held_document)(str(row["id"])):
                        continue
                    kept.write(line if line.endswith("\n") else line + "\n")
                    texts.append(row["text"])
        for text in texts:
            corpus.write(" ".join(words(text)) + "\n")
        summary = import_file(engine, out)
        print(
            f"  {path.name}: {summary.added} added, {summary.passages} passages "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        out.unlink()
    corpus.close()
    engine.dispose()
    (cache / "VERSION").write_text(HOLDOUT_VERSION)


# -- picking real material -------------------------------------------------------------------


@dataclass
class Source:
    """A real tweet or transcript passage to cite."""

    kind: str  # tweet | passage
    ident: str  # tweet id, or White House document id
    text: str  # the words said (a tweet's text, a turn's text)
    speaker: str  # full name
    when: datetime
    held: bool
    handle: str | None = None
    url: str | None = None
    title: str | None = None


_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")
_TURN = re.compile(
    r"^\s*(?:\*\*)?(?:([A-Z][A-Z.'’\- ]{1,40}[A-Z.])(?:\*\*)?:|(Q)(?:\*\*)?(?::|\s+(?=\S)))",
    re.MULTILINE,
)
_OFFICIALS = {
    "MS. PSAKI": "Jen Psaki",
    "MS. JEAN-PIERRE": "Karine Jean-Pierre",
    "MS. LEAVITT": "Karoline Leavitt",
    "THE PRESIDENT": None,  # the holder on that date
    "THE VICE PRESIDENT": None,
}
# Officials whose turns are labelled by a title and the surname only, and whose briefing
# title often does not name them: an article names them in full.
_TITLED = {
    "MR. ZIENTS": "Jeff Zients",
    "DR. FAUCI": "Anthony Fauci",
    "DR. WALENSKY": "Rochelle Walensky",
    "ACTING ADMINISTRATOR SLAVITT": "Andy Slavitt",
    "SURGEON GENERAL MURTHY": "Vivek Murthy",
    "MR. SULLIVAN": "Jake Sullivan",
    "MR. KIRBY": "John Kirby",
    "SECRETARY MAYORKAS": "Alejandro Mayorkas",
    "MR. DEESE": "Brian Deese",
}
_OFFICIALS.update(_TITLED)


def clean(text: str) -> str:
    text = html.unescape(_URL.sub("", text))
    text = text.replace("\u201c", "\u2018").replace("\u201d", "\u2019").replace('"', "\u2019")
    return " ".join(text.split())


def _holder(label: str, when: datetime) -> str:
    day = when.astimezone(EASTERN).date()
    if label == "THE PRESIDENT":
        return "Joe Biden" if day < date(2025, 1, 20) else "Donald J. Trump"
    return "Kamala Harris" if day < date(2025, 1, 20) else "JD Vance"


def load_tweets() -> list[Source]:
    found: list[Source] = []
    names = {"realDonaldTrump": "Donald J. Trump", "JoeBiden": "Joe Biden"}
    for path in sorted(TWEETS.glob("*.jsonl")):
        for line in _read_lines(path):
            row = json.loads(line)
            if row.get("is_retweet") or row["text"].startswith("RT @"):
                continue
            handle = row.get("screen_name")
            speaker = names.get(handle or "") or row.get("speaker_name")
            when = datetime.fromisoformat(row.get("time") or row["time_from_snowflake"])
            if not speaker or (handle == "realDonaldTrump" and when.year < 2018):
                continue
            found.append(
                Source(
                    "tweet", row["id"], row["text"], speaker, when, held_tweet(row["id"]), handle
                )
            )
    for year in (2015, 2016, 2017):  # the campaign and the first year in office
        path = TWEETS / "trump_2009_2017_condensed" / f"condensed_{year}.json"
        for row in json.loads(path.read_text(encoding="utf-8")):
            if row.get("is_retweet") or row["text"].startswith(("RT @", '"@')):
                continue
            when = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
            ident = row["id_str"]
            found.append(
                Source(
                    "tweet",
                    ident,
                    row["text"],
                    "Donald J. Trump",
                    when,
                    held_tweet(ident),
                    "realDonaldTrump",
                )
            )
    return found


def load_passages(rng: random.Random, per_file: int = 250) -> list[Source]:
    """Turns of named officials in briefings and remarks (a sample of documents per file)."""
    found: list[Source] = []
    for name in (
        "whitehouse_press_briefings.jsonl.gz",
        "whitehouse_speeches_remarks.jsonl.gz",
        "whitehouse_trump2025_briefings_statements.jsonl.gz",
    ):
        rows = [json.loads(line) for line in _read_lines(STATEMENTS / name)]
        held = [r for r in rows if held_document(r["id"])]
        kept = [r for r in rows if not held_document(r["id"])]
        sample = rng.sample(kept, min(per_file, len(kept))) + held
        for row in sample:
            when = datetime.fromisoformat(row["published_time"] or row["date"])
            if when.tzinfo is None:
                when = when.replace(tzinfo=EASTERN)
            text = row["text"]
            labels = list(_TURN.finditer(text))
            for i, label in enumerate(labels):
                who = (label.group(1) or label.group(2)).strip()
                if who not in _OFFICIALS:
                    continue
                end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
                body = text[label.end() : end].strip()
                body = (
                    re.sub(r"\n\s*\n.*$", "", body, flags=re.DOTALL) if len(body) > 1500 else body
                )
                if len(body.split()) < 25:
                    continue
                speaker = _OFFICIALS[who] or _holder(who, when)
                found.append(
                    Source(
                        "passage",
                        row["id"],
                        body,
                        speaker,
                        when,
                        held_document(row["id"]),
                        url=row.get("url"),
                        title=row.get("title"),
                    )
                )
    return found


_STATEMENT_TITLE = re.compile(
    r"^Statement (?:from|by) (?:White House )?(?:President|Press Secretary|Vice President) "
    r"(Joe Biden|Biden|Jen Psaki|Karine Jean-Pierre|Kamala Harris) on "
)
_FULL = {"Biden": "Joe Biden"}


def load_statements(rng: random.Random, count: int = 300) -> list[Source]:
    """Paragraphs of statements whose title names the official ("Statement from President…")."""
    rows = [
        json.loads(line)
        for line in _read_lines(STATEMENTS / "whitehouse_statements_releases.jsonl.gz")
    ]
    found: list[Source] = []
    for row in rng.sample(rows, len(rows)):
        match = _STATEMENT_TITLE.match(row["title"])
        if not match:
            continue
        paragraphs = [p for p in row["text"].split("\n\n") if len(p.split()) >= 25]
        if not paragraphs:
            continue
        when = datetime.fromisoformat(row["published_time"] or row["date"])
        if when.tzinfo is None:
            when = when.replace(tzinfo=EASTERN)
        found.append(
            Source(
                "statement",
                row["id"],
                rng.choice(paragraphs),
                _FULL.get(match.group(1), match.group(1)),
                when,
                held_document(row["id"]),
                url=row.get("url"),
                title=row["title"],
            )
        )
        if len(found) >= count:
            break
    return found


# -- articles --------------------------------------------------------------------------------


@dataclass
class Planted:
    """A citation written into an article, with its labels."""

    case: str
    source: Source
    fragments: tuple[str, ...]  # the words as the article shows them
    speaker_shown: str
    relation: str
    attribution: str
    status: str
    date_check: str
    hint: date | None = None
    embed: bool = False
    html: str = ""
    note: str = ""


@dataclass
class Built:
    name: str
    published: datetime
    html: str
    planted: list[Planted] = field(default_factory=list)


def surname(name: str) -> str:
    parts = [p for p in name.replace(".", "").split() if p not in ("Jr", "J")]
    return parts[-1]


def intro(source: Source, first: bool) -> str:
    """How an article names the speaker: full name with a title first, the surname after."""
    name = source.speaker
    if not first:
        if name == "Donald J. Trump":
            return "Trump"
        return surname(name)
    if source.kind != "tweet":
        if name in _TITLED.values():
            return name
        if name in ("Jen Psaki", "Karine Jean-Pierre", "Karoline Leavitt"):
            return f"White House press secretary {name}"
        if name == "Donald J. Trump":
            return "President Trump"
        return f"President {surname(name)}" if source.when.year >= 2021 else name
    if name == "Donald J. Trump":
        return "President Donald Trump" if source.when.year >= 2017 else "Donald Trump"
    if name == "Joe Biden":
        return "Joe Biden" if source.when.year < 2021 else "President Biden"
    return name


OTHERS = [
    ("House Speaker Nancy Pelosi", "Pelosi"),
    ("Senate Majority Leader Chuck Schumer", "Schumer"),
    ("Sen. Bernie Sanders", "Sanders"),
    ("Sen. Mitch McConnell", "McConnell"),
    ("Rep. Alexandria Ocasio-Cortez", "Ocasio-Cortez"),
]


def other_speaker(source: Source, rng: random.Random) -> str:
    """A real politician who did not say it."""
    if source.kind != "tweet":
        pool = [
            n
            for n in ("Jen Psaki", "Karine Jean-Pierre", "Karoline Leavitt")
            if n != source.speaker
        ]
        return f"White House press secretary {rng.choice(pool)}"
    choices = [full for full, _ in OTHERS]
    if source.speaker != "Joe Biden":
        choices.append("Joe Biden")
    if source.speaker != "Donald J. Trump":
        choices.append("President Donald Trump")
    return rng.choice(choices)


def hint_text(day: date, published: date, rng: random.Random, passage: bool) -> str:
    """A date hint as news writes it: "on Sept. 9", "on Tuesday", "Monday's briefing"."""
    delta = (published - day).days
    if 0 < delta < 6 and rng.random() < 0.5:
        weekday = DAYS[day.weekday()]
        return f"at {weekday}'s briefing" if passage else f"on {weekday}"
    return on_day(day, published)


def on_day(day: date, published: date) -> str:
    """ "on Sept. 9", with the year when it is not the last few months'."""
    year = f", {day.year}" if (published - day).days > 150 else ""
    return f"on {MONTHS[day.month - 1]} {day.day}{year}"


def _words(text: str) -> list[str]:
    return text.split()


def _cut(text: str, rng: random.Random, lo: int = 8, hi: int = 24) -> tuple[str, bool]:
    """A contiguous run of whole words (a sentence start half the time); True if it is all."""
    found = _words(text)
    if len(found) <= lo + 2:
        return " ".join(found), True
    size = rng.randint(lo, min(hi, len(found) - 1))
    starts = [0] + [i + 1 for i, w in enumerate(found[:-1]) if w.endswith((".", "!", "?"))]
    starts = [s for s in starts if s + size <= len(found)]
    start = (
        rng.choice(starts) if starts and rng.random() < 0.6 else rng.randint(0, len(found) - size)
    )
    return " ".join(found[start : start + size]), False


def _gapped(text: str, rng: random.Random) -> tuple[str, str] | None:
    found = _words(text)
    first, gap, second = rng.randint(5, 10), rng.randint(3, 12), rng.randint(5, 10)
    if first + gap + second > len(found):
        return None
    start = rng.randint(0, len(found) - first - gap - second)
    a = " ".join(found[start : start + first])
    b = " ".join(found[start + first + gap : start + first + gap + second])
    return a, b


def _alter(text: str, rng: random.Random) -> tuple[str, str] | None:
    """A cut with one change inside: a number, a dropped "not", a swapped adjective."""
    for _ in range(6):
        cut, _whole = _cut(text, rng, 10, 24)
        found = cut.split()
        inside = range(2, len(found) - 2)
        numbers = [i for i in inside if re.fullmatch(r"\$?\d[\d,]*%?[.,]?", found[i])]
        nots = [i for i in inside if found[i].lower() == "not"]
        adjectives = [i for i in inside if found[i].lower() in ADJECTIVES]
        if numbers:
            i = numbers[0]
            found[i] = re.sub(r"\d+", lambda m: str(int(m.group()) * 2 + 3), found[i], count=1)
            return " ".join(found), "number"
        if nots:
            del found[nots[0]]
            return " ".join(found), "not dropped"
        if adjectives:
            i = adjectives[0]
            found[i] = ADJECTIVES[found[i].lower()]
            return " ".join(found), "adjective"
    return None


def unique(corpus: str, text: str, *, count: int) -> bool:
    """The quote's words occur *count* times in the stored texts (0: every 6-word run absent)."""
    found = words(text)
    needle = " " + " ".join(found) + " "
    if count:
        return corpus.count(needle) == count
    runs = [found[i : i + 6] for i in range(0, max(1, len(found) - 5), 3)]
    return all((" " + " ".join(r) + " ") not in corpus for r in runs)


def comma_end(fragment: str) -> str:
    """News style: the quote's final period becomes a comma before the attribution."""
    stripped = fragment.rstrip()
    if stripped.endswith("."):
        return stripped[:-1] + ","
    if stripped.endswith(("!", "?", ",")):
        return stripped
    return stripped + ","


FILLER = [
    "The remarks came as lawmakers returned to Washington for a crowded week.",
    "Aides did not immediately respond to a request for comment.",
    "The comments drew swift reactions on both sides of the aisle.",
    "Critics called the plan a “gimmick,” while supporters said it was overdue.",
    "Several officials, speaking on condition of anonymity, described the mood as tense.",
    "The so-called “framework” has not yet been published.",
    "Polls show voters divided on the issue.",
]


def sentence(planted: Planted, rng: random.Random, shown: str, hint: str) -> str:
    """One paragraph carrying the citation, in one of several attribution styles."""
    frags = [html.escape(f) for f in planted.fragments]
    tweet = planted.source.kind == "tweet"
    if tweet:
        verbs = ["wrote on Twitter", "tweeted", "said in a tweet", "posted on Twitter"]
    elif planted.source.kind == "statement":
        verbs = ["said in a statement", "said in a written statement", "said"]
    else:
        verbs = [
            "told reporters",
            "said",
            "said at the White House",
            "told reporters at the briefing",
        ]
    verb = rng.choice(verbs)
    when = f" {hint}" if hint else ""
    if len(frags) == 2:
        a, b = comma_end(frags[0]), frags[1]
        return f"<p>“{a}” {shown} {verb}{when}. “{b}”</p>"
    q = frags[0]
    style = rng.randrange(4)
    if style == 0:
        return f"<p>“{comma_end(q)}” {shown} {verb}{when}.</p>"
    kind = planted.source.kind
    if style == 1:
        that = {"tweet": "in a tweet", "statement": "in a statement"}.get(kind, "at the briefing")
        return f"<p>{shown} said {that}{when} that “{q}”</p>"
    if style == 2:
        lead = {
            "tweet": f"In a post{when}, {shown} wrote",
            "statement": f"In a statement released{when}, {shown} said",
        }.get(kind, f"Speaking to reporters{when}, {shown} said")
        return f"<p>{lead}: “{q}”</p>"
    return f"<p>{shown} {verb}{when}: “{q}”</p>"


def embed_html(source: Source) -> str:
    handle = source.handle or "realDonaldTrump"
    display = source.speaker
    day = source.when.astimezone(UTC)
    stamp = f"{MONTHS[day.month - 1].rstrip('.')} {day.day}, {day.year}"
    text = html.escape(html.unescape(source.text))
    return (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">'
        f"{text}</p>&mdash; {html.escape(display)} (@{handle}) "
        f'<a href="https://twitter.com/{handle}/status/{source.ident}?ref_src=twsrc%5Etfw">'
        f"{stamp}</a></blockquote>\n"
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    )


# -- cases -----------------------------------------------------------------------------------

CASES = [
    "verbatim",
    "excerpt",
    "elided",
    "altered",
    "misattributed",
    "deleted",
    "not_found",
    "date_mismatch",
    "embed",
]


@dataclass
class Pools:
    tweets: list[Source]
    passages: list[Source]
    deleted: list[Source]
    corpus: str


def plant(case: str, pools: Pools, rng: random.Random, used: set[str]) -> Planted | None:
    """One citation of *case* from a random real source, or None when the pick does not fit."""
    passage = case not in ("verbatim", "embed", "deleted") and rng.random() < 0.4
    if case == "deleted":
        source = rng.choice(pools.deleted)
    else:
        pool = pools.passages if passage else pools.tweets
        held = case == "not_found"
        source = rng.choice([s for s in rng.sample(pool, 40) if s.held == held] or [pool[0]])
        if source.held != held:
            return None
    key = f"{source.ident}:{source.text[:40]}"
    if key in used:
        return None
    text = clean(source.text)
    if len(text.split()) < 10:
        return None
    status = "deleted" if case == "deleted" else "live"
    relation, attribution, note = "excerpt", "match", ""
    fragments: tuple[str, ...]
    if case == "verbatim":
        if len(text.split()) > 45:
            return None
        fragments, relation = (text,), "verbatim"
    elif case == "embed":
        fragments, relation = (text,), "verbatim"
    elif case == "elided":
        gapped = _gapped(text, rng)
        if gapped is None:
            return None
        fragments, relation = (
            (gapped if rng.random() < 0.5 else (f"{gapped[0]} … {gapped[1]}",)),
            "elided",
        )
    elif case == "altered":
        altered = _alter(text, rng)
        if altered is None:
            return None
        fragments, relation, note = (altered[0],), "altered", altered[1]
    else:
        cut, whole = _cut(text, rng)
        fragments = (cut,)
        relation = "verbatim" if whole else "excerpt"
    if len(fragments) == 1 and relation in ("verbatim", "excerpt") and rng.random() < 0.3:
        # Split by the attribution where a sentence ends: "…Kim," Trump wrote. "We will…"
        found = fragments[0].split()
        ends = [i + 1 for i, w in enumerate(found[:-3]) if i >= 2 and w.endswith((".", "!", "?"))]
        if ends:
            at = rng.choice(ends)
            fragments = (" ".join(found[:at]), " ".join(found[at:]))
    if case == "misattributed":
        attribution = "mismatch"
    if case == "not_found":
        relation, attribution, status = "none", "unknown", "unknown"
    # The quoted words must be this source's alone (or absent everywhere, for "not found").
    probe = " ".join(p for f in fragments for p in f.split(" … "))
    if case == "altered":
        probe = text
    parts = [p for f in fragments for p in f.split(" … ")] if relation == "elided" else [probe]
    if not all(unique(pools.corpus, part, count=0 if case == "not_found" else 1) for part in parts):
        return None
    if case != "not_found" and not unique(pools.corpus, text, count=1):
        return None
    used.add(key)
    return Planted(case, source, fragments, "", relation, attribution, status, "unknown", note=note)


def write_article(number: int, planted: list[Planted], rng: random.Random) -> Built:
    latest = max(p.source.when for p in planted)
    published = (latest + timedelta(hours=rng.randint(2, 60))).astimezone(EASTERN)
    pub_day = published.date()
    title = rng.choice(
        [
            "Washington braces for another week of budget fights",
            "White House defends its record as critics push back",
            "What they said: the week in quotes",
            "Lawmakers trade barbs over the administration's plans",
        ]
    )
    paragraphs = [rng.choice(FILLER)]
    seen: set[str] = set()
    for p in planted:
        day = p.source.when.astimezone(EASTERN).date()
        first = p.source.speaker not in seen
        if p.case == "misattributed":
            shown = other_speaker(p.source, rng)
        else:
            shown = intro(p.source, first)
            if p.source.handle and rng.random() < 0.15:
                shown = f"@{p.source.handle}"
            seen.add(p.source.speaker)
        p.speaker_shown = shown
        if p.embed:
            p.date_check = "match" if p.relation != "none" else "unknown"
            paragraphs.append(f"<p>{html.escape(shown)} posted on Twitter:</p>")
            paragraphs.append(embed_html(p.source))
        else:
            hint = ""
            if p.case == "date_mismatch":
                wrong = day - timedelta(days=rng.randint(3, 9))
                hint = on_day(wrong, pub_day)
                p.hint, p.date_check = wrong, "mismatch"
            elif rng.random() < 0.75 and p.relation != "none":
                hint = hint_text(day, pub_day, rng, p.source.kind == "passage")
                p.hint, p.date_check = day, "match"
            paragraphs.append(sentence(p, rng, html.escape(shown), hint))
        paragraphs.append(f"<p>{rng.choice(FILLER)}</p>")
    if rng.random() < 0.5:
        paragraphs.append("<p><em>Follow Jane Rivers on Twitter @janerivers.</em></p>")
    byline = rng.choice(["By Jane Rivers", "By Tom Ashby and Priya Nand", "By Staff Writer"])
    stamp = f"{MONTHS[pub_day.month - 1]} {pub_day.day}, {pub_day.year}"
    body = "\n".join(p if p.startswith("<") else f"<p>{p}</p>" for p in paragraphs)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title} | The Ledger</title>"
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<link rel=canonical href="https://ledger.example/{pub_day.isoformat()}/{number}">'
        f"</head><body><header><nav>Home · Politics · Opinion</nav></header><article>"
        f"<h1>{title}</h1><p class=byline>{byline}</p><p class=dateline>WASHINGTON — {stamp}</p>"
        f"{body}</article><footer>© The Ledger</footer></body></html>"
    )
    return Built(f"article-{number:04d}.html", published, page, planted)


# -- scoring ---------------------------------------------------------------------------------


def _overlap(planted: Planted, text: str) -> float:
    want = Counter(w for f in planted.fragments for w in words(f))
    got = Counter(words(text))
    return sum((want & got).values()) / max(1, sum(want.values()))


def _same_original(planted: Planted, original: dict[str, Any] | None) -> bool:
    if original is None:
        return False
    if planted.source.kind == "tweet":
        return bool(original.get("post_id") == planted.source.ident)
    return bool(planted.source.url and original.get("url") == planted.source.url)


def score(planted: Planted, result: dict[str, Any] | None) -> list[str]:
    """Reasons the verdict is wrong (empty when right)."""
    if result is None:
        return ["extraction: citation not found in the article"]
    got = {
        "relation": result["relation"],
        "attribution": result["attribution"],
        "original_status": result["original_status"],
        "date_check": result["date_check"],
    }
    want = {
        "relation": planted.relation,
        "attribution": planted.attribution,
        "original_status": planted.status,
        "date_check": planted.date_check,
    }
    reasons = []
    citation = result["citation"]
    extracted_all = _overlap(planted, citation.get("text") or "") >= 0.999
    same = _same_original(planted, result.get("original"))
    for key in want:
        if got[key] == want[key]:
            continue
        why = f"{key} {got[key]} (want {want[key]})"
        if key == "relation" and not extracted_all:
            why += f": extraction: fragments {citation.get('fragments')}"
        elif key in ("relation", "original_status") and planted.relation != "none" and not same:
            original = result.get("original")
            chosen = (original or {}).get("post_id")
            why += f": retrieval/choice: got {chosen}"
        elif key == "attribution" and citation.get("kind") == "quote":
            why += f": speaker {citation.get('speaker')!r} (shown {planted.speaker_shown!r})"
        elif key == "date_check" and citation.get("kind") == "quote":
            want_hint = planted.hint.isoformat() if planted.hint else None
            if citation.get("date_hint") != want_hint:
                why += f": extraction: date_hint {citation.get('date_hint')} (want {want_hint})"
        reasons.append(why)
    return reasons


def pair(planted: list[Planted], results: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """The result each planted citation became (by post id for embeds, by shared words else)."""
    taken: set[int] = set()
    out: list[dict[str, Any] | None] = []
    for p in planted:
        best, best_score = None, 0.5
        for i, r in enumerate(results):
            if i in taken:
                continue
            c = r["citation"]
            if p.embed:
                s = 2.0 if c.get("kind") == "embed" and c.get("post_id") == p.source.ident else 0.0
            elif c.get("kind") == "embed":
                s = 0.0
            else:
                s = _overlap(p, c.get("text") or "")
            if s > best_score:
                best, best_score = i, s
        if best is not None:
            taken.add(best)
        out.append(results[best] if best is not None else None)
    return out


# -- main ------------------------------------------------------------------------------------


def _offline(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"offline benchmark: no request to {request.url}")


async def run_checks(folder: Path, built: list[Built], database: Path) -> list[dict[str, Any]]:
    settings = Settings(database_url=f"sqlite:///{database}")
    engine = db.make_engine(settings.database_url)
    out = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(_offline)) as client:
        for article in built:
            path = folder / article.name
            path.write_text(article.html, encoding="utf-8")
            result = await check_source(
                str(path),
                settings=settings,
                engine=engine,
                client=client,
                now=datetime.now(UTC),
                resolve=False,
            )
            out.append(result.to_json())
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "quotecheck-e2e"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the cached import")
    parser.add_argument("--show", type=int, default=30, help="failures to list")
    parser.add_argument("--keep", type=Path, help="keep the articles and labels here")
    args = parser.parse_args()
    if not TWEETS.is_dir() or not STATEMENTS.is_dir():
        sys.exit(f"real data not found under {DATA}")
    cache: Path = args.cache
    fresh = not (
        args.reuse
        and (cache / "store.db").is_file()
        and (cache / "VERSION").is_file()
        and (cache / "VERSION").read_text() == HOLDOUT_VERSION
    )
    if fresh:
        print(f"importing the shared data into {cache}/store.db …", flush=True)
        build_store(cache)
    rng = random.Random(args.seed)
    corpus = " " + (cache / "corpus.txt").read_text(encoding="utf-8").replace("\n", " \n ") + " "
    tweets = load_tweets()
    passages = load_passages(rng) + load_statements(rng)
    live_tweets = [t for t in tweets if not t.held]
    deleted = rng.sample(live_tweets, 60)
    deleted_ids = {t.ident for t in deleted}
    tweets = [t for t in tweets if t.ident not in deleted_ids]
    pools = Pools(tweets, passages, deleted, corpus)
    print(
        f"{len(tweets)} tweets ({sum(t.held for t in tweets)} held out), {len(passages)} "
        f"passages ({sum(p.held for p in passages)} held out)",
        flush=True,
    )

    built: list[Built] = []
    used: set[str] = set()
    for number in range(args.articles):
        planted: list[Planted] = []
        for _ in range(rng.randint(1, 4)):
            case = rng.choice(CASES)
            for _attempt in range(30):
                p = plant(case, pools, rng, used)
                if p is not None:
                    break
            else:
                continue
            if (
                case == "embed"
                or (case == "deleted" and rng.random() < 0.3)
                or (case == "not_found" and p.source.kind == "tweet" and rng.random() < 0.3)
            ):
                p.embed = True
                p.fragments = (clean(p.source.text),)
                p.relation = "verbatim" if case != "not_found" else "none"
            planted.append(p)
        if planted:
            built.append(write_article(number, planted, rng))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        database = Path(tmp) / "work.db"
        shutil.copyfile(cache / "store.db", database)
        marks = Path(tmp) / "deleted.jsonl"
        with marks.open("w", encoding="utf-8") as out:
            for t in deleted:
                record = {
                    "platform": "twitter",
                    "post_id": t.ident,
                    "url": f"https://twitter.com/{t.handle or 'i/web'}/status/{t.ident}",
                    "author_name": t.speaker if not t.handle else None,
                    "author_handle": t.handle,
                    "posted_at": t.when.isoformat(),
                    "text": t.text,
                    "kind": "post",
                    "status": "deleted",
                }
                out.write(json.dumps(record) + "\n")
        engine = db.make_engine(f"sqlite:///{database}")
        summary = import_file(engine, marks)
        engine.dispose()
        print(f"deleted marks: {summary.updated} updated, {summary.added} added", flush=True)
        started = time.perf_counter()
        results = asyncio.run(run_checks(folder, built, database))
        elapsed = time.perf_counter() - started
        if args.keep:
            labels = [
                {
                    "article": b.name,
                    "planted": [
                        {
                            "case": p.case,
                            "id": p.source.ident,
                            "fragments": p.fragments,
                            "speaker": p.speaker_shown,
                            "relation": p.relation,
                            "attribution": p.attribution,
                            "original_status": p.status,
                            "date_check": p.date_check,
                        }
                        for p in b.planted
                    ],
                }
                for b in built
            ]
            (folder / "labels.json").write_text(json.dumps(labels, indent=1), encoding="utf-8")

    fields = ("relation", "attribution", "original_status", "date_check")
    right: dict[tuple[str, str], int] = defaultdict(int)
    total: Counter[str] = Counter()
    failures: list[str] = []
    reasons: Counter[str] = Counter()
    for article, result in zip(built, results, strict=True):
        paired = pair(article.planted, result["results"])
        for p, r in zip(article.planted, paired, strict=True):
            kind = (
                ("embed " if p.embed else "")
                + p.case
                + (f" ({p.source.kind})" if p.source.kind != "tweet" else "")
            )
            category = p.case
            total[category] += 1
            problems = score(p, r)
            for name in fields:
                if (
                    r is not None
                    and r[name if name != "original_status" else "original_status"]
                    == {
                        "relation": p.relation,
                        "attribution": p.attribution,
                        "original_status": p.status,
                        "date_check": p.date_check,
                    }[name]
                ):
                    right[(category, name)] += 1
            if problems:
                for problem in problems:
                    reasons[_reason_class(problem)] += 1
                failures.append(
                    f"{article.name} {kind} [{p.source.ident[:60]}] "
                    f"“{' … '.join(p.fragments)[:90]}” — {p.speaker_shown}\n      "
                    + "\n      ".join(problems)
                )
    cites = sum(total.values())
    print(
        f"{len(built)} articles, {cites} citations, "
        f"{1000 * elapsed / len(built):.0f} ms per article"
    )
    print(f"{'case':16}{'n':>5}" + "".join(f"{f:>17}" for f in fields))
    for category in CASES:
        n = total[category]
        if n:
            print(
                f"{category:16}{n:>5}"
                + "".join(f"{right[(category, f)] / n:>17.3f}" for f in fields)
            )
    print(
        f"{'overall':16}{cites:>5}"
        + "".join(f"{sum(right[(c, f)] for c in CASES) / cites:>17.3f}" for f in fields)
    )
    exact = cites - len(failures)
    print(f"all four fields right: {exact}/{cites} ({exact / cites:.3f})")
    _print_mismatch(built, results)
    print("failure causes:", dict(reasons.most_common()))
    for line in failures[: args.show]:
        print("  ", line)


def _print_mismatch(built: list[Built], results: list[dict[str, Any]]) -> None:
    """Precision and recall of attribution "mismatch", on tweets and on transcripts."""
    said: Counter[tuple[str, bool]] = Counter()  # (kind, planted mismatch) where said
    planted_count: Counter[str] = Counter()
    for article, result in zip(built, results, strict=True):
        for p, r in zip(article.planted, pair(article.planted, result["results"]), strict=True):
            kind = "tweets" if p.source.kind == "tweet" else "transcripts"
            truth = p.attribution == "mismatch"
            planted_count[kind] += truth
            if r is not None and r["attribution"] == "mismatch":
                said[(kind, truth)] += 1
    for kind in ("tweets", "transcripts"):
        right, wrong = said[(kind, True)], said[(kind, False)]
        precision = right / (right + wrong) if right + wrong else 1.0
        recall = right / planted_count[kind] if planted_count[kind] else 1.0
        print(
            f"mismatch on {kind}: precision {precision:.3f} ({right}/{right + wrong}), "
            f"recall {recall:.3f} ({right}/{planted_count[kind]})"
        )


def _reason_class(problem: str) -> str:
    if problem.startswith("extraction"):
        return "extraction: citation missed"
    for marker in ("extraction: fragments", "extraction: date_hint", "retrieval/choice", "speaker"):
        if marker in problem:
            return f"{problem.split(' ')[0]}: {marker}"
    return f"{problem.split(' ')[0]}: matcher"


if __name__ == "__main__":
    main()
