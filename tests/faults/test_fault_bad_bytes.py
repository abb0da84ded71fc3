"""Bad bytes through the whole pipeline: `testtriage summary` (in-process) and a `Session`.

Nothing may crash, every line must still be counted once, what is cut must say so, and memory
must not follow the size of a line.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from _fault_support import (
    assert_exactly_once,
    chunk_lines,
    decode_numbers,
    numbered,
    run_cli,
    shared_engine,
)

from testtriage.core.ingest import MAX_LINE_BYTES, Chunk, SourceSpec, read_sources
from testtriage.core.records import MAX_TEXT, TRUNCATION_MARKER, build_record
from testtriage.core.session import Session, analyze
from testtriage.core.state import RunState

Capture = pytest.CaptureFixture[bytes]


def session_state(*paths: Path) -> RunState:
    specs = [SourceSpec(str(path)) for path in paths]
    return analyze(Session(shared_engine(), specs), read_sources(specs))


def summary_json(capsysbinary: Capture, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = run_cli(capsysbinary, "summary", "--format", "json", *args)
    return result.code, json.loads(result.out), result.err


FAULTS = {
    "invalid-utf8": b"\xff\xfe\xc3(",
    "nul": b"\x00",
    "lone-cr": b"a\rb ",
    "overlong-utf8": b"\xc0\xaf\xe0\x80\xaf",
    "surrogate-utf8": b"\xed\xa0\x80",
}


def faulty_lines(count: int) -> bytes:
    """Passing vitest test lines, each with one kind of bad bytes in its name, alternately
    ended by LF and CRLF."""
    names = list(FAULTS.values())
    out = []
    for number in range(count):
        line = numbered(number, style="vitest")
        head, _, rest = line.partition(b"faults > ")
        line = head + b"faults > " + names[number % len(names)] + rest
        if number % 2:
            line = line[:-1] + b"\r\n"
        out.append(line)
    return b"".join(out)


def test_invalid_utf8_nul_lone_cr_and_crlf_lines_are_each_read_once_end_to_end(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """1 000 test lines carrying invalid or overlong UTF-8, encoded surrogates, NUL, a lone CR,
    half of them CRLF-ended: ingest reads them whole and exactly once, every one becomes one
    passing test (so no line was split, merged or dropped downstream), and the summary agrees."""
    log = tmp_path / "bad.log"
    data = faulty_lines(1_000)
    log.write_bytes(data)

    items = list(read_sources([SourceSpec(str(log))]))
    assert_exactly_once(decode_numbers(chunk_lines(items)), range(1_000))
    state = session_state(log)
    assert (state.lines, state.counts().passed, state.counts().total) == (1_000, 1_000, 1_000)
    names = [key.name for key in state.tests]
    assert all("\r" not in name and "\x00" not in name for name in names)
    assert sum("\ufffd" in name for name in names) == 800

    code, report, err = summary_json(capsysbinary, str(log))
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == 1_000
    assert report["sources"][0]["bytes"] == len(data)
    assert report["tests"]["passed"] == 1_000


def test_a_50_mb_line_is_cut_with_a_visible_marker_in_bounded_memory(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """One 50 MB line between two short ones: ingest keeps its first `MAX_LINE_BYTES` bytes and
    appends the truncation marker; the record says it was cut; the lines around it keep their
    numbers; the whole summary's peak traced memory stays far below the line's size."""
    log = tmp_path / "huge.log"
    huge = 50 << 20
    with log.open("wb") as out:
        out.write(b"before ERROR first\n")
        out.write(b"ERROR " + b"x" * huge + b"\n")
        out.write(b"after ERROR third\n")

    chunks = [item for item in read_sources([SourceSpec(str(log))]) if isinstance(item, Chunk)]
    lines = chunk_lines(chunks)
    assert len(lines) == 3
    assert lines[1] == b"ERROR " + b"x" * (MAX_LINE_BYTES - 6) + TRUNCATION_MARKER.encode()
    record = build_record("huge.log", 2, lines[1])
    assert record.truncated and record.raw.endswith(TRUNCATION_MARKER)
    assert len(record.raw) <= MAX_TEXT + len(TRUNCATION_MARKER)

    tracemalloc.start()
    try:
        code, report, err = summary_json(capsysbinary, str(log))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20, f"peak traced memory {peak / 2**20:.1f} MB for a 50 MB line"
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == 3
    evidence = [e for f in report["findings"] for e in f["evidence"]]
    assert sorted(e["line"] for e in evidence) == [1, 2, 3]
    cut = next(e for e in evidence if e["line"] == 2)
    assert len(cut["text"]) <= 2_001 and cut["text"].endswith("…")


def test_the_byte_count_of_a_source_includes_the_skipped_part_of_an_overlong_line(
    tmp_path: Path,
) -> None:
    """`bytes` is how far a source was read: a cut line was still read to its end."""
    log = tmp_path / "long.log"
    log.write_bytes(b"a" * (3 * MAX_LINE_BYTES) + b"\nshort\n")
    state = session_state(log)
    assert state.lines == 2
    assert state.bytes_read == log.stat().st_size


@pytest.mark.soak
def test_a_200_mb_file_without_a_newline_is_one_cut_line_in_bounded_memory(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """200 MB and no newline at all: one line, cut and marked, read in bounded memory."""
    log = tmp_path / "flat.log"
    block = b"ERROR " + b"y" * ((1 << 20) - 6)
    with log.open("wb") as out:
        for _ in range(200):
            out.write(block)
    tracemalloc.start()
    try:
        code, report, err = summary_json(capsysbinary, str(log))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20, f"peak traced memory {peak / 2**20:.1f} MB for a 200 MB line"
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == 1
    [finding] = report["findings"]
    assert finding["first"]["line"] == 1


def deep_object(depth: int) -> bytes:
    return b'{"level":50,"msg":"deep","a":' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)


def test_json_nested_10_000_levels_deep_does_not_crash_the_pipeline(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """A 10 000-level JSON object (longer than `MAX_TEXT`, so it is cut and kept as text) and a
    10 000-level array: no recursion error anywhere, both lines counted."""
    log = tmp_path / "deep.log"
    array = b'{"level":50,"msg":"deep array","a":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    log.write_bytes(deep_object(10_000) + b"\n" + array + b"\n")
    assert build_record("deep.log", 1, deep_object(10_000)).truncated
    assert build_record("deep.log", 2, array).line == 2
    code, report, err = summary_json(capsysbinary, str(log))
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == 2


def test_an_error_level_json_log_longer_than_max_text_is_still_reported(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """No error is hidden for being long: a pino error line with a 20 000-char field."""
    log = tmp_path / "long-json.log"
    payload = "x" * 20_000
    log.write_text(f'{{"level":50,"msg":"order import failed","payload":"{payload}"}}\n')
    code, report, err = summary_json(capsysbinary, str(log))
    assert [f["first"]["line"] for f in report["findings"]] == [1]


def test_json_nested_1_000_levels_deep_inside_max_text_does_not_crash_build_record() -> None:
    """Deep but short enough to be parsed (orjson reads up to 1 024 levels, but writes only
    255): the record is still built, its deep field shown as a short placeholder."""
    record = build_record("deep.log", 1, deep_object(1_000))
    assert record.line == 1
    assert record.log is not None and record.level == 50


BEYOND_DOUBLE = [
    b'{"level":50,"msg":"ERROR float overflow","n":1e999}',
    b'{"level":50,"msg":"ERROR big int","n":' + b"9" * 400 + b"}",
    b'{"level":50,"msg":"ERROR negative big int","n":-' + b"9" * 400 + b"}",
    b'{"level":' + b"9" * 400 + b',"msg":"ERROR huge level"}',
]
"""JSON logs holding a number beyond a double's range, which orjson refuses."""
PARSED = [
    b'{"level":50,"msg":"ERROR big but finite","n":' + b"9" * 300 + b"}",
    b'{"level":1e308,"time":1e308,"msg":"ERROR huge level float"}',
    b'{"level":-1e308,"time":-1e308,"msg":"ERROR negative level float"}',
    b'{"level":50,"time":"99999-01-01T00:00:00","msg":"ERROR odd time"}',
    b'{"level":30,"level":50,"msg":"first","msg":"ERROR second wins"}',
]


def test_json_with_huge_numbers_and_duplicate_keys_is_read_without_crashing(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """`1e999` and 400-digit integers, levels and times at a double's limits, an impossible
    date, duplicate keys (the last one wins, as in every JSON parser): every line is counted,
    no record raises, and the lines that parse are reported where they are."""
    lines = BEYOND_DOUBLE + PARSED
    log = tmp_path / "numbers.log"
    log.write_bytes(b"\n".join(lines) + b"\n")
    for number, line in enumerate(lines, 1):
        assert build_record("numbers.log", number, line).line == number
    code, report, err = summary_json(capsysbinary, str(log))
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == len(lines)
    found = sorted(e["line"] for f in report["findings"] for e in f["evidence"])
    assert set(found) >= set(range(len(BEYOND_DOUBLE) + 1, len(lines) + 1))
    duplicate = next(
        f for f in report["findings"] for e in f["evidence"] if e["line"] == len(lines)
    )
    assert "second wins" in duplicate["title"]


def test_an_error_level_json_log_with_an_out_of_range_number_is_still_reported(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    log = tmp_path / "numbers.log"
    log.write_bytes(b"\n".join(BEYOND_DOUBLE) + b"\n")
    code, report, err = summary_json(capsysbinary, str(log))
    found = sorted(e["line"] for f in report["findings"] for e in f["evidence"])
    assert found == list(range(1, len(BEYOND_DOUBLE) + 1))


@pytest.mark.parametrize("level", ["²", "①", "٣", "５０"])
def test_a_json_level_written_in_non_ascii_digits_does_not_crash_build_record(level: str) -> None:
    """Superscript, circled, Arabic-Indic and full-width digits pass `str.isdigit()`; the
    level is not a number to rank, and the record is still built."""
    record = build_record("s.log", 1, f'{{"level":"{level}","msg":"ERROR boom"}}'.encode())
    assert record.line == 1
    assert record.log is not None and record.log.level_name == level


def test_json_lines_that_are_arrays_or_strings_are_plain_text_records(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """Valid JSON that is not an object is not a log record: it is matched as the text it is,
    so a known error inside it is still found, on its own line."""
    lines = [
        b'["error", "connect ECONNREFUSED 127.0.0.1:5432"]',
        b'"connect ECONNREFUSED 127.0.0.1:6379"',
        b"[]",
        b"null",
    ]
    for line in lines:
        record = build_record("s.log", 7, line)
        assert (record.log, record.line, record.text) == (None, 7, line.decode())
    log = tmp_path / "shapes.log"
    log.write_bytes(b"\n".join(lines) + b"\n")
    code, report, err = summary_json(capsysbinary, str(log))
    assert (code, err) == (0, "")
    assert report["sources"][0]["lines"] == 4
    found = sorted(e["line"] for f in report["findings"] for e in f["evidence"])
    assert found == [1, 2]


def test_an_empty_file_and_a_file_of_only_newlines_are_clean_runs(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """No content is not an error: zero lines, or 10 000 empty lines, read and counted."""
    empty, blank = tmp_path / "empty.log", tmp_path / "blank.log"
    empty.write_bytes(b"")
    blank.write_bytes(b"\n" * 10_000)
    state = session_state(empty, blank)
    assert {name: s.lines for name, s in state.sources.items()} == {
        str(empty): 0,
        str(blank): 10_000,
    }
    assert state.groups == {}
    code, report, err = summary_json(capsysbinary, str(empty), str(blank))
    assert (code, err) == (0, "")
    assert [(s["lines"], s["status"]) for s in report["sources"]] == [
        (0, "ended"),
        (10_000, "ended"),
    ]
    assert report["findings"] == []
