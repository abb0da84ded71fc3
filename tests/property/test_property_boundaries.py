"""Record boundaries survive any split of a stream into reads."""

from __future__ import annotations

import os
import tempfile

from _property_support import property_settings
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.ingest import Chunk, FileFollower, LineSplitter, SourceSpec, read_sources
from testtriage.core.records import TRUNCATION_MARKER

MARKER = TRUNCATION_MARKER.encode()

any_line = st.binary(max_size=30).map(lambda b: b.replace(b"\n", b""))
text_line = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(str.encode),
    st.sampled_from([b"", b"\r", b"\t", b"\x1b[31mred\x1b[0m", b"\xff\xfe", b"caf\xc3"]),
)
"""A line a text log may hold (a file of these is never sniffed as binary)."""


@st.composite
def stream_and_cuts(
    draw: st.DrawFn, line: st.SearchStrategy[bytes] = any_line
) -> tuple[list[bytes], bool, list[bytes]]:
    """Lines, whether the stream ends with a newline, and the stream cut into reads."""
    lines = draw(st.lists(line | st.sampled_from([b"", b"\r"]), max_size=30))
    ends_with_newline = draw(st.booleans()) or not lines
    data = b"\n".join(lines) + (b"\n" if ends_with_newline and lines else b"")
    cuts = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=12))))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return lines, ends_with_newline, pieces


def expected_lines(lines: list[bytes], ends_with_newline: bool) -> list[bytes]:
    """The lines a reader sees: an empty unterminated last "line" is no line at all."""
    if not ends_with_newline and lines and lines[-1] == b"":
        return lines[:-1]
    return lines


def numbered(blocks: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """(line number, line without its newline) of every line of numbered blocks."""
    out: list[tuple[int, bytes]] = []
    for first, data in blocks:
        parts = data.split(b"\n")
        if data.endswith(b"\n"):
            parts.pop()
        out.extend(enumerate(parts, first))
    return out


@property_settings(300)
@given(case=stream_and_cuts())
def test_line_splitter_reassembles_the_original_lines_numbered_from_one(
    case: tuple[list[bytes], bool, list[bytes]],
) -> None:
    """Whatever the reads, the lines come out whole, in order, numbered 1..N, and only the
    unterminated last line waits for `flush`."""
    lines, ends_with_newline, pieces = case
    splitter = LineSplitter()
    blocks: list[tuple[int, bytes]] = []
    for piece in pieces:
        first = splitter.next_line
        out = splitter.feed(piece)
        assert out == b"" or out.endswith(b"\n")
        if out:
            blocks.append((first, out))
    first = splitter.next_line
    tail = splitter.flush()
    if tail:
        blocks.append((first, tail))
    assert numbered(blocks) == list(enumerate(expected_lines(lines, ends_with_newline), 1))
    assert bool(tail) == (not ends_with_newline and bool(lines) and lines[-1] != b"")


@property_settings(300)
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=20),
    max_line=st.integers(1, 24),
    cuts=st.lists(st.integers(0, 1_000), max_size=10),
)
def test_overlong_lines_keep_their_head_and_marker_at_any_split(
    lines: list[bytes], max_line: int, cuts: list[int]
) -> None:
    """With a small `max_line`: a longer line keeps its first `max_line` bytes plus the marker,
    the rest is counted in `skipped_bytes`, and every line still comes out once, in order."""
    data = b"".join(line + b"\n" for line in lines)
    points = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    splitter = LineSplitter(max_line=max_line)
    out = b"".join(splitter.feed(piece) for piece in pieces) + splitter.flush()
    expected = [line[:max_line] + MARKER if len(line) > max_line else line for line in lines]
    assert out == b"".join(line + b"\n" for line in expected)
    assert splitter.skipped_bytes == sum(max(0, len(line) - max_line) for line in lines)
    assert splitter.next_line == len(lines) + 1


@property_settings(120)
@given(case=stream_and_cuts(text_line))
def test_a_file_written_in_random_pieces_is_followed_line_by_line(
    case: tuple[list[bytes], bool, list[bytes]],
) -> None:
    """A file appended in random pieces, polled after each: chunks hold whole lines numbered
    1..N at their true byte offsets; an unfinished last line is held while following, and a
    one-pass read of the same file gives it as a last line of its own."""
    lines, ends_with_newline, pieces = case
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "t.log")
        open(path, "wb").close()
        follower = FileFollower(SourceSpec(path), chunk_size=7, max_bytes=64)
        items = []
        with open(path, "ab", buffering=0) as out:
            for piece in pieces:
                out.write(piece)
                while batch := follower.poll():
                    items.extend(batch)
        follower.close()
        chunks = [item for item in items if isinstance(item, Chunk)]
        data = b"".join(pieces)
        for chunk in chunks:
            assert chunk.data.endswith(b"\n")
            assert data[chunk.offset : chunk.offset + len(chunk.data)] == chunk.data
        complete = lines if ends_with_newline else lines[:-1]
        assert numbered([(c.first_line, c.data) for c in chunks]) == list(enumerate(complete, 1))

        whole = [
            (item.first_line, item.data)
            for item in read_sources([SourceSpec(path)])
            if isinstance(item, Chunk)
        ]
        assert numbered(whole) == list(enumerate(expected_lines(lines, ends_with_newline), 1))
