"""Mean seconds per page: full extraction (``extract_article``, quotes included) against
``trafilatura.extract`` alone, on the real pages in ../shared/data/articles, in the same run.

    .venv/bin/python bench/extract.py [--rounds 3]

Prints both figures, their ratio and whether the target (≤ 1.5×) is met. Rounds alternate
the two so that load on the machine hits both alike; the figure is the best round's mean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import trafilatura

from bot.extract.article import extract_article

ARTICLES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "articles"
TARGET = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best is kept)")
    args = parser.parse_args()
    if not (ARTICLES / "index.json").is_file():
        print(f"real pages not found at {ARTICLES}", file=sys.stderr)
        return 2
    index = json.loads((ARTICLES / "index.json").read_text())
    pages = [((ARTICLES / item["file"]).read_bytes(), item["url"] or None) for item in index]

    for html, url in pages:  # warm-up: imports, regex compilation, caches
        extract_article(html, url)
        trafilatura.extract(html)

    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(max(1, args.rounds)):
        start = time.perf_counter()
        for html, url in pages:
            extract_article(html, url)
        ours.append((time.perf_counter() - start) / len(pages))
        start = time.perf_counter()
        for html, _url in pages:
            trafilatura.extract(html)
        baseline.append((time.perf_counter() - start) / len(pages))

    mine, theirs = min(ours), min(baseline)
    ratio = mine / theirs
    print(f"pages: {len(pages)}, rounds: {len(ours)}")
    print(f"extract_article (full, with quotes): {mine * 1000:.1f} ms/page")
    print(f"trafilatura.extract alone:           {theirs * 1000:.1f} ms/page")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"ratio: {ratio:.2f}x (target <= {TARGET}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
