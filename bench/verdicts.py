"""Verdict accuracy of the matcher on quotes built from real tweets (../shared/data).

Imports @realDonaldTrump's 2018–2021 tweets and @JoeBiden's 2019–2020 tweets into a fresh
SQLite file, holding back a random sample (the "not found" quotes), marks another sample as
deleted, then builds quotes of every kind from random tweets at run time and checks the
verdict of each: relation (and attribution for misattributed, status for deleted).

    .venv/bin/python bench/verdicts.py [--per-kind 60] [--seed 1]

Prints the accuracy per kind and overall, and the precision and recall of the
"misattributed" headline; nothing is written outside a temp folder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.extract.types import Quote  # noqa: E402
from bot.match.matcher import match_quote  # noqa: E402
from bot.match.normalize import words  # noqa: E402
from bot.models import Original  # noqa: E402
from bot.originals.importers import import_file  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "tweets"
FILES = {"Donald Trump": "trump_2018_2021.jsonl", "Joe Biden": "biden_2019_2020.jsonl"}
ZONES = ["America/New_York", "UTC"]
ADJECTIVES = {
    "great": "terrible",
    "big": "small",
    "strong": "weak",
    "good": "bad",
    "best": "worst",
    "new": "old",
    "high": "low",
}


def _usable(row: dict[str, str]) -> bool:
    text = row["text"]
    return (
        not row.get("is_retweet")
        and not text.startswith("RT ")
        and len(words(text)) >= 16
        and "\u2026" not in text[-3:]
    )


def _sentence_cut(text: str, rng: random.Random) -> str:
    found = text.split()
    size = rng.randint(8, min(20, len(found) - 2))
    start = rng.randint(0, len(found) - size)
    return " ".join(found[start : start + size])


def _elided(text: str, rng: random.Random) -> tuple[str, ...]:
    found = text.split()
    first = rng.randint(5, 8)
    gap = rng.randint(2, 6)
    second = rng.randint(5, 8)
    if first + gap + second > len(found):
        first, gap, second = 5, 2, 5
    a = " ".join(found[:first])
    b = " ".join(found[first + gap : first + gap + second])
    return (a, b) if rng.random() < 0.5 else (f"{a} \u2026 {b}",)


def _altered(text: str, rng: random.Random) -> str | None:
    found = _sentence_cut(text, rng).split()
    inside = range(1, len(found) - 1)  # a change at either end would just be a shorter cut
    numbers = [i for i in inside if re.fullmatch(r"\$?\d+[%,.]?", found[i])]
    adjectives = [i for i in inside if found[i].lower() in ADJECTIVES]
    nots = [i for i in inside if found[i].lower() == "not"]
    if numbers:
        i = numbers[0]
        found[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), found[i])
    elif nots:
        del found[nots[0]]
    elif adjectives:
        i = adjectives[0]
        found[i] = ADJECTIVES[found[i].lower()]
    else:
        i = rng.randrange(1, len(found) - 1)
        found[i] = "purple"  # a word changed
    return " ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print the wrong verdicts' texts")
    args = parser.parse_args()
    show = args.show
    if not SHARED.is_dir():
        sys.exit(f"real data not found at {SHARED}")
    rng = random.Random(args.seed)
    n = args.per_kind
    rows: dict[str, list[dict[str, str]]] = {}
    for speaker, name in FILES.items():
        rows[speaker] = [json.loads(line) for line in (SHARED / name).open(encoding="utf-8")]
    text_count = Counter(" ".join(words(r["text"])) for rs in rows.values() for r in rs)
    usable = {
        s: [r for r in rs if _usable(r) and text_count[" ".join(words(r["text"]))] == 1]
        for s, rs in rows.items()
    }
    # Held back: tweets none of whose 6-word runs appears in another tweet (a retyped copy
    # of a held-back tweet is still in the store, and "altered" is then the right answer).
    grams: Counter[tuple[str, ...]] = Counter()
    for rs in rows.values():
        for r in rs:
            w = words(r["text"])
            grams.update({tuple(w[i : i + 6]) for i in range(len(w) - 5)})

    def unique(r: dict[str, str]) -> bool:
        w = words(r["text"])
        return all(grams[tuple(w[i : i + 6])] == 1 for i in range(len(w) - 5))

    held = {r["id"] for r in rng.sample([r for r in usable["Donald Trump"] if unique(r)], n)}
    held |= {r["id"] for r in rng.sample([r for r in usable["Joe Biden"] if unique(r)], n // 3)}
    pool = {s: [r for r in rs if r["id"] not in held] for s, rs in usable.items()}
    deleted = rng.sample(pool["Donald Trump"], n)
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        db.upgrade(engine)
        started = time.perf_counter()
        for speaker, name in FILES.items():
            kept = Path(folder) / name
            with kept.open("w", encoding="utf-8") as out:
                for row in rows[speaker]:
                    if row["id"] not in held:
                        out.write(json.dumps(row) + "\n")
            import_file(engine, kept)
        with engine.begin() as connection:
            connection.execute(
                update(Original)
                .where(Original.post_id.in_([r["id"] for r in deleted]))  # type: ignore[attr-defined]
                .values(status="deleted")
            )
        print(f"imported in {time.perf_counter() - started:.1f} s", flush=True)

        Case = tuple[str, Quote, Callable[[object], bool]]
        cases: list[Case] = []

        def quote(fragments: tuple[str, ...] | str, speaker: str) -> Quote:
            parts = (fragments,) if isinstance(fragments, str) else fragments
            return Quote(text=" \u2026 ".join(parts), fragments=parts, speaker=speaker)

        def pick(speaker: str = "Donald Trump") -> dict[str, str]:
            return rng.choice(pool[speaker])

        for _ in range(n):
            speaker = rng.choice(list(FILES))
            r = pick(speaker)
            cases.append(
                ("verbatim", quote(r["text"], speaker), lambda v: v.relation == "verbatim")
            )
            r = pick(speaker)
            cases.append(
                (
                    "excerpt",
                    quote(_sentence_cut(r["text"], rng), speaker),
                    lambda v: v.relation in ("excerpt", "verbatim"),
                )
            )
            r = pick(speaker)
            cases.append(
                (
                    "elided",
                    quote(_elided(r["text"], rng), speaker),
                    lambda v: v.relation == "elided",
                )
            )
            r = pick(speaker)
            altered = _altered(r["text"], rng)
            if altered:
                cases.append(
                    ("altered", quote(altered, speaker), lambda v: v.relation == "altered")
                )
            other = "Joe Biden" if speaker == "Donald Trump" else "Donald Trump"
            r = pick(speaker)
            cases.append(
                (
                    "misattributed",
                    quote(_sentence_cut(r["text"], rng), other),
                    lambda v: v.headline == "misattributed",
                )
            )
        for r in deleted:
            cases.append(
                (
                    "deleted",
                    quote(_sentence_cut(r["text"], rng), "Donald Trump"),
                    lambda v: v.headline == "deleted",
                )
            )
        for row_id in sorted(held):
            r = next(x for rs in rows.values() for x in rs if x["id"] == row_id)
            speaker = "Joe Biden" if r in rows["Joe Biden"] else "Donald Trump"
            cases.append(
                (
                    "not_found",
                    quote(_sentence_cut(r["text"], rng), speaker),
                    lambda v: v.relation == "none",
                )
            )

        right: dict[str, int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        wrong: list[str] = []
        flagged: Counter[bool] = Counter()  # "misattributed" said, by whether it was planted
        started = time.perf_counter()
        with Session(engine) as session:
            for kind, q, ok in cases:
                verdict = match_quote(session, q, before=None, zones=ZONES)
                total[kind] += 1
                if verdict.headline == "misattributed":
                    flagged[kind == "misattributed"] += 1
                if ok(verdict):
                    right[kind] += 1
                else:
                    detail = ""
                    if show:
                        original = verdict.original.text if verdict.original else None
                        detail = f"\n    quote: {q.text}\n    original: {original}"
                        detail += f"\n    diff: {verdict.diff}"
                    wrong.append(f"{kind}: got {verdict.headline}/{verdict.relation}{detail}")
        elapsed = time.perf_counter() - started
    print(f"{len(cases)} quotes, {1000 * elapsed / len(cases):.1f} ms per quote")
    for kind in total:
        print(f"{kind:14} {right[kind]:4}/{total[kind]:<4} {right[kind] / total[kind]:.3f}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"{'overall':14} {all_right:4}/{all_total:<4} {all_right / all_total:.3f}")
    said = flagged[True] + flagged[False]
    print(
        f"misattributed: precision {flagged[True] / said if said else 1.0:.3f} "
        f"({flagged[True]}/{said}), recall {flagged[True] / total['misattributed']:.3f}"
    )
    for line in wrong[:20]:
        print("  wrong", line)


if __name__ == "__main__":
    main()
