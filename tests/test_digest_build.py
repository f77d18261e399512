from datetime import UTC, datetime

from bot.digest.build import build_digest, changed_words
from bot.digest.model import ChannelRules, Posted
from bot.match.verdict import Severity
from tests.digest_values import NOW, stored

RULES = ChannelRules(name="desk")


def test_nothing_new_gives_no_digest() -> None:
    assert build_digest([], RULES, {}, NOW) is None
    posted = {1: Posted(citation_id=1, verdict_id=1, headline=Severity.VERBATIM)}
    assert build_digest([stored(1)], RULES, posted, NOW) is None


def test_grouped_by_article_most_serious_first_with_a_summary() -> None:
    other = "https://other.example.org/story"
    verdicts = [
        stored(1),
        stored(2, headline=Severity.ALTERED),
        stored(3, article_url=other, article_title="Other story", headline=Severity.EXCERPT),
    ]
    digest = build_digest(verdicts, RULES, {}, NOW)
    assert digest is not None
    assert [g.title for g in digest.articles] == ["Parks plan unveiled", "Other story"]
    assert digest.articles[0].outlet == "example.net"
    assert [i.verdict_id for i in digest.articles[0].items] == [2, 1]
    assert digest.summary.text == "2 articles, 3 citations: 1 altered, 1 excerpt, 1 verbatim"
    assert digest.generated_at == NOW


def test_min_severity_and_filters() -> None:
    verdicts = [
        stored(1),
        stored(2, headline=Severity.DELETED, speaker="Ode Brann"),
        stored(3, headline=Severity.NOT_FOUND, platform="mastodon"),
        stored(4, headline=Severity.ALTERED, source_url="https://feeds.example.com/rss"),
    ]

    def ids(rules: ChannelRules) -> list[int]:
        digest = build_digest(verdicts, rules, {}, NOW)
        return sorted(i.verdict_id for i in digest.items) if digest else []

    assert ids(ChannelRules("d", min_severity=Severity.NOT_FOUND)) == [2, 3, 4]
    assert ids(ChannelRules("d", speakers=frozenset({"ode brann"}))) == [2]
    assert ids(ChannelRules("d", platforms=frozenset({"mastodon"}))) == [3]
    assert ids(ChannelRules("d", sources=frozenset({"feeds.example.com"}))) == [4]
    assert ids(ChannelRules("d", sources=frozenset({"example.net"}))) == [1, 2, 3, 4]


def test_a_changed_verdict_is_an_update_linking_the_earlier_post() -> None:
    posted = {
        1: Posted(1, 1, Severity.VERBATIM, message_ref="https://chat.example/m/77"),
        2: Posted(2, 2, Severity.VERBATIM),
    }
    newer = stored(
        11,
        citation_id=1,
        headline=Severity.DELETED,
        created_at=datetime(2026, 3, 4, 7, 0, tzinfo=UTC),
    )
    digest = build_digest([stored(1), newer, stored(2)], RULES, posted, NOW)
    assert digest is not None
    (item,) = digest.items
    assert (item.verdict_id, item.is_update) == (11, True)
    assert item.previous_headline is Severity.VERBATIM
    assert item.previous_message_ref == "https://chat.example/m/77"
    assert digest.summary.text == "1 article, 1 citation: 1 deleted (1 update)"


def test_an_update_below_the_minimum_still_corrects_the_earlier_alarm() -> None:
    rules = ChannelRules("d", min_severity=Severity.ALTERED)
    posted = {1: Posted(1, 1, Severity.ALTERED)}
    digest = build_digest([stored(5, citation_id=1)], rules, posted, NOW)
    assert digest is not None and digest.items[0].is_update


def test_misattributed_names_whose_words_and_altered_lists_the_changes() -> None:
    diff = (("=", "we will"), ("-", "plant"), ("+", "cut"), ("=", "trees"), ("-", "soon"))
    digest = build_digest(
        [
            stored(1, headline=Severity.MISATTRIBUTED, original_speaker="Ode Brann"),
            stored(2, headline=Severity.ALTERED, diff=diff),
        ],
        RULES,
        {},
        NOW,
    )
    assert digest is not None
    misattributed, altered = digest.items
    assert misattributed.real_speaker == "Ode Brann"
    assert altered.changed_words == (("plant", "cut"), ("soon", ""))


def test_changed_words_joins_a_run_of_dropped_words() -> None:
    assert changed_words([("-", "a"), ("-", "b"), ("+", "c"), ("+", "d")]) == (
        ("a b", "c"),
        ("", "d"),
    )
