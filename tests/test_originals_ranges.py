"""The pieces import workers read of an uncompressed file: together, every line once, each
with the number text mode gives it."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.originals import importers
from bot.originals.importers import _line_chunks, _ranges
from bot.originals.prepare import numbered_lines


def _pieces(data: bytes, lines: int) -> list[tuple[int, bytes]]:
    found: list[tuple[int, bytes]] = []
    for start, end, number in _ranges(io.BytesIO(data), lines):
        found.extend(numbered_lines(io.BytesIO(data[start:end]), number))
    return [(number, line.strip()) for number, line in found]  # a kept LF is only whitespace


def _whole(data: bytes) -> list[tuple[int, bytes]]:
    return [(number, line.strip()) for number, line in numbered_lines(io.BytesIO(data))]


def test_pieces_cover_the_file_in_order_with_text_mode_numbers() -> None:
    data = b'{"a": 1}\n\n{"b": 2}\r\n{"c": 3}\r{"d": 4}\r\r\n{"e": 5}'
    assert _whole(data) == [
        (1, b'{"a": 1}'),
        (3, b'{"b": 2}'),
        (4, b'{"c": 3}'),
        (5, b'{"d": 4}'),
        (7, b'{"e": 5}'),
    ]
    for lines in (1, 2, 3, 10):
        assert _pieces(data, lines) == _whole(data)


def test_a_piece_holds_the_lines_asked_for() -> None:
    data = b"".join(b'{"n": %d}\n' % n for n in range(25))
    ranges = list(_ranges(io.BytesIO(data), 10))
    assert [number for _, _, number in ranges] == [0, 10, 20]
    assert [data[start:end].count(b"\n") for start, end, _ in ranges] == [10, 10, 5]


def test_long_lines_and_bare_carriage_returns_are_cut_by_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importers, "MAX_RANGE_BYTES", 64)
    monkeypatch.setattr(importers, "RANGE_READ_BYTES", 16)
    long_lines = b"".join(b'{"text": "%s"}\n' % (b"x" * 40) for _ in range(6))
    bare_cr = b"".join(b'{"n": %d}\r' % n for n in range(40))
    for data in (long_lines, bare_cr):
        ranges = list(_ranges(io.BytesIO(data), 1_000))
        assert len(ranges) > 2
        assert _pieces(data, 1_000) == _whole(data)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            st.sampled_from([b"", b"{}", b'{"k": 1}', b"  "]),
            st.sampled_from([b"\n", b"\r\n", b"\r"]),
        ),
        max_size=40,
    ),
    tail=st.sampled_from([b"", b"{}", b"\r"]),
    lines=st.integers(min_value=1, max_value=7),
    read=st.integers(min_value=1, max_value=9),
    cap=st.integers(min_value=4, max_value=40),
)
def test_pieces_agree_with_reading_the_whole_file(
    parts: list[tuple[bytes, bytes]], tail: bytes, lines: int, read: int, cap: int
) -> None:
    data = b"".join(body + end for body, end in parts) + tail
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importers, "RANGE_READ_BYTES", read)
        patch.setattr(importers, "MAX_RANGE_BYTES", cap)
        assert _pieces(data, lines) == _whole(data)


def test_line_chunks_stop_at_the_byte_bound_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importers, "MAX_RANGE_BYTES", 50)
    data = b"".join(b'{"text": "%s"}\n' % (b"y" * 20) for _ in range(7))  # 33 bytes a line
    chunks = list(_line_chunks(io.BytesIO(data), 1_000))
    assert [len(chunk) for chunk in chunks] == [2, 2, 2, 1]
    assert [number for chunk in chunks for number, _ in chunk] == list(range(1, 8))
