"""Shared pieces of the fault suite.

- Numbered, checksummed lines (`line 000123 1a2b3c4d`), and checks that every line written was
  read exactly once, intact and in order.
- `LiveFollow`: the real `follow_sources` running as a task, its items collected and optionally
  folded into a `Session`, with deadline-bounded waits.
- `WriterThread`: the log's writer on a thread of its own, as "something else" writing the file.
- `run_cli`: `testtriage.cli.main` in-process with its output captured as bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import pytest

from testtriage.cli import main
from testtriage.core.ingest import (
    Chunk,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
    follow_sources,
)
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.session import Session, build_engine

NUMBERED_RE = re.compile(rb"(?P<tag>[a-z][a-z0-9]*) (?P<number>\d{6}) (?P<crc>[0-9a-f]{8})")


def body(number: int, tag: str = "line") -> str:
    return f"{tag} {number:06d}"


def checksum(number: int, tag: str = "line") -> str:
    return f"{zlib.crc32(body(number, tag).encode()):08x}"


def numbered(number: int, tag: str = "line", *, style: str = "plain") -> bytes:
    """One whole line: `plain` is `tag 000123 <crc32>`; `vitest` is a passing vitest test
    line whose name holds the same text, so the runner's counts can be checked too."""
    text = f"{body(number, tag)} {checksum(number, tag)}"
    if style == "vitest":
        return f" ✓ src/{tag}.test.ts > faults > {text} 1ms\n".encode()
    if style == "padded":
        # Lengths vary with the number, so reads and lines rarely align.
        return f"{text} {'.' * (number * 7919 % 61)}\n".encode()
    return f"{text}\n".encode()


def numbered_block(numbers: Iterable[int], tag: str = "line", *, style: str = "plain") -> bytes:
    return b"".join(numbered(number, tag, style=style) for number in numbers)


def decode_numbers(lines: Iterable[bytes], tag: str = "line") -> list[int]:
    """The number of each line; fails on a line that is not one whole, intact numbered line."""
    numbers: list[int] = []
    for line in lines:
        match = NUMBERED_RE.search(line)
        if match is None or match["tag"].decode() != tag:
            pytest.fail(f"a line read is not a whole numbered {tag!r} line: {line[:120]!r}")
        number = int(match["number"])
        if match["crc"].decode() != checksum(number, tag):
            pytest.fail(f"line {number} was read corrupted: {line[:120]!r}")
        numbers.append(number)
    return numbers


def assert_exactly_once(got: list[int], expected: Iterable[int], what: str = "lines") -> None:
    """`got` is exactly `expected`, in order: nothing lost, duplicated or reordered."""
    wanted = list(expected)
    if got == wanted:
        return
    missing = sorted(set(wanted) - set(got))
    seen: set[int] = set()
    duplicated = sorted({n for n in got if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    first_bad = next((i for i, (a, b) in enumerate(zip(got, wanted, strict=False)) if a != b), None)
    pytest.fail(
        f"{what}: wrote {len(wanted)}, read {len(got)}; missing {len(missing)} "
        f"(first {missing[:5]}), duplicated {len(duplicated)} (first {duplicated[:5]}), "
        f"first difference at index {first_bad}"
    )


def chunk_lines(items: Iterable[IngestItem], source: str | None = None) -> list[bytes]:
    """Every line of the chunks (of one source, if given), without its newline."""
    lines: list[bytes] = []
    for item in items:
        if isinstance(item, Chunk) and (source is None or item.source == source):
            lines.extend(split_chunk(item.data))
    return lines


def split_chunk(data: bytes) -> list[bytes]:
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    return parts


def notices(
    items: Iterable[IngestItem], kind: NoticeKind | None = None, source: str | None = None
) -> list[SourceNotice]:
    return [
        item
        for item in items
        if isinstance(item, SourceNotice)
        and (kind is None or item.kind is kind)
        and (source is None or item.source == source)
    ]


def assert_numbering_restarts_per_file(items: Iterable[IngestItem], source: str) -> int:
    """Within each file the source named (split at ROTATED and TRUNCATED), lines are numbered
    1, 2, 3... and each chunk's offset is where its bytes really start. Returns the file count."""
    files = 1
    expected_line, expected_offset = 1, 0
    for item in items:
        if isinstance(item, SourceNotice) and item.source == source:
            if item.kind in (NoticeKind.ROTATED, NoticeKind.TRUNCATED):
                files += 1
                expected_line, expected_offset = 1, 0
            continue
        if not isinstance(item, Chunk) or item.source != source:
            continue
        assert (item.first_line, item.offset) == (expected_line, expected_offset), (
            f"file {files}: chunk numbered line {item.first_line} at offset {item.offset}, "
            f"expected line {expected_line} at offset {expected_offset}"
        )
        expected_line += len(split_chunk(item.data))
        expected_offset += len(item.data)
    return files


@cache
def shared_engine() -> RuleEngine:
    """The built-in rules, compiled once for the whole suite (engines are read-only)."""
    return build_engine()


class LiveFollow:
    """`follow_sources` running as a task; every item is kept, and fed to `session` if given."""

    def __init__(
        self,
        specs: Iterable[SourceSpec],
        *,
        session: Session | None = None,
        poll_interval: float = 0.05,
        **options: object,
    ) -> None:
        self.items: list[IngestItem] = []
        self.session = session
        self.line_count: dict[str, int] = {}
        """Lines received per source (kept up to date for cheap polling)."""
        self.stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(list(specs), poll_interval, options))

    async def _run(
        self, specs: list[SourceSpec], poll_interval: float, options: dict[str, object]
    ) -> None:
        batches = follow_sources(
            specs,
            stop=self.stop,
            poll_interval=poll_interval,
            **options,  # type: ignore[arg-type]
        )
        async with contextlib.aclosing(batches):
            async for batch in batches:
                for item in batch:
                    if isinstance(item, Chunk):
                        count = len(split_chunk(item.data))
                        self.line_count[item.source] = self.line_count.get(item.source, 0) + count
                self.items.extend(batch)
                if self.session is not None:
                    self.session.feed(batch)

    def lines(self, source: str) -> int:
        return self.line_count.get(source, 0)

    def noticed(self, kind: NoticeKind, source: str | None = None) -> int:
        return len(notices(self.items, kind, source))

    async def until(
        self, condition: Callable[[], object], what: str, timeout: float = 15.0
    ) -> float:
        """Wait (without blocking the loop) until `condition()` holds; return the seconds taken."""
        started = time.monotonic()
        while not condition():
            if self._task.done():
                self._task.result()
                pytest.fail(f"the follow ended before: {what}")
            if time.monotonic() - started > timeout:
                pytest.fail(f"not within {timeout} s: {what} (lines so far: {self.line_count})")
            await asyncio.sleep(0.005)
        return time.monotonic() - started

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self._task, 10)


class WriterThread:
    """Runs a writing scenario on its own thread; `join` re-raises what failed in it."""

    def __init__(self, scenario: Callable[[], None]) -> None:
        self._scenario = scenario
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fault-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._scenario()
        except BaseException as exc:  # re-raised in the test by join()
            self._error = exc

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    async def join(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            if time.monotonic() > deadline:
                pytest.fail(f"the writer did not finish within {timeout} s")
            await asyncio.sleep(0.005)
        if self._error is not None:
            raise self._error


def wait_in_thread(condition: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    """From a writer thread: wait until `condition()` holds, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.002)


@dataclass(frozen=True)
class CliResult:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")


def run_cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> CliResult:
    """`testtriage ARGS` in-process (configuration discovery off), its output as bytes."""
    capsysbinary.readouterr()
    argv = list(args)
    if argv and argv[0] == "summary" and "--no-config" not in argv:
        argv.insert(1, "--no-config")
    code = main(argv)
    captured = capsysbinary.readouterr()
    return CliResult(code, captured.out, captured.err.decode("utf-8", "replace"))
