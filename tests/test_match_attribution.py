"""Names compared as people write them: titles, honorifics, initials, turn labels."""

from __future__ import annotations

import pytest

from bot.match.attribution import compare_names, parse_name, ties_to_one_person


@pytest.mark.parametrize(
    ("named", "author", "expected"),
    [
        # a surname with a title or honorific agrees with a full name of that surname
        ("Tobias Fernsworth", "MR. FERNSWORTH", "match"),
        ("Tobias Fernsworth", "Mr. Fernsworth", "match"),
        ("Secretary Fernsworth", "Tobias Fernsworth", "match"),
        ("Wilhelmina Oakhart", "SECRETARY OAKHART", "match"),
        ("Wilhelmina Oakhart", "DR. OAKHART", "match"),
        ("Wilhelmina Oakhart", "SURGEON GENERAL OAKHART", "match"),
        ("Orchard Envoy Wilhelmina Oakhart", "ACTING ADMINISTRATOR OAKHART", "match"),
        ("Oakhart", "Wilhelmina Oakhart", "match"),
        # initials, short forms, middle names, suffixes
        ("W. Oakhart", "Wilhelmina Oakhart", "match"),
        ("Willa Oakhart", "Wilhelmina Oakhart", "mismatch"),
        ("Wilhel Oakhart", "Wilhelmina Oakhart", "match"),
        ("Jake Fernsworth", "Jacob Fernsworth", "match"),
        ("Tobias Q. Fernsworth", "Tobias Fernsworth", "match"),
        ("Tobias Fernsworth Jr.", "Tobias Fernsworth", "match"),
        # compound and double surnames
        ("Bea Marrow-Quill", "MS. MARROW-QUILL", "match"),
        ("Bea Marrow Quill", "MS. MARROW-QUILL", "match"),
        ("Quill", "Bea Marrow-Quill", "match"),
        ("Perez Quintana", "Ana Lucia Perez Quintana", "match"),
        # someone else
        ("Tobias Fernsworth", "MR. OAKHART", "mismatch"),
        ("Tobias Fernsworth", "Wilhelmina Oakhart", "mismatch"),
        ("Tobias Fernsworth", "Edna Fernsworth", "mismatch"),
        # a label that stands for no one person
        ("Tobias Fernsworth", "Q", "unknown"),
        ("Tobias Fernsworth", "Q (press)", "unknown"),
        ("Tobias Fernsworth", "Audience Member", "unknown"),
        ("Tobias Fernsworth", "MODERATOR", "unknown"),
        ("Tobias Fernsworth", "SENIOR ADMINISTRATION OFFICIAL", "unknown"),
        ("Tobias Fernsworth", "MR. OAKHART AND MS. MARROW", "unknown"),
        ("Tobias Fernsworth", "THE PRESIDENT", "unknown"),
        ("a spokesperson", "Tobias Fernsworth", "unknown"),
        ("", "Tobias Fernsworth", "unknown"),
    ],
)
def test_compare_names(named: str, author: str, expected: str) -> None:
    assert compare_names(named, author) == expected


def test_compare_names_is_symmetric_on_people() -> None:
    pairs = [("Tobias Fernsworth", "MR. FERNSWORTH"), ("Tobias Fernsworth", "MR. OAKHART")]
    for one, other in pairs:
        assert compare_names(one, other) == compare_names(other, one)


def test_parse_name() -> None:
    parsed = parse_name("ACTING ADMINISTRATOR OAKHART")
    assert parsed.surname == "oakhart" and parsed.given == () and parsed.titled
    assert parse_name("Sen. Tobias Q. Fernsworth Jr.").given == ("tobias", "q")
    assert not ties_to_one_person("Q (press)")
    assert ties_to_one_person("Ms. Marrow-Quill")


@pytest.mark.parametrize(
    ("named", "author", "expected"),
    [
        ("White House press secretary Bea Marrow", "Tobias Fernsworth", "mismatch"),
        ("Chief of Staff Bea Marrow", "MS. MARROW", "match"),
        ("Council Member Bea Marrow", "MS. MARROW", "match"),
        ("Tobias Fernsworth", "AIR FORCE ONE CREW MEMBER", "unknown"),
        ("Tobias Fernsworth", "WHITE HOUSE AIDE", "unknown"),
    ],
)
def test_long_titles_before_a_name(named: str, author: str, expected: str) -> None:
    assert compare_names(named, author) == expected


def test_a_surname_inside_another_is_not_the_same() -> None:
    assert compare_names("Smith", "Bea Goldsmith") == "mismatch"
    assert compare_names("Cortez", "MS. OCASIO-CORTEZ") == "match"
