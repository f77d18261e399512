"""Speaker and channel rules, one class of miss each, on invented sentences."""

from __future__ import annotations

import pytest

from bot.extract.quotes import find_quotes
from bot.extract.types import Quote


def quotes(*paragraphs: str) -> tuple[Quote, ...]:
    return find_quotes(list(paragraphs))


@pytest.mark.parametrize(
    "paragraph",
    [
        "“The council has never listened to the harbour,” an Eastmere Republican said.",
        "“The council has never listened to the harbour,” a Port Ellis Democrat predicted.",
        "“The council has never listened to the harbour,” another Eastmere Liberal added.",
        "Asked about it, one Eastmere Democrat said: “The council has never listened to us.”",
    ],
)
def test_an_unnamed_member_of_a_party_or_place_is_no_speaker(paragraph: str) -> None:
    [quote] = quotes(paragraph)
    assert quote.speaker is None
    assert (
        quote.speaker_role is not None
        and "Eastmere" in quote.speaker_role
        or ("Port Ellis" in (quote.speaker_role or ""))
    )


def test_one_alone_as_the_subject_is_no_speaker() -> None:
    [quote] = quotes(
        "Two harbour pilots spoke to the inquiry. One called the new pier “a trap for the "
        "smaller boats in winter.”"
    )
    assert quote.speaker is None


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        (
            "Deputy Director of Coastal Transport Eva-Marie Lindqvist said the service would "
            "resume. “We expect the ferry back by spring,” she added.",
            "Eva-Marie Lindqvist",
        ),
        ("“The fields flooded twice in one month,” said Farmer Otto Brannick.", "Otto Brannick"),
        (
            "“I did not think the bridge would hold,” Supervisor Greta Holmvik said.",
            "Greta Holmvik",
        ),
    ],
)
def test_a_title_before_the_name_is_not_part_of_it(paragraph: str, speaker: str) -> None:
    [quote] = quotes(paragraph)
    assert quote.speaker == speaker


def test_she_is_the_woman_named_before_not_an_organisation_named_since() -> None:
    found = quotes(
        "Last week, Mara Lindqvist wrote on her blog that Harbour Lights Records had kept "
        "her from singing her old songs at the festival.",
        "She said Harbour Lights Records wanted the show to count as a new recording.",
        "“I just want to be able to sing my own songs again,” she said.",
    )
    assert [q.speaker for q in found] == ["Mara Lindqvist"]


def test_a_later_bare_said_keeps_the_speakers_channel() -> None:
    found = quotes(
        "“This is about the harbour, not about any one of us,” Mayor Jo Invented told the "
        "Eastmere Gazette in an interview.",
        "“I have spent ten years on this pier and I will see it finished,” she said.",
        "“Nobody asked the fishermen what they wanted,” said Ola Brannick, a skipper.",
    )
    assert [(q.speaker, q.channel) for q in found] == [
        ("Jo Invented", "speech"),
        ("Jo Invented", "speech"),
        ("Ola Brannick", "unknown"),
    ]


def test_the_kept_channel_does_not_reach_far_paragraphs() -> None:
    filler = "The pier was built in 1902 and rebuilt twice after storms in the last century."
    found = quotes(
        "“This is about the harbour, not about any one of us,” Jo Invented told reporters.",
        filler,
        filler,
        filler,
        filler,
        "“The money was there all along for the repairs,” Invented said.",
    )
    assert [q.channel for q in found] == ["speech", "unknown"]
