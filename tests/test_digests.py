"""The stage job "build digests" (bot/digests.py) on real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from bot import db
from bot.config import Settings
from bot.digests import Composed, compose_digests, is_due, next_run, preview, rules_of, split_list
from bot.match.verdict import Severity
from bot.models import Article, Channel, Citation, Delivery, MatchRow, PostedCitation, Source
from bot.models import Digest as DigestRow
from bot.web.app import create_app

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]
ADDED = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _channel(engine: Engine, name: str = "desk", **fields: object) -> int:
    values: dict[str, object] = {
        "kind": "webhook",
        "url": "https://hooks.example/x",
        "schedule": "0 8 * * *",
        "min_severity": "verbatim",
        "created_at": ADDED,
    }
    values.update(fields)
    with db.session_scope(engine) as session:
        row = Channel(name=name, **values)  # type: ignore[arg-type]
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _article(engine: Engine, n: int, *, source: str = "https://feeds.example/rss") -> int:
    with db.session_scope(engine) as session:
        src = session.exec(select(Source).where(col(Source.url) == source)).first()
        if src is None:
            src = Source(url=source)
            session.add(src)
            session.flush()
        article = Article(
            source_id=src.id,
            url=f"https://news.example/{n}",
            canonical_url=f"https://news.example/{n}",
            title=f"Story {n}",
            published_at=T1,
        )
        session.add(article)
        session.flush()
        assert article.id is not None
        return article.id


def _citation(engine: Engine, article_id: int, text: str, speaker: str = "Ilse Varga") -> int:
    with db.session_scope(engine) as session:
        row = Citation(article_id=article_id, kind="quote", text=text, speaker=speaker)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _verdict(engine: Engine, citation_id: int, relation: str, when: datetime, **kw: str) -> int:
    with db.session_scope(engine) as session:
        row = MatchRow(
            citation_id=citation_id,
            relation=relation,
            attribution=kw.get("attribution", "match"),
            original_status=kw.get("status", "live"),
            date_check="unknown",
            created_at=when,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _posted(engine: Engine) -> list[tuple[int, int, str]]:
    with Session(engine) as session:
        rows = session.exec(select(PostedCitation).order_by(col(PostedCitation.id))).all()
        return [(row.channel_id, row.verdict_id, row.headline) for row in rows]


def test_split_list_and_rules() -> None:
    assert split_list(" a, b,,c ,") == ("a", "b", "c")
    assert split_list(None) == ()
    channel = Channel(
        name="x", kind="slack", url="u", min_severity="altered", speakers="Ilse Varga, Tom Ode"
    )
    rules = rules_of(channel)
    assert rules.min_severity is Severity.ALTERED
    assert rules.speakers == frozenset({"Ilse Varga", "Tom Ode"})
    assert rules.sources == frozenset() and rules.platforms == frozenset()


def test_a_cron_channel_is_due_once_its_time_has_come_round() -> None:
    channel = Channel(name="x", kind="slack", url="u", schedule="0 8 * * *", created_at=ADDED)
    assert next_run(channel) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert not is_due(channel, datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    assert is_due(channel, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    channel.last_digest_at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert not is_due(channel, datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert is_due(channel, datetime(2026, 3, 3, 8, 1, tzinfo=UTC))
    channel.schedule = "immediate"
    assert next_run(channel) is None and is_due(channel, ADDED)


def test_a_digest_is_stored_enqueued_and_never_posted_twice(engine: Engine) -> None:
    channel = _channel(engine)
    article = _article(engine, 1)
    first = _verdict(engine, _citation(engine, article, "We will build it"), "verbatim", T1)
    second = _verdict(engine, _citation(engine, article, "We never said so"), "none", T1)

    summary = compose_digests(engine, SETTINGS, T1 + timedelta(hours=1))
    assert (summary.channels, summary.digests, summary.citations) == (1, 1, 2)
    assert summary.errors == []
    assert _count(engine, DigestRow) == 1 and _count(engine, Delivery) == 1
    assert sorted(_posted(engine)) == [(channel, first, "verbatim"), (channel, second, "not_found")]
    with Session(engine) as session:
        delivery = session.exec(select(Delivery)).one()
        body = json.loads(delivery.payload_json)["body"]
    # the webhook body carries both citations, most serious first
    quotes = [item["quote"] for group in body["articles"] for item in group["citations"]]
    assert quotes == ["We never said so", "We will build it"]

    # the next day: nothing new, nothing sent (the schedule still moves on)
    summary = compose_digests(engine, SETTINGS, T2)
    assert (summary.channels, summary.digests) == (1, 0)
    assert _count(engine, Delivery) == 1
    with Session(engine) as session:
        assert session.get(Channel, channel).last_digest_at == T2  # type: ignore[union-attr]


def test_a_changed_verdict_is_an_update_linked_to_the_earlier_message(engine: Engine) -> None:
    _channel(engine)
    citation = _citation(engine, _article(engine, 1), "Taxes go down")
    _verdict(engine, citation, "none", T1)
    compose_digests(engine, SETTINGS, T1 + timedelta(hours=1))
    with db.session_scope(engine) as session:  # the platform's receipt of that message
        delivery = session.exec(select(Delivery)).one()
        delivery.status, delivery.message_ref = "sent", "msg-41"
        session.add(delivery)
    newer = _verdict(engine, citation, "altered", T2)
    summary = compose_digests(engine, SETTINGS, T2 + timedelta(days=1))
    assert summary.digests == 1
    with Session(engine) as session:
        last = session.exec(select(Delivery).order_by(col(Delivery.id).desc())).first()
        assert last is not None
        body = json.loads(last.payload_json)["body"]
    (item,) = body["articles"][0]["citations"]
    assert item["headline"] == "altered" and item["verdict_id"] == newer
    assert item["is_update"] is True
    assert (item["previous_headline"], item["previous_message_ref"]) == ("not_found", "msg-41")


def test_filters_and_least_severity_choose_what_a_channel_gets(engine: Engine) -> None:
    serious = _channel(engine, "serious", min_severity="altered")
    varga = _channel(engine, "varga", speakers="ilse varga")
    other = _channel(engine, "other-feed", sources="other.example")
    article = _article(engine, 1)
    altered = _verdict(engine, _citation(engine, article, "One", "Ilse Varga"), "altered", T1)
    plain = _verdict(engine, _citation(engine, article, "Two", "Tom Ode"), "verbatim", T1)
    compose_digests(engine, SETTINGS, T1 + timedelta(days=1))
    got = {(channel, verdict) for channel, verdict, _ in _posted(engine)}
    assert got == {(serious, altered), (varga, altered)}
    assert plain not in {verdict for _, verdict in got} and other not in {c for c, _ in got}


def test_a_channel_added_later_gets_no_old_findings(engine: Engine) -> None:
    _verdict(engine, _citation(engine, _article(engine, 1), "Old news"), "verbatim", T1)
    _channel(engine, created_at=T2)
    assert compose_digests(engine, SETTINGS, T2 + timedelta(days=1)).digests == 0


def test_preview_writes_nothing_and_force_ignores_the_schedule(engine: Engine) -> None:
    channel = _channel(engine, schedule="0 8 1 1 *")  # once a year
    _verdict(engine, _citation(engine, _article(engine, 1), "Soon"), "verbatim", T1)
    (shown,) = preview(engine, SETTINGS, T1)
    assert shown.channel == "desk" and shown.digest.summary.citations == 1
    assert len(shown.messages) == 1
    assert _count(engine, DigestRow) == 0 and _posted(engine) == []
    assert compose_digests(engine, SETTINGS, T1).digests == 0  # not due
    assert compose_digests(engine, SETTINGS, T1, channel_ids=[channel], force=True).digests == 1
    assert preview(engine, SETTINGS, T1) == []  # all posted now


def test_one_broken_channel_does_not_stop_the_others(engine: Engine) -> None:
    _channel(engine, "broken", kind="carrier-pigeon")
    good = _channel(engine, "good")
    verdict = _verdict(engine, _citation(engine, _article(engine, 1), "Fine"), "verbatim", T1)
    summary = compose_digests(engine, SETTINGS, T1 + timedelta(days=1))
    assert summary.digests == 1
    assert len(summary.errors) == 1 and summary.errors[0].startswith("broken: ValueError")
    assert _posted(engine) == [(good, verdict, "verbatim")]


def test_a_long_digest_is_split_and_each_part_records_its_verdicts(engine: Engine) -> None:
    channel = _channel(engine, kind="discord", url="https://discord.example/api/webhooks/1/x")
    article = _article(engine, 1)
    verdicts = {
        _verdict(engine, _citation(engine, article, f"Quote number {n} " * 20), "verbatim", T1)
        for n in range(40)
    }
    compose_digests(engine, SETTINGS, T1 + timedelta(days=1))
    with Session(engine) as session:
        parts = session.exec(select(Delivery.part)).all()
        posted = session.exec(select(PostedCitation)).all()
    assert len(parts) > 1  # 40 embeds do not fit one Discord message (10 at most)
    assert {row.verdict_id for row in posted} == verdicts
    assert {row.part for row in posted} == set(parts)
    assert all(row.channel_id == channel for row in posted)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_replicas_racing_make_one_digest(kind: str, request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url")
    engine = db.make_engine(url)
    db.upgrade(engine)
    _channel(engine, schedule="immediate")
    for n in range(5):
        _verdict(engine, _citation(engine, _article(engine, n), f"Words {n}"), "verbatim", T1)
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def replica() -> None:
        own = db.make_engine(url)
        try:
            barrier.wait()
            results.append(compose_digests(own, SETTINGS, T1 + timedelta(hours=1)).digests)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert _count(engine, DigestRow) == 1 and len(_posted(engine)) == 5
    engine.dispose()


def test_a_claim_made_on_a_stale_reading_misses(engine: Engine) -> None:
    """Two replicas that read the channel before either claimed it: only one gets the run."""
    from bot.digests import _claimed

    channel_id = _channel(engine)
    with Session(engine) as session:
        stale = session.get(Channel, channel_id)
    assert stale is not None
    with _claimed(engine, stale, T1) as first:
        assert first is not None
    with _claimed(engine, stale, T2) as second:
        assert second is None
    with Session(engine) as session:
        assert session.get(Channel, channel_id).last_digest_at == T1  # type: ignore[union-attr]


PUBLIC = "https://receipts.example/qc"
RECEIPT_LINK = re.compile(re.escape(PUBLIC) + r"(/r/(\d+)/[0-9a-f]{32})")
KINDS = {  # each chat platform's renderer, as a channel of that kind
    "slack": "https://hooks.slack.com/services/T0/B0/x",
    "discord": "https://discord.com/api/webhooks/1/x",
    "teams": "https://example.webhook.office.com/webhookb2/x",
    "googlechat": "https://chat.googleapis.com/v1/spaces/x/messages?key=k&token=t",
    "mattermost": "https://mattermost.example/hooks/x",
    "matrix": "https://matrix.example/#!room:matrix.example",
    "webhook": "https://hooks.example/x",
    "stdout": "-",
    "apprise": "json://127.0.0.1:9/x",  # the text renderer, split to Apprise's limit
}


def _every_kind(engine: Engine) -> dict[int, str]:
    """A channel of every kind, and two verdicts: {verdict id: its quote}."""
    for kind, url in KINDS.items():
        _channel(engine, kind, kind=kind, url=url)
    article = _article(engine, 1)
    quotes = ["We will build it", "We never said so"]
    relations = ["verbatim", "none"]
    return {
        _verdict(engine, _citation(engine, article, quote), relation, T1): quote
        for quote, relation in zip(quotes, relations, strict=True)
    }


def _bodies(composed: Composed) -> str:
    return "\n".join(
        m.body if isinstance(m.body, str) else json.dumps(m.body) for m in composed.messages
    )


def test_every_digest_item_links_its_receipt_when_the_public_url_is_set(engine: Engine) -> None:
    verdicts = _every_kind(engine)
    settings = Settings(_env_file=None, public_url=PUBLIC)  # type: ignore[call-arg]
    shown = preview(engine, settings, T1)
    assert sorted(c.kind for c in shown) == sorted(KINDS)
    client = TestClient(create_app(engine, settings), base_url="http://127.0.0.1")
    for composed in shown:
        found = {int(vid): path for path, vid in RECEIPT_LINK.findall(_bodies(composed))}
        assert sorted(found) == sorted(verdicts), composed.kind
        for verdict_id, path in found.items():
            page = client.get(path)  # the link's MAC is the web app's
            assert page.status_code == 200, (composed.kind, path)
            assert verdicts[verdict_id] in page.text  # that verdict's receipt
            wrong = path[:-1] + ("0" if path[-1] != "0" else "1")
            assert client.get(wrong).status_code == 404


def test_the_outbox_carries_the_receipt_links(engine: Engine) -> None:
    _channel(engine)
    verdict = _verdict(engine, _citation(engine, _article(engine, 1), "Fine"), "verbatim", T1)
    settings = Settings(_env_file=None, public_url=PUBLIC + "/")  # type: ignore[call-arg]
    assert compose_digests(engine, settings, T1 + timedelta(hours=1)).digests == 1
    with Session(engine) as session:
        (payload,) = session.exec(select(Delivery.payload_json)).all()
    body = json.loads(payload)["body"]
    ((citation,),) = [a["citations"] for a in body["articles"]]
    path = citation["receipt_url"].removeprefix(PUBLIC)
    assert RECEIPT_LINK.fullmatch(citation["receipt_url"]) and path.startswith(f"/r/{verdict}/")
    client = TestClient(create_app(engine, settings), base_url="http://127.0.0.1")
    assert client.get(path).status_code == 200


def test_no_receipt_links_without_the_public_url(engine: Engine) -> None:
    _every_kind(engine)
    shown = preview(engine, SETTINGS, T1)
    assert sorted(c.kind for c in shown) == sorted(KINDS)
    for composed in shown:
        text = _bodies(composed)
        assert not re.search(r"/r/\d+/", text), composed.kind
        if composed.kind == "webhook":  # the schema's key is there, empty
            (message,) = composed.messages
            assert isinstance(message.body, dict)
            citations = [c for a in message.body["articles"] for c in a["citations"]]
            assert len(citations) == 2 and {c["receipt_url"] for c in citations} == {None}
        else:
            assert "receipt" not in text.casefold(), composed.kind
