"""The renderer interface: a :class:`Message` payload and the :class:`Renderer` Protocol.

Every module of ``bot.digest.render`` is a renderer: a ``name`` and a pure
``render(digest) -> list[Message]``. A long digest is packed into several messages by
:func:`pack`, each within every limit of its platform, counted the platform's way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.digest.model import ArticleGroup, Digest, DigestItem

JSON = "application/json"
TEXT = "text/plain"


@dataclass(frozen=True, slots=True)
class Message:
    """One payload to send: part *part* of *parts* of a digest."""

    body: dict[str, Any] | str
    content_type: str  # JSON for a dict body, TEXT for a str body
    part: int  # from 1
    parts: int
    text_length: int  # the length the platform limits, counted its way (see each renderer)
    verdict_ids: tuple[int, ...]  # the citations' verdicts this message carries

    def encode(self) -> bytes:
        """The bytes to send: compact UTF-8 JSON, or the text."""
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json_bytes(self.body)


class Renderer(Protocol):
    """A chat platform's renderer (each module of ``bot.digest.render`` is one)."""

    name: str

    def render(self, digest: Digest) -> list[Message]: ...


Unit = tuple[ArticleGroup, DigestItem]
Body = TypeVar("Body", dict[str, Any], str)
PLACEHOLDER = "part 99999/99999"
"""The longest part label: a message is measured with it before the parts are counted."""


def json_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_size(body: dict[str, Any]) -> int:
    """Bytes of *body* as UTF-8 JSON with ``json.dumps``' default spaces: never less than
    what is sent (:meth:`Message.encode` is compact, and so is httpx's ``json=``)."""
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def within_bytes(maximum: int) -> Callable[[dict[str, Any]], int | None]:
    """A ``length`` for :func:`pack`: the :func:`json_size` of a body, None past *maximum*."""

    def length(body: dict[str, Any]) -> int | None:
        size = json_size(body)
        return size if size <= maximum else None

    return length


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript counts (never less than code points)."""
    return len(text.encode("utf-16-le")) // 2


def part_label(part: int, parts: int) -> str:
    return f"part {part}/{parts}"


def units(digest: Digest) -> list[Unit]:
    return [(group, item) for group in digest.articles for item in group.items]


def grouped(chunk: Sequence[Unit]) -> list[tuple[ArticleGroup, list[DigestItem]]]:
    """Consecutive units of one article together, in order."""
    groups: list[tuple[ArticleGroup, list[DigestItem]]] = []
    for group, item in chunk:
        if groups and groups[-1][0] is group:
            groups[-1][1].append(item)
        else:
            groups.append((group, [item]))
    return groups


class TooLarge(ValueError):
    """One citation alone does not fit a message (a renderer's shortening is wrong)."""


def pack(
    digest: Digest,
    build: Callable[[Sequence[Unit], bool, str], Body],
    length: Callable[[Body], int | None],
    content_type: str,
) -> list[Message]:
    """Split a digest's citations into as few messages as fit, in order.

    ``build(units, first, label)`` makes one message's body (the first one carries the
    summary); ``length(body)`` is its length counted the platform's way, or None when it
    breaks a limit. Each message is first measured with the longest part label, then built
    again with its own.
    """
    chunks: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in units(digest):
        if length(build([*current, unit], not chunks, PLACEHOLDER)) is not None:
            current.append(unit)
            continue
        if not current:
            raise TooLarge(f"verdict {unit[1].verdict_id} does not fit one message")
        chunks.append(current)
        current = [unit]
        if length(build(current, False, PLACEHOLDER)) is None:
            raise TooLarge(f"verdict {unit[1].verdict_id} does not fit one message")
    chunks.append(current)
    messages = []
    for number, chunk in enumerate(chunks, 1):
        body = build(chunk, number == 1, part_label(number, len(chunks)))
        measured = length(body)
        if measured is None:  # pragma: no cover - the label only got shorter
            raise TooLarge(f"part {number} grew past a limit when numbered")
        messages.append(
            Message(
                body=body,
                content_type=content_type,
                part=number,
                parts=len(chunks),
                text_length=measured,
                verdict_ids=tuple(item.verdict_id for _, item in chunk),
            )
        )
    return messages
