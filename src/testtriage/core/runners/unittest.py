"""Python unittest and Django's test runner: dots or `-v` lines, ERROR/FAIL blocks, `Ran N`."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus, Zone
from testtriage.core.runners.common import RunnerBase, join_name

_DESCRIPTION = r"(?P<method>[\w.]+) \((?P<dotted>[\w.]+)\)(?P<subtest>(?: \[[^\]]*\])?(?: \(.*\))?)"
_VERBOSE = re.compile(r"^(?:  )?" + _DESCRIPTION + r"(?: \.\.\. (?P<rest>.*))?$")
"""A `-v` line; a subtest's outcome comes indented under its test's."""
_DOCSTRING_OUTCOME = re.compile(r"^(?P<doc>\S.*?) \.\.\. (?P<rest>.*)$")
_OUTCOME = re.compile(
    r"^(?P<word>ok|FAIL|ERROR|skipped(?: (?P<reason>.*))?|expected failure|unexpected success)\s*$"
)
_HEADER = re.compile(r"^(?P<word>ERROR|FAIL): " + _DESCRIPTION + r"\s*$")
_DOUBLE_RULE = re.compile(r"^={20,}\s*$")
_SINGLE_RULE = re.compile(r"^-{20,}\s*$")
_DOTS = re.compile(r"^(?P<chars>[.EFsxu]+)\s*$")
_GLUED_DOTS = re.compile(r"^(?P<chars>[.EFsxu]+?)(?:ERROR|WARNING|CRITICAL|INFO|DEBUG|Traceback)\b")
"""Progress characters with a log line printed right after them (both write to stderr)."""
_RAN = re.compile(r"^Ran (?P<count>\d+) tests? in (?P<time>[\d.]+s)\s*$")
_RESULT = re.compile(r"^(?P<word>OK|FAILED|NO TESTS RAN)(?: \((?P<counts>[^)]*)\))?\s*$")
_FOUND = re.compile(r"^Found (?P<count>\d+) test\(s\)\.\s*$")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?::|$)")

_FIXTURES = {
    "setUpClass": BlockKind.SETUP,
    "setUpModule": BlockKind.SETUP,
    "tearDownClass": BlockKind.TEARDOWN,
    "tearDownModule": BlockKind.TEARDOWN,
}
_FAILED_TEST = "unittest.loader._FailedTest"
_CHAIN_LINES = (
    "Traceback (most recent call last):",
    "During handling of the above exception",
    "The above exception was the direct cause",
)


def describe(method: str, dotted: str, subtest: str = "") -> tuple[TestKey, BlockKind]:
    """A test's description as unittest prints it, as a key and the kind of block it heads.

    `test_x (pkg.mod.Class.test_x)` (3.11+) and `test_x (pkg.mod.Class)` both give
    (`pkg.mod`, `Class > test_x`); a subtest keeps its parameters after the name. Class and
    module fixtures (`setUpClass (pkg.mod.Class)`) are setup or teardown steps, and a module
    that failed to import (`unittest.loader._FailedTest`) a suite.
    """
    if dotted == _FAILED_TEST or dotted.startswith(_FAILED_TEST + "."):
        return TestKey(method, ""), BlockKind.SUITE
    fixture = _FIXTURES.get(method)
    if fixture is not None:
        if method.endswith("Module"):
            return TestKey(dotted, ""), fixture
        module, _, cls = dotted.rpartition(".")
        return TestKey(module, cls), fixture
    if dotted.endswith("." + method):
        dotted = dotted[: -len(method) - 1]
    module, _, cls = dotted.rpartition(".")
    name = join_name([cls, method])
    if subtest.strip():
        name += subtest
    return TestKey(module, name), BlockKind.TEST


def _counts(text: str) -> dict[str, int]:
    """`failures=1, errors=2, skipped=1` as {word: count}."""
    counts: dict[str, int] = {}
    for part in text.split(","):
        word, _, number = part.strip().partition("=")
        if number.strip().isdigit():
            counts[word.strip()] = int(number)
    return counts


class UnittestParser(RunnerBase):
    """Reads unittest's text runner, as run by `python -m unittest` or Django's `manage.py test`.

    Verbosity 2 names every test (`test_x (pkg.mod.Class.test_x) ... ok`); the default dots name
    none, so they are a running tally and names come from the ERROR/FAIL blocks. A test's own
    output may split its line: the outcome then comes alone on a later line.
    """

    name = "unittest"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("Found ",)
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^(?:  )?[\w.]+ \([\w.]+\)[^\n]* \.\.\. ",
        r"^[\w.]+ \([\w.]+\)[ \t]*$",
        r"[^\n] \.\.\. (?:ok|FAIL|ERROR|skipped\b|expected failure|unexpected success)[ \t]*",
        r"^(?:ok|FAIL|ERROR|expected failure|unexpected success)[ \t]*$",
        r"^skipped ['\"]",
        r"^(?:ERROR|FAIL): [\w.]+ \(",
        r"^={20,}[ \t]*$",
        r"^-{20,}[ \t]*$",
        r"^[.EFsxu]+[ \t]*$",
        r"^[.EFsxu]+(?:ERROR|WARNING|CRITICAL|INFO|DEBUG|Traceback)\b",
        r"^Ran \d+ tests? in ",
        r"^(?:OK|FAILED)(?: \([a-z ]+=\d|[ \t]*$)|^NO TESTS RAN",
        r"^Found \d+ test\(s\)\.",
        r"^(?:Creating|Destroying|Cloning) test database for alias ",
        r"^System check identified ",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._described: TestKey | None = None
        """A `-v` description whose docstring line (with the outcome) follows."""
        self._running: TestKey | None = None
        """A `-v` test whose outcome was pushed to a later line by its own output."""
        self._ruled = False
        """The open block's header rule (`----`) was read: the next one ends the block."""
        self._in_traceback = False
        self._ran: int | None = None
        self._fixture_errors = 0
        self._suite_errors = 0

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        verbose = _VERBOSE.match(text)
        if verbose is not None and verbose.group("rest") is not None:
            return bool(_OUTCOME.match(verbose.group("rest")))
        return bool(
            _HEADER.match(text)
            or _RAN.match(text)
            or _FOUND.match(text)
            or text.startswith(("Creating test database for alias ", "System check identified "))
        )

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(_FOUND.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        if _DOUBLE_RULE.match(text):
            self.close_block()
            return None
        header = _HEADER.match(text)
        if header is not None:
            return self._open(header, record.line, out)
        if self.block is not None:
            return self._in_block(text, out)
        ran = _RAN.match(text)
        if ran is not None:
            self._ran = int(ran.group("count"))
            return None
        result = _RESULT.match(text)
        if result is not None:
            self._result(result.group("counts") or "", record.line, out)
            return None
        self._progress(text, record.line, out)
        return None

    # --- progress and -v lines -------------------------------------------------------------

    def _progress(self, text: str, line: int, out: list[RunEvent]) -> None:
        verbose = _VERBOSE.match(text)
        if verbose is not None:
            key, kind = describe(
                verbose.group("method"), verbose.group("dotted"), verbose.group("subtest")
            )
            rest = verbose.group("rest")
            self._described = key if rest is None and kind is BlockKind.TEST else None
            self._running = None
            if rest is not None and kind is BlockKind.TEST:
                self._outcome(key, rest, line, out)
            return
        described = self._described
        self._described = None
        if described is not None:
            docstring = _DOCSTRING_OUTCOME.match(text)
            if docstring is not None:
                self._outcome(described, docstring.group("rest"), line, out)
                return
        if self._running is not None and self._outcome(self._running, text, line, out):
            return
        dots = _DOTS.match(text) or _GLUED_DOTS.match(text)
        if dots is not None:
            chars = dots.group("chars")
            self.tally.add(
                passed=chars.count(".") + chars.count("u"),
                failed=chars.count("F") + chars.count("E"),
                skipped=chars.count("s") + chars.count("x"),
            )
            self.send_tally(out, line)

    def _outcome(self, key: TestKey, rest: str, line: int, out: list[RunEvent]) -> bool:
        """Read `rest` as the outcome of `key`; False when it is the test's own output."""
        outcome = _OUTCOME.match(rest)
        if outcome is None:
            self._running = key
            return False
        self._running = None
        word = outcome.group("word")
        if word in ("ok", "unexpected success"):
            status = TestStatus.PASSED
        elif word in ("FAIL", "ERROR"):
            status = TestStatus.FAILED
        else:
            status = TestStatus.SKIPPED
        self.report(out, key, status, line)
        return True

    # --- ERROR and FAIL blocks -------------------------------------------------------------

    def _open(self, header: re.Match[str], line: int, out: list[RunEvent]) -> LineContext | None:
        self.close_block()
        self._running = None
        key, kind = describe(
            header.group("method"), header.group("dotted"), header.group("subtest")
        )
        if kind is BlockKind.TEST:
            self.report(out, key, TestStatus.FAILED, line)
        elif kind is BlockKind.SUITE:
            self._suite_errors += 1
        else:
            self._fixture_errors += 1
        self.open_block(out, [key], kind, line)
        self._ruled = False
        self._in_traceback = False
        return self.context()

    def _in_block(self, text: str, out: list[RunEvent]) -> LineContext | None:
        block = self.block
        if block is None:
            return None
        if _SINGLE_RULE.match(text):
            if self._ruled:
                # The rule above `Ran N tests` ends the last block.
                self.close_block()
                return None
            self._ruled = True
            return self.context()
        if not self._ruled:
            return self.context()  # the test's docstring, under its header
        stripped = text.rstrip()
        if stripped in ("Stdout:", "Stderr:"):
            block.zone = Zone.CAPTURED
        elif stripped.startswith(_CHAIN_LINES):
            self._in_traceback = stripped.startswith("Traceback")
        elif (
            block.zone is Zone.ERROR
            and self._in_traceback
            and not text.startswith((" ", "\t"))
            and _EXCEPTION_LINE.match(stripped)
        ):
            self._in_traceback = False
            self.set_message(out, stripped)
        return self.context()

    # --- the end ---------------------------------------------------------------------------

    def _result(self, counts_text: str, line: int, out: list[RunEvent]) -> None:
        counts = _counts(counts_text)
        outside = self._fixture_errors + self._suite_errors
        errors_in_tests = max(0, counts.get("errors", 0) - outside)
        failed = counts.get("failures", 0) + errors_in_tests
        skipped = counts.get("skipped", 0) + counts.get("expected failures", 0)
        total = None
        if self._ran is not None:
            total = max(0, self._ran - self._suite_errors)
        passed = max(0, (total if total is not None else 0) - failed - skipped)
        self.send_totals(
            out,
            line,
            passed=passed,
            failed=failed,
            skipped=skipped,
            errors=min(outside, counts.get("errors", 0)),
            total=total,
        )
        self.finish_run(out, line)
