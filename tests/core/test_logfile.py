"""Reading log lines back by number, and scanning them for searches, filters and errors."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from testtriage.core.ingest import Chunk, SourceSpec, read_sources
from testtriage.core.ingest.chunks import MAX_LINE_BYTES
from testtriage.core.logfile import CHECKPOINT_SPACING, ChunkInfo, LineIndex, LogReader
from testtriage.core.logscan import (
    InvalidQuery,
    LineMatcher,
    build_matcher,
    classify,
    find_next,
    iter_scan,
    scan_matches,
)
from testtriage.core.records import LEVEL_ERROR, LEVEL_WARN, TRUNCATION_MARKER, decode_line

LONG = b"x" * (MAX_LINE_BYTES + 5000)
AWKWARD_LINES = [
    b"plain ascii",
    b"windows line\r",
    b"bad utf-8 \xff\xfe here",
    b"nul \x00 inside",
    b"",
    LONG,
    "caf\u00e9 \u2713 \u4e2d\u6587".encode(),
    b"\x1b[31mred\x1b[0m text",
    b"tab\tseparated",
]


def write_log(path: Path, lines: list[bytes], *, final_newline: bool = True) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    path.write_bytes(data)


def ingest(path: Path, chunk_size: int) -> tuple[LineIndex, list[bytes]]:
    """Index `path` from what ingest reads, and return the lines ingest saw."""
    index = LineIndex()
    seen: list[bytes] = []
    for item in read_sources([SourceSpec(str(path))], chunk_size=chunk_size):
        if isinstance(item, Chunk):
            info = ChunkInfo.of(item)
            index.add(info.first_line, info.line_count, info.offset, info.size)
            parts = item.data.split(b"\n")
            if item.data.endswith(b"\n"):
                parts.pop()
            seen.extend(parts)
    return index, seen


def many_lines(count: int) -> list[bytes]:
    lines = []
    for number in range(1, count + 1):
        lines.append(AWKWARD_LINES[number % len(AWKWARD_LINES)] + b" #%d" % number)
    return lines


@pytest.mark.parametrize(
    ("chunk_size", "final_newline"),
    [(4096, True), (65_536, False), (1 << 20, True), (300, False)],
)
def test_every_line_reads_back_as_ingest_saw_it(
    tmp_path: Path, chunk_size: int, final_newline: bool
) -> None:
    path = tmp_path / "run.log"
    write_log(path, many_lines(600), final_newline=final_newline)
    index, seen = ingest(path, chunk_size)
    assert index.total_lines == len(seen) == 600
    reader = LogReader(str(path))
    for number in [1, 2, 5, 6, 7, 299, 300, 301, 599, 600, *range(120, 140)]:
        assert reader.line(index, number) == decode_line(seen[number - 1]), number
    assert reader.read_lines(index, 590, 50) == [decode_line(raw) for raw in seen[589:]]
    assert reader.read_lines(index, 601, 5) == []


def test_a_line_cut_by_ingest_reads_back_cut_with_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    write_log(path, [b"before", LONG, b"after"])
    index, _ = ingest(path, 4096)
    reader = LogReader(str(path))
    long_line = reader.line(index, 2)
    assert long_line is not None
    assert long_line.endswith(TRUNCATION_MARKER)
    assert len(long_line) == MAX_LINE_BYTES + len(TRUNCATION_MARKER)
    assert reader.read_lines(index, 1, 3)[::2] == ["before", "after"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"crlf\r", "crlf"),
        (b"mid\rdle", "mid dle"),
        (b"bad \xff", "bad \ufffd"),
        (b"nul\x00", "nul\ufffd"),
    ],
)
def test_lines_are_decoded_like_records(tmp_path: Path, raw: bytes, shown: str) -> None:
    path = tmp_path / "one.log"
    write_log(path, [b"first", raw])
    index, _ = ingest(path, 4096)
    assert LogReader(str(path)).line(index, 2) == shown


def test_a_gigabyte_of_chunk_records_needs_well_under_a_megabyte_of_index() -> None:
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    index = LineIndex()
    chunk_bytes, lines_per_chunk = 10_000, 100
    offset, line = 0, 1
    for _ in range(100_000):  # 1 GB of 100-byte lines, in the small chunks a live tail makes
        index.add(line, lines_per_chunk, offset, chunk_bytes)
        offset += chunk_bytes
        line += lines_per_chunk
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert index.total_lines == 10_000_000
    assert offset == 1_000_000_000
    assert index.checkpoints <= offset // CHECKPOINT_SPACING + 2
    assert index.memory_bytes() < 300_000
    assert after - before < 1_000_000
    position, first = index.locate(5_000_000)
    assert first <= 5_000_000
    assert 0 <= 5_000_000 * 100 - position - (5_000_000 - first) * 100 <= CHECKPOINT_SPACING


@pytest.mark.parametrize(
    ("adds", "line", "expected"),
    [
        ([(1, 10, 0, 100)], 1, (0, 1)),
        ([(1, 10, 0, 100)], 10, (0, 1)),
        ([(1, 1000, 0, 70_000), (1001, 10, 70_000, 100)], 1005, (70_000, 1001)),
        ([(1, 1000, 0, 70_000), (1001, 10, 70_000, 100)], 1000, (0, 1)),
        ([(1, 10, 0, 100), (11, 10, 100, 100)], 15, (0, 1)),  # too close: no checkpoint
        ([(5001, 10, 500_000, 100)], 5003, (500_000, 5001)),  # started from the end
        ([(5001, 10, 500_000, 100)], 40, (0, 1)),
    ],
)
def test_locate_gives_the_checkpoint_at_or_before_a_line(
    adds: list[tuple[int, int, int, int]], line: int, expected: tuple[int, int]
) -> None:
    index = LineIndex()
    for add in adds:
        index.add(*add)
    assert index.locate(line) == expected


def test_lines_before_a_start_from_the_end_are_read_and_learned(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    lines = [b"line %06d %s" % (n, b"y" * 90) for n in range(1, 20_001)]
    write_log(path, lines)
    data = path.read_bytes()
    tail = data.index(b"line 019001")
    index = LineIndex()
    index.add(19_001, 1000, tail, len(data) - tail)
    reader = LogReader(str(path))
    assert reader.line(index, 19_500) == lines[19_499].decode()
    checkpoints = index.checkpoints
    assert reader.line(index, 12_345) == lines[12_344].decode()
    assert index.checkpoints > checkpoints  # the way to line 12345 was remembered
    assert reader.line(index, 12_000) == lines[11_999].decode()


def test_truncation_reset_starts_a_new_run_at_line_one(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    write_log(path, [b"old %d" % n for n in range(1, 101)])
    index, _ = ingest(path, 4096)
    reader = LogReader(str(path))
    assert reader.line(index, 50) == "old 50"
    epoch = index.epoch
    index.reset()
    assert (index.total_lines, index.checkpoints) == (0, 1)
    assert index.epoch != epoch
    assert reader.read_lines(index, 1, 10) == []
    write_log(path, [b"new 1", b"new 2"])
    index.add(1, 2, 0, 12)
    assert reader.read_lines(index, 1, 10) == ["new 1", "new 2"]


def test_a_chunk_restarting_at_line_one_rewinds_without_a_reset(tmp_path: Path) -> None:
    index = LineIndex()
    index.add(1, 1000, 0, 100_000)
    index.add(1001, 1000, 100_000, 100_000)
    epoch = index.epoch
    index.add(1, 3, 0, 30)
    assert index.total_lines == 3
    assert index.epoch != epoch
    assert index.locate(3) == (0, 1)


@pytest.mark.parametrize("trouble", ["deleted", "truncated", "never existed", "directory"])
def test_a_file_that_vanishes_or_shrinks_gives_fewer_lines_not_errors(
    tmp_path: Path, trouble: str
) -> None:
    path = tmp_path / "run.log"
    write_log(path, [b"line %d" % n for n in range(1, 1001)])
    index, _ = ingest(path, 4096)
    if trouble == "deleted":
        path.unlink()
    elif trouble == "truncated":
        path.write_bytes(b"line 1\nline 2\n")
    elif trouble == "never existed":
        path = tmp_path / "missing.log"
    else:
        path.unlink()
        path.mkdir()
    reader = LogReader(str(path))
    lines = reader.read_lines(index, 1, 1000)
    assert len(lines) < 1000
    assert reader.read_lines(index, 900, 10) == []
    assert reader.problem or trouble == "truncated"
    batches = list(iter_scan(reader, index, matcher(errors_only=True), 1, 1001))
    assert sum(batch.next_line - batch.first_line for batch in batches) < 1000
    assert find_next(reader, index, 0, matcher("line 999"), 1) is None


def test_an_open_reader_keeps_reading_a_deleted_file_and_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    write_log(path, [b"line %d" % n for n in range(1, 301)])
    index, _ = ingest(path, 4096)
    reader = LogReader(str(path))
    assert reader.line(index, 1) == "line 1"
    os.unlink(path)
    assert reader.line(index, 300) == "line 300"  # the open descriptor still holds the data
    reader.close()
    assert reader.line(index, 300) is None


def test_pipe_chunks_are_counted_but_not_readable(tmp_path: Path) -> None:
    index = LineIndex()
    index.add(1, 10, -1, 100)
    assert index.total_lines == 10
    assert not index.readable
    assert LogReader(str(tmp_path / "x")).read_lines(index, 1, 10) == []


# Matchers.


def matcher(query: str = "", **options: object) -> LineMatcher:
    built = build_matcher(query, **options)  # type: ignore[arg-type]
    assert isinstance(built, LineMatcher), built
    return built


@pytest.mark.parametrize(
    ("query", "options", "line", "wanted"),
    [
        ("boom", {}, "a BOOM here", True),
        ("boom", {"case_sensitive": True}, "a BOOM here", False),
        ("café", {}, "CAFÉ au lait", True),
        ("a.b", {}, "axb", False),  # plain text: the dot is a dot
        ("a.b", {}, "a.b", True),
        ("/fo+ba[rz]/", {}, "xx foooBAZ", True),
        ("/fo+ba[rz]/", {}, "fobaq", False),
        ("^start", {"regex": True}, "start here", True),
        ("^start", {"regex": True}, "not start", False),
        ("end$", {"regex": True}, "the end", True),
        ("[bold]", {}, "[bold]x[/]", True),
        ("red text", {}, "\x1b[31mred\x1b[0m text", True),  # colours do not split words
        ("", {"min_level": LEVEL_WARN}, "WARNING: disk almost full", True),
        ("", {"min_level": LEVEL_WARN}, "just text", False),
        ("", {"min_level": LEVEL_WARN}, '{"level":40,"msg":"slow"}', True),
        ("", {"min_level": LEVEL_WARN}, '{"level":30,"msg":"ok"}', False),
        ("", {"min_level": LEVEL_WARN}, '{"level":"debug","msg":"x"}', False),
        ("", {"min_level": LEVEL_ERROR}, '{"level":40,"msg":"slow"}', False),
        ("", {"min_level": LEVEL_ERROR}, '{"level":50,"msg":"down"}', True),
        ("", {"min_level": LEVEL_ERROR}, "Traceback (most recent call last):", True),
        ("down", {"min_level": LEVEL_ERROR}, '{"level":50,"msg":"down"}', True),
        ("up", {"min_level": LEVEL_ERROR}, '{"level":50,"msg":"down"}', False),
        ("", {"errors_only": True}, "ERROR: connection refused", True),
        ("", {"errors_only": True}, "TypeError: x is undefined", True),
        ("", {"errors_only": True}, "panic: runtime error", True),
        ("", {"errors_only": True}, "WARNING: deprecated", False),
        ("", {"errors_only": True}, "all good", False),
        ("", {"errors_only": True}, '{"level":60,"msg":"fatal"}', True),
        ("", {"errors_only": True}, '{"msg":"x","err":{"type":"E","message":"m"}}', True),
        ("", {"errors_only": True}, '{"level":30,"msg":"retry","err":{"type":"E"}}', False),
        ("", {"errors_only": True}, '{"msg":"x","@x":12}', True),
        ("", {"min_level": LEVEL_ERROR}, '{"level":3,"msg":"syslog error"}', True),
        ("", {"min_level": LEVEL_WARN}, '{"level":6,"msg":"syslog info"}', False),
        ("", {"min_level": LEVEL_WARN}, '{"level":"50","msg":"x"}', True),
        ("", {"min_level": LEVEL_WARN}, '{"level":35,"msg":"x"}', False),
        ("", {"min_level": LEVEL_WARN}, '{"level":45.5,"msg":"x"}', True),
        ("", {"min_level": LEVEL_WARN}, '{"severity":"WARNING","message":"x"}', True),
        ("", {"min_level": LEVEL_WARN}, 'ts=1 {"lvl":{"label":"error"},"msg":"x"}', True),
        ("", {"min_level": LEVEL_WARN}, "W, [2024-01-01T00:00:00] WARN -- : ruby", True),
    ],
)
def test_matchers_want_the_right_lines(
    tmp_path: Path, query: str, options: dict[str, object], line: str, wanted: bool
) -> None:
    built = matcher(query, **options)
    assert built.matches(line) is wanted
    # The block scan over the file agrees with the per-line answer.
    path = tmp_path / "one.log"
    write_log(path, [b"filler line", line.encode(), b"filler line"])
    index, _ = ingest(path, 4096)
    found = scan_matches(LogReader(str(path)), index, built, 1, 4, 10)
    assert found == ([2] if wanted else [])


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("/(foo/", "missing )"),
        ("/a{2,1}/", "repetition size"),
        ("/[z-a]/", "character class range"),
    ],
)
def test_an_invalid_regex_is_a_message_not_an_exception(query: str, fragment: str) -> None:
    built = build_matcher(query)
    assert isinstance(built, InvalidQuery)
    assert built.message.startswith("invalid regular expression: ")
    assert fragment in built.message


def test_a_catastrophic_regex_on_a_long_line_finishes_fast(tmp_path: Path) -> None:
    path = tmp_path / "evil.log"
    write_log(path, [b"a" * 60_000 + b"!", b"aaaa"] * 20)
    index, _ = ingest(path, 1 << 20)
    evil = matcher("/(a+)+$/")
    started = time.perf_counter()
    found = scan_matches(LogReader(str(path)), index, evil, 1, index.total_lines + 1, 100)
    assert time.perf_counter() - started < 1.0
    assert found == list(range(2, 41, 2))
    assert evil.matches("a" * 100_000 + "!") is False


def test_block_scans_agree_with_line_matching_on_hostile_lines(tmp_path: Path) -> None:
    lines = [
        b"\x1b]52;c;ZXJyb3I=\x07clipboard error",
        b"\x1b[2Jcleared ERROR",
        b"unterminated \x1b]0;title error",
        b"after the unterminated one",
        b"crlf error\r",
        b"nul\x00error",
        b"\xc2\x9b31mc1 csi error",
        b'{"level":50,"msg":"json error"}',
        b"nothing here",
    ] * 3
    path = tmp_path / "hostile.log"
    write_log(path, lines)
    index, seen = ingest(path, 4096)
    reader = LogReader(str(path))
    for query in ["error", "/^after/", "/error$/", "/r+o/"]:
        built = matcher(query)
        expected = [n for n, raw in enumerate(seen, 1) if built.matches(decode_line(raw))]
        assert scan_matches(reader, index, built, 1, len(seen) + 1, 100) == expected, query
    assert expected


def test_classify_reads_json_levels_and_text_markers() -> None:
    assert classify('{"level":50,"msg":"x"}').rank == LEVEL_ERROR
    assert classify('stderr | {"level":"warn","msg":"x"}').level == LEVEL_WARN
    assert classify('stderr | {"level":"warn","msg":"x"}').prefix == "stderr | "
    assert classify("Caused by: java.lang.IllegalStateException").error
    assert classify("plain").rank == 30  # unknown levels count as info


# Scans and jumps.


@pytest.fixture
def numbered(tmp_path: Path) -> tuple[LogReader, LineIndex]:
    path = tmp_path / "numbered.log"
    lines = [
        b"ERROR failure %d" % n if n % 1000 == 0 else b"line %d %s" % (n, b"z" * 60)
        for n in range(1, 50_001)
    ]
    write_log(path, lines)
    index, _ = ingest(path, 64 * 1024)
    return LogReader(str(path)), index


@pytest.mark.parametrize(
    ("start", "direction", "expected"),
    [
        (0, 1, 1000),
        (1000, 1, 2000),
        (999, 1, 1000),
        (1000, -1, None),
        (1001, -1, 1000),
        (50_000, -1, 49_000),
        (50_001, -1, 50_000),
        (50_000, 1, None),
        (25_500, -1, 25_000),
    ],
)
def test_find_next_goes_both_ways(
    numbered: tuple[LogReader, LineIndex], start: int, direction: int, expected: int | None
) -> None:
    reader, index = numbered
    errors = matcher(errors_only=True)
    assert find_next(reader, index, start, errors, direction) == expected


def test_find_next_stops_when_asked(numbered: tuple[LogReader, LineIndex]) -> None:
    reader, index = numbered
    nowhere = matcher("never there")
    seen: list[int] = []

    def stop(scanned: int) -> bool:
        seen.append(scanned)
        return scanned > 100_000

    assert find_next(reader, index, 0, nowhere, 1, should_stop=stop) is None
    assert seen and seen[-1] > 100_000 and len(seen) < 10


def test_scans_cover_contiguous_ranges_in_bounded_batches(
    numbered: tuple[LogReader, LineIndex],
) -> None:
    reader, index = numbered
    batches = list(iter_scan(reader, index, matcher("failure"), 1, 50_001, block_bytes=64_000))
    assert batches[0].first_line == 1 and batches[-1].next_line == 50_001
    assert all(a.next_line == b.first_line for a, b in zip(batches, batches[1:], strict=False))
    assert all(batch.bytes_read <= 64_000 for batch in batches)
    assert [n for batch in batches for n in batch.matches] == list(range(1000, 50_001, 1000))
    assert scan_matches(reader, index, matcher("failure"), 1, 50_001, 3) == [1000, 2000, 3000]
    assert scan_matches(reader, index, matcher("failure"), 2500, 4001, 10) == [3000, 4000]
