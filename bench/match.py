"""Benchmark: find a quote's original among N originals (default 1M) with the shingle index.

Builds the corpus at run time from the real tweet archives in ../shared/data/tweets plus
synthetic posts recombined from their sentences (nothing is written to the repository), stores
it in a temporary SQLite file (and a fresh PostgreSQL database with --postgres, dropped at the
end), then times N quotes built from real tweets (exact, excerpt, elided, altered, and
not-found ones from held-out tweets) through ``bot.match.index.search`` (retrieval + rapidfuzz
rerank, top-1). Beside it, on a sample of quotes, brute force over all texts: the plain
baseline ``rapidfuzz.process.extractOne(quote, texts, scorer=fuzz.partial_ratio)`` on
normalised texts, the same on the raw stored texts with the raw quote (seconds per quote at
1M, so on fewer quotes), and brute force done right (``partial_ratio`` on texts at least as
long as the quote, whole-string ``ratio`` on shorter ones, so a short text inside the quote no
longer scores 100). Prints the ratios and the index's top-1 agreement with each.

    .venv/bin/python bench/match.py                       # 1M originals, 1,000 quotes
    .venv/bin/python bench/match.py --n-originals 100000 --n-quotes 300 --n-baseline 10 --n-raw 3
    .venv/bin/python bench/match.py --postgres            # also PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, create_engine, insert, text

from bot import db
from bot.match.index import index_originals, search, similarity
from bot.match.shingles import index_words
from bot.models import Original

ROOT = Path(__file__).resolve().parent.parent
TWEETS = ROOT.parent / "shared" / "data" / "tweets"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("exact", "excerpt", "elided", "altered", "not_found")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Quote:
    kind: str
    text: str
    truth: int | None  # the original's id; None for a quote of a held-out tweet


def load_tweets() -> list[tuple[str, datetime]]:
    """(text, posted_at) of every archived tweet, without exact duplicates."""
    found: dict[str, datetime] = {}
    for path in sorted(TWEETS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            when = row.get("time") or row.get("time_from_snowflake")
            found.setdefault(row["text"], datetime.fromisoformat(when).astimezone(UTC))
    for path in sorted((TWEETS / "trump_2009_2017_condensed").glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            when = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
            found.setdefault(row["text"], when.astimezone(UTC))
    return list(found.items())


def build_corpus(
    rng: random.Random, n_originals: int, held_out_share: float = 0.02
) -> tuple[list[tuple[str, datetime]], list[str], int]:
    """The originals (real tweets first, then synthetic), the held-out tweets, #real."""
    tweets = load_tweets()
    rng.shuffle(tweets)
    n_held = int(len(tweets) * held_out_share)
    held, real = [t for t, _ in tweets[:n_held]], tweets[n_held:]
    real = real[:n_originals]
    sentences = [s for t, _ in real for s in _SENTENCE.split(t) if len(s.split()) >= 3]
    start = datetime(2009, 5, 1, tzinfo=UTC)
    synthetic: list[tuple[str, datetime]] = []
    for _ in range(n_originals - len(real)):
        parts = rng.sample(sentences, rng.choice((2, 2, 3)))
        when = start + timedelta(seconds=rng.randrange(12 * 365 * 86400))
        synthetic.append((" ".join(parts), when))
    return real + synthetic, held, len(real)


def make_quotes(
    rng: random.Random,
    originals: list[tuple[str, datetime]],
    n_real: int,
    held: list[str],
    n_quotes: int,
) -> list[Quote]:
    counts: dict[str, int] = {}
    for text_, _ in originals[:n_real]:
        counts[text_] = counts.get(text_, 0) + 1
    usable = [
        i
        for i in range(n_real)
        if counts[originals[i][0]] == 1
        and not originals[i][0].startswith("RT ")
        and len(index_words(originals[i][0])) >= 14
    ]
    vocabulary = sorted({w for i in usable[:2000] for w in index_words(originals[i][0])})
    quotes: list[Quote] = []
    for n in range(n_quotes):
        kind = KINDS[n % len(KINDS)]
        if kind == "not_found":
            words = index_words(rng.choice(held))
            if len(words) < 6:
                words = index_words(rng.choice(held)) or ["nothing"]
            size = min(len(words), rng.randint(8, 16))
            first = rng.randrange(len(words) - size + 1)
            quotes.append(Quote(kind, " ".join(words[first : first + size]), None))
            continue
        index = rng.choice(usable)
        raw = originals[index][0]
        words = index_words(raw)
        if kind == "exact":
            quote = raw
        elif kind == "excerpt":
            size = rng.randint(8, min(16, len(words)))
            first = rng.randrange(len(words) - size + 1)
            quote = " ".join(words[first : first + size])
        elif kind == "elided":
            head, tail = rng.randint(5, 7), rng.randint(5, 7)
            quote = " ".join(words[:head]) + " … " + " ".join(words[-tail:])
        else:  # altered: one word in five replaced
            changed = list(words)
            for i in range(rng.randrange(5), len(changed), 5):
                changed[i] = rng.choice([w for w in rng.sample(vocabulary, 3) if w != changed[i]])
            quote = " ".join(changed)
        quotes.append(Quote(kind, quote, index + 1))
    return quotes


def load(engine: Engine, originals: list[tuple[str, datetime]], batch: int = 20_000) -> float:
    """Insert and index every original; returns seconds."""
    table = Original.__table__  # type: ignore[attr-defined]
    started = time.perf_counter()
    for first in range(0, len(originals), batch):
        rows: list[dict[str, Any]] = [
            {
                "id": first + i + 1,
                "platform": "bench",
                "post_id": str(first + i + 1),
                "text": body,
                "posted_at": when,
                "kind": "post",
                "status": "live",
                "is_retweet": body.startswith("RT "),
            }
            for i, (body, when) in enumerate(originals[first : first + batch])
        ]
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
            index_originals(connection, [(row["id"], row["text"]) for row in rows])
        done = first + len(rows)
        if done % 200_000 < batch:
            print(f"  {done:,} loaded ({time.perf_counter() - started:.0f} s)", flush=True)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def norm(value: str) -> str:
    return " ".join(index_words(value))


def right(top: int | None, quote: Quote, texts: list[str]) -> bool:
    """Top-1 is the original, or contains all its words (a copy: the recombined posts contain
    real tweets' sentences), or, for an exact quote or an excerpt, contains the quote."""
    if quote.truth is None or top is None:
        return False
    found, truth = norm(texts[top - 1]), norm(texts[quote.truth - 1])
    if top == quote.truth or truth in found:  # same words, or all of them inside a longer text
        return True
    return quote.kind in ("exact", "excerpt") and norm(quote.text) in norm(texts[top - 1])


def time_index(
    engine: Engine, quotes: list[Quote]
) -> tuple[list[float], list[int | None], list[float]]:
    """Per-quote seconds, top-1 ids and top-1 scores (after a short warm-up)."""
    seconds: list[float] = []
    tops: list[int | None] = []
    scores: list[float] = []
    with engine.connect() as connection:
        for quote in quotes[:50]:  # warm-up: page cache and statement caches
            search(connection, quote.text, limit=1)
        for quote in quotes:
            started = time.perf_counter()
            found = search(connection, quote.text, limit=1)
            seconds.append(time.perf_counter() - started)
            tops.append(found[0].original_id if found else None)
            scores.append(found[0].score if found else 0.0)
    return seconds, tops, scores


def report_backend(
    name: str,
    seconds: list[float],
    tops: list[int | None],
    scores: list[float],
    quotes: list[Quote],
    texts: list[str],
) -> dict[str, float]:
    p50, p99 = percentile(seconds, 0.50) * 1000, percentile(seconds, 0.99) * 1000
    print(
        f"\n[{name}] {len(quotes)} quotes: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"mean {statistics.fmean(seconds) * 1000:.2f} ms"
    )
    for kind in KINDS:
        chosen = [i for i, q in enumerate(quotes) if q.kind == kind]
        if kind == "not_found":
            high = sum(1 for i in chosen if scores[i] >= 86)
            print(
                f"  {kind:9} {len(chosen):4}  top score p50 "
                f"{percentile([scores[i] for i in chosen], 0.5):.0f}, >= 86 on {high}"
            )
            continue
        ok = sum(1 for i in chosen if right(tops[i], quotes[i], texts))
        print(f"  {kind:9} {len(chosen):4}  top-1 right {ok}/{len(chosen)}")
    return {"p50": p50, "p99": p99}


@dataclass
class Tally:
    """One baseline's figures over the sample of quotes."""

    seconds: list[float]
    rounded: bool = False  # count scores equal to the point as ties (the index's rule)
    right: int = 0
    same: int = 0
    tie: int = 0  # equal score under the baseline's own scorer
    near_tie: int = 0  # equal to the point (the index's own tie rule), not exactly
    shorter: int = 0  # the baseline picked a text shorter than the quote, index disagrees

    @property
    def agreed(self) -> int:
        return self.same + self.tie + self.near_tie


def _tally(
    tally: Tally,
    seconds: float,
    pick: int,
    best: float,
    mine_score: float | None,
    mine: int | None,
    quote: Quote,
    texts: list[str],
    shorter: bool,
) -> str:
    """Count one quote; returns a mark for the per-quote line (agreement, baseline right)."""
    tally.seconds.append(seconds)
    ok = right(pick, quote, texts)
    tally.right += ok
    if mine == pick:
        tally.same += 1
        mark = "same"
    elif mine_score is not None and mine_score >= best:
        tally.tie += 1
        mark = "tie"
    elif tally.rounded and mine_score is not None and round(mine_score) >= round(best):
        tally.near_tie += 1
        mark = "tie~"
    else:
        tally.shorter += shorter
        mark = f"DIFF {best:.0f} vs {mine_score or 0:.0f}" + (" shorter" if shorter else "")
    return f"{mark}, {'right' if ok else 'WRONG'}"


def brute_right(query: str, long_texts: list[str], short_texts: list[str]) -> tuple[int, float]:
    """Brute force done right: ``partial_ratio`` on texts at least as long as the quote,
    whole-string ``ratio`` on shorter ones, best of all. Returns (position in long + short,
    score); a tie keeps the longer text (the search index's ``similarity`` rule)."""
    found = process.extractOne(query, long_texts, scorer=fuzz.partial_ratio)
    best, pick = (found[1], found[2]) if found else (0.0, -1)
    if best < 100:  # a shorter text cannot score 100 with ratio: a perfect score stops here
        other = process.extractOne(query, short_texts, scorer=fuzz.ratio, score_cutoff=best)
        if other is not None and other[1] > best:
            best, pick = other[1], len(long_texts) + other[2]
    return pick, best


def baselines(
    quotes: list[Quote],
    tops: list[int | None],
    texts: list[str],
    n: int,
    n_raw: int,
    rng: random.Random,
) -> dict[str, dict[str, float]]:
    """Three brute-force baselines over all texts, on one sample of quotes with an original.

    plain: ``extractOne(quote, texts, scorer=partial_ratio)`` over normalised texts (as the
    issue defines it); raw: the same over the stored texts with the raw quote (on the first
    *n_raw* quotes of the sample: seconds each); right: :func:`brute_right`. Preparing the
    texts (normalising, the split by length) is not timed.
    """
    normed = [norm(t) for t in texts]
    lengths = [len(t) for t in normed]
    pool = [i for i, q in enumerate(quotes) if q.truth is not None]
    sample = rng.sample(pool, min(n, len(pool)))
    plain, raw, done_right = Tally([]), Tally([]), Tally([], rounded=True)
    mine_right = 0
    print(f"\n[baselines] {len(sample)} quotes ({n_raw} also raw), per quote:", flush=True)
    for number, i in enumerate(sample):
        quote, mine = quotes[i], tops[i]
        mine_right += right(mine, quote, texts)
        query = norm(quote.text)
        mine_text = normed[mine - 1] if mine is not None else None
        line = f"  {quote.kind:8} {len(query):4} chars:"

        started = time.perf_counter()
        _, score, position = process.extractOne(query, normed, scorer=fuzz.partial_ratio)
        took = time.perf_counter() - started
        mine_score = fuzz.partial_ratio(query, mine_text) if mine_text is not None else None
        short = lengths[position] < len(query)
        mark = _tally(plain, took, position + 1, score, mine_score, mine, quote, texts, short)
        line += f" plain {took * 1000:,.0f} ms ({mark})"

        if number < n_raw:
            started = time.perf_counter()
            _, score, position = process.extractOne(quote.text, texts, scorer=fuzz.partial_ratio)
            took = time.perf_counter() - started
            mine_score = (
                fuzz.partial_ratio(quote.text, texts[mine - 1]) if mine is not None else None
            )
            short = len(texts[position]) < len(quote.text)
            mark = _tally(raw, took, position + 1, score, mine_score, mine, quote, texts, short)
            line += f", raw {took * 1000:,.0f} ms ({mark})"

        long_ids = [j for j, size in enumerate(lengths) if size >= len(query)]
        short_ids = [j for j, size in enumerate(lengths) if size < len(query)]
        long_texts, short_texts = [normed[j] for j in long_ids], [normed[j] for j in short_ids]
        started = time.perf_counter()
        position, score = brute_right(query, long_texts, short_texts)
        took = time.perf_counter() - started
        pick = (long_ids + short_ids)[position] + 1
        mine_score = similarity(query, mine_text) if mine_text is not None else None
        mark = _tally(done_right, took, pick, score, mine_score, mine, quote, texts, False)
        print(f"{line}, right {took * 1000:,.0f} ms ({mark})", flush=True)

    print(f"  index top-1 right on this sample: {mine_right}/{len(sample)}")
    results: dict[str, dict[str, float]] = {}
    labels = {
        "plain": "extractOne(partial_ratio), normalised texts and quote",
        "raw": "extractOne(partial_ratio), raw stored texts and raw quote",
        "right": "done right: partial_ratio if the text is as long, else ratio",
    }
    for name, tally in (("plain", plain), ("raw", raw), ("right", done_right)):
        count = len(tally.seconds)
        if not count:
            continue
        p50 = percentile(tally.seconds, 0.5) * 1000
        agree = tally.agreed / count
        print(
            f"\n[baseline {name}] {labels[name]}, over {len(texts):,} texts, {count} quotes: "
            f"p50 {p50:,.0f} ms, max {max(tally.seconds) * 1000:,.0f} ms"
        )
        print(
            f"  baseline top-1 right {tally.right}/{count}; index agreement "
            f"{tally.agreed}/{count} = {agree:.2f} (same original {tally.same}, equal score "
            f"{tally.tie}, equal to the point {tally.near_tie}); of the rest, baseline picked "
            f"a text shorter than the quote {tally.shorter}"
        )
        results[name] = {"p50": p50, "agree": agree}
    return results


def pg_database(admin_url: str) -> Iterator[str]:
    name = f"qc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-originals", type=int, default=1_000_000)
    parser.add_argument("--n-quotes", type=int, default=1_000)
    parser.add_argument("--n-baseline", type=int, default=20, help="quotes timed by brute force")
    parser.add_argument(
        "--n-raw", type=int, default=8, help="of those, timed on the raw texts too (slowest)"
    )
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep-sqlite", metavar="PATH", help="keep the SQLite file here; reuse it if present"
    )
    args = parser.parse_args()
    if not TWEETS.is_dir():
        sys.exit(f"real data not found at {TWEETS}; the bench needs ../shared/data/tweets")
    rng = random.Random(args.seed)
    originals, held, n_real = build_corpus(rng, args.n_originals)
    quotes = make_quotes(rng, originals, n_real, held, args.n_quotes)
    texts = [t for t, _ in originals]
    print(
        f"corpus: {len(originals):,} originals ({n_real:,} real tweets, "
        f"{len(originals) - n_real:,} recombined), {len(held):,} tweets held out; "
        f"{len(quotes)} quotes"
    )
    results: dict[str, dict[str, float]] = {}
    tops_sqlite: list[int | None] = []
    with tempfile.TemporaryDirectory(prefix="qc-bench-") as folder:
        path = Path(args.keep_sqlite or f"{folder}/bench.db")
        reuse = path.exists()
        engine = db.make_engine(f"sqlite:///{path}")
        db.upgrade(engine)
        if reuse:
            print(f"[sqlite] reusing {path} (built by an earlier run with the same options)")
        else:
            build = load(engine, originals)
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
            print(
                f"[sqlite] built in {build:.0f} s ({len(originals) / build:,.0f} originals/s), "
                f"{size:,.0f} MB"
            )
        seconds, tops_sqlite, scores = time_index(engine, quotes)
        results["sqlite"] = report_backend("sqlite", seconds, tops_sqlite, scores, quotes, texts)
        engine.dispose()
    if args.postgres:
        for url in pg_database(args.pg_admin_url):
            engine = db.make_engine(url)
            db.upgrade(engine)
            build = load(engine, originals)
            print(f"[postgres] built in {build:.0f} s ({len(originals) / build:,.0f} originals/s)")
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that lets the posting lookups be index-only scans.
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
            seconds, tops, scores = time_index(engine, quotes)
            results["postgres"] = report_backend("postgres", seconds, tops, scores, quotes, texts)
            engine.dispose()
    base = baselines(quotes, tops_sqlite, texts, args.n_baseline, args.n_raw, rng)
    sqlite = results["sqlite"]
    print()
    targets = [
        ("sqlite p50 <= 2 ms", sqlite["p50"] <= 2),
        ("sqlite p99 <= 20 ms", sqlite["p99"] <= 20),
    ]
    for name, figures in base.items():
        ratio = figures["p50"] / sqlite["p50"]
        print(f"ratio: baseline {name} p50 / index p50 = {ratio:,.0f}x")
        targets.append((f">= 1,000x faster than baseline {name} ({ratio:,.0f}x)", ratio >= 1000))
        targets.append(
            (
                f"top-1 agreement >= 0.99 with baseline {name} ({figures['agree']:.2f})",
                figures["agree"] >= 0.99,
            )
        )
    if "postgres" in results:
        pg = results["postgres"]
        targets.append(
            (
                "postgres p50 and p99 within 2x of sqlite",
                pg["p50"] <= 2 * sqlite["p50"] and pg["p99"] <= 2 * sqlite["p99"],
            )
        )
    print("\ntargets:")
    for label, met in targets:
        print(f"  [{'met' if met else 'MISSED'}] {label}")


if __name__ == "__main__":
    main()
