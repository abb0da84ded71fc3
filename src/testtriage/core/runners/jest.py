"""Jest's default and verbose reporters: PASS/FAIL files, the test tree, `●` blocks, summary."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import (
    RunnerBase,
    count_words,
    duration_ms,
    indent_of,
    join_name,
)

_HEADER = re.compile(
    r"^ ?(?P<status>PASS|FAIL) +(?:(?P<display>.+?) +)?(?P<path>[^\s()]+\.[A-Za-z0-9]+)"
    r"(?: +\((?P<time>\d+(?:\.\d+)? ?m?s)[^)]*\))?\s*$"
)
_JS_FILE = re.compile(r"\.(?:[cm]?[jt]sx?|vue|svelte|coffee)$")
_TEST = re.compile(r"^(?P<icon>[✓✕○✎]) (?P<title>.+?)(?: \((?P<time>\d+(?:\.\d+)? ?m?s)\))?$")
_BULLET = re.compile(r"^ {2}● (?P<title>.+?)\s*$")
_SUMMARY = re.compile(r"^(?P<title>Test Suites|Tests|Snapshots|Time|Seed): +(?P<body>\S.*)$")

_ICON_STATUS = {
    "✓": TestStatus.PASSED,
    "✕": TestStatus.FAILED,
    "○": TestStatus.SKIPPED,
    "✎": TestStatus.SKIPPED,
}


class JestParser(RunnerBase):
    """Reads jest's output. A file's section (its header, `● Console`, the tree in verbose mode
    and its `●` failure blocks) is printed at once and read densely; the rest sparsely.

    Jest prints no banner: a file header after the end of a run starts a new one.
    """

    name = "jest"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("PASS ", "FAIL ")
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^ ?(?:PASS|FAIL) +\S",
        r"^[ \t]*● ",
        r"^[ \t]+[✓✕○✎] ",
        r"^(?:Test Suites|Tests|Snapshots|Time): +\S",
        r"^Ran all test suites",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._file = ""
        self._in_file = False
        self._part = ""
        """Where in a file's section: "", "console" or "block"."""
        self._describes: list[tuple[int, str]] = []

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        header = _HEADER.match(text)
        if header is not None:
            return " > " not in text and bool(_JS_FILE.search(header.group("path")))
        return text.startswith("Test Suites: ") or (text.startswith("  ● ") and " › " in text)

    def starts_run(self, record: Record) -> bool:
        return self.finished and record.log is None and bool(_HEADER.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        header = _HEADER.match(text)
        if header is not None:
            self._start_file(header, record.line)
            return None
        summary = _SUMMARY.match(text)
        if summary is not None:
            self._end_file()
            self._summary(summary.group("title"), summary.group("body"), record.line, out)
            return None
        if text.startswith("Ran all test suites"):
            self._end_file()
            self.finish_run(out, record.line)
            return None
        if not text.strip():
            return self.context()
        indent = indent_of(text)
        if indent == 0:
            self._end_file()
            return None
        bullet = _BULLET.match(text)
        if bullet is not None:
            return self._bullet(bullet.group("title"), record.line, out)
        if self._part == "console":
            if indent >= 4:
                return None
            self._part = ""
        elif self._part == "block":
            if indent >= 4:
                self.set_message(out, text)
                return self.context()
            self.close_block()
            self._part = ""
            self.dense = self._in_file
        self._tree_line(text.strip(), indent, record.line, out)
        return None

    # --- a file's section -------------------------------------------------------------------

    def _start_file(self, header: re.Match[str], line: int) -> None:
        self.close_block()
        self._file = header.group("path")
        self._in_file = True
        self._part = ""
        self._describes = []
        self.dense = True

    def _end_file(self) -> None:
        self.close_block()
        self._in_file = False
        self._part = ""
        self.dense = False

    def _bullet(self, title: str, line: int, out: list[RunEvent]) -> LineContext | None:
        self.close_block()
        if title == "Console":
            self._part = "console"
            self.dense = True
            return None
        self._part = "block"
        if title == "Test suite failed to run":
            self.open_block(out, [TestKey(self._file, "")], BlockKind.SUITE, line)
            return self.context()
        key = TestKey(self._file, join_name(title.split(" › ")))
        if self.status_of(key) is not TestStatus.FAILED:
            self.report(out, key, TestStatus.FAILED, line)
        self.open_block(out, [key], BlockKind.TEST, line)
        return self.context()

    def _tree_line(self, text: str, indent: int, line: int, out: list[RunEvent]) -> None:
        level = indent // 2
        while self._describes and self._describes[-1][0] >= level:
            self._describes.pop()
        test = _TEST.match(text)
        if test is None:
            if self._in_file:
                self._describes.append((level, text))
            return
        title = test.group("title")
        icon = test.group("icon")
        if icon == "○" and title.startswith("skipped "):
            title = title[len("skipped ") :]
        elif icon == "✎" and title.startswith("todo "):
            title = title[len("todo ") :]
        time = test.group("time")
        duration = duration_ms(time) if time else None
        key = TestKey(self._file, join_name([d for _, d in self._describes] + [title]))
        self.report(out, key, _ICON_STATUS[icon], line, duration=duration)

    # --- the summary ------------------------------------------------------------------------

    def _summary(self, title: str, body: str, line: int, out: list[RunEvent]) -> None:
        if title == "Tests":
            words = count_words(body)
            self.send_totals(
                out,
                line,
                passed=words.get("passed", 0),
                failed=words.get("failed", 0),
                skipped=words.get("skipped", 0) + words.get("todo", 0),
                total=words.get("total"),
            )
        elif title == "Time":
            self.finish_run(out, line)
