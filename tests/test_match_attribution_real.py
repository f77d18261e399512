"""No false "misattributed" on real White House briefing turns labelled by title and surname.

Reads one briefing of ../shared/data at run time (never copied here): a COVID-19 response
team briefing whose title names no speaker and whose turns are "MR. ZIENTS:", "DR. FAUCI:",
"Q". Words of a turn quoted under the official's full name are his; under another
official's name they are someone else's; a reporter's question is no official's.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.extract.types import Quote
from bot.match.matcher import match_quote
from bot.originals.importers import import_file

ZONES = ["America/New_York", "UTC"]
TITLE = "Press Briefing by White House COVID-⁠19 Response Team and Public Health Officials"


def _briefing(shared_data: Path) -> dict[str, Any]:
    path = shared_data / "statements" / "whitehouse_press_briefings.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if (
                row["title"] == TITLE
                and "MR. ZIENTS:" in row["text"]
                and "DR. FAUCI:" in row["text"]
            ):
                return dict(row)
    pytest.skip("no COVID-19 response team briefing with both turns in the shared data")


def _turn_words(text: str, label: str, count: int = 16) -> str:
    """*count* words from the middle of the longest turn of *label*."""
    bodies = re.findall(
        rf"^{re.escape(label)}\s+(.*?)(?=^[A-Z][A-Z.\- ]+:|^Q\s|\Z)", text, re.M | re.S
    )
    words = max(bodies, key=len).split()
    start = max(0, len(words) // 2 - count // 2)
    return " ".join(words[start : start + count])


@pytest.fixture
def briefing(engine: Engine, shared_data: Path, tmp_path: Path) -> dict[str, Any]:
    row = _briefing(shared_data)
    path = tmp_path / "briefing.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    import_file(engine, path)
    return row


@pytest.mark.parametrize(
    ("label", "named", "expected"),
    [
        ("MR. ZIENTS:", "Jeff Zients", "match"),
        ("MR. ZIENTS:", "White House COVID-19 coordinator Jeff Zients", "match"),
        ("DR. FAUCI:", "Anthony Fauci", "match"),
        ("DR. FAUCI:", "Dr. Anthony S. Fauci", "match"),
        ("DR. FAUCI:", "Jeff Zients", "mismatch"),
        ("MR. ZIENTS:", "Jen Psaki", "mismatch"),
    ],
)
def test_a_title_and_surname_turn_agrees_with_the_full_name(
    engine: Engine, briefing: dict[str, Any], label: str, named: str, expected: str
) -> None:
    words = _turn_words(briefing["text"], label)
    with Session(engine) as session:
        verdict = match_quote(session, Quote(text=words, speaker=named), before=None, zones=ZONES)
    assert verdict.relation in ("verbatim", "excerpt")
    assert verdict.attribution == expected
    assert (verdict.headline == "misattributed") == (expected == "mismatch")


def test_a_reporters_question_is_no_officials_words(
    engine: Engine, briefing: dict[str, Any]
) -> None:
    questions = [
        m.group(1)
        for m in re.finditer(r"^Q\s+(.*?)(?=^[A-Z][A-Z.\- ]+:|\Z)", briefing["text"], re.M | re.S)
    ]
    words = " ".join(max(questions, key=len).split()[:14])
    with Session(engine) as session:
        verdict = match_quote(
            session, Quote(text=words, speaker="Jeff Zients"), before=None, zones=ZONES
        )
    assert verdict.relation != "none"
    assert verdict.attribution == "unknown"
