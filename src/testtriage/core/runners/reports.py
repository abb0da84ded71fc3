"""Report files given as sources: recognise them, and read vitest/jest `--json` reports whole."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from testtriage.core.records import strip_ansi
from testtriage.core.results import (
    BlockKind,
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
    Zone,
)
from testtriage.core.runners.common import first_line, join_name

MAX_REPORT_BYTES = 256 << 20
"""Largest JSON report read (it is parsed whole)."""
SNIFF_BYTES = 65_536
MAX_FAILURE_LINES = 200
"""Lines of each failure message handed to the rules."""

_STATUS = {
    "passed": TestStatus.PASSED,
    "failed": TestStatus.FAILED,
    "skipped": TestStatus.SKIPPED,
    "pending": TestStatus.SKIPPED,
    "todo": TestStatus.SKIPPED,
    "disabled": TestStatus.SKIPPED,
    "focused": TestStatus.PASSED,
}


class ReportError(ValueError):
    """A report file that cannot be read: too large, not JSON, not a test report."""


def sniff_report(path: str | os.PathLike[str]) -> str | None:
    """What report a file holds: 'jest-json' (vitest's or jest's `--json`), 'junit', or None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        if '"testResults"' in text or '"numTotalTests"' in text:
            return "jest-json"
        return None
    if text.startswith(("<?xml", "<testsuites", "<testsuite")):
        return "junit" if "<testsuite" in text or len(head) == SNIFF_BYTES else None
    return None


def parse_json_report(
    path: str | os.PathLike[str], source: str, *, root: str | None = None
) -> tuple[list[RunEvent], list[tuple[LineContext, str]]]:
    """The events of a vitest/jest JSON report, and each failure's message lines with their
    context, for the rules to classify.

    Test files are named relative to `root` (default: the working directory) when under it,
    as the runners print them; events carry no line numbers (0).

    Raises:
        ReportError: the file is too large, unreadable, or not a JSON test report.
    """
    report = _load(Path(path))
    runner = _runner_of(report)
    base = os.path.abspath(root if root is not None else os.getcwd())
    events: list[RunEvent] = [RunnerDetected(runner, source, 0)]
    lines: list[tuple[LineContext, str]] = []
    for file_result in _list(report.get("testResults")):
        if isinstance(file_result, dict):
            _read_file(file_result, source, base, events, lines)
    totals = _totals(report, runner, source)
    if totals is not None:
        events.append(totals)
    if not report.get("wasInterrupted"):
        events.append(RunFinished(runner, source, 0))
    return events, lines


def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise ReportError(
                f"{path}: report is {_size(size)}, more than the {_size(MAX_REPORT_BYTES)} read"
                " at once"
            )
        data = path.read_bytes()
    except OSError as error:
        raise ReportError(f"{path}: cannot read report: {error.strerror or error}") from error
    try:
        report = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ReportError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(report, dict) or not ("testResults" in report or "numTotalTests" in report):
        raise ReportError(f"{path}: not a vitest or jest JSON report (no testResults)")
    return report


def _runner_of(report: dict[str, Any]) -> str:
    """Vitest's report copies jest's shape; jest's alone has these fields."""
    if any(key in report for key in ("numRuntimeErrorTestSuites", "openHandles", "wasInterrupted")):
        return "jest"
    for file_result in _list(report.get("testResults"))[:5]:
        if not isinstance(file_result, dict):
            continue
        for assertion in _list(file_result.get("assertionResults"))[:5]:
            if isinstance(assertion, dict) and (
                "failureDetails" in assertion or "invocations" in assertion
            ):
                return "jest"
    return "vitest"


def _read_file(
    file_result: dict[str, Any],
    source: str,
    base: str,
    events: list[RunEvent],
    lines: list[tuple[LineContext, str]],
) -> None:
    file = _relative(_text(file_result.get("name")), base)
    failed_any = False
    for assertion in _list(file_result.get("assertionResults")):
        if not isinstance(assertion, dict):
            continue
        ancestors = [_text(a) for a in _list(assertion.get("ancestorTitles"))]
        key = TestKey(file, join_name([*ancestors, _text(assertion.get("title"))]))
        status = _STATUS.get(_text(assertion.get("status")), TestStatus.SKIPPED)
        messages = [strip_ansi(_text(m)) for m in _list(assertion.get("failureMessages"))]
        message = first_line(messages[0]) if messages else ""
        duration = assertion.get("duration")
        result = TestResult(
            key=key,
            status=status,
            source=source,
            duration_ms=float(duration) if isinstance(duration, int | float) else None,
            message=message if status is TestStatus.FAILED else "",
        )
        events.append(TestReported(result))
        if status is TestStatus.FAILED:
            failed_any = True
            events.append(FailureReported(key, BlockKind.TEST, source, 0, message))
            _failure_lines(LineContext(key, BlockKind.TEST, Zone.ERROR), messages, lines)
    suite_message = _text(file_result.get("message") or file_result.get("failureMessage"))
    suite_message = strip_ansi(suite_message)
    if _text(file_result.get("status")) == "failed" and not failed_any and suite_message:
        key = TestKey(file, "")
        message = first_line(_without_bullet(suite_message))
        events.append(FailureReported(key, BlockKind.SUITE, source, 0, message))
        context = LineContext(key, BlockKind.SUITE, Zone.ERROR)
        _failure_lines(context, [suite_message], lines)


def _failure_lines(
    context: LineContext, messages: list[str], lines: list[tuple[LineContext, str]]
) -> None:
    for message in messages:
        for line in message.splitlines()[:MAX_FAILURE_LINES]:
            if line.strip():
                lines.append((context, line))


def _without_bullet(message: str) -> str:
    """A jest file message starts with its `● Test suite failed to run` title."""
    kept = [line for line in message.splitlines() if not line.strip().startswith("●")]
    return "\n".join(kept)


def _totals(report: dict[str, Any], runner: str, source: str) -> TotalsReported | None:
    def number(field: str) -> int:
        value = report.get(field)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    total = report.get("numTotalTests")
    if not isinstance(total, int) or isinstance(total, bool):
        return None
    return TotalsReported(
        runner=runner,
        source=source,
        line=0,
        passed=number("numPassedTests"),
        failed=number("numFailedTests"),
        skipped=number("numPendingTests") + number("numTodoTests"),
        total=total,
    )


def _relative(path: str, base: str) -> str:
    if path and os.path.isabs(path):
        prefix = base.rstrip(os.sep) + os.sep
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def _size(count: int) -> str:
    return f"{count / (1 << 20):.0f} MB" if count >= 1 << 20 else f"{count} bytes"


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
