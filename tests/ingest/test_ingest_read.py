"""One-pass reading of many sources, stdin included, and expanding source arguments."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from testtriage.core.ingest import (
    Chunk,
    NoticeKind,
    SourceError,
    SourceNotice,
    SourceSpec,
    expand_sources,
    read_pipe,
    read_sources,
)

if TYPE_CHECKING:
    from conftest import Helpers


def test_one_failing_source_does_not_stop_the_others(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(b"ok 1\nok 2")
    binary = tmp_path / "blob.log"
    binary.write_bytes(b"\x00\x01\x02\x03" * 1000)
    missing = tmp_path / "missing.log"
    specs = [SourceSpec(str(path)) for path in (missing, binary, good)]
    items = list(read_sources(specs))
    notices = [(item.source, item.kind) for item in items if isinstance(item, SourceNotice)]
    assert notices == [
        (str(missing), NoticeKind.ERROR),
        (str(binary), NoticeKind.OPENED),
        (str(binary), NoticeKind.BINARY),
        (str(good), NoticeKind.OPENED),
        (str(good), NoticeKind.EOF),
    ]
    assert helpers.numbered_lines(items) == [(str(good), 1, b"ok 1"), (str(good), 2, b"ok 2")]


def test_a_directory_given_directly_is_one_error(tmp_path: Path) -> None:
    items = list(read_sources([SourceSpec(str(tmp_path), label="logs")]))
    assert items == [SourceNotice("logs", NoticeKind.ERROR, "logs: is a directory")]


def test_stdin_is_read_through_a_pipe_to_its_end(helpers: type[Helpers]) -> None:
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for number in range(1000):
                pipe.write(b"line %d\n" % number)
            pipe.write(b"last, no newline")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        items = list(read_sources([SourceSpec("-", fd=read_end)], chunk_size=4096))
    finally:
        writer.join()
        os.close(read_end)
    assert helpers.kinds(items) == [NoticeKind.OPENED, NoticeKind.EOF]
    lines = helpers.numbered_lines(items)
    assert len(lines) == 1001
    assert lines[-1] == ("stdin", 1001, b"last, no newline")
    assert all(item.offset == -1 for item in items if isinstance(item, Chunk))


def test_a_pipe_that_cannot_be_read_gives_one_error(helpers: type[Helpers]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    items = list(read_pipe(SourceSpec("-", fd=read_end)))
    assert helpers.kinds(items) == [NoticeKind.OPENED, NoticeKind.ERROR]
    assert items[-1].message == "stdin: bad file descriptor"  # type: ignore[union-attr]


class TestExpandSources:
    def test_globs_expand_sorted_and_duplicates_are_dropped(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        for name in ("shard-2.log", "shard-10.log", "shard-1.log", "notes.txt"):
            Path(name).write_text("x\n")
        Path("shard-dir.log").mkdir()
        specs = expand_sources(["shard-*.log", "shard-1.log", "./shard-2.log", "-", "-"], True)
        assert [spec.path for spec in specs] == [
            "shard-1.log",
            "shard-10.log",
            "shard-2.log",
            "-",
        ]

    def test_a_missing_literal_path_is_kept(self, tmp_path: Path) -> None:
        path = str(tmp_path / "later.log")
        assert expand_sources([path], follow=False) == [SourceSpec(path)]

    def test_an_existing_path_with_glob_characters_is_taken_literally(self, tmp_path: Path) -> None:
        odd = tmp_path / "run[1].log"
        odd.write_text("x\n")
        assert expand_sources([str(odd)], follow=False) == [SourceSpec(str(odd))]

    def test_a_directory_is_that_sources_one_line_error_and_the_others_are_read(
        self, tmp_path: Path
    ) -> None:
        log = tmp_path / "a.log"
        log.write_bytes(b"one\n")
        folder = tmp_path / "logs"
        folder.mkdir()
        specs = expand_sources([str(folder), str(log)], follow=False)
        assert [spec.path for spec in specs] == [str(folder), str(log)]
        items = list(read_sources(specs))
        errors = [i for i in items if isinstance(i, SourceNotice) and i.kind is NoticeKind.ERROR]
        assert len(errors) == 1 and "directory" in errors[0].message
        assert "\n" not in errors[0].message
        assert any(isinstance(i, Chunk) and i.data == b"one\n" for i in items)

    @pytest.mark.parametrize("follow", [False, True])
    def test_a_pattern_matching_nothing_is_refused(self, tmp_path: Path, follow: bool) -> None:
        with pytest.raises(SourceError, match=r"^no file matches .*\*\.log"):
            expand_sources([str(tmp_path / "*.log")], follow=follow)

    def test_a_recursive_pattern_finds_nested_files(self, tmp_path: Path) -> None:
        nested = tmp_path / "a" / "b"
        nested.mkdir(parents=True)
        (nested / "deep.log").write_text("x\n")
        (tmp_path / "top.log").write_text("x\n")
        specs = expand_sources([str(tmp_path / "**" / "*.log")], follow=False)
        assert [Path(spec.path).name for spec in specs] == ["deep.log", "top.log"]
