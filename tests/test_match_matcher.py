"""match_quote against an invented store: choices the real-data table does not pin down."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.extract.types import Quote
from bot.match.matcher import match_quote
from bot.models import Original
from bot.originals.importers import import_file

ZONES = ["America/New_York", "UTC"]

# A long turn (the importer cuts it at a paragraph break, about every 1,200 characters).
_FIRST = " ".join(
    f"Item {n} on the list of harbour repairs is the north jetty, and it stays on schedule."
    for n in range(1, 14)
)
_SECOND = (
    "The ferry timetable changes on the first of June. Crews will repaint the lighthouse "
    "before the storm season, and the harbour office will publish the new fees in July."
)
TRANSCRIPT = (
    "MS. WREN:  Good afternoon. " + _FIRST + "\n\n" + _SECOND + "\n\n"
    "Q  Thank you. What about the fees?\n\n"
    "MS. WREN:  The fees come later. We are not raising them this year."
)


def _store(engine: Engine, tmp_path: Path) -> None:
    record = {
        "platform": "harbour",
        "post_id": "briefing-1",
        "url": "https://harbour.example/briefing-1",
        "author_name": "Ottilie Wren",
        "posted_at": "2024-05-14T15:00:00+00:00",
        "title": "Press Briefing by Harbour Secretary Ottilie Wren",
        "text": TRANSCRIPT,
        "kind": "transcript",
    }
    path = tmp_path / "originals.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    import_file(engine, path)


def test_a_quote_across_the_cut_of_a_long_turn_is_an_excerpt(
    engine: Engine, tmp_path: Path
) -> None:
    _store(engine, tmp_path)
    quote = Quote(
        text="Item 13 on the list of harbour repairs is the north jetty, and it stays on "
        "schedule. The ferry timetable changes on the first of June",
        speaker="Ottilie Wren",
    )
    with Session(engine) as session:
        pieces = session.exec(
            select(Original).where(Original.kind == "passage").order_by(Original.position)  # type: ignore[arg-type]
        ).all()
        assert len(pieces) >= 3, "the long turn should be stored in two pieces"
        verdict = match_quote(session, quote, before=None, zones=ZONES)
    assert (verdict.relation, verdict.attribution) == ("excerpt", "match")
    assert verdict.original is not None and verdict.span is not None
    matched = verdict.original.text[verdict.span[0] : verdict.span[1]]
    assert matched.startswith("Item 13") and matched.endswith("first of June")


def test_fragments_in_two_pieces_of_a_turn_are_elided(engine: Engine, tmp_path: Path) -> None:
    _store(engine, tmp_path)
    quote = Quote(
        text="Item 12 on the list of harbour repairs is the north jetty … Crews will repaint "
        "the lighthouse before the storm season",
        fragments=(
            "Item 12 on the list of harbour repairs is the north jetty",
            "Crews will repaint the lighthouse before the storm season",
        ),
        speaker="Wren",
    )
    with Session(engine) as session:
        verdict = match_quote(session, quote, before=None, zones=ZONES)
    assert (verdict.relation, verdict.attribution) == ("elided", "match")


def test_pieces_of_different_turns_are_not_joined(engine: Engine, tmp_path: Path) -> None:
    _store(engine, tmp_path)
    # The end of one turn and the start of the next (after the press question) never join.
    quote = Quote(
        text="the harbour office will publish the new fees in July. The fees come later",
        speaker="Ottilie Wren",
    )
    with Session(engine) as session:
        verdict = match_quote(session, quote, before=None, zones=ZONES)
    assert verdict.relation in ("none", "altered")


def test_the_original_carries_the_speaker_table_name_of_a_handle_only_post(
    engine: Engine, tmp_path: Path
) -> None:
    from bot.originals.speakers import get_or_create_speaker

    with Session(engine) as session:
        get_or_create_speaker(session, "Ines Okafor", handles=[("twitter", "inesokafor")])
        session.commit()
    rows = [
        {"platform": "twitter", "post_id": "1", "author_handle": "inesokafor",
         "text": "Parking fees stay where they are this year, we promise every household."},
        {"platform": "twitter", "post_id": "2", "author_handle": "someoneelse",
         "text": "Nobody in this ward will pay more for the harbour ferry next spring."},
    ]  # fmt: skip
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    import_file(engine, path)
    with Session(engine) as session:
        named = match_quote(
            session,
            Quote(text="Parking fees stay where they are this year", speaker="Ines Okafor"),
            before=None,
            zones=ZONES,
        )
        unknown = match_quote(
            session,
            Quote(text="Nobody in this ward will pay more for the harbour ferry"),
            before=None,
            zones=ZONES,
        )
    assert named.original is not None and named.original.post_id == "1"
    assert named.original.author_name is None  # the stored field stays as imported
    assert named.to_json()["original"]["speaker"] == "Ines Okafor"
    assert unknown.original is not None and unknown.original.post_id == "2"
    assert unknown.original.speaker is None  # a bare "@someoneelse" speaker is no name
