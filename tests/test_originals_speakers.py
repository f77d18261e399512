from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.models import Original, Speaker, SpeakerHandle
from bot.originals.known import holder_on
from bot.originals.speakers import (
    attribution,
    find_speaker,
    fold,
    get_or_create_speaker,
    president_on,
    seed_known_speakers,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Joseph R. Biden, Jr.", "joseph r biden jr"),
        ("  Karine   Jean-Pierre ", "karine jean pierre"),
        ("José  Álvarez", "jose alvarez"),
        ("O’Rourke", "orourke"),
        ("J.D. Vance", "jd vance"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("when", "name"),
    [
        (date(2009, 1, 20), "Barack Obama"),
        (date(2016, 11, 8), "Barack Obama"),
        (date(2017, 1, 20), "Donald J. Trump"),
        (date(2018, 9, 9), "Donald J. Trump"),
        (date(2021, 1, 19), "Donald J. Trump"),
        (date(2021, 1, 20), "Joe Biden"),
        (date(2024, 7, 1), "Joe Biden"),
        (date(2025, 1, 20), "Donald J. Trump"),
        (date(2026, 3, 1), "Donald J. Trump"),
        (date(2008, 1, 1), None),
        # inauguration day changes hands at noon Eastern (17:00 UTC in January)
        (datetime(2021, 1, 20, 16, 59, tzinfo=UTC), "Donald J. Trump"),
        (datetime(2021, 1, 20, 17, 1, tzinfo=UTC), "Joe Biden"),
    ],
)
def test_president_on(when: date, name: str | None) -> None:
    assert president_on(when) == name


@pytest.mark.parametrize(
    ("office", "when", "name"),
    [
        ("vice president", date(2012, 5, 5), "Joe Biden"),
        ("vice president", date(2019, 5, 5), "Mike Pence"),
        ("vice president", date(2023, 5, 5), "Kamala Harris"),
        ("vice president", date(2025, 5, 5), "JD Vance"),
        ("press secretary", date(2017, 3, 1), "Sean Spicer"),
        ("press secretary", date(2018, 9, 10), "Sarah Huckabee Sanders"),
        ("press secretary", date(2019, 12, 1), "Stephanie Grisham"),
        ("press secretary", date(2020, 8, 1), "Kayleigh McEnany"),
        ("press secretary", date(2021, 6, 1), "Jen Psaki"),
        ("press secretary", date(2023, 6, 1), "Karine Jean-Pierre"),
        ("press secretary", date(2025, 6, 1), "Karoline Leavitt"),
    ],
)
def test_holder_on(office: str, when: date, name: str) -> None:
    assert holder_on(office, when) == name


def test_seed_is_idempotent_and_finds_by_alias_and_handle(engine: Engine) -> None:
    with Session(engine) as session:
        seed_known_speakers(session)
        seed_known_speakers(session)
        session.commit()
        names = session.exec(select(Speaker.name)).all()
        assert len(names) == len(set(names)) >= 13
        trump = find_speaker(session, "Donald Trump")
        assert trump is not None and trump.name == "Donald J. Trump"
        for query in ("twitter:realDonaldTrump", "@realdonaldtrump", "President Trump", "trump"):
            found = find_speaker(session, query)
            assert found is not None and found.id == trump.id, query
        assert find_speaker(session, "Nobody Atall") is None


def test_get_or_create_adds_aliases_and_keeps_a_handle_with_its_owner(engine: Engine) -> None:
    with Session(engine) as session:
        alex = get_or_create_speaker(
            session,
            "Alex Quillfeather",
            role="Mayor",
            aliases=["Quillfeather"],
            handles=[("twitter", "@QuillMayor")],
        )
        again = get_or_create_speaker(session, "alex  quillfeather", aliases=["Mayor Q"])
        assert again.id == alex.id
        other = get_or_create_speaker(session, "Bea Marrow", handles=[("twitter", "quillmayor")])
        assert other.id != alex.id
        owners = session.exec(select(SpeakerHandle.speaker_id)).all()
        assert owners == [alex.id]
        found = find_speaker(session, "mayor q")
        assert found is not None and found.id == alex.id


def _post(**fields: object) -> Original:
    values: dict[str, object] = {
        "platform": "twitter",
        "post_id": "1",
        "text": "Invented words.",
        "posted_at": datetime(2018, 9, 9, 15, 31, tzinfo=UTC),
    }
    values.update(fields)
    return Original(**values)


@pytest.mark.parametrize(
    ("named", "fields", "expected"),
    [
        (None, {"author_handle": "realDonaldTrump"}, "unknown"),
        ("Trump", {}, "unknown"),  # the original's author is not known
        ("Trump", {"author_handle": "realDonaldTrump"}, "match"),
        ("President Trump", {"author_handle": "realDonaldTrump"}, "match"),
        ("Donald Trump", {"author_handle": "realDonaldTrump"}, "match"),
        ("@realDonaldTrump", {"author_handle": "realDonaldTrump"}, "match"),
        # a handle the extractor gives as the speaker ("@QuillMayor tweeted"), no speaker row
        ("@QuillMayor", {"author_handle": "QuillMayor"}, "match"),
        ("@quillmayor", {"author_handle": "QuillMayor"}, "match"),
        ("@QuillMayor", {"author_name": "Bea Marrow"}, "mismatch"),
        ("the president", {"author_handle": "realDonaldTrump"}, "match"),
        ("Joe Biden", {"author_handle": "realDonaldTrump"}, "mismatch"),
        ("Sen. Biden", {"author_handle": "realDonaldTrump"}, "mismatch"),
        ("a White House spokesperson", {"author_handle": "realDonaldTrump"}, "unknown"),
        # an office account belongs to the holder on the post's date
        ("Trump", {"author_handle": "POTUS"}, "match"),
        ("Biden", {"author_handle": "POTUS"}, "mismatch"),
        (
            "Biden",
            {"author_handle": "POTUS", "posted_at": datetime(2022, 3, 1, tzinfo=UTC)},
            "match",
        ),
        # only the name is known (no speaker row)
        ("Rep. Wilhelmina Oakhart", {"author_name": "Wilhelmina Oakhart"}, "match"),
        ("Oakhart", {"author_name": "Wilhelmina Oakhart"}, "match"),
        ("Tobias Fernsworth", {"author_name": "Wilhelmina Oakhart"}, "mismatch"),
        # titles before the name, however long
        (
            "Senate Majority Leader Wilhelmina Oakhart",
            {"author_name": "Wilhelmina Oakhart"},
            "match",
        ),
        ("Democratic presidential nominee Joe Biden", {"author_handle": "JoeBiden"}, "match"),
        (
            "Senate Minority Whip Tobias Fernsworth",
            {"author_name": "Wilhelmina Oakhart"},
            "mismatch",
        ),
        # a statement with no author fields: its title names the author
        (
            "Biden",
            {"kind": "statement", "title": "Statement from President Joe Biden on Rain"},
            "match",
        ),
        (
            "Pence",
            {"kind": "statement", "title": "Statement by President Joe Biden on Rain"},
            "mismatch",
        ),
        ("Biden", {"kind": "statement", "title": "Fact Sheet: New Rain Rules"}, "unknown"),
        # a retweet's text is the retweeted account's, never the retweeter's
        (
            "Trump",
            {"author_handle": "realDonaldTrump", "is_retweet": True, "text": "RT @JoeBiden: words"},
            "mismatch",
        ),
        (
            "Biden",
            {"author_handle": "realDonaldTrump", "is_retweet": True, "text": "RT @JoeBiden: words"},
            "match",
        ),
        (
            "Trump",
            {"author_handle": "realDonaldTrump", "is_retweet": True, "text": "no RT prefix"},
            "mismatch",
        ),
        (
            "Tobias Fernsworth",
            {"author_handle": "realDonaldTrump", "is_retweet": True, "text": "RT @nobody1: x"},
            "unknown",
        ),
    ],
)
def test_attribution(
    engine: Engine, named: str | None, fields: dict[str, object], expected: str
) -> None:
    with Session(engine) as session:
        seed_known_speakers(session)
        assert attribution(session, named, _post(**fields)) == expected


def _turn(label: str) -> Original:
    """A briefing passage whose turn label could not be resolved to a full name."""
    return _post(platform="whitehouse", kind="passage", author_name=label)


@pytest.mark.parametrize(
    ("named", "label", "expected"),
    [
        # a title and the surname agree with a full name of that surname
        ("Tobias Fernsworth", "Mr. Fernsworth", "match"),
        ("Orchard Envoy Tobias Fernsworth", "Mr. Fernsworth", "match"),
        ("Wilhelmina Oakhart", "Secretary Oakhart", "match"),
        ("Wilhelmina Oakhart", "Acting Administrator Oakhart", "match"),
        ("W. Oakhart", "Dr. Oakhart", "match"),
        ("Fernsworth", "Mr. Fernsworth", "match"),
        # someone else's turn
        ("Wilhelmina Oakhart", "Mr. Fernsworth", "mismatch"),
        # a turn that stands for no one person is never held against anyone
        ("Tobias Fernsworth", "Q (press)", "unknown"),
        ("Tobias Fernsworth", "Moderator", "unknown"),
        ("Tobias Fernsworth", "Audience Member", "unknown"),
        ("Tobias Fernsworth", "Senior Administration Official", "unknown"),
    ],
)
def test_attribution_of_an_unresolved_turn_label(
    engine: Engine, named: str, label: str, expected: str
) -> None:
    with Session(engine) as session:
        seed_known_speakers(session)
        assert attribution(session, named, _turn(label)) == expected


def test_attribution_of_a_label_resolved_to_a_speaker_row(engine: Engine) -> None:
    with Session(engine) as session:
        fernsworth = get_or_create_speaker(session, "Tobias Fernsworth")
        passage = _post(kind="passage", speaker_id=fernsworth.id, author_name="Tobias Fernsworth")
        assert attribution(session, "Mr. Fernsworth", passage) == "match"
        assert attribution(session, "Toby Fernsworth", passage) == "mismatch"
        assert attribution(session, "T. Fernsworth", passage) == "match"
        assert attribution(session, "Edna Fernsworth", passage) == "mismatch"


def test_attribution_uses_the_speaker_id(engine: Engine) -> None:
    with Session(engine) as session:
        psaki = get_or_create_speaker(session, "Jen Psaki", aliases=["Psaki"])
        passage = _post(kind="passage", speaker_id=psaki.id, author_name="Jen Psaki")
        assert attribution(session, "Psaki", passage) == "match"
        assert attribution(session, "Press Secretary Jen Psaki", passage) == "match"
        assert attribution(session, "Karine Jean-Pierre", passage) == "mismatch"


def test_cli_speakers_add_and_list(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run_cli(
        "speakers", "add", "Alex Quillfeather", "--alias", "Mayor Q",
        "--handle", "twitter:@QuillMayor", "--role", "Mayor",
    )  # fmt: skip
    assert code == 0 and "Alex Quillfeather" in out
    code, out, _err = run_cli("speakers", "list", "--json")
    (row,) = [r for r in json.loads(out) if r["name"] == "Alex Quillfeather"]
    assert row["role"] == "Mayor"
    assert row["handles"] == ["twitter:quillmayor"]
    assert set(row["aliases"]) == {"alex quillfeather", "mayor q"}
    code, _out, err = run_cli("speakers", "add", "Bea Marrow", "--handle", "quillmayor")
    assert code == 2 and "PLATFORM:HANDLE" in err
