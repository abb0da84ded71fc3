"""LineSplitter: whole lines out of arbitrary reads, overlong lines cut, memory bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.ingest import MAX_LINE_BYTES, LineSplitter
from testtriage.core.records import TRUNCATION_MARKER

MARKER = TRUNCATION_MARKER.encode()


def expected_lines(data: bytes, limit: int) -> bytes:
    """What splitting `data` should give: every line cut to `limit` bytes and marked."""
    out: list[bytes] = []
    lines = data.split(b"\n")
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        if last and not line:
            break
        if len(line) > limit:
            line = line[:limit] + MARKER
        out.append(line if last else line + b"\n")
    return b"".join(out)


def split_all(splitter: LineSplitter, reads: list[bytes]) -> bytes:
    return b"".join(splitter.feed(read) for read in reads) + splitter.flush()


def test_a_partial_line_is_held_until_its_newline_arrives() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"first\nsec") == b"first\n"
    assert splitter.holding
    assert (splitter.next_line, splitter.next_offset) == (2, 6)
    assert splitter.feed(b"ond") == b""
    assert splitter.feed(b"\nthird\n") == b"second\nthird\n"
    assert (splitter.next_line, splitter.next_offset) == (4, 19)
    assert not splitter.holding


def test_flush_returns_the_held_line_without_adding_a_newline() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"one\ntwo") == b"one\n"
    assert splitter.flush() == b"two"
    assert splitter.flush() == b""
    assert splitter.next_line == 3


def test_crlf_invalid_utf8_and_nul_bytes_pass_through_untouched() -> None:
    data = b"windows line\r\n\xff\xfe broken \xc3( utf-8\n nul \x00 inside\n"
    assert LineSplitter().feed(data) == data


def test_a_line_of_exactly_the_limit_is_kept_whole() -> None:
    line = b"x" * MAX_LINE_BYTES + b"\n"
    assert LineSplitter().feed(line + b"next\n") == line + b"next\n"


def test_an_overlong_line_is_cut_marked_and_the_rest_skipped() -> None:
    splitter = LineSplitter(max_line=10)
    out = splitter.feed(b"short\n" + b"y" * 25 + b"\nafter\n")
    assert out == b"short\n" + b"y" * 10 + MARKER + b"\nafter\n"
    assert splitter.skipped_bytes == 15
    assert splitter.next_line == 4


def test_an_overlong_line_across_many_reads_keeps_only_its_head() -> None:
    splitter = LineSplitter(max_line=8)
    outputs = [splitter.feed(b"abcdef"), splitter.feed(b"ghijkl"), splitter.feed(b"mnop\nok\n")]
    assert outputs == [b"", b"", b"abcdefgh" + MARKER + b"\nok\n"]
    assert splitter.skipped_bytes == 8


def test_an_overlong_unfinished_line_is_flushed_cut_and_marked() -> None:
    splitter = LineSplitter(max_line=4)
    assert splitter.feed(b"abcdefgh") == b""
    assert splitter.flush() == b"abcd" + MARKER


def test_offsets_point_at_line_starts_in_the_input_even_after_a_cut() -> None:
    splitter = LineSplitter(max_line=4, offset=100, first_line=7)
    splitter.feed(b"abcdefgh\nxy")
    assert (splitter.next_line, splitter.next_offset) == (8, 109)


@given(
    data=st.binary(max_size=300).map(lambda raw: raw.replace(b"\x01", b"\n")),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=12),
    limit=st.integers(min_value=1, max_value=20),
)
def test_any_way_of_cutting_the_reads_gives_the_same_lines(
    data: bytes, cuts: list[int], limit: int
) -> None:
    bounds = sorted({0, len(data), *(cut for cut in cuts if cut <= len(data))})
    reads = [data[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]
    splitter = LineSplitter(max_line=limit)
    assert split_all(splitter, reads) == expected_lines(data, limit)
    newlines = data.count(b"\n")
    assert splitter.next_line == 1 + newlines + (0 if data.endswith(b"\n") or not data else 1)
