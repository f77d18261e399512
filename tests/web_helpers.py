"""Helpers of the receipt tests: store an invented article's quotes, read a page's parts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import lxml.html
from sqlalchemy import Engine

from bot.config import load_settings
from bot.extract.types import Article, Embed, Quote
from bot.pipeline import CheckResult, Loaded, check_loaded

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def store_article(
    engine: Engine,
    quotes: Sequence[Quote],
    *,
    url: str = "https://news.example/2024/05/15/story",
    title: str = "An invented story",
    published_at: str | None = "2024-05-15T12:00:00+00:00",
    embeds: Sequence[Embed] = (),
    now: datetime = NOW,
) -> CheckResult:
    """Match and store an article made of *quotes* as `check` does (no page to extract)."""
    article = Article(
        url=url,
        canonical_url=url,
        title=title,
        published_at=published_at,
        language="en",
        embeds=tuple(embeds),
        quotes=tuple(quotes),
    )
    loaded = Loaded(source=url, url=url, content=repr(article).encode(), content_type=None)
    settings = load_settings(_env_file=None)
    return check_loaded(engine, loaded, settings=settings, now=now, article=article)


def tree(page: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(page)


def texts(page: str, xpath: str) -> list[str]:
    """The text of every element *xpath* selects, spaces folded."""
    return [" ".join(e.text_content().split()) for e in tree(page).xpath(xpath)]


def assert_inert(page: str) -> None:
    """No script, no event attribute, no link but http(s), no style but the page's own."""
    root = tree(page)
    assert not root.xpath("//script | //iframe | //object | //embed | //img | //svg")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.lower() in ("href", "src", "action", "formaction"):
                assert value.startswith(("http://", "https://", "/")), (element.tag, value)
    assert len(root.xpath("//style")) == 1
