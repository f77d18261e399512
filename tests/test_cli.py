"""The admin commands through the CLI runner: db, status, sources, channels, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from bot import db
from bot.models import (
    Article,
    Channel,
    Citation,
    Delivery,
    Digest,
    MatchRow,
    PostedCitation,
    Source,
)

Run = Callable[..., tuple[int, str, str]]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def cli_engine(run_cli: Run, sqlite_url: str) -> Engine:
    """The database the CLI runner uses, migrated."""
    engine = db.make_engine(sqlite_url)
    db.upgrade(engine)
    return engine


# ------------------------------------------------------------------------------ help, db


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "status"),
        (("db", "--help"), "upgrade"),
        (("status", "--help"), "--json"),
        (("sources", "--help"), "remove"),
        (("sources", "add", "--help"), "--every"),
        (("sources", "list", "--help"), "--json"),
        (("sources", "remove", "--help"), "id or URL"),
        (("channels", "--help"), "remove"),
        (("channels", "add", "--help"), "--min-severity"),
        (("channels", "list", "--help"), "--json"),
        (("channels", "remove", "--help"), "name"),
    ],
)
def test_every_command_has_help(run_cli: Run, args: tuple[str, ...], words: str) -> None:
    code, out, _ = run_cli(*args, "--help") if args else run_cli("--help")
    assert code == 0
    assert words in out


def test_db_upgrade_reports_the_revision(run_cli: Run, sqlite_url: str) -> None:
    code, out, err = run_cli("db", "upgrade")
    assert code == 0, err
    engine = db.make_engine(sqlite_url)
    revision = db.current_revision(engine)
    engine.dispose()
    assert revision and out.strip() == f"database at revision {revision}"


def test_a_bad_setting_exits_2_naming_the_variable(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTECHECK_DATABASE_URL", "mysql://nope")
    line = _one_error_line(*run_cli("status")[::2])
    assert "QUOTECHECK_DATABASE_URL" in line


# ------------------------------------------------------------------------------ sources


def test_sources_add_list_remove(run_cli: Run, cli_engine: Engine) -> None:
    code, out, err = run_cli(
        "sources", "add", "https://news.example/feed.xml", "--kind", "feed", "--every", "30m"
    )
    assert (code, err) == (0, "")
    assert out.strip() == "added source 1: https://news.example/feed.xml (feed, every 30m)"
    code, out, _ = run_cli(
        "sources", "add", "https://news.example/sitemap.xml", "--kind", "sitemap"
    )
    assert code == 0 and "(sitemap, every 15m)" in out  # the default interval

    code, out, _ = run_cli("sources", "list", "--json")
    listed = json.loads(out)
    assert [(s["id"], s["url"], s["kind"], s["every_seconds"]) for s in listed] == [
        (1, "https://news.example/feed.xml", "feed", 1800),
        (2, "https://news.example/sitemap.xml", "sitemap", 900),
    ]
    assert listed[0]["next_poll_at"] is not None  # due at once
    assert listed[0]["failures"] == 0 and listed[0]["last_error"] is None

    code, out, _ = run_cli("sources", "list")
    assert code == 0 and "sitemap" in out and "30m" in out and "15m" in out

    assert run_cli("sources", "remove", "1")[:2] == (
        0,
        "removed source 1: https://news.example/feed.xml\n",
    )
    assert run_cli("sources", "remove", "https://news.example/sitemap.xml")[0] == 0
    with cli_engine.connect() as connection:
        assert connection.execute(select(Source.id)).all() == []
    assert "no sources" in run_cli("sources", "list")[1]
    assert json.loads(run_cli("sources", "list", "--json")[1]) == []


def test_a_source_can_ignore_robots_txt(run_cli: Run, cli_engine: Engine) -> None:
    assert run_cli("sources", "add", "https://a.example/news", "--kind", "page")[0] == 0
    args = ("sources", "add", "https://b.example/feed", "--kind", "feed", "--ignore-robots")
    assert run_cli(*args)[0] == 0
    listed = json.loads(run_cli("sources", "list", "--json")[1])
    assert [(s["url"], s["robots"]) for s in listed] == [
        ("https://a.example/news", True),
        ("https://b.example/feed", False),
    ]
    out = run_cli("sources", "list")[1]
    assert "feed, every 15m, ignoring robots.txt: https://b.example/feed" in out
    assert "page, every 15m: https://a.example/news" in out


def test_removing_a_source_keeps_its_articles(run_cli: Run, cli_engine: Engine) -> None:
    run_cli("sources", "add", "https://news.example/feed.xml", "--kind", "feed")
    with db.session_scope(cli_engine) as session:
        session.add(
            Article(
                source_id=1, url="https://news.example/a", canonical_url="https://news.example/a"
            )
        )
    assert run_cli("sources", "remove", "https://news.example/feed.xml")[0] == 0
    with cli_engine.connect() as connection:
        assert connection.execute(select(Article.url, Article.source_id)).all() == [
            ("https://news.example/a", None)
        ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("sources", "add", "ftp://files.example/feed"), "not an http:// or https:// URL"),
        (("sources", "add", "news.example/feed"), "not an http:// or https:// URL"),
        (("sources", "add", "https://a.example/", "--kind", "blog"), "feed, sitemap, page"),
        (("sources", "add", "https://a.example/", "--every", "soon"), "e.g. 30s, 15m"),
        (("sources", "add", "https://a.example/", "--every", "10s"), "at most once a minute"),
        (("sources", "add"), "Missing argument"),
        (("sources", "remove", "99"), "sources list"),
        (("sources", "remove", "https://missing.example/"), "sources list"),
        (("sources", "list", "--yaml"), "No such option"),
    ],
)
def test_sources_bad_input_exits_2_with_one_line(
    run_cli: Run, args: tuple[str, ...], words: str
) -> None:
    code, _, err = run_cli(*args)
    assert words in _one_error_line(code, err)


def test_sources_add_twice_exits_2(run_cli: Run) -> None:
    assert run_cli("sources", "add", "https://news.example/feed.xml", "--kind", "feed")[0] == 0
    code, _, err = run_cli("sources", "add", "https://news.example/feed.xml", "--kind", "page")
    line = _one_error_line(code, err)
    assert "already exists (id 1)" in line


# ------------------------------------------------------------------------------ channels

SLACK = "https://hooks.slack.com/services/T000/B000/invented-secret"


def test_channels_add_list_remove(run_cli: Run, cli_engine: Engine) -> None:
    code, out, err = run_cli(
        "channels", "add", "newsroom", "--kind", "slack", "--url", SLACK,
        "--schedule", "0 9 * * 1-5", "--min-severity", "paraphrase",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == "added channel newsroom (slack, '0 9 * * 1-5', from paraphrase)"
    assert run_cli("channels", "add", "terminal", "--kind", "stdout")[0] == 0

    listed = json.loads(run_cli("channels", "list", "--json")[1])
    assert listed == [
        {
            "id": 1, "name": "newsroom", "kind": "slack", "url": "https://hooks.slack.com/…",
            "schedule": "0 9 * * 1-5", "min_severity": "paraphrase", "last_digest_at": None,
            "speakers": [], "sources": [], "platforms": [],
        },
        {
            "id": 2, "name": "terminal", "kind": "stdout", "url": "",
            "schedule": "0 8 * * *", "min_severity": "verbatim", "last_digest_at": None,
            "speakers": [], "sources": [], "platforms": [],
        },
    ]  # fmt: skip
    code, out, _ = run_cli("channels", "list")
    assert code == 0 and "newsroom" in out and "invented-secret" not in out
    with cli_engine.connect() as connection:  # the full URL is stored, only shown masked
        assert connection.execute(select(Channel.url).where(Channel.id == 1)).scalar() == SLACK

    assert run_cli("channels", "remove", "newsroom")[:2] == (0, "removed channel newsroom\n")
    assert [c["name"] for c in json.loads(run_cli("channels", "list", "--json")[1])] == ["terminal"]


def test_a_channel_with_filters_and_an_immediate_schedule(run_cli: Run) -> None:
    code, out, err = run_cli(
        "channels", "add", "alerts", "--kind", "stdout", "--schedule", "immediate",
        "--min-severity", "altered", "--speaker", "Ilse Varga", "--speaker", "Tom Ode",
        "--platform", "bluesky",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert " ".join(out.split()) == (  # the terminal may wrap the line
        "added channel alerts (stdout, 'immediate', from altered; "
        "speakers: Ilse Varga, Tom Ode; platforms: bluesky)"
    )
    (listed,) = json.loads(run_cli("channels", "list", "--json")[1])
    assert listed["speakers"] == ["Ilse Varga", "Tom Ode"] and listed["platforms"] == ["bluesky"]
    assert listed["sources"] == [] and listed["schedule"] == "immediate"
    assert run_cli("channels", "list")[0] == 0


def test_removing_a_channel_removes_its_digests_and_deliveries(
    run_cli: Run, cli_engine: Engine
) -> None:
    run_cli("channels", "add", "newsroom", "--kind", "discord", "--url", "https://d.example/h")
    with db.session_scope(cli_engine) as session:
        session.add(Digest(id=1, channel_id=1))
        session.flush()
        session.add(Delivery(digest_id=1, channel_id=1, payload_json="{}"))
        article = Article(url="https://n.example/a", canonical_url="https://n.example/a")
        session.add(article)
        session.flush()
        citation = Citation(article_id=article.id, kind="quote", text="Invented words")
        session.add(citation)
        session.flush()
        verdict = MatchRow(
            citation_id=citation.id, relation="none", attribution="unknown",
            original_status="unknown", date_check="unknown",
        )  # fmt: skip
        session.add(verdict)
        session.flush()
        session.add(
            PostedCitation(
                channel_id=1,
                citation_id=citation.id,
                verdict_id=verdict.id,
                headline="not_found",
                digest_id=1,
            )  # fmt: skip
        )
    assert run_cli("channels", "remove", "newsroom")[0] == 0
    with cli_engine.connect() as connection:
        assert connection.execute(select(Digest.id)).all() == []
        assert connection.execute(select(Delivery.id)).all() == []
        assert connection.execute(select(PostedCitation.id)).all() == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("channels", "add", "n", "--kind", "irc", "--url", SLACK), "slack, discord, teams"),
        (("channels", "add", "n", "--kind", "slack"), "--url is required"),
        (("channels", "add", "n", "--kind", "slack", "--url", "hooks.example/x"), "https://"),
        (("channels", "add", "n", "--kind", "stdout", "--schedule", "daily"), "immediate"),
        (("channels", "add", "n", "--kind", "stdout", "--speaker", "A, B"), "one value per"),
        (("channels", "add", "n", "--kind", "stdout", "--schedule", "0 8 * *"), "cron"),
        (("channels", "add", "n", "--kind", "stdout", "--min-severity", "bad"), "verbatim"),
        (("channels", "add", " ", "--kind", "stdout"), "1 to 128 characters"),
        (("channels", "add", "n", "--url", SLACK), "Missing option '--kind'"),
        (("channels", "remove", "nobody"), "channels list"),
    ],
)
def test_channels_bad_input_exits_2_with_one_line(
    run_cli: Run, args: tuple[str, ...], words: str
) -> None:
    code, _, err = run_cli(*args)
    assert words in _one_error_line(code, err)


def test_channels_add_twice_exits_2(run_cli: Run) -> None:
    assert run_cli("channels", "add", "ops", "--kind", "stdout")[0] == 0
    line = _one_error_line(
        *run_cli("channels", "add", "ops", "--kind", "webhook", "--url", SLACK)[::2]
    )
    assert "already exists" in line


# ------------------------------------------------------------------------------ status


def test_status_on_an_empty_database(run_cli: Run) -> None:
    code, out, _ = run_cli("status", "--json")
    assert code == 0
    assert json.loads(out) == {
        "sources": {"total": 0, "failing": []},
        "articles": {"new": 0, "processed": 0, "failed": 0},
        "citations": {"pending": 0},
        "deliveries": {"pending": 0, "retrying": 0, "dead": 0, "problems": []},
        "channels": {"total": 0},
    }


def _seed(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(Source(id=1, url="https://ok.example/feed"))
        session.add(
            Source(id=2, url="https://broken.example/feed", failures=3, last_error="HTTP 503")
        )
        session.add(Channel(id=1, name="ops", kind="stdout", url=""))
        session.flush()
        for n, status in enumerate(["new", "new", "processed", "failed", "processed", "new"]):
            url = f"https://ok.example/{n}"
            session.add(Article(id=n + 1, source_id=1, url=url, canonical_url=url, status=status))
        session.add(Digest(id=1, channel_id=1, created_at=NOW))
        session.flush()
        for n, resolve in enumerate(["pending", "done", "pending", "failed"]):
            session.add(Citation(article_id=1, position=n, kind="embed", resolve_status=resolve))
        for part, status in enumerate(["pending", "sent", "dead", "pending", "dead", "dead"]):
            session.add(
                Delivery(digest_id=1, channel_id=1, part=part, payload_json="{}", status=status)
            )
        session.add(
            Delivery(
                digest_id=1,
                channel_id=1,
                part=6,
                payload_json="{}",
                status="failed",
                attempts=2,
                next_attempt_at=NOW,
                last_error="HTTP 503 Service Unavailable",
            )  # fmt: skip
        )


def test_status_counts_what_is_waiting(run_cli: Run, cli_engine: Engine) -> None:
    _seed(cli_engine)
    code, out, _ = run_cli("status", "--json")
    assert code == 0
    assert json.loads(out) == {
        "sources": {
            "total": 2,
            "failing": [
                {
                    "id": 2,
                    "url": "https://broken.example/feed",
                    "failures": 3,
                    "last_error": "HTTP 503",
                }
            ],
        },
        "articles": {"new": 3, "processed": 2, "failed": 1},
        "citations": {"pending": 2},
        "deliveries": {
            "pending": 2,
            "retrying": 1,
            "dead": 3,
            "problems": [  # newest first
                {
                    "id": 7,
                    "channel": "ops",
                    "digest_id": 1,
                    "part": 6,
                    "status": "failed",
                    "attempts": 2,
                    "next_attempt_at": NOW.isoformat(),
                    "last_error": "HTTP 503 Service Unavailable",
                },
                *(
                    {
                        "id": n,
                        "channel": "ops",
                        "digest_id": 1,
                        "part": n - 1,
                        "status": "dead",
                        "attempts": 0,
                        "next_attempt_at": None,
                        "last_error": None,
                    }
                    for n in (6, 5, 3)
                ),
            ],
        },
        "channels": {"total": 1},
    }
    code, out, _ = run_cli("status")
    assert code == 0
    assert out.splitlines() == [
        "sources: 2, failing: 1",
        "  [2] https://broken.example/feed: 3 failures, last: HTTP 503",
        "articles: new 3, processed 2, failed 1",
        "citations pending resolution: 2",
        "deliveries: pending 2, retrying 1, dead 3",
        f"  [7] ops part 6: failed, 2 attempt(s), next try {NOW.isoformat()}",
        "      HTTP 503 Service Unavailable",
        "  [6] ops part 5: dead, 0 attempt(s)",
        "      ?",
        "  [5] ops part 4: dead, 0 attempt(s)",
        "      ?",
        "  [3] ops part 2: dead, 0 attempt(s)",
        "      ?",
        "channels: 1",
    ]
