"""Quote extraction against hand-labelled real pages: precision, recall, speaker accuracy.

    .venv/bin/python bench/quotes_eval.py [-v]

Labels are in tests/data/labels/ (first and last four words of each quotation, its speaker
and channel); the pages are in ../shared/data/articles/. A labelled quotation is found when
an extracted one contains its first four words and, after them, its last four. The script
compares speakers after folding case, accents, honorifics and middle initials
(`fold_name`: "Mr. Donald J. Trump" = "donald trump"; a surname alone is still wrong). It
also times `find_quotes` against `trafilatura.extract` on the same pages (the baseline the
whole extraction must stay near) and prints the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.extract.quotes import find_quotes  # noqa: E402
from bot.extract.types import Quote  # noqa: E402

LABELS = ROOT / "tests" / "data" / "labels"
PAGES = ROOT.parent / "shared" / "data" / "articles"
_EMBED_CLASSES = ("twitter-tweet", "instagram-media", "tiktok-embed", "fb-post", "bluesky-embed")


def words(text: str) -> list[str]:
    """Lower-case words with quotes and apostrophes folded, punctuation dropped."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[\w@#'-]+", text)


def _contains(haystack: list[str], needle: list[str], start: int = 0) -> int:
    """Index just past the first occurrence of needle in haystack at or after start, or -1."""
    for i in range(start, len(haystack) - len(needle) + 1):
        if haystack[i : i + len(needle)] == needle:
            return i + len(needle)
    return -1


_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "herr",
        "frau",
        "mme",
        "mlle",
        "m",
        "sr",
        "sra",
        "dra",
    ]
)


def fold_name(name: str | None) -> str:
    """A speaker's name compared loosely only where careful readers agree it is the same
    person: case, accents, honorifics ("Mr.", "Dr.") and middle initials ("Donald J. Trump"
    = "Donald Trump") are folded; nothing else is (a surname alone stays different)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    tokens = re.findall(r"[\w'’&-]+\.?", text)
    while len(tokens) > 1 and tokens[0].rstrip(".") in _HONORIFICS:
        tokens = tokens[1:]
    if len(tokens) > 2:
        inner = [t for t in tokens[1:-1] if not (len(t.rstrip(".")) == 1 and t[0].isalpha())]
        tokens = [tokens[0], *inner, tokens[-1]]
    return " ".join(t.rstrip(".") for t in tokens)


def same_speaker(extracted: str | None, labelled: str | None) -> bool:
    return fold_name(extracted) == fold_name(labelled)


def found(label: dict[str, str | None], quote: Quote) -> bool:
    text = words(quote.text)
    first = _contains(text, words(label["first"] or ""))
    if first < 0:
        return False
    last = words(label["last"] or "")
    start = max(0, first - len(last))  # a short quotation's first and last words overlap
    return _contains(text, last, start) >= 0


def page_paragraphs(html: str) -> tuple[list[str], list[int]]:
    """Body paragraphs and blockquote indexes from <p>/<blockquote>, embedded posts left out
    (a stand-in until bot.extract.article gives the body)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for node in tree.css(",".join(f".{c}" for c in _EMBED_CLASSES)):
        node.decompose()
    paragraphs: list[str] = []
    blockquotes: list[int] = []
    for node in tree.css("p, blockquote"):
        inside = node.parent
        in_quote = False
        while inside is not None:
            if inside.tag == "blockquote":
                in_quote = True
                break
            inside = inside.parent
        if node.tag == "blockquote" and node.css_first("p") is not None:
            continue  # its paragraphs come one by one
        text = " ".join(node.text(separator=" ").split())
        if not text:
            continue
        if node.tag == "blockquote" or in_quote:
            blockquotes.append(len(paragraphs))
        paragraphs.append(text)
    return paragraphs, blockquotes


def extract(html: str, published: dt.date | None, *, simple: bool = False) -> tuple[Quote, ...]:
    """The page's quotations as `extract_article` finds them (the product's path), or with
    `simple`, from every <p>/<blockquote> of the page (to tell body extraction misses apart)."""
    if not simple:
        from bot.extract.article import extract_article

        return extract_article(html).quotes
    paragraphs, blockquotes = page_paragraphs(html)
    return find_quotes(paragraphs, published=published, blockquote_indexes=blockquotes)


@dataclass
class Score:
    labels: int = 0
    extracted: int = 0
    matched: int = 0
    speaker_right: int = 0
    channel_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.labels if self.labels else 1.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / self.matched if self.matched else 1.0

    @property
    def channel_accuracy(self) -> float:
        return self.channel_right / self.matched if self.matched else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_page(
    labels: Sequence[dict[str, str | None]], quotes: Sequence[Quote], score: Score
) -> None:
    """Add one page's counts to score (each label and each quotation used at most once)."""
    used: set[int] = set()
    score.labels += len(labels)
    score.extracted += len(quotes)
    for label in labels:
        hit = next((i for i, q in enumerate(quotes) if i not in used and found(label, q)), None)
        if hit is None:
            score.misses.append(f"missed: {label['first']} … {label['last']}")
            continue
        used.add(hit)
        score.matched += 1
        quote = quotes[hit]
        if same_speaker(quote.speaker, label["speaker"]):
            score.speaker_right += 1
        else:
            score.misses.append(
                f"speaker {quote.speaker!r} != {label['speaker']!r}: {label['first']}"
            )
        if quote.channel == label["channel"]:
            score.channel_right += 1
    for i, quote in enumerate(quotes):
        if i not in used:
            score.misses.append(f"extra: {quote.text[:70]!r} ({quote.speaker})")


def load_labels(labels: Path = LABELS) -> list[dict[str, object]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(labels.glob("*.json"))]


def evaluate(
    pages: Path = PAGES, labels: Path = LABELS, *, simple: bool = False
) -> tuple[Score, dict[str, Score]]:
    total = Score()
    per_page: dict[str, Score] = {}
    for entry in load_labels(labels):
        name = str(entry["page"])
        html = (pages / name).read_text(encoding="utf-8", errors="replace")
        published = dt.date.fromisoformat(str(entry["published"])) if entry["published"] else None
        quotes = extract(html, published, simple=simple)
        page = Score()
        page_labels = entry["quotes"]
        assert isinstance(page_labels, list)
        score_page(page_labels, quotes, page)
        score_page(page_labels, quotes, total)
        total.misses = []
        per_page[name] = page
    return total, per_page


def _timing(pages: Path, names: list[str], rounds: int = 3) -> tuple[float, float]:
    """Median ms per page for find_quotes and for trafilatura.extract on the same pages."""
    import trafilatura

    from bot.extract.article import article_body

    inputs = []
    for name in names:
        html = (pages / name).read_text(encoding="utf-8", errors="replace")
        body = article_body(html)
        inputs.append((html, (list(body.paragraphs), list(body.blockquote_indexes))))
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        for html, (paragraphs, blockquotes) in inputs:
            start = time.perf_counter()
            find_quotes(paragraphs, blockquote_indexes=blockquotes)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            trafilatura.extract(html)
            theirs.append(time.perf_counter() - start)
    return statistics.median(ours) * 1000, statistics.median(theirs) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses per page")
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument(
        "--simple", action="store_true", help="paragraphs from every <p>, not extract_article"
    )
    args = parser.parse_args(argv)
    if not args.pages.is_dir():
        print(f"pages not found at {args.pages}", file=sys.stderr)
        return 2
    total, per_page = evaluate(args.pages, args.labels, simple=args.simple)
    for name, page in per_page.items():
        print(
            f"{name:45} labels={page.labels:2} extracted={page.extracted:2} "
            f"P={page.precision:.2f} R={page.recall:.2f} speaker={page.speaker_accuracy:.2f}"
        )
        if args.verbose:
            for miss in page.misses:
                print(f"    {miss}")
    print(
        f"\n{len(per_page)} pages, {total.labels} labelled quotations, "
        f"{total.extracted} extracted: precision {total.precision:.3f}  "
        f"recall {total.recall:.3f}  F1 {total.f1:.3f}  "
        f"speaker accuracy {total.speaker_accuracy:.3f}  "
        f"channel accuracy {total.channel_accuracy:.3f}"
    )
    ours, theirs = _timing(args.pages, list(per_page))
    print(
        f"find_quotes {ours:.3f} ms/page (median), trafilatura.extract {theirs:.2f} ms/page: "
        f"ratio {ours / theirs:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
