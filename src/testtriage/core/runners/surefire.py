"""Maven Surefire and Failsafe console output: class lines, failed tests' stacks, the Results."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, duration_ms

_LEVEL = re.compile(r"^\[(?:INFO|ERROR|WARNING|WARN|DEBUG)\] ?")
_RUNNING = re.compile(r"^Running (?P<cls>[\w.$]+)\s*$")
_TESTS_RUN = re.compile(
    r"^Tests run: (?P<run>\d+), Failures: (?P<failures>\d+), Errors: (?P<errors>\d+), "
    r"Skipped: (?P<skipped>\d+)(?:, Flakes: (?P<flakes>\d+))?"
    r"(?P<timed>, Time elapsed: [\d.,]+ ?s(?:ec)?)?(?: <<< (?:FAILURE|ERROR)!)?"
    r"(?: --? in (?P<cls>[\w.$]+))?\s*$"
)
_TEST_LINE = re.compile(
    r"^(?P<name>\S.*?) -- Time elapsed: (?P<time>[\d.,]+ ?s) <<< (?P<word>FAILURE|ERROR)!\s*$"
)
"""Surefire 3: `com.acme.FooTest.method -- Time elapsed: 0.1 s <<< ERROR!`."""
_LEGACY_TEST_LINE = re.compile(
    r"^(?P<method>[^\s(]+)\((?P<cls>[\w.$]+)\) +Time elapsed: (?P<time>[\d.,]+ ?s)(?:ec)? +"
    r"<<< (?P<word>FAILURE|ERROR)!\s*$"
)
"""Surefire 2: `method(com.acme.FooTest)  Time elapsed: 0.1 sec  <<< FAILURE!`."""
_SUMMARY_ENTRY = re.compile(
    r"^  (?:Run \d+: )?(?P<cls>[\w$]+)(?P<inherited>>[\w$.]+?)?(?:\.(?P<method>[^\s:»>]+?))?"
    r"(?::\d+)?(?:->\S+)?(?: » (?P<exception>\w+))?(?: (?P<message>\S.*))?\s*$"
)
"""A Results entry: `  FooTest.method:42 expected: <1> but was: <2>`, `FooTest.method:42 »
Exception text`, `FooTest>BaseIT.setUp:20 » ...` (failed in an inherited method); under a
rerun, one `Run N:` line per attempt."""
_SUMMARY_HEADING = re.compile(r"^(?P<title>Failures|Errors|Flakes|Results):\s*$")
_LOG_LINE = re.compile(r"^(?:\d{4}-\d\d-\d\d[T ])?\d\d:\d\d:\d\d[.,]?\d*[ Z+-]")
"""An application log line (Spring Boot, logback): the end of a stack trace printed before."""
_BUILD_END = re.compile(r"^BUILD (?:SUCCESS|FAILURE)\s*$")


def split_test(name: str, current: str) -> TestKey:
    """`com.acme.FooTest.method(String)[1]` as (`com.acme.FooTest`, `method(String)[1]`); the
    bare class (a failure of the class itself) as (`com.acme.FooTest`, "")."""
    if name == current:
        return TestKey(name, "")
    if current and name.startswith(current + "."):
        return TestKey(current, name[len(current) + 1 :])
    head = re.split(r"[(\[]", name, maxsplit=1)[0]
    cls, dot, method = head.rpartition(".")
    if not dot or method[:1].isupper():
        return TestKey(name, "")
    return TestKey(cls, name[len(cls) + 1 :])


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
        r"^(?:\[[A-Z]+\] )?\S[^\n]* -- Time elapsed: [^\n]*<<< (?:FAILURE|ERROR)!",
        r"^(?:\[[A-Z]+\] )?[^\s(]+\([\w.$]+\) +Time elapsed: [^\n]*<<< (?:FAILURE|ERROR)!",
        r"^(?:\[[A-Z]+\] )?(?:Results|Failures|Errors|Flakes):[ \t]*$",
        r"^\[[A-Z]+\]   [\w$]+[.>» ]",
        r"^(?:\[[A-Z]+\] )?(?: T E S T S|BUILD (?:SUCCESS|FAILURE))",
        r"^\[INFO\] Scanning for projects",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._class = ""
        self._section = ""
        """"" while tests run, then the Results' "results", "failures", "errors" or "flakes"."""
        self._sums = [0, 0, 0, 0]
        """Passed, failed, skipped and total of the modules whose Results were read."""

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
            or _LEGACY_TEST_LINE.match(text)
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
            if not prefixed and not _LOG_LINE.match(raw_text):
                if text.strip():
                    self.set_message(out, text)
                return self.context()
            self.close_block()
        if self._section:
            return self._results_line(text, record.line, out)
        return self._running_line(text, record.line, out)

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
            key = split_test(test.group("name"), self._class)
            return self._failed(key, test.group("time"), line, out)
        legacy = _LEGACY_TEST_LINE.match(text)
        if legacy is not None:
            key = TestKey(legacy.group("cls"), legacy.group("method"))
            return self._failed(key, legacy.group("time"), line, out)
        heading = _SUMMARY_HEADING.match(text)
        if heading is not None:
            self._section = heading.group("title").lower()
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
        tally, sums = self.tally, self._sums
        self.send_totals(
            out,
            line,
            passed=sums[0] + tally.passed,
            failed=sums[1] + tally.failed,
            skipped=sums[2] + tally.skipped,
            total=sums[3] + (tally.total or 0),
        )

    def _failed(self, key: TestKey, time: str, line: int, out: list[RunEvent]) -> LineContext:
        """A failed test (or class) whose exception and stack trace follow."""
        if key.name:
            self.report(out, key, TestStatus.FAILED, line, duration=duration_ms(time))
            self.open_block(out, [key], BlockKind.TEST, line)
        else:
            # The class itself failed: a `@BeforeAll`, its Spring context, its construction.
            self.open_block(out, [key], BlockKind.SETUP, line)
        context = self.context()
        assert context is not None
        return context

    # --- the Results ------------------------------------------------------------------------

    def _results_line(self, text: str, line: int, out: list[RunEvent]) -> LineContext | None:
        heading = _SUMMARY_HEADING.match(text)
        if heading is not None:
            self._section = heading.group("title").lower()
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
            message = f"{entry.group('exception')}: {message}".rstrip(": ")
        seen = self.blocks_seen.get(key)
        kind = seen[0] if seen is not None else BlockKind.TEST
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
            if key.file.rpartition(".")[2] == simple_class
            or key.file.endswith("$" + simple_class)
        ]
        for key in reversed(of_class):
            if key.name == method or (method and key.name.startswith((method + "(", method + "["))):
                return key
        if not method and len(of_class) == 1:
            return of_class[0]
        return TestKey(simple_class, method)

    def _module_totals(self, tests_run: re.Match[str], line: int, out: list[RunEvent]) -> None:
        run = int(tests_run.group("run"))
        failed = int(tests_run.group("failures")) + int(tests_run.group("errors"))
        skipped = int(tests_run.group("skipped"))
        sums = self._sums
        sums[0] += max(0, run - failed - skipped)
        sums[1] += failed
        sums[2] += skipped
        sums[3] += run
        self.send_totals(out, line, passed=sums[0], failed=sums[1], skipped=sums[2], total=sums[3])
        self.tally = type(self.tally)()
        self._section = ""
        self.finish_run(out, line)
