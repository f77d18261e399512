"""HTML helpers shared by the extractors: decoding bytes safely, parsing, node text, URLs.

Pure: bytes or text in, values out. Nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import re
from typing import Any
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

MAX_BYTES = 20 * 1024 * 1024  # larger pages are cut here before parsing
_SNIFF_BYTES = 4096

# What a Node is to the extractors: selectolax ships no types.
Node = Any

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in HTML.
_WINDOWS_1252 = {
    "iso-8859-1",
    "iso8859-1",
    "latin-1",
    "latin1",
    "l1",
    "ascii",
    "us-ascii",
    "cp1252",
}


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, or None when it is unknown."""
    if not label:
        return None
    name = (label.decode("ascii", "ignore") if isinstance(label, bytes) else label).strip().lower()
    if name in _WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes in the first kilobyte: an image, a PDF or an archive, not a page."""
    return sample.count(b"\x00") > max(4, len(sample) // 100)


def decode_html(data: bytes | str, content_type: str | None = None) -> tuple[str, tuple[str, ...]]:
    """Text of a page and what went wrong reading it; never raises.

    Order: BOM, the Content-Type charset, ``<meta charset>``, UTF-8, then a detector
    (charset-normalizer), and finally UTF-8 with replacement characters.
    """
    errors: list[str] = []
    if isinstance(data, str):
        if len(data) > MAX_BYTES:
            errors.append(f"page larger than {MAX_BYTES // 1024 // 1024} MB: cut there")
            data = data[:MAX_BYTES]
        return data.replace("\x00", ""), tuple(errors)
    if len(data) > MAX_BYTES:
        errors.append(f"page larger than {MAX_BYTES // 1024 // 1024} MB: cut there")
        data = data[:MAX_BYTES]
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace").replace("\x00", ""), tuple(errors)
    if _looks_binary(data[:1024]):
        errors.append("not an HTML page (binary content)")
        return "", tuple(errors)
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(data[:_SNIFF_BYTES])
    candidates = [
        _codec(header.group(1) if header else None),
        _codec(meta.group(1) if meta else None),
        "utf-8",
    ]
    for name in dict.fromkeys(c for c in candidates if c):
        if name.startswith("utf-16"):  # a byte page declaring UTF-16 without a BOM is lying
            continue
        try:
            return data.decode(name).replace("\x00", ""), tuple(errors)
        except UnicodeDecodeError:
            if name != "utf-8":
                errors.append(f"declared charset {name} does not fit the bytes")
    guessed = _detect(data)
    if guessed:
        return data.decode(guessed, "replace").replace("\x00", ""), tuple(errors)
    errors.append("unknown encoding: decoded as UTF-8 with replacements")
    return data.decode("utf-8", "replace").replace("\x00", ""), tuple(errors)


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return _codec(best.encoding) if best is not None else None


def parse(text: str) -> LexborHTMLParser:
    return LexborHTMLParser(text)


def remove_nodes(tree: Node, selector: str) -> None:
    """Drop every node matching *selector* (a match inside another goes with it)."""
    nodes = tree.css(selector)
    matched = {node.mem_id for node in nodes}
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in matched:
            parent = parent.parent
        if parent is None:
            node.decompose()


def node_text(node: Node, *, stop: Node | None = None) -> str:
    """Visible text of a node, ``<br>`` and paragraphs as line breaks, spaces collapsed."""
    parts: list[str] = []
    for child in node.traverse(include_text=True):
        if stop is not None and child.mem_id == stop.mem_id:
            break
        tag = child.tag
        if tag == "-text":
            parts.append(child.text_content or "")
        elif tag in ("br", "p") and parts:
            parts.append("\n")
    return clean_text("".join(parts))


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def clean_text(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def attr(node: Node, name: str) -> str | None:
    value = node.attributes.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def absolute(href: str | None, base: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith("//"):
        return "https:" + href
    if base and not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        try:
            return urljoin(base, href)
        except ValueError:
            return None
    return href


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_ISO = re.compile(
    r"\b(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?)?"
)


def english_date(text: str | None) -> str | None:
    """``September 9, 2018`` / ``9 Sep 2018`` / ISO 8601 → ``2018-09-09`` (ISO kept as given).

    A byline's clock time is in the embedding page's unknown time zone, so only an ISO
    timestamp with an offset keeps its time.
    """
    if not text:
        return None
    iso = _ISO.search(text)
    if iso:
        year, month, day, clock, zone = iso.groups()
        if _valid(int(year), int(month), int(day)):
            if clock and zone:
                return f"{year}-{month}-{day}T{clock}{'+00:00' if zone == 'Z' else zone}"
            return f"{year}-{month}-{day}"
    for pattern, order in ((_MONTH_DAY_YEAR, (0, 1, 2)), (_DAY_MONTH_YEAR, (1, 0, 2))):
        found = pattern.search(text)
        if not found:
            continue
        groups = found.groups()
        month_name, day, year = (groups[i] for i in order)
        month = _MONTHS.get(month_name.lower())
        if month and _valid(int(year), month, int(day)):
            return f"{int(year):04d}-{month:02d}-{int(day):02d}"
    return None


def _valid(year: int, month: int, day: int) -> bool:
    import datetime

    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return 1990 <= year <= 2100
