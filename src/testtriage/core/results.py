"""Test results and the events runner parsers emit while they read a stream."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class TestStatus(StrEnum):
    """The outcome of a test's body. `ERROR` is a test that errored before its body ran."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class Zone(StrEnum):
    """Where a line sits inside a failure report, for deciding what a failure was caused by."""

    ERROR = "error"
    """The error itself: its message, stack, `Caused by:` chain, pytest's `E` lines."""
    CAPTURED = "captured"
    """Output captured while the test ran (pytest's `Captured log call`, jest's console)."""


class BlockKind(StrEnum):
    """What a failure block reports."""

    TEST = "test"
    """A test's own failure."""
    SETUP = "setup"
    """A setup step failed (pytest `ERROR at setup of`, a vitest/jest hook, a fixture)."""
    TEARDOWN = "teardown"
    """A teardown step failed (pytest `ERROR at teardown of`, an afterAll hook)."""
    SUITE = "suite"
    """A whole file or suite failed to run (import error, `Test suite failed to run`)."""


class TestKey(NamedTuple):
    """Identifies a test within a run: its file (if known) and its full name.

    A named tuple rather than a dataclass: keys are hashed for every test line of a run, and a
    tuple's hash runs in C."""

    file: str
    name: str

    def __str__(self) -> str:
        if self.file and self.name:
            return f"{self.file} > {self.name}"
        return self.file or self.name


setattr(TestKey, "__test__", False)  # noqa: B010 - not a pytest test class (NamedTuple body)


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test as the runner reported it."""

    __test__ = False

    key: TestKey
    status: TestStatus
    source: str = ""
    line: int = 0
    duration_ms: float | None = None
    message: str = ""
    """The first line of the failure, for a failed or errored test."""
    teardown_error: bool = False
    """The test's body ran (and may have passed) but its teardown errored."""


@dataclass(frozen=True, slots=True)
class LineContext:
    """Where a record sits in the runner's output: inside which test's failure, in which zone."""

    key: TestKey
    kind: BlockKind
    zone: Zone


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestReported:
    """A test's outcome was printed (`✓`/`×` lines, `PASSED`/`FAILED`, a JUnit testcase...)."""

    __test__ = False

    result: TestResult


@dataclass(frozen=True, slots=True)
class FailureReported:
    """A failure block started for a test, a setup/teardown step or a whole suite.

    The lines of the block follow as records whose `LineContext` names the same key.
    """

    key: TestKey
    kind: BlockKind
    source: str
    line: int
    message: str = ""
    """The block's first error line, once known (parsers may send a second event with it)."""


@dataclass(frozen=True, slots=True)
class TotalsReported:
    """The runner printed its own totals (vitest `Tests`, jest `Tests:`, pytest's last line)."""

    runner: str
    source: str
    line: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    total: int | None = None
    """The runner's total, when it prints one (vitest and jest do; pytest does not)."""


@dataclass(frozen=True, slots=True)
class RunnerDetected:
    """A source was recognised as the output of a given runner."""

    runner: str
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The runner printed its end-of-run marker (summary line, `Ran N tests`, TAP plan...)."""

    runner: str
    source: str
    line: int


RunEvent = TestReported | FailureReported | TotalsReported | RunnerDetected | RunFinished
