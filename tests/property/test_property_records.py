"""`build_record` is total: any bytes become a record that keeps its source and line."""

from __future__ import annotations

from _property_support import (
    jsonish_bytes,
    line_bytes,
    property_settings,
)
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.records import MAX_TEXT, TRUNCATION_MARKER, build_record

sources = st.text(min_size=1, max_size=20)
line_numbers = st.integers(min_value=1, max_value=2**40)


def check_record(source: str, line: int, data: bytes) -> None:
    record = build_record(source, line, data)
    assert (record.source, record.line) == (source, line)
    assert len(record.raw) <= MAX_TEXT + len(TRUNCATION_MARKER)
    assert record.truncated == record.raw.endswith(TRUNCATION_MARKER)
    if record.log is None:
        assert record.text.count("\n") == 0 or "\n" in record.raw
    assert record.level is None or isinstance(record.level, int)


@property_settings(300)
@given(source=sources, line=line_numbers, data=jsonish_bytes)
def test_build_record_never_raises_on_json_like_bytes_and_keeps_its_location(
    source: str, line: int, data: bytes
) -> None:
    """JSON logs of every common shape, JSON-ish fragments (huge numbers, lone surrogate
    escapes, unbalanced brackets, 300-deep nesting), prefixes, escapes and raw bytes."""
    check_record(source, line, data)


@property_settings(300)
@given(source=sources, line=line_numbers, data=line_bytes())
def test_build_record_never_raises_on_log_lines_with_bad_bytes(
    source: str, line: int, data: bytes
) -> None:
    """Runner lines, random text and invalid UTF-8, NUL, CR and escapes spliced in."""
    check_record(source, line, data)


@property_settings(30)
@given(size=st.integers(MAX_TEXT - 2, 3 * MAX_TEXT), fill=st.sampled_from([b"x", b"\xff", b"{"]))
def test_a_line_longer_than_max_text_is_cut_and_marked(size: int, fill: bytes) -> None:
    record = build_record("s", 1, fill * size)
    decoded_length = size  # one character per byte for these fills
    assert record.truncated == (decoded_length > MAX_TEXT)
    assert len(record.raw) <= MAX_TEXT + len(TRUNCATION_MARKER)
