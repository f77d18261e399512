import json
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.digest.load import load_verdicts
from bot.match.verdict import Severity
from bot.models import Article, Citation, MatchRow, Original, Source, Speaker

T1 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_the_latest_verdict_of_each_citation_with_its_article_and_original(engine: Engine) -> None:
    with Session(engine) as session:
        source = Source(url="https://feeds.example.com/rss")
        speaker = Speaker(name="Ode Brann")
        session.add_all([source, speaker])
        session.flush()
        article = Article(
            source_id=source.id,
            url="https://www.example.net/a",
            canonical_url="https://www.example.net/a",
            title="Parks plan unveiled",
            published_at=T1,
        )
        original = Original(
            platform="bluesky",
            post_id="p1",
            url="https://bsky.app/profile/ode.example/post/p1",
            speaker_id=speaker.id,
            text="We will plant trees",
        )
        session.add_all([article, original])
        session.flush()
        citation = Citation(
            article_id=article.id, kind="quote", text="We will cut trees", speaker="Mara Quill"
        )
        session.add(citation)
        session.flush()
        common = {"citation_id": citation.id, "original_id": original.id, "date_check": "unknown"}
        diff = json.dumps([["=", "we will"], ["-", "plant"], ["+", "cut"]])
        for relation, attribution, when, diff_json in [
            ("verbatim", "match", T1, None),
            ("altered", "mismatch", T2, diff),
        ]:
            session.add(
                MatchRow(
                    **common,
                    relation=relation,
                    attribution=attribution,
                    original_status="live",
                    created_at=when,
                    diff_json=diff_json,
                )
            )
        session.commit()
        (verdict,) = load_verdicts(session)
        assert load_verdicts(session, since=datetime(2026, 3, 5, tzinfo=UTC)) == []
    assert verdict.headline is Severity.MISATTRIBUTED  # the newer row; mismatch wins
    assert (verdict.quote, verdict.speaker, verdict.platform) == (
        "We will cut trees",
        "Mara Quill",
        "bluesky",
    )
    assert verdict.original_speaker == "Ode Brann"
    assert verdict.original_url == "https://bsky.app/profile/ode.example/post/p1"
    assert verdict.article_title == "Parks plan unveiled" and verdict.article_published_at == T1
    assert verdict.source_url == "https://feeds.example.com/rss"
    assert verdict.diff == (("=", "we will"), ("-", "plant"), ("+", "cut"))
    assert verdict.created_at == T2
