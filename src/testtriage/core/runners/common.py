"""What every runner parser shares: reported outcomes, the open failure block, running tallies."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import (
    BlockKind,
    FailureReported,
    LineContext,
    RunEvent,
    RunFinished,
    TestKey,
    TestReported,
    TestResult,
    TestStatus,
    TotalsReported,
    Zone,
)
from testtriage.core.runners.base import RunnerParser

NAME_SEPARATOR = " > "
"""Joins the parts of a test's full name (suites, then the test) in `TestKey.name`."""

MAX_REMEMBERED = 20_000
"""Tests whose last outcome a parser remembers, to merge later reports of the same test."""

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m)\b")
_COUNT_RE = re.compile(r"(\d+) ([a-z][a-z ]*?)(?=,| \||$| \(|\)| in )")


def join_name(parts: list[str] | tuple[str, ...]) -> str:
    """A test's full name from its suites and title, empty parts left out."""
    stripped = [part.strip() for part in parts]
    return NAME_SEPARATOR.join(part for part in stripped if part)


def duration_ms(text: str) -> float | None:
    """The first duration in `text` (`5ms`, `5 ms`, `1.26s`, `0.00s`), in milliseconds."""
    match = _DURATION_RE.search(text)
    if match is None:
        return None
    value = float(match.group(1))
    unit = match.group(2)
    if unit == "s":
        value *= 1000.0
    elif unit == "m":
        value *= 60_000.0
    return value


def count_words(text: str) -> dict[str, int]:
    """`"2 failed | 18 passed (20)"` or `"1 failed, 2 passed, 3 total"` as {word: count}."""
    counts: dict[str, int] = {}
    for number, word in _COUNT_RE.findall(text):
        word = word.strip()
        counts[word] = counts.get(word, 0) + int(number)
    return counts


def indent_of(text: str) -> int:
    """Leading whitespace of a line, a tab counting as four columns."""
    stripped = text.lstrip(" \t")
    head = text[: len(text) - len(stripped)]
    return len(head) + 3 * head.count("\t")


_TYPE_ONLY = re.compile(r"^[\w.$]+:$")
"""A first error line that names only the error's type; the next line says what happened."""


def first_line(text: str, limit: int = 500) -> str:
    """The first non-blank line of a message, trimmed, bounded in length."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:limit]
    return ""


class Bounded(OrderedDict[TestKey, TestResult]):
    """Last outcome per test, forgetting the oldest beyond a fixed size."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: TestKey, result: TestResult) -> None:
        self[key] = result
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


@dataclass(slots=True)
class Tally:
    """Outcomes counted from lines that report several tests at once (a vitest file line,
    pytest's progress characters), sent as the runner's totals so far."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    total: int | None = None

    def add(self, passed: int = 0, failed: int = 0, skipped: int = 0, errors: int = 0) -> None:
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        self.errors += errors


@dataclass(slots=True)
class FailureBlock:
    """The failure block being read: the tests it reports, its kind, where it sits."""

    keys: list[TestKey]
    kind: BlockKind
    line: int
    zone: Zone = Zone.ERROR
    message: str = ""

    @property
    def key(self) -> TestKey:
        return self.keys[0]


class RunnerBase(RunnerParser):
    """A parser with the bookkeeping all runners need.

    Events follow these conventions:
    - Every line that names a test (an outcome line, a block header, a summary line) sends a
      `TestReported` or `FailureReported`, repeated if need be: the pipeline then matches rules
      against the event's message only, never against the test's name.
    - A block's `FailureReported` is sent when it opens, and again once its first error line
      is known (with that line as `message`), unless the message was known at the start.
    - A line that names a test but carries no error text has no `LineContext`, so that it
      does not open an empty failure in the pipeline.
    - `TotalsReported` is the runner's own totals, or (for runners that print counts per file
      rather than per test) a running tally; each one replaces the previous for the source.
    - `RunFinished` is sent at the runner's end-of-run marker, once per run.
    """

    BANNER_STARTS: ClassVar[tuple[str, ...]] = ()
    """How this runner's run banners start (after indentation): a cheap filter before
    `starts_run`, which is asked only of records that start so."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.progressed = False
        """Something of a run was read (a test, a failure, totals): a banner now starts anew."""
        self.finished = False
        self.block: FailureBlock | None = None
        self.results = Bounded()
        self.blocks_seen: OrderedDict[TestKey, tuple[BlockKind, str]] = OrderedDict()
        self.tally = Tally()

    # --- outcomes --------------------------------------------------------------------------

    def report(
        self,
        out: list[RunEvent],
        key: TestKey,
        status: TestStatus,
        line: int,
        *,
        duration: float | None = None,
        message: str = "",
        teardown_error: bool = False,
    ) -> TestResult:
        """Send a test's outcome, merged with what was already reported for it."""
        self.progressed = True
        known = self.results.get(key)
        if known is None:
            result = TestResult(
                key=key,
                status=status,
                source=self.source,
                line=line,
                duration_ms=duration,
                message=message,
                teardown_error=teardown_error,
            )
        else:
            result = TestResult(
                key=key,
                status=status,
                source=known.source,
                line=known.line,
                duration_ms=duration if duration is not None else known.duration_ms,
                message=known.message or message,
                teardown_error=known.teardown_error or teardown_error,
            )
        self.results.remember(key, result)
        out.append(TestReported(result))
        return result

    def status_of(self, key: TestKey) -> TestStatus | None:
        known = self.results.get(key)
        return known.status if known is not None else None

    # --- failure blocks --------------------------------------------------------------------

    def open_block(
        self,
        out: list[RunEvent],
        keys: list[TestKey],
        kind: BlockKind,
        line: int,
        *,
        message: str = "",
        dense: bool = True,
    ) -> FailureBlock:
        """Start a failure block for `keys` and read it densely until `close_block`."""
        self.progressed = True
        message = message.strip()[:500]
        block = FailureBlock(keys=list(keys), kind=kind, line=line, message=message)
        self.block = block
        self.dense = dense
        for key in keys:
            self._announce(out, key, kind, line, message)
            if message:
                self._give_message(out, key, message)
        return block

    def mark_failure(
        self, out: list[RunEvent], key: TestKey, kind: BlockKind, line: int, message: str = ""
    ) -> LineContext:
        """A one-line failure report (an outcome line, a short error under it, a summary line):
        announce it, with its message when known, without opening a dense block."""
        self.progressed = True
        message = message.strip()[:500]
        self._announce(out, key, kind, line, message)
        if message:
            self._give_message(out, key, message)
        return LineContext(key, kind, Zone.ERROR)

    def add_to_block(self, out: list[RunEvent], key: TestKey, line: int) -> None:
        """Another test shares the open block's error (runners merge identical errors)."""
        block = self.block
        if block is None or key in block.keys:
            return
        block.keys.append(key)
        self._announce(out, key, block.kind, line, block.message)

    def set_message(self, out: list[RunEvent], message: str) -> None:
        """The open block's first error line is known: tell the state, once (twice when the
        first line named only the error's type, as Prisma's `PrismaClientKnownRequestError:`)."""
        block = self.block
        message = message.strip()[:500]
        if block is None or not message:
            return
        if block.message:
            if not _TYPE_ONLY.match(block.message):
                return
            message = f"{block.message} {message}"[:500]
        block.message = message
        for key in block.keys:
            self._announce(out, key, block.kind, block.line, message)
            self._give_message(out, key, message)

    def _give_message(self, out: list[RunEvent], key: TestKey, message: str) -> None:
        """A failed (or errored) test's first error line becomes its result's message."""
        known = self.results.get(key)
        if (
            known is not None
            and (not known.message or _TYPE_ONLY.match(known.message))
            and (known.status is not TestStatus.PASSED or known.teardown_error)
        ):
            self.report(out, key, known.status, known.line, message=message)

    def close_block(self) -> None:
        self.block = None
        self.dense = False

    def context(self, zone: Zone | None = None) -> LineContext | None:
        """Where a record of the open block sits, or None outside blocks."""
        block = self.block
        if block is None:
            return None
        return LineContext(block.key, block.kind, zone or block.zone)

    def block_line(self, record: Record) -> LineContext | None:
        """A record inside the open block: JSON log lines are output printed beside the
        error (an app still logging while the runner reports), never the error itself."""
        if record.log is not None:
            return self.context(Zone.CAPTURED)
        return self.context()

    def _announce(
        self, out: list[RunEvent], key: TestKey, kind: BlockKind, line: int, message: str
    ) -> None:
        seen = self.blocks_seen.get(key)
        self.blocks_seen[key] = (kind, message or (seen[1] if seen else ""))
        self.blocks_seen.move_to_end(key)
        if len(self.blocks_seen) > MAX_REMEMBERED:
            self.blocks_seen.popitem(last=False)
        out.append(FailureReported(key, kind, self.source, line, message))

    # --- totals and the end ----------------------------------------------------------------

    def send_tally(self, out: list[RunEvent], line: int) -> None:
        self.progressed = True
        tally = self.tally
        out.append(
            TotalsReported(
                runner=self.name,
                source=self.source,
                line=line,
                passed=tally.passed,
                failed=tally.failed,
                skipped=tally.skipped,
                errors=tally.errors,
                total=tally.total,
            )
        )

    def send_totals(
        self,
        out: list[RunEvent],
        line: int,
        *,
        passed: int = 0,
        failed: int = 0,
        skipped: int = 0,
        errors: int = 0,
        total: int | None = None,
    ) -> None:
        self.progressed = True
        out.append(
            TotalsReported(self.name, self.source, line, passed, failed, skipped, errors, total)
        )

    def finish_run(self, out: list[RunEvent], line: int) -> None:
        """The runner printed its end-of-run marker (sent once per run)."""
        if self.finished:
            return
        self.finished = True
        self.close_block()
        out.append(RunFinished(self.name, self.source, line))
