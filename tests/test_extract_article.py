"""Article metadata, body paragraphs and bad input (invented pages), and the real pages."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.extract.article import Body, article_body, extract_article
from bot.extract.embeds import EXTRACTORS
from bot.extract.html import MAX_BYTES, decode_html

STORY = (
    "<p>The harbour master of Eastmere, Jo Invented, said on Monday that the new pier "
    "would open in spring after two years of work on the old stone foundations.</p>"
    "<p>“We have waited a long time for this and the town deserves it,” Invented said "
    "at a meeting with the fishing cooperative and several local business owners.</p>"
    "<p>Work on the pier started in 2022 and was delayed twice by winter storms that "
    "damaged the scaffolding and flooded the site office near the lifeboat station.</p>"
)


def page(head: str = "", body: str = STORY, html_attrs: str = "") -> str:
    return f"<html{html_attrs}><head>{head}</head><body><article>{body}</article></body></html>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<meta property="article:published_time" content="2021-03-04T05:06:07+01:00">',
            "2021-03-04T05:06:07+01:00",
        ),
        ('<meta name="pubdate" content="2019-12-31">', "2019-12-31"),
        ('<meta name="parsely-pub-date" content="20180102">', "2018-01-02"),
        ('<meta itemprop="datePublished" content="2017-06-05">', "2017-06-05"),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2020-02-03T04:05:06Z"}</script>',
            "2020-02-03T04:05:06+00:00",
        ),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, '
            '{"@type": "Article", "datePublished": "2016-07-08"}]}</script>',
            "2016-07-08",
        ),
        # meta tags win over JSON-LD
        (
            '<meta property="article:published_time" content="2015-01-01">'
            '<script type="application/ld+json">{"@type": "Article", '
            '"datePublished": "2014-01-01"}</script>',
            "2015-01-01",
        ),
        # a broken JSON-LD block is skipped, not fatal
        ('<script type="application/ld+json">{"@type": "Article", </script>', None),
    ],
)
def test_published_date_from_meta_tags_and_json_ld(head: str, expected: str | None) -> None:
    assert extract_article(page(head)).published_at == expected


def test_published_date_from_a_visible_line_when_no_meta() -> None:
    body = "<p>March 4, 2019 Updated: March 5, 2019</p>" + STORY
    assert extract_article(page(body=body)).published_at == "2019-03-04"


def test_published_date_from_htmldate_reading_the_url() -> None:
    article = extract_article(page(), "https://news.example.test/2017/10/11/pier-opens/")
    assert article.published_at == "2017-10-11"


@pytest.mark.parametrize(
    ("head", "html_attrs", "url", "title", "canonical", "language"),
    [
        (
            "<title>Pier opens | Eastmere Gazette</title>"
            '<meta property="og:title" content="Pier opens">'
            '<link rel="canonical" href="/news/pier">',
            ' lang="en-GB"',
            "https://gazette.example.test/amp/pier",
            "Pier opens",
            "https://gazette.example.test/news/pier",
            "en",
        ),
        ("<title>  Pier\n opens  </title>", "", None, "Pier opens", None, None),
        (
            '<meta property="og:url" content="https://gazette.example.test/p">'
            '<meta property="og:locale" content="fr_FR">',
            "",
            None,
            None,
            "https://gazette.example.test/p",
            "fr",
        ),
        (
            '<link rel="canonical" href="javascript:alert(1)">',
            ' lang="not a language"',
            None,
            None,
            None,
            None,
        ),
    ],
)
def test_title_canonical_url_and_language(
    head: str,
    html_attrs: str,
    url: str | None,
    title: str | None,
    canonical: str | None,
    language: str | None,
) -> None:
    article = extract_article(page(head, html_attrs=html_attrs), url)
    assert (article.title, article.canonical_url, article.language) == (
        title,
        canonical,
        language,
    )


def test_body_paragraphs_exclude_embedded_posts_and_follow_lines() -> None:
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="en">Embedded words that are not the '
        "article's own text at all.</p>&mdash; Someone Invented (@someone_test) "
        '<a href="https://twitter.com/someone_test/status/1234567890123">May 1, 2020</a>'
        "</blockquote>"
    )
    body = STORY + tweet + "<p>Follow Jo Invented on Twitter: @jo_invented_test</p>"
    article = extract_article(page(body=body))
    assert "harbour master of Eastmere" in article.body_text
    assert "Embedded words" not in article.body_text
    assert "Follow Jo" not in article.body_text
    assert [embed.post_id for embed in article.embeds] == ["1234567890123"]


def test_blockquote_paragraphs_are_marked() -> None:
    body = (
        STORY + "<blockquote><p>A statement the council issued in full, quoted as a block in the "
        "story, with several words so that it counts as text.</p></blockquote>"
        + "<p>The council did not say when the statement was written or who signed it.</p>"
    )
    result = article_body(page(body=body))
    assert isinstance(result, Body)
    quoted = [result.paragraphs[i] for i in sorted(result.blockquote_indexes)]
    assert quoted == [
        "A statement the council issued in full, quoted as a block in the story, with "
        "several words so that it counts as text."
    ]


def test_quotes_are_found_in_the_body() -> None:
    quotes = extract_article(page()).quotes
    assert [quote.text for quote in quotes] == [
        "We have waited a long time for this and the town deserves it,"
    ] or [quote.text.rstrip(",") for quote in quotes] == [
        "We have waited a long time for this and the town deserves it"
    ]


def test_soft_hyphens_and_zero_width_characters_leave_the_words_whole() -> None:
    body = (
        "<p>“We have wai\u00adted a long time for this and the town de\u00adserves it,” "
        "said Jo In\u00adven\u00adted,\u200b the harbour mas\u00adter of Eastmere.</p>"
    )
    article = extract_article(page(body=body))
    assert "\u00ad" not in article.body_text and "\u200b" not in article.body_text
    [quote] = article.quotes
    assert quote.text.startswith("We have waited a long time")
    assert quote.speaker == "Jo Invented"


# -- bad input: a clear error or an empty result, never a crash or a hang ----------------


@pytest.mark.parametrize(
    ("data", "content_type", "error"),
    [
        (b"", None, "empty page"),
        (b"   \n\t ", None, "empty page"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200 + b"IHDR" * 50, None, "binary"),
        (b"\x00\x01\x02\x03" * 500, "text/html", "binary"),
    ],
)
def test_empty_and_binary_input_give_an_error_not_a_crash(
    data: bytes, content_type: str | None, error: str
) -> None:
    article = extract_article(data, "https://x.example.test/", content_type=content_type)
    assert article.title is None
    assert article.embeds == ()
    assert any(error in problem for problem in article.errors)


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        # Content-Type says UTF-8, the bytes are windows-1252: the meta tag is right.
        (
            '<meta charset="windows-1252"><p>café</p>'.encode("cp1252"),
            "text/html; charset=utf-8",
            "café",
        ),
        # Undeclared windows-1252: the detector is used.
        ("<p>Le café était très animé à Noël, déjà complet.</p>".encode("cp1252"), None, "café"),
        # A meta tag naming an unknown charset is ignored.
        ('<meta charset="x-no-such"><p>naïve</p>'.encode(), None, "naïve"),
        # BOM wins over everything.
        (
            codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le"),
            "text/html; charset=latin-1",
            "Grüße",
        ),
        # ISO-8859-1 declared means windows-1252 (curly quote at 0x93).
        (b"<p>\x93quoted\x94</p>", "text/html; charset=ISO-8859-1", "“quoted”"),
        # Invalid UTF-8 and nothing declared: replacement characters, never an exception.
        (b"<p>ok \xff\xfe\xfd ok</p>", "text/html; charset=utf-8", "ok"),
    ],
)
def test_decoding_follows_bom_header_meta_then_detection(
    data: bytes, content_type: str | None, expected: str
) -> None:
    text, _errors = decode_html(data, content_type)
    assert expected in text


def test_truncated_page_still_gives_what_it_has() -> None:
    full = page("<title>Pier opens</title>", STORY)
    article = extract_article(full[: len(full) // 2].encode())
    assert article.title == "Pier opens"
    assert "harbour master" in article.body_text


def test_page_over_the_cap_is_cut_and_says_so() -> None:
    paragraph = b"<p>" + b"Filler words of an enormous page repeated again. " * 20 + b"</p>"
    head = b"<html><head><title>Huge invented page</title></head><body>"
    data = head + paragraph * (MAX_BYTES // len(paragraph) + 10)
    assert len(data) > MAX_BYTES
    article = extract_article(data)
    assert article.title == "Huge invented page"
    assert any("20 MB" in problem for problem in article.errors)
    assert any("read in part" in problem for problem in article.errors)


@pytest.mark.parametrize("tag", ["div", "blockquote", "span", "table"])
def test_markup_nested_ten_thousand_deep(tag: str) -> None:
    html = f"<{tag}>" * 10_000 + "<p>deep words</p>" + f"</{tag}>" * 10_000
    article = extract_article(html)
    assert article.embeds == ()
    assert article.title is None


_TAGS = st.sampled_from(
    ["p", "div", "blockquote", "iframe", "a", "script", "amp-twitter", "section", "br", "meta"]
)
_ATTRS = st.sampled_from(
    [
        "",
        ' class="twitter-tweet"',
        ' class="instagram-media"',
        ' class="bluesky-embed" data-bluesky-uri="at://did:plc:x/app.bsky.feed.post/y"',
        ' src="https://www.youtube.com/embed/AAAAAAAAAA1"',
        ' href="https://twitter.com/a/status/123456"',
        ' data-tweetid="99999"',
        ' data-href="https://www.facebook.com/x/posts/123456"',
        ' class="mastodon-embed" data-embed-url="https://m.example.test/@u/1/embed"',
        ' content="2020-01-01" property="article:published_time"',
    ]
)


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{draw(_TAGS)}{draw(_ATTRS)}>")
        elif kind == 1:
            parts.append(f"</{draw(_TAGS)}>")
        elif kind == 2:
            parts.append(draw(st.text(max_size=40)))
        else:
            parts.append(draw(st.sampled_from(["&mdash;", "(@h)", "<!--", "]]>", "<", "&#0;"])))
    return "".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_documents())
def test_any_generated_html_gives_an_article(html: str) -> None:
    article = extract_article(html, "https://x.example.test/a")
    assert article.url == "https://x.example.test/a"
    json.dumps(article.to_json())
    for embed in article.embeds:
        assert embed.platform in EXTRACTORS
        assert embed.url.startswith("https://")
    keys = [(embed.platform, embed.post_id or embed.url) for embed in article.embeds]
    assert len(keys) == len(set(keys))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([None, "text/html; charset=utf-8", "bogus"]))
def test_any_bytes_decode_without_raising(data: bytes, content_type: str | None) -> None:
    text, errors = decode_html(data, content_type)
    assert isinstance(text, str)
    assert "\x00" not in text


# -- real data -------------------------------------------------------------------------------


def test_seed_article(shared_data: Path) -> None:
    article = extract_article((shared_data / "seed" / "article.html").read_bytes())
    assert article.published_at == "2018-09-10"
    assert article.title == "White House Confirms Plans Underway for Second Trump–Kim Meeting"
    assert "Trump wrote on Twitter on Sept. 9" in article.body_text
    assert "Follow Holly" not in article.body_text
    assert article.embeds == ()


def test_real_pages_have_title_date_body_and_no_embed_text_in_body(shared_data: Path) -> None:
    index = json.loads((shared_data / "articles" / "index.json").read_text())
    problems = {}
    for item in index:
        html = (shared_data / "articles" / item["file"]).read_bytes()
        article = extract_article(html, item["url"] or None)
        # An embed's text read as a body paragraph of its own (articles may still quote a
        # post in their own sentences, inside quotation marks).
        paragraphs = article.body_text.split("\n\n")
        leaked = [
            embed.post_id
            for embed in article.embeds
            if embed.text
            and len(embed.text) > 40
            and any(paragraph.startswith(embed.text[:40]) for paragraph in paragraphs)
        ]
        missing = [
            name
            for name, value in (
                ("title", article.title),
                ("published_at", article.published_at),
                ("body", article.body_text),
            )
            if not value
        ]
        if missing or leaked or article.errors:
            problems[item["file"]] = (missing, leaked, article.errors)
    assert problems == {}
