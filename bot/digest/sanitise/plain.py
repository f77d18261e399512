"""Plain text that cannot ping or hide anything (the base of every markup family).

- invisible and direction-changing characters (zero-width spaces and joiners, soft hyphens,
  bidi embeddings, overrides and isolates, byte-order marks) and control characters other
  than newlines are dropped, so "@\u200beveryone" or a right-to-left override cannot trick
  a reader or a filter;
- every "@" becomes the full-width "＠", so ``@everyone``, ``@here``, ``@channel``,
  ``@room`` and ``@user:server`` read the same but never notify anyone;
- a "<" that opens something ("<!channel>", "<https://…|label>", "<b>") becomes the
  full-width "＜", so text sent on as plain (Apprise to Slack, say) cannot form one either.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f\x00-\x09\x0b-\x1f\x7f-\x9f]"
)
_SPACES = re.compile(r"[^\S\n]+")
_OPENING = re.compile(r"<(?=\S)")


def clean(text: str) -> str:
    """*text* without invisible characters, with defused mentions and single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("@", "\uff20")  # FULLWIDTH COMMERCIAL AT: no platform pings it
    text = _OPENING.sub("\uff1c", text)  # "<!channel>", "<url|label>", "<b>": no tag forms
    return _SPACES.sub(" ", text).strip()


def one_line(text: str) -> str:
    """:func:`clean`, with newlines as spaces (titles, names)."""
    return " ".join(clean(text).split())


MAX_URL = 400
"""Longest link shown; a longer one (rare, and never needed whole) is left out."""


def safe_url(url: str | None) -> str | None:
    """*url* when it is an http(s) URL of at most ``MAX_URL`` characters without spaces or
    control characters, else None."""
    if not url or len(url) > MAX_URL or not url.lower().startswith(("http://", "https://")):
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url) or _INVISIBLE.search(url):
        return None
    return url


def text(value: str) -> str:
    return clean(value)


def line(value: str) -> str:
    return one_line(value)


def link(url: str, label: str) -> str:
    return f"{one_line(label)}: {url}"
