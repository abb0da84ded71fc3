"""FileFollower: one file followed by path through appends, cuts, rotation and trouble."""

from __future__ import annotations

import os
import random
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from testtriage.core.ingest import (
    MAX_LINE_BYTES,
    Chunk,
    FileFollower,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
    looks_binary,
)
from testtriage.core.records import TRUNCATION_MARKER

if TYPE_CHECKING:
    from conftest import Helpers


def follower(path: Path, **options: object) -> FileFollower:
    return FileFollower(SourceSpec(str(path)), **options)  # type: ignore[arg-type]


def poll_until_idle(source: FileFollower) -> list[IngestItem]:
    items: list[IngestItem] = []
    while True:
        new = source.poll()
        items.extend(new)
        if not new or source.ended:
            return items


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)


def test_lines_are_numbered_and_a_partial_line_waits_for_its_end(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"one\ntwo\nthr")
    source = follower(log)
    first = source.poll()
    assert helpers.kinds(first) == [NoticeKind.OPENED]
    assert helpers.numbered_lines(first) == [(str(log), 1, b"one"), (str(log), 2, b"two")]
    append(log, b"ee\nfour\n")
    second = source.poll()
    assert helpers.numbered_lines(second) == [(str(log), 3, b"three"), (str(log), 4, b"four")]
    chunk = second[0]
    assert isinstance(chunk, Chunk) and chunk.offset == 8
    assert source.poll() == []


def test_a_one_pass_read_flushes_the_last_partial_line_then_ends(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"a\r\nb \xff\x00 c\nno newline")
    items = poll_until_idle(follower(log, follow=False))
    assert helpers.texts(items) == [b"a\r", b"b \xff\x00 c", b"no newline"]
    assert helpers.kinds(items) == [NoticeKind.OPENED, NoticeKind.EOF]


def test_a_missing_file_is_an_error_when_not_following(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    source = follower(missing, follow=False)
    assert source.poll() == [
        SourceNotice(str(missing), NoticeKind.ERROR, f"no such file: {missing}")
    ]
    assert source.ended


def test_a_file_that_appears_late_is_waited_for_once_then_read(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "late.log"
    source = follower(log)
    assert helpers.kinds(source.poll()) == [NoticeKind.WAITING]
    assert source.poll() == []
    log.write_bytes(b"hello\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.OPENED]
    assert helpers.numbered_lines(items) == [(str(log), 1, b"hello")]


def test_a_binary_file_is_reported_and_not_read(tmp_path: Path, helpers: type[Helpers]) -> None:
    blob = tmp_path / "core.bin"
    blob.write_bytes(bytes(range(256)) * 64)
    source = follower(blob)
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.OPENED, NoticeKind.BINARY]
    assert "binary" in items[-1].message  # type: ignore[union-attr]
    assert source.ended and source.poll() == []


@pytest.mark.parametrize(
    ("sample", "binary"),
    [
        (b"plain text log line\n" * 100, False),
        (b"\x1b[31mFAIL\x1b[0m  test > case\r\n" * 100, False),
        (b"text with one \x00 stray nul\n" * 100, False),
        ("naïve résumé — ✓ ×\n".encode() * 100, False),
        ("latin-1 café\n".encode("latin-1") * 100, False),
        ("utf-16 log line\r\n".encode("utf-16"), False),
        ("utf-16 no bom\n".encode("utf-16-le") * 50, False),
        (b"\x00" * 4096, True),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60 + b"code" * 100, True),
        (random.Random(7).randbytes(8192), True),
    ],
)
def test_binary_sniffing_tells_logs_from_other_files(sample: bytes, binary: bool) -> None:
    assert looks_binary(sample) is binary


def test_a_20_mb_line_is_cut_with_the_marker_and_memory_stays_bounded(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "long.log"
    with log.open("wb") as handle:
        handle.write(b"before\n")
        for _ in range(20):
            handle.write(b"0123456789abcdef" * 65536)
        handle.write(b"\nafter\n")
    tracemalloc.start()
    try:
        items = poll_until_idle(follower(log, follow=False))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    lines = helpers.numbered_lines(items)
    assert [(number, len(text)) for _, number, text in lines] == [
        (1, 6),
        (2, MAX_LINE_BYTES + len(TRUNCATION_MARKER.encode())),
        (3, 5),
    ]
    assert lines[1][2].endswith(TRUNCATION_MARKER.encode())
    assert max(len(item.data) for item in items if isinstance(item, Chunk)) <= 1 << 20
    assert peak < 16 << 20


def _write_unterminated(path: Path, megabytes: int) -> None:
    block = b"no newline in sight " * 52_429
    with path.open("wb") as handle:
        for _ in range(megabytes):
            handle.write(block)


def _assert_one_cut_line(items: list[IngestItem]) -> None:
    chunks = [item for item in items if isinstance(item, Chunk)]
    assert len(chunks) == 1
    assert len(chunks[0].data) == MAX_LINE_BYTES + len(TRUNCATION_MARKER.encode())


def test_a_file_without_newlines_is_read_with_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "flat.log"
    _write_unterminated(log, 24)
    _assert_one_cut_line(poll_until_idle(follower(log, follow=False)))


@pytest.mark.soak
def test_a_200_mb_file_without_newlines_is_read_with_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "flat.log"
    _write_unterminated(log, 200)
    tracemalloc.start()
    try:
        items = poll_until_idle(follower(log, follow=False))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _assert_one_cut_line(items)
    assert peak < 16 << 20


def test_a_poll_returns_at_most_its_byte_budget(tmp_path: Path, helpers: type[Helpers]) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(b"".join(b"line %06d\n" % number for number in range(50_000)))
    source = follower(log, chunk_size=4096, max_bytes=65536)
    first = source.poll()
    assert sum(len(item.data) for item in first if isinstance(item, Chunk)) <= 65536
    pending_after_first = source.pending
    items = first + poll_until_idle(source)
    assert pending_after_first and not source.pending
    numbers = [number for _, number, _ in helpers.numbered_lines(items)]
    assert numbers == list(range(1, 50_001))


def test_from_end_starts_after_the_last_whole_line_with_true_line_numbers(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"old 1\nold 2\nhalf a li")
    source = follower(log, from_end=True)
    assert helpers.texts(source.poll()) == []
    append(log, b"ne\nnew\n")
    assert helpers.numbered_lines(source.poll()) == [
        (str(log), 3, b"half a line"),
        (str(log), 4, b"new"),
    ]


def test_truncation_restarts_at_line_one_of_the_new_run(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"run 1 line 1\nrun 1 line 2\nrun 1 partial")
    source = follower(log)
    source.poll()
    with log.open("r+b") as handle:
        handle.truncate(0)
    append(log, b"run 2 line 1\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.TRUNCATED]
    assert helpers.numbered_lines(items) == [
        (str(log), 3, b"run 1 partial"),
        (str(log), 1, b"run 2 line 1"),
    ]
    append(log, b"run 2 line 2\n")
    assert helpers.numbered_lines(source.poll()) == [(str(log), 2, b"run 2 line 2")]


def test_a_truncation_before_everything_was_read_reports_the_loss(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"x" * 99 + b"\n" + b"y" * 99 + b"\n")
    source = follower(log, chunk_size=100, max_bytes=100)
    source.poll()
    log.write_bytes(b"new\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.LOSS, NoticeKind.TRUNCATED]
    assert "100 bytes" in items[0].message  # type: ignore[union-attr]
    assert helpers.numbered_lines(items) == [(str(log), 1, b"new")]


def test_copytruncate_with_regrowth_between_polls_reads_the_new_content(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"2024-01-01 first run starts\nworking\n")
    source = follower(log)
    source.poll()
    # The copy goes elsewhere; the file is cut to zero and written past the old offset.
    with log.open("r+b") as handle:
        handle.truncate(0)
        handle.write(b"2024-01-02 second run starts\nmore output\nand more\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.TRUNCATED]
    assert helpers.numbered_lines(items)[0] == (str(log), 1, b"2024-01-02 second run starts")


def test_a_rewrite_with_the_same_start_is_noticed_by_the_bytes_before_the_offset(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "out.log"
    header = b" RUN  v1.6.0 /repo\n"
    log.write_bytes(header + b" \xe2\x9c\x93 a.test.ts (3 tests) 12ms\n")
    source = follower(log)
    source.poll()
    log.write_bytes(header + b" \xc3\x97 a.test.ts (3 tests | 1 failed) 15ms\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.TRUNCATED]
    assert helpers.texts(items)[-1].endswith(b"1 failed) 15ms")


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"old 1\n")
    source = follower(log)
    source.poll()
    with log.open("ab") as writer:
        os.rename(log, tmp_path / "test.log.1")
        log.write_bytes(b"new 1\nnew 2\n")
        writer.write(b"old 2\nold partial")  # still written through the old descriptor
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.ROTATED]
    assert helpers.numbered_lines(items) == [
        (str(log), 2, b"old 2"),
        (str(log), 3, b"old partial"),
        (str(log), 1, b"new 1"),
        (str(log), 2, b"new 2"),
    ]
    rotated = items.index(SourceNotice(str(log), NoticeKind.ROTATED, "reading the new file"))
    assert all(
        isinstance(item, Chunk) and item.data.startswith(b"new") for item in items[rotated + 1 :]
    )


def test_rotation_mid_stream_reads_every_line_exactly_once(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    rng = random.Random(42)
    source = follower(log, chunk_size=64, max_bytes=256)
    items: list[IngestItem] = []
    writer = log.open("ab")
    generation = 0
    polled_since_rotation = True
    for number in range(3000):
        writer.write(b"line %d\n" % number)
        writer.flush()
        # A file rotated twice between two polls would go unread: rotations are far apart.
        if polled_since_rotation and rng.random() < 0.01:
            polled_since_rotation = False
            generation += 1
            os.rename(log, tmp_path / f"test.log.{generation}")
            writer.write(b"late %d\n" % number)  # the old descriptor still gets a line
            writer.close()
            writer = log.open("ab")
        if rng.random() < 0.2:
            items.extend(source.poll())
            polled_since_rotation = True
    writer.close()
    items.extend(poll_until_idle(source))
    items.extend(poll_until_idle(source))
    lines = helpers.texts(items)
    expected_lines = sorted(
        [b"line %d" % n for n in range(3000)] + [line for line in lines if line.startswith(b"late")]
    )
    assert sorted(lines) == expected_lines
    assert len(set(lines)) == len(lines)
    in_order = [int(line.split()[1]) for line in lines if line.startswith(b"line")]
    assert in_order == sorted(in_order)
    assert helpers.kinds(items).count(NoticeKind.ROTATED) == generation
    assert sum(line.startswith(b"late") for line in lines) == generation


def test_a_deleted_file_is_read_on_until_a_new_one_appears(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"a\n")
    source = follower(log)
    source.poll()
    with log.open("ab") as writer:
        log.unlink()
        writer.write(b"b\n")
        writer.flush()
        assert helpers.texts(source.poll()) == [b"b"]
        assert source.poll() == []
        log.write_bytes(b"fresh\n")
        items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.ROTATED]
    assert helpers.numbered_lines(items) == [(str(log), 1, b"fresh")]


def test_a_path_that_becomes_a_directory_is_reported_once_and_may_come_back(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"kept\n")
    source = follower(log)
    assert helpers.texts(source.poll()) == [b"kept"]
    log.unlink()
    log.mkdir()
    items = source.poll()
    assert items == [SourceNotice(str(log), NoticeKind.ERROR, f"{log}: is a directory now")]
    assert source.poll() == []
    log.rmdir()
    log.write_bytes(b"back\n")
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.ROTATED]
    assert helpers.texts(items) == [b"back"]


def test_an_unreadable_replacement_is_reported_once(
    tmp_path: Path, helpers: type[Helpers], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"a\n")
    source = follower(log)
    source.poll()
    log.unlink()
    log.write_bytes(b"secret\n")
    real_open = os.open

    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        # Mode bits do not stop root, so the refusal is simulated.
        if path == str(log):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse)
    items = source.poll()
    assert items == [SourceNotice(str(log), NoticeKind.ERROR, f"{log}: permission denied")]
    assert source.poll() == []
    monkeypatch.undo()
    items = source.poll()
    assert helpers.kinds(items) == [NoticeKind.ROTATED]
    assert helpers.texts(items) == [b"secret"]
