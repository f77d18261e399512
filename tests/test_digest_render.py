"""Every renderer at its platform's documented limits, with hostile text and huge digests.

The limit checks here are written from the platforms' documentation (see
../shared/PLATFORMS.md), independently of the renderers' own measuring.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.digest.build import build_digest
from bot.digest.model import ChannelRules, Digest, StoredVerdict
from bot.digest.render import RENDERERS, Message, apprise, webhook
from bot.match.verdict import Severity
from tests.digest_values import NOW, stored

SCHEMA = json.loads(
    resources.files("bot.digest.render").joinpath("webhook.schema.json").read_text("utf-8")
)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def size(message: Message) -> int:
    return len(json.dumps(message.body, ensure_ascii=False).encode("utf-8"))


def check_slack(body: dict[str, Any]) -> None:
    assert body["text"] and len(body["blocks"]) <= 50
    for block in body["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]  # raises past a limit
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


def check_discord(body: dict[str, Any]) -> None:
    assert len(body["content"]) <= 2000 and len(body["embeds"]) <= 10
    assert body["allowed_mentions"] == {"parse": []}
    total = 0
    for embed in body["embeds"]:
        assert utf16(embed["title"]) <= 256 and utf16(embed["description"]) <= 4096
        total += (
            utf16(embed["title"]) + utf16(embed["description"]) + utf16(embed["footer"]["text"])
        )
    assert total <= 6000


def check_googlechat(body: dict[str, Any]) -> None:
    widgets = sum(len(s["widgets"]) for s in body["cardsV2"][0]["card"]["sections"])
    assert widgets <= 100


def check_matrix(body: dict[str, Any]) -> None:
    assert body["msgtype"] == "m.notice" and body["m.mentions"] == {}
    assert body["format"] == "org.matrix.custom.html"


def check_teams(body: dict[str, Any]) -> None:
    (attachment,) = body["attachments"]
    assert body["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"


def check_mattermost(body: dict[str, Any]) -> None:
    assert isinstance(body["text"], str) and isinstance(body["attachments"], list)


MAX_BYTES = {"teams": 28_000, "googlechat": 32_000, "matrix": 65_536}
SHAPE = {
    "slack": check_slack,
    "discord": check_discord,
    "googlechat": check_googlechat,
    "matrix": check_matrix,
    "teams": check_teams,
    "mattermost": check_mattermost,
    "webhook": lambda body: jsonschema.validate(body, SCHEMA),
}


def check_limits(name: str, messages: list[Message]) -> None:
    for message in messages:
        assert message.parts == len(messages)
        if name in SHAPE:
            assert isinstance(message.body, dict)
            SHAPE[name](message.body)
        if name in MAX_BYTES:
            assert size(message) <= MAX_BYTES[name]
        if name == "mattermost":
            assert utf16(json.dumps(message.body, ensure_ascii=False)) <= 16_383
        if name == "apprise":
            assert isinstance(message.body, str) and utf16(message.body) <= 4_000


def check_each_once(digest: Digest, messages: list[Message]) -> None:
    carried = [verdict_id for m in messages for verdict_id in m.verdict_ids]
    assert sorted(carried) == sorted(item.verdict_id for item in digest.items)
    views: list[list[str]] = [
        [m.body if isinstance(m.body, str) else json.dumps(m.body) for m in messages]
    ]
    if isinstance(messages[0].body, dict) and "formatted_body" in messages[0].body:
        # Matrix: the plain body and the HTML one each carry every citation once
        views = [
            [str(m.body[key]) for m in messages if isinstance(m.body, dict)]
            for key in ("body", "formatted_body")
        ]
    for item in digest.items:  # each quote's own marker, in exactly one message
        marker = f"tree{item.verdict_id}x"
        for texts in views:
            assert sum(text.count(marker) for text in texts) == 1, marker


def digest_of(verdicts: list[StoredVerdict]) -> Digest:
    digest = build_digest(verdicts, ChannelRules("desk"), {}, NOW)
    assert digest is not None
    return digest


def big_digest() -> Digest:
    verdicts = [
        stored(
            n,
            headline=list(Severity)[n % 8],
            quote=f"We will plant tree{n}x in every park " + "and more " * (n % 40),
            article_url=f"https://news.example.com/story/{n // 10}",
            article_title=f"Story {n // 10}",
            receipt_url=f"https://receipts.example.com/v/{n}",
        )
        for n in range(1, 501)
    ]
    verdicts[0] = stored(
        1,
        quote="tree1x " + "a very long quote " * 560,
        receipt_url="https://receipts.example.com/v/1",
    )
    return digest_of(verdicts)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_one_citation_is_one_message(name: str) -> None:
    digest = digest_of([stored(1, quote="We will plant tree1x in every park")])
    messages = RENDERERS[name].render(digest)
    assert len(messages) == 1 and messages[0].verdict_ids == (1,)
    check_limits(name, messages)
    check_each_once(digest, messages)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_500_citations_and_a_10000_character_quote_fit_every_limit(name: str) -> None:
    digest = big_digest()
    messages = RENDERERS[name].render(digest)
    check_limits(name, messages)
    check_each_once(digest, messages)
    if name not in ("stdout", "webhook"):
        assert len(messages) > 1
    first = messages[0].body if isinstance(messages[0].body, str) else json.dumps(messages[0].body)
    assert "500 citations" in first


@pytest.mark.parametrize("name", sorted(set(RENDERERS) - {"webhook", "stdout"}))
def test_a_quote_too_long_is_shortened_with_a_link_to_the_rest(name: str) -> None:
    quote = "tree1x " + "word " * 2000 + "LASTWORD"
    digest = digest_of([stored(1, quote=quote, receipt_url="https://receipts.example.com/v/1")])
    (message,) = RENDERERS[name].render(digest)
    text = json.dumps(message.body, ensure_ascii=False)
    assert "…" in text and "LASTWORD" not in text
    assert "https://receipts.example.com/v/1" in text
    assert "read it whole" in text


def test_the_webhook_keeps_a_long_quote_whole() -> None:
    quote = "tree1x " + "word " * 2000 + "LASTWORD"
    (message,) = webhook.render(digest_of([stored(1, quote=quote)]))
    assert isinstance(message.body, dict)
    assert message.body["articles"][0]["citations"][0]["quote"].endswith("LASTWORD")


MARKDOWN = {"mattermost", "discord", "teams"}  # elsewhere Markdown is inert text
ALL = set(RENDERERS)
HOSTILE: list[tuple[str, list[str], set[str]]] = [
    ("@everyone look", ["@everyone"], ALL),
    ("@here now", ["@here"], ALL),
    ("<!channel> alert", ["<!channel>"], ALL),
    ("hi <@U024BE7LH> and <#C024BE7LH>", ["<@U024BE7LH>", "<#C024BE7LH>"], ALL),
    ("@room wake up", ["@room"], ALL),
    ("<script>alert(1)</script>", ["<script>"], ALL),
    ('<a href="https://evil.example">x</a>', ['<a href="https://evil.example">'], ALL),
    ("[click](https://evil.example)", ["[click](https://evil.example)"], MARKDOWN),
    ("<https://evil.example|click>", ["<https://evil.example|click>"], ALL),
    ("*bold* _it_ ~gone~ `code`", ["*bold*", "`code`"], {"slack", *MARKDOWN}),
    ("@\u200beveryone", ["\u200b", "@everyone"], ALL),
    ("evil\u202egnp.exe", ["\u202e"], ALL),
    ("a\u2066b\u2069c\ufeffd", ["\u2066", "\u2069", "\ufeff"], ALL),
]


@pytest.mark.parametrize("name", sorted(RENDERERS))
@pytest.mark.parametrize(("hostile", "forbidden", "where"), HOSTILE)
def test_hostile_text_is_neutralised(
    name: str, hostile: str, forbidden: list[str], where: set[str]
) -> None:
    if name not in where:
        pytest.skip(f"{hostile!r} is inert text in {name}'s markup")
    verdict = stored(
        1,
        quote=hostile,
        speaker=hostile,
        article_title=hostile,
        headline=Severity.MISATTRIBUTED,
        original_speaker=hostile,
    )
    for message in RENDERERS[name].render(digest_of([verdict])):
        body = message.body
        text = body if isinstance(body, str) else _strings(body)
        for bad in forbidden:
            assert bad not in text, (name, bad)


def _strings(value: Any) -> str:
    """Every string of a JSON value, as the platform reads them (not JSON-escaped)."""
    if isinstance(value, dict):
        return "\n".join(_strings(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return value if isinstance(value, str) else ""


def test_slack_payload_of_one_citation() -> None:
    verdict = stored(
        7,
        headline=Severity.ALTERED,
        quote="We will cut trees",
        diff=(("=", "we will"), ("-", "plant"), ("+", "cut"), ("=", "trees")),
        original_url="https://bsky.app/profile/mara.example/post/7",
    )
    (message,) = RENDERERS["slack"].render(digest_of([verdict]))
    assert message.body == {
        "text": "quotecheck digest for desk, 4 Mar 2026 08:00 UTC (part 1/1): "
        "1 article, 1 citation: 1 altered",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "quotecheck digest for desk, 4 Mar 2026 08:00 UTC (part 1/1)",
                },
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "1 article, 1 citation: 1 altered"}],
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*<https://www.example.net/news/parks|Parks plan unveiled>*\n"
                    "example.net, 3 Mar 2026 09:30 UTC",
                },
            },
            {"type": "divider"},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*ALTERED* Mara Quill on bluesky\n"
                    "“We will cut trees”\n"
                    "changed: “plant” → “cut”\n"
                    "<https://bsky.app/profile/mara.example/post/7|original>",
                },
            },
        ],
    }


def test_discord_payload_of_one_citation() -> None:
    (message,) = RENDERERS["discord"].render(digest_of([stored(3, quote="Parks for all")]))
    assert message.body == {
        "content": "quotecheck digest for desk, 4 Mar 2026 08:00 UTC \\(part 1/1\\)\n"
        "1 article, 1 citation: 1 verbatim",
        "embeds": [
            {
                "title": "Parks plan unveiled",
                "url": "https://www.example.net/news/parks",
                "description": "**VERBATIM** Mara Quill on bluesky\n“Parks for all”\n"
                "[original](https://bsky.app/profile/mara.example/post/3)",
                "color": 0x4A90E2,
                "footer": {"text": "example.net, 3 Mar 2026 09:30 UTC"},
            }
        ],
        "allowed_mentions": {"parse": []},
    }


def test_matrix_event_of_an_update() -> None:
    from bot.digest.model import Posted

    posted = {3: Posted(3, 3, Severity.VERBATIM, message_ref="$event1")}
    digest = build_digest(
        [
            stored(
                9,
                citation_id=3,
                headline=Severity.DELETED,
                quote="Parks for all",
                original_url=None,
            )
        ],
        ChannelRules("desk"),
        posted,
        NOW,
    )
    assert digest is not None
    (message,) = RENDERERS["matrix"].render(digest)
    assert isinstance(message.body, dict)
    assert message.body["formatted_body"] == (
        "<h4>quotecheck digest for desk, 4 Mar 2026 08:00 UTC (part 1/1)</h4>"
        "<p>1 article, 1 citation: 1 deleted (1 update)</p>"
        '<h5><a href="https://www.example.net/news/parks">Parks plan unveiled</a></h5>'
        "<p>example.net, 3 Mar 2026 09:30 UTC</p>"
        "<p><b>UPDATE: DELETED (was verbatim)</b> Mara Quill on bluesky<br/>"
        "“Parks for all”<br/>updates an earlier post</p>"
    )


def test_webhook_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # expected value from: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    headers = webhook.signature_headers("s3cret", 1700000000, b'{"a":1}')
    assert headers == {
        "X-Quotecheck-Timestamp": "1700000000",
        "X-Quotecheck-Signature": "sha256="
        "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940",
    }


def test_apprise_refuses_a_limit_too_small_for_one_citation() -> None:
    with pytest.raises(ValueError, match="too small"):
        apprise.render(digest_of([stored(1)]), limit=200)


texts = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "Cf", "Mn"]),
    max_size=3000,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quotes=st.lists(texts, min_size=1, max_size=60),
    title=texts,
    per_article=st.integers(1, 30),
)
def test_any_digest_fits_every_platform_and_carries_each_citation_once(
    quotes: list[str], title: str, per_article: int
) -> None:
    verdicts = [
        stored(
            n,
            quote=f"tree{n}x {quote}",
            speaker=quote[:300] or None,
            article_title=title or None,
            article_url=f"https://news.example.com/{n // per_article}",
            headline=list(Severity)[n % 8],
            created_at=datetime(2026, 3, 3, tzinfo=UTC),
        )
        for n, quote in enumerate(quotes, 1)
    ]
    digest = digest_of(verdicts)
    for name, renderer in RENDERERS.items():
        messages = renderer.render(digest)
        check_limits(name, messages)
        check_each_once(digest, messages)


def test_the_readme_lists_every_renderer_and_the_webhook_schema() -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    digests = readme.split("## Digests", 1)[1].split("\n## ", 1)[0]
    for name in RENDERERS:
        assert f"| `{name}` |" in digests, name
    assert "bot/digest/render/webhook.schema.json" in digests
