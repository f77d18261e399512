"""The words every renderer shows, as plain text (each renderer escapes them its way)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from bot.digest.model import ArticleGroup, Digest, DigestItem
from bot.digest.sanitise.plain import safe_url

ELLIPSIS = "…"


def title(digest: Digest, label: str) -> str:
    """ "quotecheck digest for newsroom, 4 Dec 2026 08:00 UTC (part 1/2)"."""
    when = digest.generated_at.strftime("%-d %b %Y %H:%M UTC")
    return f"quotecheck digest for {digest.channel}, {when} ({label})"


def heading(group: ArticleGroup, items: list[DigestItem], markup: ModuleType) -> str:
    """The article's title in *markup*, linked, shortened, marked "(continued)" when *items*
    do not start with its first citation."""
    title, _ = shorten(group.title, 300)
    if items[0] is not group.items[0]:
        title += " (continued)"
    url = safe_url(group.url)
    return str(markup.link(url, title) if url else markup.line(title))


def article_line(group: ArticleGroup) -> str:
    """ "example.com, 3 Dec 2026 14:05 UTC"."""
    if group.published_at is None:
        return group.outlet
    return f"{group.outlet}, {group.published_at.strftime('%-d %b %Y %H:%M UTC')}"


def headline(item: DigestItem) -> str:
    """ "ALTERED", or "UPDATE: ALTERED (was excerpt)"."""
    text = item.headline.label.upper()
    if item.is_update:
        was = f" (was {item.previous_headline.label})" if item.previous_headline else ""
        text = f"UPDATE: {text}{was}"
    return text


def who(item: DigestItem) -> str:
    """ "Jane Doe on twitter", "unnamed speaker"."""
    speaker = item.speaker or "unnamed speaker"
    return f"{speaker} on {item.platform}" if item.platform else speaker


def shorten(quote: str, limit: int) -> tuple[str, bool]:
    """*quote* cut at a word to at most *limit* characters with "…", and whether it was cut."""
    quote = " ".join(quote.split())
    if len(quote) <= limit:
        return quote, False
    cut = quote[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + ELLIPSIS, True


def rest_url(group: ArticleGroup, item: DigestItem) -> str | None:
    """Where a shortened quote can be read whole: its receipt, else the article."""
    return safe_url(item.receipt_url) or safe_url(group.url)


def changed(item: DigestItem) -> str | None:
    """ "changed: "lower" → "raise"; dropped "not"" for an altered quote, else None."""
    if not item.changed_words:
        return None
    parts = []
    for original, quoted in item.changed_words:
        if original and quoted:
            parts.append(f"“{original}” → “{quoted}”")
        elif original:
            parts.append(f"dropped “{original}”")
        else:
            parts.append(f"added “{quoted}”")
    return "changed: " + "; ".join(parts)


def real_speaker(item: DigestItem) -> str | None:
    return f"the words are {item.real_speaker}’s" if item.real_speaker else None


def links(group: ArticleGroup, item: DigestItem) -> list[tuple[str, str]]:
    """(label, URL) of the original, its archived copy, the receipt and an earlier post."""
    found = [
        ("original", safe_url(item.original_url)),
        ("archived copy", safe_url(item.archive_url)),
        ("receipt", safe_url(item.receipt_url)),
        ("earlier post", safe_url(item.previous_message_ref)),
    ]
    return [(label, url) for label, url in found if url]


QUOTE_BUDGET = 1_500
"""Most characters a quote takes once escaped; a longer one is shortened with a link."""
LINE_BUDGET = 600
"""Most characters of a name, a title or the changed words, once escaped."""


def fitted(value: str, budget: int, escape: Callable[[str], str]) -> tuple[str, bool]:
    """*value* escaped, shortened (with "…") until the escaped text is within *budget*."""
    limit = budget
    while True:
        short, cut = shorten(value, limit)
        escaped = escape(short)
        if len(escaped) <= budget or limit <= 1:
            return escaped, cut
        limit = max(1, limit - max(1, (len(escaped) - budget) // 2))


def item_lines(
    group: ArticleGroup, item: DigestItem, markup: ModuleType, bold: Callable[[str], str]
) -> list[str]:
    """One citation as lines of *markup* (a ``bot.digest.sanitise`` module): the headline
    and who, the quote (shortened with a link to the rest), the changes, the links."""
    who_text, _ = fitted(who(item), 300, markup.line)
    lines = [f"{bold(markup.line(headline(item)))} {who_text}"]
    quote, cut = fitted(item.quote, QUOTE_BUDGET, markup.line)
    more = rest_url(group, item) if cut else None
    lines.append(f"“{quote}”" + (" " + markup.link(more, "read it whole") if more else ""))
    for extra in (changed(item), real_speaker(item)):
        if extra:
            lines.append(fitted(extra, LINE_BUDGET, markup.line)[0])
    found = [markup.link(url, label) for label, url in links(group, item)]
    if item.is_update and item.previous_message_ref and not safe_url(item.previous_message_ref):
        found.append(markup.line("updates an earlier post"))
    if found:
        lines.append(" · ".join(found))
    return lines
