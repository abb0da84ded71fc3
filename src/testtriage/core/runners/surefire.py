"""Maven Surefire and Failsafe console output: class lines, failed tests' stacks, the Results."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, Tally, duration_ms

_LEVEL = re.compile(r"^\[(?:INFO|ERROR|WARNING|WARN|DEBUG)\] ?")
_RUNNING = re.compile(r"^Running (?P<cls>[\w.$]+)\s*$")
_TESTS_RUN = re.compile(
    r"^Tests run: (?P<run>\d+), Failures: (?P<failures>\d+), Errors: (?P<errors>\d+), "
    r"Skipped: (?P<skipped>\d+)(?:, Flakes: (?P<flakes>\d+))?"
    r"(?P<timed>, Time elapsed: [\d.,]+ ?s(?:ec)?)?(?: <<< (?:FAILURE|ERROR)!)?"
    r"(?: --? in (?P<cls>[\w.$]+))?\s*$"
)
_TEST_LINE = re.compile(
    r"^(?P<name>\S.*?)(?: -- |  +)Time elapsed: (?P<time>[\d.,]+ ?s(?:ec)?|\(unknown\)) +"
    r"<<< (?P<word>FAILURE|ERROR)!\s*$"
)
"""A failed test: `com.acme.FooTest.method -- Time elapsed: 0.1 s <<< ERROR!` in Surefire 3 (its
milestone releases print two spaces for ` -- `), `method(com.acme.FooTest)  Time elapsed: 0.1 sec
<<< FAILURE!` in Surefire 2; the bare class when the class itself failed."""
_LEGACY_NAME = re.compile(r"^(?P<method>[^\s(.]+)\((?P<cls>[\w$]+(?:\.[\w$]+)+)\)$")
_SUMMARY_ENTRY = re.compile(
    r"^  (?:Run \d+: )?(?P<cls>[\w$]+)(?P<inherited>>[\w$.]+?)?(?:\.(?P<method>[^\s:»>]+?))?"
    r"(?::\d+)?(?:->\S+)?(?: » (?P<exception>\w+))?(?: (?P<message>\S.*))?\s*$"
)
"""A Results entry: `  FooTest.method:42 expected: <1> but was: <2>`, `FooTest.method:42 »
Exception text`, `FooTest>BaseIT.setUp:20 » ...` (failed in an inherited method); under a
rerun, one `Run N:` line per attempt."""
_SUMMARY_HEADING = re.compile(
    r"^(?P<title>Results|Failures|Errors|Flakes|Failed tests|Tests in error|Flaked tests) ?:\s*$"
)
_SECTIONS = {
    "Results": "results",
    "Failures": "failures",
    "Failed tests": "failures",
    "Errors": "errors",
    "Tests in error": "errors",
    "Flakes": "flakes",
    "Flaked tests": "flakes",
}
_LOG_LINE = re.compile(r"^(?:\d{4}-\d\d-\d\d[T ])?\d\d:\d\d:\d\d[.,]?\d*[ Z+-]")
"""An application log line (Spring Boot, logback): the end of a stack trace printed before."""
_BUILD_END = re.compile(r"^BUILD (?:SUCCESS|FAILURE)\s*$")


def _ends_stack(text: str) -> bool:
    """A line Surefire prints after a failed test's stack trace (Surefire 2 prints its lines
    without Maven's level prefix)."""
    return bool(
        _RUNNING.match(text)
        or _TESTS_RUN.match(text)
        or _TEST_LINE.match(text)
        or _SUMMARY_HEADING.match(text)
    )


def split_test(name: str, current: str) -> TestKey:
    """`com.acme.FooTest.method(String)[1]` as (`com.acme.FooTest`, `method(String)[1]`); the
    bare class (a failure of the class itself) as (`com.acme.FooTest`, "")."""
    if name == current:
        return TestKey(name, "")
    if current and name.startswith(current + "."):
        return TestKey(current, name[len(current) + 1 :])
    head = re.split(r"[(\[]", name, maxsplit=1)[0]
    cls, dot, method = head.rpartition(".")
    if current and " " in name and (not dot or " " in cls):
        # A display name (`@DisplayName`, phrased names): a test of the running class.
        return TestKey(current, name)
    if not dot or method[:1].isupper():
        return TestKey(name, "")
    return TestKey(cls, name[len(cls) + 1 :])


_EXCEPTION_LINE = re.compile(r"^\s*(?:Caused by: )?[\w.$]+(?:Exception|Error)\b")
"""A Java exception line, even behind Maven's `[ERROR]` prefix, is the code's error."""


class SurefireParser(RunnerBase):
    """Reads what Maven prints while Surefire (unit tests) or Failsafe (integration tests) run.

    Keys follow the JUnit XML parser: the test class as the file, the method as the name. Only
    failed tests are printed one by one; class lines give a running tally and the Results give
    the totals. A multi-module build runs one Results per module: their totals add up, and each
    ends a run.
    """

    name = "junit"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("[INFO] Scanning for projects",)
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^(?:\[[A-Z]+\] )?Running [\w.$]+[ \t]*$",
        r"^(?:\[[A-Z]+\] )?Tests run: \d+, Failures: \d+",
        r"^(?:\[[A-Z]+\] )?\S[^\n]*(?: --|  ) ?Time elapsed: [^\n]*<<< (?:FAILURE|ERROR)!",
        r"^(?:\[[A-Z]+\] )?(?:Results|Failures|Errors|Flakes|Failed tests|Tests in error"
        r"|Flaked tests) ?:[ \t]*$",
        r"^(?:\[[A-Z]+\] )?  (?:Run \d+: |[A-Z][\w$]*(?: » |>\S+:\d+|\.[a-z_$][^\s:]*[ :]))",
        r"^(?:\[[A-Z]+\] )?(?: T E S T S|BUILD (?:SUCCESS|FAILURE))",
        r"^\[INFO\] Scanning for projects",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._class = ""
        self._section = ""
        """"" while tests run, then the Results' "results", "failures", "errors" or "flakes"."""
        self._done = Tally(total=0)
        """The modules whose Results were read."""
        self._class_failures = 0
        """Classes of this module that failed as a whole (counted as errors, not tests)."""

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = _LEVEL.sub("", record.text, count=1)
        if text.startswith("Scanning for projects") and record.text.startswith("[INFO]"):
            return True
        return bool(
            text.strip() == "T E S T S"
            or _TESTS_RUN.match(text)
            or (_RUNNING.match(text) and record.text.startswith("[INFO]"))
            or _TEST_LINE.match(text)
        )

    def starts_run(self, record: Record) -> bool:
        return record.log is None and record.text.startswith("[INFO] Scanning for projects")

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        raw_text = record.text
        prefixed = _LEVEL.match(raw_text) is not None
        text = _LEVEL.sub("", raw_text, count=1)
        if self.block is not None:
            if not (prefixed or _LOG_LINE.match(raw_text) or _ends_stack(text)):
                if text.strip():
                    self.set_message(out, text)
                return self.context()
            self.close_block()
        if self._section:
            context = self._results_line(text, record.line, out)
        else:
            context = self._running_line(text, record.line, out)
        # Maven's own `[ERROR]` lines (headings, counts, "Failed to execute goal", help
        # links) report the build, not an error of the code under test.
        self.own_line = prefixed and context is None and not _EXCEPTION_LINE.match(text)
        return context

    # --- while the tests run ----------------------------------------------------------------

    def _running_line(self, text: str, line: int, out: list[RunEvent]) -> LineContext | None:
        running = _RUNNING.match(text)
        if running is not None:
            self._class = running.group("cls")
            self.finished = False
            return None
        tests_run = _TESTS_RUN.match(text)
        if tests_run is not None:
            if tests_run.group("timed") or tests_run.group("cls"):
                self._tests_run(tests_run, line, out)
            else:
                # The Results' total, its heading unprinted (`mvn -q` hides INFO lines).
                self._module_totals(tests_run, line, out)
            return None
        test = _TEST_LINE.match(text)
        if test is not None:
            name = test.group("name")
            legacy = _LEGACY_NAME.match(name)
            if legacy is not None:
                key = TestKey(legacy.group("cls"), legacy.group("method"))
            else:
                key = split_test(name, self._class)
            return self._failed(key, test.group("time"), line, out)
        heading = _SUMMARY_HEADING.match(text)
        if heading is not None:
            self._section = _SECTIONS[heading.group("title")]
            return None
        if _BUILD_END.match(text) and self.progressed:
            self.finish_run(out, line)
        return None

    def _tests_run(self, tests_run: re.Match[str], line: int, out: list[RunEvent]) -> None:
        run = int(tests_run.group("run"))
        failed = int(tests_run.group("failures")) + int(tests_run.group("errors"))
        skipped = int(tests_run.group("skipped"))
        if tests_run.group("cls"):
            self._class = tests_run.group("cls")
        self.tally.add(passed=max(0, run - failed - skipped), failed=failed, skipped=skipped)
        self.tally.total = (self.tally.total or 0) + run
        self._send_running(line, out)

    def _send_running(self, line: int, out: list[RunEvent]) -> None:
        """The modules done so far, and the classes of this one."""
        tally, done = self.tally, self._done
        self.send_totals(
            out,
            line,
            passed=done.passed + tally.passed,
            failed=done.failed + tally.failed,
            skipped=done.skipped + tally.skipped,
            errors=done.errors,
            total=(done.total or 0) + (tally.total or 0),
        )

    def _failed(self, key: TestKey, time: str, line: int, out: list[RunEvent]) -> LineContext:
        """A failed test (or class) whose exception and stack trace follow."""
        if key.name:
            # Older versions print the locale's decimal comma and `sec`.
            seconds = time.replace(",", ".").replace("sec", "s")
            duration = duration_ms(seconds) if time[:1].isdigit() else None
            self.report(out, key, TestStatus.FAILED, line, duration=duration)
            self.open_block(out, [key], BlockKind.TEST, line)
        else:
            # The class itself failed: a `@BeforeAll`, its Spring context, its construction.
            self._class_failures += 1
            self.open_block(out, [key], BlockKind.SETUP, line)
        context = self.context()
        assert context is not None
        return context

    # --- the Results ------------------------------------------------------------------------

    def _results_line(self, text: str, line: int, out: list[RunEvent]) -> LineContext | None:
        heading = _SUMMARY_HEADING.match(text)
        if heading is not None:
            self._section = _SECTIONS[heading.group("title")]
            return None
        tests_run = _TESTS_RUN.match(text)
        if tests_run is not None and not tests_run.group("timed"):
            self._module_totals(tests_run, line, out)
            return None
        if self._section not in ("failures", "errors"):
            return None
        entry = _SUMMARY_ENTRY.match(text)
        if entry is None:
            return None
        method = "" if entry.group("inherited") else entry.group("method") or ""
        key = self._resolve(entry.group("cls"), method)
        message = entry.group("message") or ""
        if entry.group("exception"):
            message = f"{entry.group('exception')} {message}".rstrip()
        seen = self.blocks_seen.get(key)
        kind = seen[0] if seen is not None else BlockKind.TEST
        if seen is not None and seen[1]:
            # The entry's message is cut to fit a line: the block's own one is whole.
            message = seen[1]
        if key.name and self.status_of(key) is not TestStatus.FAILED:
            self.report(out, key, TestStatus.FAILED, line, message=message)
        context = self.mark_failure(out, key, kind, line, message)
        return context if message else None

    def _resolve(self, simple_class: str, method: str) -> TestKey:
        """A Results entry names the class without its package: find the test printed before
        (without a method, the class's only failure, if it had one)."""
        of_class = [
            key
            for key in self.blocks_seen
            if key.file.rpartition(".")[2] == simple_class or key.file.endswith("$" + simple_class)
        ]
        for key in reversed(of_class):
            if key.name == method or (method and key.name.startswith((method + "(", method + "["))):
                return key
        if not method and len(of_class) == 1:
            return of_class[0]
        return TestKey(simple_class, method)

    def _module_totals(self, tests_run: re.Match[str], line: int, out: list[RunEvent]) -> None:
        """A module's Results total. Surefire counts a class that failed as a whole as one test
        in error; here it is an error outside any test, as pytest counts a failed setup."""
        run = int(tests_run.group("run"))
        errors = int(tests_run.group("errors"))
        in_classes = min(errors, self._class_failures)
        failed = int(tests_run.group("failures")) + errors - in_classes
        skipped = int(tests_run.group("skipped"))
        self._done.add(
            passed=max(0, run - failed - skipped - in_classes),
            failed=failed,
            skipped=skipped,
            errors=in_classes,
        )
        self._done.total = (self._done.total or 0) + run
        self.tally = Tally()
        self._class_failures = 0
        self._send_running(line, out)
        self._section = ""
        self.finish_run(out, line)
