from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.originals.known import holder_on
from bot.originals.records import from_whitehouse
from bot.originals.transcripts import MAX_PASSAGE, PRESS, resolve_label, split_transcript

BRIEFING_ID = (
    "wh-briefings:press-briefings/2021-01/2021-01-22-press-briefing-by-press-secretary-"
    "jen-psaki-and-national-economic-director-brian-deese"
)
OFFICIALS = {"Jen Psaki", "Karine Jean-Pierre", "Joe Biden", "Kamala Harris", "Donald J. Trump"}
WHEN = datetime(2021, 3, 1, 18, tzinfo=UTC)


def _lookup(surname: str) -> str | None:
    return {"psaki": "Jen Psaki"}.get(surname)


@pytest.mark.parametrize(
    ("label", "title", "expected"),
    [
        ("MS. PSAKI", "Press Briefing by Press Secretary Jen Psaki", ("Jen Psaki", True)),
        ("MS. PSAKI", None, ("Jen Psaki", True)),  # from the speakers table
        (
            "MR. FERNSWORTH",
            "Briefing with Orchard Envoy Tobias Fernsworth",
            ("Tobias Fernsworth", True),
        ),
        ("MS. JEAN-PIERRE", "Briefing by Karine Jean-Pierre", ("Karine Jean-Pierre", True)),
        ("THE PRESIDENT", None, ("Joe Biden", True)),
        ("THE VICE PRESIDENT", None, ("Kamala Harris", True)),
        ("Q", "Press Briefing by Press Secretary Jen Psaki", (PRESS, False)),
        ("AUDIENCE MEMBER", None, ("Audience Member", False)),
        ("SENIOR ADMINISTRATION OFFICIAL", None, ("Senior Administration Official", False)),
        ("MR. NOBODY", None, ("Mr. Nobody", False)),
    ],
)
def test_resolve_label(label: str, title: str | None, expected: tuple[str, bool]) -> None:
    assert resolve_label(label, title=title, when=WHEN, lookup=_lookup) == expected


def test_the_president_is_the_one_in_office_on_that_date() -> None:
    text = "THE PRESIDENT: Thank you all.\n\nAUDIENCE: Cheers.\n\nTHE PRESIDENT: Goodbye."
    old = split_transcript(text, title=None, author=None, when=datetime(2018, 5, 5, tzinfo=UTC))
    new = split_transcript(text, title=None, author=None, when=WHEN)
    assert [p.speaker for p in old] == ["Donald J. Trump", "Audience", "Donald J. Trump"]
    assert [p.speaker for p in new] == ["Joe Biden", "Audience", "Joe Biden"]
    assert holder_on("president", WHEN) == "Joe Biden"


def test_long_turns_are_cut_at_paragraphs_with_the_same_speaker() -> None:
    paragraph = "Orchards matter. " * 30  # about 500 characters
    text = "MS. PSAKI: " + "\n\n".join([paragraph] * 6) + "\n\nQ  Thanks."
    passages = split_transcript(text, title=None, author=None, when=WHEN, lookup=_lookup)
    psaki = [p for p in passages if p.speaker == "Jen Psaki"]
    assert len(psaki) >= 3 and all(len(p.text) <= MAX_PASSAGE for p in psaki)
    assert passages[-1].speaker == PRESS and passages[-1].text == "Thanks."
    assert [p.position for p in passages] == list(range(len(passages)))


def test_text_without_turns_belongs_to_the_author() -> None:
    passages = split_transcript(
        "Just a speech.\n\nIn two parts.", title=None, author="Bea Marrow", when=WHEN
    )
    assert [(p.speaker, p.resolved) for p in passages] == [("Bea Marrow", True)]


@pytest.mark.shared_data
def test_real_briefing_psaki_turns_and_press_questions(shared_data: Path) -> None:
    path = shared_data / "statements" / "whitehouse_press_briefings.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        item = next(json.loads(line) for line in handle if BRIEFING_ID in line)
    record = from_whitehouse(item)
    assert record.kind == "transcript"
    passages = split_transcript(
        record.text, title=record.title, author=record.author_name, when=record.posted_at
    )
    labels = [line.split(":")[0] for line in record.text.splitlines()]
    psaki_turns = labels.count("MS. PSAKI")
    question_turns = sum(1 for line in record.text.splitlines() if line.startswith("Q\xa0"))
    by_speaker = [p.speaker for p in passages]
    assert psaki_turns > 5 and question_turns > 5
    assert by_speaker.count("Jen Psaki") >= psaki_turns
    assert by_speaker.count("Brian Deese") >= 1
    assert by_speaker.count(PRESS) >= question_turns
    for passage in passages:
        if passage.speaker == PRESS:
            assert not passage.resolved and passage.speaker not in OFFICIALS
    # every Q passage holds a question's words, not an official's answer
    first_q = next(p for p in passages if p.speaker == PRESS)
    assert first_q.text in record.text
