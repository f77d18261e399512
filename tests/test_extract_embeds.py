"""Embedded posts: each platform's documented markup (invented accounts), and the real pages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.extract.embeds import EXTRACTORS, find_embeds, remove_embed_markup
from bot.extract.html import parse
from bot.extract.types import Embed

FIXTURES = Path(__file__).resolve().parent / "data" / "embeds"


def embeds_of(name: str) -> tuple[Embed, ...]:
    return find_embeds(parse((FIXTURES / name).read_text(encoding="utf-8")))


def test_registry_has_one_module_per_platform() -> None:
    assert set(EXTRACTORS) == {
        "twitter",
        "bluesky",
        "mastodon",
        "threads",
        "instagram",
        "facebook",
        "tiktok",
        "youtube",
        "truthsocial",
        "vine",
    }
    for key, extractor in EXTRACTORS.items():
        assert extractor.name == key


def test_twitter_blockquote_gives_author_text_date_and_clean_permalink() -> None:
    first = embeds_of("twitter.html")[0]
    assert first == Embed(
        platform="twitter",
        url="https://twitter.com/MayorWilmaTest/status/1111111111111111111",
        post_id="1111111111111111111",
        author_name="Mayor Wilma Okonkwo-Test",
        author_handle="MayorWilmaTest",
        text="The new bridge opens on Monday.\nCome and walk it with us! #Brookfield "
        "pic.twitter.com/AbCdEf1234",
        posted_at="2018-09-09",
    )


def test_twitter_variants_each_found_once_and_share_buttons_ignored() -> None:
    found = embeds_of("twitter.html")
    assert [embed.post_id for embed in found] == [
        "1111111111111111111",  # blockquote; the second embedding of it is merged
        "2222222222222222222",  # x.com link
        "3333333333333333333",  # /i/web/status/
        "7777777777777777777",  # /i/status/
        "4444444444444444444",  # rendered iframe with data-tweet-id
        "6666666666666666666",  # amp-twitter
        "5555555555555555555",  # pre-rendered Tweet.html?id=
    ]
    by_id = {embed.post_id: embed for embed in found}
    assert by_id["2222222222222222222"].url == (
        "https://twitter.com/ValleyWxTest/status/2222222222222222222"
    )
    assert by_id["3333333333333333333"].url == (
        "https://twitter.com/OldAccountTest/status/3333333333333333333"
    )
    assert by_id["3333333333333333333"].posted_at == "2016-01-02"
    assert by_id["4444444444444444444"].url == (
        "https://twitter.com/i/web/status/4444444444444444444"
    )
    assert by_id["6666666666666666666"].author_handle is None


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "bluesky.html",
            [
                Embed(
                    platform="bluesky",
                    url="https://bsky.app/profile/did:plc:testaaaaaaaaaaaaaaaaaaaa/post/3kinventedaa1",
                    post_id="at://did:plc:testaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kinventedaa1",
                    author_name="Town Library Test",
                    author_handle="library.example.test",
                    text="Our library stays open late this week.",
                    posted_at="2024-11-25",
                ),
                Embed(
                    platform="bluesky",
                    url="https://bsky.app/profile/did:plc:testbbbbbbbbbbbbbbbbbbbb/post/3kinventedbb2",
                    post_id="at://did:plc:testbbbbbbbbbbbbbbbbbbbb/app.bsky.feed.post/3kinventedbb2",
                    author_name="Harbour Ferries Test",
                    author_handle="ferries.example.test",
                    text="Ferry timetable changes from Sunday.",
                    posted_at="2025-01-15T09:30:00.000+00:00",
                ),
            ],
        ),
        (
            "mastodon.html",
            [
                Embed(
                    platform="mastodon",
                    url="https://social.example.test/@ranger_test/113000000000000001",
                    post_id="113000000000000001",
                    author_handle="ranger_test@social.example.test",
                ),
                Embed(
                    platform="mastodon",
                    url="https://other.example.test/@birder_test/112000000000000002",
                    post_id="112000000000000002",
                    author_handle="birder_test@other.example.test",
                ),
            ],
        ),
        (
            "threads.html",
            [
                Embed(
                    platform="threads",
                    url="https://www.threads.com/@bakery_test/post/C1nVeNtEdAa",
                    post_id="C1nVeNtEdAa",
                    author_handle="bakery_test",
                ),
                Embed(
                    platform="threads",
                    url="https://www.threads.com/@florist_test/post/DInVeNtEdBb",
                    post_id="DInVeNtEdBb",
                    author_handle="florist_test",
                ),
            ],
        ),
        (
            "instagram.html",
            [
                Embed(
                    platform="instagram",
                    url="https://www.instagram.com/p/CiNvEnTeD01/",
                    post_id="CiNvEnTeD01",
                    author_name="Potter Studio Test",
                    author_handle="potter_studio_test",
                ),
                Embed(
                    platform="instagram",
                    url="https://www.instagram.com/p/BoLdInVeNt2/",
                    post_id="BoLdInVeNt2",
                    author_name="Kiln Club Test",
                    author_handle="kilnclub_test",
                    text="New glazes out of the kiln today #pottery",
                    posted_at="2016-12-05T17:10:10+00:00",
                ),
                Embed(
                    platform="instagram",
                    url="https://www.instagram.com/p/AmPiNvEnT03/",
                    post_id="AmPiNvEnT03",
                ),
            ],
        ),
        (
            "facebook.html",
            [
                Embed(
                    platform="facebook",
                    url="https://www.facebook.com/TownCouncilTest/posts/1234567890123456",
                    post_id="1234567890123456",
                    author_name="Town Council Test",
                    text="The council meets on Thursday at 7pm in the town hall.",
                    posted_at="2024-03-05",
                ),
                Embed(
                    platform="facebook",
                    url="https://www.facebook.com/TownCouncilTest/videos/2345678901234567/",
                    post_id="2345678901234567",
                ),
                Embed(
                    platform="facebook",
                    url="https://www.facebook.com/GardenClubTest/posts/3456789012345678",
                    post_id="3456789012345678",
                ),
                Embed(
                    platform="facebook",
                    url="https://www.facebook.com/GardenClubTest/videos/4567890123456789/",
                    post_id="4567890123456789",
                ),
            ],
        ),
        (
            "tiktok.html",
            [
                Embed(
                    platform="tiktok",
                    url="https://www.tiktok.com/@chef_test/video/7100000000000000001",
                    post_id="7100000000000000001",
                    author_handle="chef_test",
                    text="Three-minute pancakes for busy mornings #breakfast",
                ),
            ],
        ),
        (
            "youtube.html",
            [
                Embed(
                    platform="youtube",
                    url=f"https://www.youtube.com/watch?v={video}",
                    post_id=video,
                )
                for video in ("AAAAAAAAAA1", "BBBBBBBBBB2", "CCCCCCCCCC3", "DDDDDDDDDD4")
            ],
        ),
        (
            "truthsocial.html",
            [
                Embed(
                    platform="truthsocial",
                    url="https://truthsocial.com/@SenatorTest/posts/114000000000000001",
                    post_id="114000000000000001",
                    author_handle="SenatorTest",
                ),
            ],
        ),
        (
            "vine.html",
            [Embed(platform="vine", url="https://vine.co/v/iInVeNtEd1", post_id="iInVeNtEd1")],
        ),
    ],
)
def test_platform_markup(fixture: str, expected: list[Embed]) -> None:
    assert list(embeds_of(fixture)) == expected


def test_lazy_markup_in_attributes_textareas_and_json_is_found() -> None:
    found = {(embed.platform, embed.post_id) for embed in embeds_of("lazy.html")}
    assert found == {
        ("facebook", "5678901234567890"),
        ("youtube", "EEEEEEEEEE5"),
        ("twitter", "8888888888888888888"),
    }


def test_removing_embed_markup_drops_post_text_but_keeps_the_article() -> None:
    tree = parse((FIXTURES / "twitter.html").read_text(encoding="utf-8"))
    remove_embed_markup(tree)
    text = tree.body.text()
    assert "bridge opens" not in text
    assert "Article text about an invented mayor." in text
    assert find_embeds(tree) == ()


def test_real_pages_every_listed_embed_found_none_invented(shared_data: Path) -> None:
    index = json.loads((shared_data / "articles" / "index.json").read_text())
    # The index counts huffingtonpost1's three "twitter-tweet-btn" share buttons as tweets:
    # the page has no status link at all, so nothing is embedded there.
    wrong_in_index = {"newspaper-huffingtonpost1.html": {}}
    mismatches = {}
    for item in index:
        html = (shared_data / "articles" / item["file"]).read_bytes().decode("utf-8", "replace")
        counts = Counter(
            "youtube_iframe" if embed.platform == "youtube" else embed.platform
            for embed in find_embeds(parse(html))
        )
        expected = wrong_in_index.get(item["file"], item["embeds"])
        if dict(counts) != expected:
            mismatches[item["file"]] = (dict(counts), expected)
    assert mismatches == {}
    assert len(index) == 36
