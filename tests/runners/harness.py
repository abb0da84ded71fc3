"""Drive a RunnerMux over bytes exactly as the scanner does, and collect what it reports.

Blocks of whole lines; candidate lines selected by the RE2 union of every runner marker and
the level markers; every line while the parser reads densely.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testtriage.core.records import Record, build_record
from testtriage.core.results import (
    FailureReported,
    LineContext,
    RunEvent,
    RunFinished,
    RunnerDetected,
    TestKey,
    TestReported,
    TestResult,
    TestStatus,
    TotalsReported,
)
from testtriage.core.runners import RUNNER_MARKERS, RunnerMux
from testtriage.core.scan import LEVEL_MARKERS, Block, compile_candidates

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
SPARSE = compile_candidates([*RUNNER_MARKERS, *LEVEL_MARKERS])
EVERY_LINE = compile_candidates([r"^"])
"""Selects every line: what a parser sees when rule patterns make every line a candidate."""


@dataclass
class Run:
    """What a mux produced from one source."""

    events: list[RunEvent] = field(default_factory=list)
    contexts: dict[int, LineContext] = field(default_factory=dict)
    """Line number -> context, for lines inside failure blocks."""
    records: dict[int, Record] = field(default_factory=dict)
    """Line number -> record, for every line the parser was fed."""
    events_of_line: dict[int, list[RunEvent]] = field(default_factory=dict)
    """Line number -> the events feeding that line produced."""
    dense_lines: int = 0

    @property
    def results(self) -> dict[TestKey, TestResult]:
        """Each test's last reported outcome (later reports of a key update it)."""
        latest: dict[TestKey, TestResult] = {}
        for event in self.events:
            if isinstance(event, TestReported):
                latest[event.result.key] = event.result
        return latest

    def status_count(self, status: TestStatus) -> int:
        return sum(1 for result in self.results.values() if result.status is status)

    @property
    def totals(self) -> TotalsReported | None:
        found = [e for e in self.events if isinstance(e, TotalsReported)]
        return found[-1] if found else None

    @property
    def failures(self) -> dict[TestKey, FailureReported]:
        """Each failure block's last report with a message (or its first, if none has one)."""
        blocks: dict[TestKey, FailureReported] = {}
        for event in self.events:
            if isinstance(event, FailureReported):
                known = blocks.get(event.key)
                if known is None or (event.message and not known.message):
                    blocks[event.key] = event
        return blocks

    @property
    def runners(self) -> list[str]:
        return [e.runner for e in self.events if isinstance(e, RunnerDetected)]

    @property
    def finished(self) -> bool:
        return any(isinstance(e, RunFinished) for e in self.events)

    def line_of(self, text: str, start: int = 1) -> int:
        """The number of the first fed line at or after `start` whose text contains `text`."""
        for number in sorted(self.records):
            if number >= start and text in self.records[number].text:
                return number
        raise AssertionError(f"no fed line contains {text!r}")


def chunks(data: bytes, size: int) -> Iterator[tuple[int, bytes]]:
    """Whole-line chunks of about `size` bytes, with the number of their first line."""
    line = 1
    start = 0
    while start < len(data):
        end = data.find(b"\n", min(len(data), start + size))
        end = len(data) if end == -1 else end + 1
        piece = data[start:end]
        yield line, piece
        line += piece.count(b"\n")
        start = end


def drive(
    data: bytes,
    source: str = "test.log",
    *,
    chunk_size: int = 4096,
    regex: Any = SPARSE,
    mux: RunnerMux | None = None,
    finish: bool = True,
) -> Run:
    """Feed `data` to a mux the way the scanner does, and collect what it says."""
    mux = mux if mux is not None else RunnerMux(source)
    run = Run()
    for first, piece in chunks(data, chunk_size):
        block = Block(piece)
        for index, raw in block.select(regex, lambda: mux.dense):
            if mux.dense:
                run.dense_lines += 1
            record = build_record(source, first + index, raw)
            run.records[record.line] = record
            before = len(run.events)
            context = mux.feed(record, run.events)
            run.events_of_line[record.line] = run.events[before:]
            if context is not None:
                run.contexts[record.line] = context
    if finish:
        mux.finish(run.events)
    return run


def drive_file(name: str, **options: Any) -> Run:
    return drive((FIXTURES / name).read_bytes(), source=name, **options)
