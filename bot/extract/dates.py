"""Date hints in attribution clauses ("on Sept. 9", "Tuesday night", "yesterday"), resolved
to a calendar date against the article's publication date. Pure; vague phrases give None."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH = (
    r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?"
    r"|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_MONTH_DAY = re.compile(
    rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
)
_DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
)
_WEEKDAY = re.compile(
    r"\b(?P<last>last\s+)?(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_RELATIVE = re.compile(
    r"\b(?P<word>yesterday|today|tonight|this (?:morning|afternoon|evening)|last night)\b",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?:last|this|next|past) (?:week|month|year|weekend)|\bearlier this\b|\brecently\b",
    re.IGNORECASE,
)


def date_hint(clause: str, published: dt.date | None) -> str | None:
    """The date an attribution clause names, as YYYY-MM-DD, or None when vague or unknown."""
    match = _MONTH_DAY.search(clause) or _DAY_MONTH.search(clause)
    if match:
        return _month_day(match, published)
    if published is None:
        return None
    relative = _RELATIVE.search(clause)
    if relative:
        word = relative.group("word").lower()
        back = 1 if word in ("yesterday", "last night") else 0
        return (published - dt.timedelta(days=back)).isoformat()
    weekday = _WEEKDAY.search(clause)
    if weekday and not _VAGUE.search(clause):
        target = WEEKDAYS.index(weekday.group("weekday").lower())
        back = (published.weekday() - target) % 7
        if back == 0 and weekday.group("last"):
            back = 7
        return (published - dt.timedelta(days=back)).isoformat()
    return None


def _month_day(match: re.Match[str], published: dt.date | None) -> str | None:
    month = MONTHS[match.group("month")[:3].lower()]
    day = int(match.group("day"))
    if match.group("year"):
        year = int(match.group("year"))
    elif published is not None:
        year = published.year
    else:
        return None
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    if not match.group("year") and published is not None and found > published:
        try:
            found = found.replace(year=year - 1)  # "Dec. 30" in a January article
        except ValueError:
            return None
    return found.isoformat()
