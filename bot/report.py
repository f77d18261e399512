"""The terminal report of a check, for people (pure: values in, Rich renderables out).

The article first, then each citation, most serious verdict first: its headline, who is
quoted, the quote with the changed words marked, and a link to the original.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from bot.extract.types import Article
from bot.match.verdict import Verdict, severity

LABELS = {
    "misattributed": "MISATTRIBUTED",
    "altered": "ALTERED",
    "deleted": "DELETED",
    "not_found": "NOT FOUND",
    "paraphrase": "PARAPHRASE",
    "elided": "ELIDED",
    "excerpt": "EXCERPT",
    "verbatim": "VERBATIM",
}
STYLES = {
    "misattributed": "bold white on red",
    "altered": "bold red",
    "deleted": "bold magenta",
    "not_found": "bold yellow",
    "paraphrase": "yellow",
    "elided": "cyan",
    "excerpt": "green",
    "verbatim": "bold green",
}
QUOTE_SHOWN = 300
"""Longest quote text shown whole; longer ones are cut."""


def ordered(verdicts: Sequence[Verdict]) -> list[tuple[int, Verdict]]:
    """(position on the page, verdict), most serious first, page order among equals."""
    return sorted(enumerate(verdicts, 1), key=lambda item: (-severity(item[1].headline), item[0]))


def summary(verdicts: Sequence[Verdict]) -> str:
    counts = Counter(v.headline for v in verdicts)
    parts = [
        f"{counts[name]} {LABELS[name].lower()}"
        for name in sorted(counts, key=severity, reverse=True)
    ]
    noun = "citation" if len(verdicts) == 1 else "citations"
    return f"{len(verdicts)} {noun}" + (": " + ", ".join(parts) if parts else "")


def _short(text: str, limit: int = QUOTE_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _who(verdict: Verdict) -> str:
    citation = verdict.citation
    if citation.get("kind") == "embed":
        name = citation.get("author_name") or ""
        handle = citation.get("author_handle")
        platform = citation.get("platform") or "post"
        who = f"{name} (@{handle})" if handle and name else name or (f"@{handle}" if handle else "")
        return f"embedded {platform} post" + (f" by {who}" if who else "")
    speaker = citation.get("speaker") or "unnamed speaker"
    role = citation.get("speaker_role")
    cue = citation.get("cue")
    text = f"{speaker}, {role}" if role else speaker
    return f"{text} ({cue})" if cue else text


def _quote_line(verdict: Verdict) -> Text:
    """The quote, or its diff against the original with the changed words marked."""
    changed = any(op != "=" for op, _ in verdict.diff)
    line = Text("   ")
    if not changed:
        fragments = verdict.citation.get("fragments") or []
        shown = " … ".join(fragments) if len(fragments) > 1 else verdict.citation.get("text")
        line.append(f"“{_short(shown or '')}”", style="italic")
        return line
    line.append("“")
    for position, (op, words) in enumerate(verdict.diff):
        if position:
            line.append(" ")
        if op == "=":
            line.append(_short(words, 120))
        elif op == "-":
            line.append(f"[-{_short(words, 120)}-]", style="red strike")
        else:
            line.append(f"{{+{_short(words, 120)}+}}", style="bold green")
    line.append("”")
    return line


def _original_lines(verdict: Verdict) -> list[Text]:
    original = verdict.original
    if original is None:
        return [Text("   no original found in the store", style="dim")]
    author = original.author_name or original.speaker or ""
    if original.author_handle:
        author = f"{author} (@{original.author_handle})".strip()
    when = original.posted_at.strftime("%Y-%m-%d %H:%M UTC") if original.posted_at else "no date"
    facts = (
        f"   text {verdict.relation} · attribution {verdict.attribution}"
        f" · date {verdict.date_check} · confidence {verdict.confidence:.2f}"
    )
    lines = [
        Text(f"   original: {author or 'unknown author'} · {when} · {original.status}"),
        Text(facts, style="dim"),
    ]
    if original.url:
        lines.append(Text(f"   {original.url}", style=f"link {original.url}"))
    if verdict.also_matches:
        others = ", ".join(str(i) for i in verdict.also_matches)
        lines.append(Text(f"   the same text is also in originals {others}", style="dim"))
    return lines


def render(article: Article, verdicts: Sequence[Verdict]) -> RenderableType:
    """The report of one checked article."""
    parts: list[RenderableType] = []
    parts.append(Text(article.title or "(untitled article)", style="bold"))
    where = article.canonical_url or article.url
    meta = " · ".join(x for x in (where, article.published_at) if x)
    if meta:
        parts.append(Text(meta, style="dim"))
    parts.append(Text(summary(verdicts)))
    for position, verdict in ordered(verdicts):
        name = verdict.headline
        head = Text(f"\n{position}. ")
        head.append(f" {LABELS[name]} ", style=STYLES[name])
        head.append(f"  {_who(verdict)}")
        parts.append(head)
        parts.append(_quote_line(verdict))
        parts.extend(_original_lines(verdict))
    return Group(*parts)


def render_extraction(article: Article, source: str) -> RenderableType:
    """A readable summary of one extracted article: title, date, embeds, quotes."""
    parts: list[RenderableType] = [Rule(article.title or source)]
    parts.append(Text.assemble(("source ", "dim"), source))
    if article.canonical_url:
        parts.append(Text.assemble(("canonical ", "dim"), article.canonical_url))
    parts.append(
        Text.assemble(
            ("published ", "dim"),
            article.published_at or "unknown",
            ("  language ", "dim"),
            article.language or "unknown",
        )
    )
    parts.append(Text(f"Embedded posts ({len(article.embeds)})", style="bold"))
    for embed in article.embeds:
        who = embed.author_name or ""
        if embed.author_handle:
            who = f"{who} (@{embed.author_handle})".strip()
        when = f", {embed.posted_at}" if embed.posted_at else ""
        parts.append(Text(f"  {embed.platform}: {who or '?'}{when}"))
        parts.append(Text(f"    {embed.url}"))
        if embed.text:
            parts.append(Text(f"    {embed.text[:280]}", style="italic"))
    parts.append(Text(f"Quotes ({len(article.quotes)})", style="bold"))
    for quote in article.quotes:
        speaker = quote.speaker or "unknown speaker"
        if quote.speaker_role:
            speaker = f"{speaker}, {quote.speaker_role}"
        hints = ", ".join(h for h in (quote.cue, quote.platform_hint, quote.date_hint) if h)
        parts.append(Text(f"  “{quote.text}”"))
        parts.append(Text(f"    — {speaker}" + (f" ({hints})" if hints else "")))
    parts.append(Text(""))
    return Group(*parts)
