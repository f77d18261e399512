"""Pure verdict helpers: headline order, severity, date check (invented values)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.match.align import align
from bot.match.verdict import OriginalRef, date_check, headline, make_verdict, severity

ZONES = ["America/New_York", "UTC"]


@pytest.mark.parametrize(
    ("relation", "attribution", "status", "expected"),
    [
        ("excerpt", "mismatch", "deleted", "misattributed"),
        ("altered", "match", "deleted", "altered"),
        ("excerpt", "match", "deleted", "deleted"),
        ("none", "unknown", "unknown", "not_found"),
        ("elided", "unknown", "live", "elided"),
        ("excerpt", "match", "live", "excerpt"),
        ("verbatim", "match", "live", "verbatim"),
    ],
)
def test_headline_is_the_most_serious_finding(
    relation: str, attribution: str, status: str, expected: str
) -> None:
    assert headline(relation, attribution, status) == expected  # type: ignore[arg-type]


def test_severity_orders_headlines() -> None:
    order = ["verbatim", "excerpt", "elided", "paraphrase", "not_found", "deleted", "altered"]
    ranks = [severity(name) for name in [*order, "misattributed"]]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("hint", "posted_at", "expected"),
    [
        # 22:30 in Washington on the 9th is 02:30 UTC on the 10th: both dates match
        ("2024-09-09", datetime(2024, 9, 10, 2, 30, tzinfo=UTC), "match"),
        ("2024-09-10", datetime(2024, 9, 10, 2, 30, tzinfo=UTC), "match"),
        ("2024-09-08", datetime(2024, 9, 10, 2, 30, tzinfo=UTC), "mismatch"),
        ("2024-09-11", datetime(2024, 9, 10, 2, 30, tzinfo=UTC), "mismatch"),
        (None, datetime(2024, 9, 10, 2, 30, tzinfo=UTC), "unknown"),
        ("2024-09-10", None, "unknown"),
        ("not a date", datetime(2024, 9, 10, tzinfo=UTC), "unknown"),
    ],
)
def test_date_check_in_each_zone(
    hint: str | None, posted_at: datetime | None, expected: str
) -> None:
    assert date_check(hint, posted_at, ZONES) == expected


def test_date_check_in_utc_only_misses_the_eastern_date() -> None:
    assert date_check("2024-09-09", datetime(2024, 9, 10, 2, 30, tzinfo=UTC), ["UTC"]) == "mismatch"


def _ref(text: str) -> OriginalRef:
    return OriginalRef(
        id=7,
        platform="twitter",
        post_id="1",
        url="https://twitter.com/x/status/1",
        author_name="Ola Quill",
        author_handle="olaquill",
        posted_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
        kind="post",
        status="deleted",
        text=text,
    )


def test_verdict_json_has_the_contract_fields() -> None:
    text = "We open the bridge today. Thanks to all of you!"
    alignment = align("We open the bridge today", text)
    verdict = make_verdict(
        {"kind": "quote", "text": "We open the bridge today"},
        alignment,
        original=_ref(text),
        attribution="match",
        date_hint="2024-05-01",
        zones=ZONES,
    )
    data = verdict.to_json()
    assert {
        "citation",
        "relation",
        "attribution",
        "original_status",
        "date_check",
        "confidence",
        "original",
        "diff",
    } <= set(data)
    assert (data["relation"], data["original_status"], data["date_check"]) == (
        "excerpt",
        "deleted",
        "match",
    )
    assert data["headline"] == "deleted"
    assert data["original"]["matched_text"] == "We open the bridge today"
    assert data["diff"] == [["=", "We open the bridge today"]]
    assert 0 <= data["confidence"] <= 1


def test_no_original_gives_relation_none_and_null_original() -> None:
    alignment = align("Something nobody wrote down anywhere", "We open the bridge today.")
    data = make_verdict(
        {"kind": "quote"},
        alignment,
        original=None,
        attribution="unknown",
        date_hint=None,
        zones=ZONES,
    ).to_json()
    assert data["relation"] == "none"
    assert data["original"] is None
    assert data["diff"] == []


def test_severity_orders_headlines_most_serious_highest() -> None:
    from bot.match.verdict import SEVERITIES, Severity

    assert Severity.MISATTRIBUTED > Severity.ALTERED > Severity.NOT_FOUND > Severity.VERBATIM
    assert max(Severity.EXCERPT, Severity.DELETED) is Severity.DELETED
    assert [s.value for s in sorted(Severity)] == list(SEVERITIES)
    assert Severity("not_found").label == "not found"
