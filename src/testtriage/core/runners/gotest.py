"""`go test` output, plain and `-v`: `=== RUN`, `--- PASS/FAIL/SKIP`, package lines, panics."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, duration_ms, join_name

_RUNNING = re.compile(r"^=== (?P<verb>RUN|PAUSE|CONT|NAME) +(?P<name>\S+)\s*$")
_OUTCOME = re.compile(
    r"^(?P<indent>\s*)--- (?P<word>PASS|FAIL|SKIP): (?P<name>\S+)(?: \((?P<time>[\d.]+s)\))?"
)
_PACKAGE = re.compile(r"^(?:ok|FAIL|\?)\s+\S+\s+(?:\(cached\)|[\d.]+s|\[[^\]]*\])")
_LOCATION = re.compile(r"^\s+\S+\.go:\d+: ?")
_TESTIFY_ERROR = re.compile(r"^\s+Error:\s+(?P<message>.*)$")
"""testify's assertion block: its location line is empty, the message follows `Error:`."""
_TESTIFY_LABEL = re.compile(r"^\s+(?:Error Trace|Test|Messages):\s")
_PANIC_TAIL = re.compile(r"^(?:panic: |\[signal |goroutine \d+ \[|created by |exit status \d)")

_WORD_STATUS = {"PASS": TestStatus.PASSED, "FAIL": TestStatus.FAILED, "SKIP": TestStatus.SKIPPED}
MAX_RUNNING = 1_000


def test_key(go_name: str) -> TestKey:
    """`TestX/sub_case` as a key; go prints no file, and the package comes only at the end."""
    return TestKey("", join_name(go_name.split("/")))


class GoTestParser(RunnerBase):
    """Reads `go test` output. Without `-v`, a failed test's log follows its `--- FAIL` line
    and is read as its failure block; with `-v` it streams between `=== RUN` and the outcome,
    before anyone knows the test will fail, so only its first line is kept (as the message).

    Go prints no file per test and names the package only after its tests, so keys have no
    file. `RunFinished` is sent at the end line of each package (`ok`/`FAIL pkg`).
    """

    name = "go"
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^=== (?:RUN|PAUSE|CONT|NAME) ",
        r"^[ \t]*--- (?:PASS|FAIL|SKIP): ",
        r"^(?:ok|FAIL|\?)[ \t]+\S+[ \t]",
        r"^(?:PASS|FAIL)[ \t]*$",
        r"^[ \t]+\S+\.go:\d+: ",
        r"^[ \t]+Error:[ \t]",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._running: TestKey | None = None
        self._streamed: OrderedDict[TestKey, str] = OrderedDict()
        """First log line of running tests (`-v`), the message if they fail."""
        self._panicking = False
        self._pending: tuple[TestKey, int] | None = None
        """A failed test whose block opens with its first log line, if one follows."""
        self._active = False
        """Tests ran since the last package end line."""

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        return bool(
            _RUNNING.match(text)
            or (_OUTCOME.match(text) and not text.startswith(" "))
            or (_PACKAGE.match(text) and "\t" in text)
        )

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        outcome = _OUTCOME.match(text)
        if outcome is not None:
            return self._outcome(outcome, record.line, out)
        if self.block is not None or self._pending is not None:
            context = self._in_block(text, out)
            if self.block is not None or self._pending is not None:
                return context
        running = _RUNNING.match(text)
        if running is not None:
            self.own_line = True
            self._active = True
            verb = running.group("verb")
            self._running = None if verb == "PAUSE" else test_key(running.group("name"))
            return None
        if _PACKAGE.match(text) or text.strip() in ("PASS", "FAIL"):
            self._running = None
            if self._active:
                self._active = False
                self.finished = False
                self.finish_run(out, record.line)
            return None
        if self._running is not None and text.startswith((" ", "\t")):
            # testify's block is the failure's own text, carried into its message: shown
            # once, with the failure, not a second time as a logged error.
            self.own_line = self._streamed_line(self._running, text)
        return None

    def _outcome(
        self, outcome: re.Match[str], line: int, out: list[RunEvent]
    ) -> LineContext | None:
        self._active = True
        self._panicking = False
        self.close_block()
        self._pending = None
        key = test_key(outcome.group("name"))
        status = _WORD_STATUS[outcome.group("word")]
        time = outcome.group("time")
        failed = status is TestStatus.FAILED
        message = self._streamed.pop(key, "") if failed else ""
        duration = duration_ms(time) if time else None
        self.report(out, key, status, line, duration=duration, message=message)
        if self._running == key:
            self._running = None
        if not failed:
            return None
        if message:
            self.open_block(out, [key], BlockKind.TEST, line, message=message)
            return self.context()
        # The log that explains the failure follows (without -v); a parent whose subtests
        # failed has none, and gets no block of its own.
        self._pending = (key, line)
        self.dense = True
        return None

    def _in_block(self, text: str, out: list[RunEvent]) -> LineContext | None:
        if not text.strip():
            return self.context()
        indented = text.startswith((" ", "\t"))
        if indented or self._panicking:
            if _PACKAGE.match(text) or text in ("PASS", "FAIL"):
                self._end_block()
                return None
        elif _PANIC_TAIL.match(text):
            self._panicking = True
        else:
            self._end_block()
            return None
        message = text if self._panicking and not indented else _LOCATION.sub("", text)
        if self._pending is not None:
            # The block opens with its message, so that this line's events carry it.
            key, line = self._pending
            self._pending = None
            self.open_block(out, [key], BlockKind.TEST, line, message=message)
        else:
            self.set_message(out, message)
        return self.context()

    def _end_block(self) -> None:
        self._pending = None
        self.close_block()

    def _streamed_line(self, key: TestKey, text: str) -> bool:
        """`-v` output of a running test. Whether it is an error is known only at the outcome,
        so it gets no context; its first message becomes the failure's message if it fails
        (testify's `Error:` value, continued on the next line when it ends with a colon).
        Returns whether the line is part of a testify block (carried into that message)."""
        known = self._streamed.get(key)
        testify = _TESTIFY_ERROR.match(text)
        if known is not None:
            if known.endswith(":") and not _LOCATION.match(text):
                self._streamed[key] = f"{known} {text.strip()}"[:500]
                return known.startswith("Error: ")
            return testify is not None or bool(_TESTIFY_LABEL.match(text))
        if testify is not None:
            message = "Error: " + " ".join(testify.group("message").split())
        elif _LOCATION.match(text):
            message = _LOCATION.sub("", text).strip()
        else:
            return bool(_TESTIFY_LABEL.match(text))
        if message:
            self._streamed[key] = message[:500]
            if len(self._streamed) > MAX_RUNNING:
                self._streamed.popitem(last=False)
        return testify is not None
