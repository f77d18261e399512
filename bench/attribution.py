"""Precision and recall of "misattributed" on quotes of real White House briefing turns.

Imports ../shared/data's press briefings (1,154 transcripts) into a fresh SQLite file, then
quotes words of turns labelled only by a title and a surname ("MR. ZIENTS:", "DR. FAUCI:",
"SECRETARY BECERRA:"), whose document title often does not name the speaker, two ways:

- under the speaker's full name, as an article writes it ("Jeff Zients") — "misattributed"
  is then a false alarm;
- under another official's full name — "misattributed" is then right.

The officials below are public office holders whose turn labels in these briefings stand
for them; the passages are read from the shared data at run time, never stored here.

    .venv/bin/python bench/attribution.py [--per-label 40] [--seed 1] [--show 10]

Prints, for each way and overall, how many verdicts say match / unknown / mismatch, and the
precision and recall of "mismatch" (and of the "misattributed" headline).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.extract.types import Quote  # noqa: E402
from bot.match.matcher import match_quote  # noqa: E402
from bot.originals.importers import import_file  # noqa: E402

BRIEFINGS = ROOT.parent / "shared" / "data" / "statements" / "whitehouse_press_briefings.jsonl.gz"
ZONES = ["America/New_York", "UTC"]
# Turn labels of these briefings and the person each stands for.
OFFICIALS = {
    "MR. ZIENTS": "Jeff Zients",
    "DR. FAUCI": "Anthony Fauci",
    "DR. WALENSKY": "Rochelle Walensky",
    "ACTING ADMINISTRATOR SLAVITT": "Andy Slavitt",
    "SURGEON GENERAL MURTHY": "Vivek Murthy",
    "DR. MURTHY": "Vivek Murthy",
    "DR. NUNEZ-SMITH": "Marcella Nunez-Smith",
    "SECRETARY BECERRA": "Xavier Becerra",
    "DR. JHA": "Ashish Jha",
    "MR. SULLIVAN": "Jake Sullivan",
    "MR. KIRBY": "John Kirby",
    "SECRETARY MAYORKAS": "Alejandro Mayorkas",
    "MR. DEESE": "Brian Deese",
    "SECRETARY YELLEN": "Janet Yellen",
    "SECRETARY BLINKEN": "Antony Blinken",
    "SECRETARY BUTTIGIEG": "Pete Buttigieg",
    "MS. PSAKI": "Jen Psaki",
    "MS. JEAN-PIERRE": "Karine Jean-Pierre",
}
_TURN = re.compile(
    r"^\s*(?:\*\*)?(?:([A-Z][A-Z.'’\- ]{1,40}[A-Z.])(?:\*\*)?:|(Q)(?:\*\*)?(?::|\s+(?=\S)))",
    re.MULTILINE,
)


def turns(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Every long enough turn of each label above: {label: [body, …]}."""
    found: dict[str, list[str]] = {label: [] for label in OFFICIALS}
    for row in rows:
        text = row["text"]
        labels = list(_TURN.finditer(text))
        for i, label in enumerate(labels):
            who = (label.group(1) or label.group(2) or "").strip()
            if who not in OFFICIALS:
                continue
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            body = " ".join(text[label.end() : end].split())
            if len(body.split()) >= 30:
                found[who].append(body)
    return found


def cut(body: str, rng: random.Random) -> str:
    words = body.split()
    size = rng.randint(12, 24)
    start = rng.randint(0, len(words) - size)
    return " ".join(words[start : start + size])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10, help="false alarms to print")
    args = parser.parse_args()
    if not BRIEFINGS.is_file():
        sys.exit(f"real data not found at {BRIEFINGS}")
    rng = random.Random(args.seed)
    with gzip.open(BRIEFINGS, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    by_label = turns(rows)
    names = sorted(set(OFFICIALS.values()))
    cases: list[tuple[str, str, str]] = []  # (way, quote text, speaker named)
    for label, bodies in by_label.items():
        for body in rng.sample(bodies, min(args.per_label, len(bodies))):
            speaker = OFFICIALS[label]
            cases.append(("own name", cut(body, rng), speaker))
            other = rng.choice([n for n in names if n.split()[-1] != speaker.split()[-1]])
            cases.append(("other name", cut(body, rng), other))
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        db.upgrade(engine)
        started = time.perf_counter()
        import_file(engine, BRIEFINGS)
        print(f"{len(rows)} briefings imported in {time.perf_counter() - started:.1f} s")
        counts: dict[str, Counter[str]] = {"own name": Counter(), "other name": Counter()}
        headline = Counter[tuple[str, bool]]()
        alarms: list[str] = []
        started = time.perf_counter()
        with Session(engine) as session:
            for way, text, speaker in cases:
                verdict = match_quote(
                    session, Quote(text=text, speaker=speaker), before=None, zones=ZONES
                )
                found = verdict.attribution if verdict.relation != "none" else "not found"
                counts[way][found] += 1
                headline[(way, verdict.headline == "misattributed")] += 1
                if way == "own name" and found == "mismatch" and len(alarms) < args.show:
                    author = verdict.original.author_name if verdict.original else None
                    alarms.append(f"{speaker!r} vs author {author!r}: {text[:70]}")
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(f"{len(cases)} quotes, {1000 * elapsed / len(cases):.1f} ms per quote")
    for way, counter in counts.items():
        print(f"{way:11}", "  ".join(f"{k} {v}" for k, v in sorted(counter.items())))
    true_positive = counts["other name"]["mismatch"]
    false_positive = counts["own name"]["mismatch"]
    said = true_positive + false_positive
    precision = true_positive / said if said else 1.0
    recall = true_positive / sum(counts["other name"].values())
    print(f"mismatch precision {precision:.3f} ({true_positive}/{said}), recall {recall:.3f}")
    tp, fp = headline[("other name", True)], headline[("own name", True)]
    print(
        f"misattributed headline precision {tp / (tp + fp) if tp + fp else 1.0:.3f}, "
        f"recall {tp / sum(counts['other name'].values()):.3f}"
    )
    for line in alarms:
        print("  false alarm", line)


if __name__ == "__main__":
    main()
