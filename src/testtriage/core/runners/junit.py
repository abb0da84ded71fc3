"""JUnit XML read line by line (vitest's junit reporter, pytest --junitxml, jest-junit, others)."""

from __future__ import annotations

import re
from html import unescape
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus, Zone
from testtriage.core.runners.common import RunnerBase, join_name

_TAG = re.compile(
    r"<(?P<close>/?)(?P<tag>testsuites|testsuite|testcase|failure|error|skipped|system-out"
    r"|system-err)(?=[\s/>])(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(?P<empty>/?)>"
)
_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_PROLOG = re.compile(r"^\s*<\?xml\b")
_ROOT = re.compile(r"^\s*<testsuites?[\s>]")
_WRAPPED = re.compile(r'^failed on (?P<when>setup|teardown) with "(?P<reason>.*)"$', re.DOTALL)
_PATHLIKE = re.compile(r"[/\\]|\.(?:[cm]?[jt]sx?|py|rb|go|java|kt|cs|php)$")

_TEXT_ELEMENTS = ("failure", "error", "system-out", "system-err")


def _attributes(text: str) -> dict[str, str]:
    return {
        name: unescape(double if double or not single else single)
        for name, double, single in _ATTR.findall(text)
    }


def pytest_key(classname: str, name: str, file: str = "") -> TestKey:
    """pytest's dotted `classname` (`tests.test_a.TestX`) back to its file and class path."""
    parts = classname.split(".") if classname else []
    classes: list[str] = []
    while parts and parts[-1][:1].isupper():
        classes.insert(0, parts.pop())
    if not file and parts:
        file = "/".join(parts) + ".py"
    return TestKey(file, join_name(classes + [name]))


def _line_context(seen: list[LineContext | None]) -> LineContext | None:
    """A line may hold several testcases (XML on one line): it belongs to the last error it
    holds, else to the first thing it is part of."""
    errors = [context for context in seen if context is not None and context.zone is Zone.ERROR]
    if errors:
        return errors[-1]
    return next((context for context in seen if context is not None), None)


class JUnitParser(RunnerBase):
    """Reads JUnit XML tag by tag, whatever the attribute order or line breaks between tags.

    A testcase's key follows the other parsers: vitest's classname is the file and its name the
    `suite > test` path; pytest's dotted classname is turned back into a file and class path.
    """

    name = "junit"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("<?xml", "<testsuites")
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"<\?xml\b",
        r"</?testsuites?\b",
        r"</?testcase\b",
        r"<(?:failure|error|skipped)\b",
        r"</(?:failure|error|skipped)>",
        r"</?system-(?:out|err)\b",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._root = ""
        self._root_totals: dict[str, str] = {}
        self._suite_sums = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        self._pytest = False
        self._suite_file = ""
        self._case: TestKey | None = None
        self._case_line = 0
        self._case_time: float | None = None
        self._case_done = False
        self._case_failed = False
        self._element = ""
        """The text element being read: failure, error, system-out or system-err."""

    def claims(self, record: Record) -> bool:
        return record.log is None and bool(_PROLOG.match(record.text) or _ROOT.match(record.text))

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(
            _PROLOG.match(record.text) or record.text.lstrip().startswith("<testsuites")
        )

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self._text_context()
        text = record.text
        seen = [self._text_context()]
        position = 0
        for tag in _TAG.finditer(text):
            self._text(text[position : tag.start()], out)
            position = tag.end()
            if tag.group("close"):
                self._close(tag.group("tag"), record.line, out)
            else:
                self._open(tag.group("tag"), _attributes(tag.group("attrs")), record.line, out)
                seen.append(self._text_context())
                if tag.group("empty"):
                    self._close(tag.group("tag"), record.line, out)
        self._text(text[position:], out)
        seen.append(self._text_context())
        return _line_context(seen)

    # --- elements ----------------------------------------------------------------------------

    def _open(self, tag: str, attrs: dict[str, str], line: int, out: list[RunEvent]) -> None:
        if tag in ("testsuites", "testsuite"):
            if not self._root:
                self._root = tag
                self._root_totals = attrs
            if tag == "testsuite":
                self._pytest = self._pytest or attrs.get("name") == "pytest"
                self._suite_file = attrs.get("file") or attrs.get("filepath") or ""
                for field in self._suite_sums:
                    value = attrs.get(field, "0")
                    self._suite_sums[field] += int(value) if value.isdigit() else 0
        elif tag == "testcase":
            self._start_case(attrs, line)
        elif self._case is not None and tag in ("failure", "error"):
            self._failure(tag, attrs, line, out)
        elif self._case is not None and tag == "skipped":
            self._case_done = True
            self.report(out, self._case, TestStatus.SKIPPED, line, duration=self._case_time)
        if tag in _TEXT_ELEMENTS:
            self._element = tag

    def _close(self, tag: str, line: int, out: list[RunEvent]) -> None:
        if tag in _TEXT_ELEMENTS:
            self._element = ""
            if tag in ("failure", "error"):
                self.dense = False
        elif tag == "testcase":
            if self._case is not None and not self._case_done:
                self.report(out, self._case, TestStatus.PASSED, line, duration=self._case_time)
            self._case = None
            self.close_block()
        elif tag == self._root:
            self._root = ""
            self._send_totals(line, out)
            self.finish_run(out, line)

    def _start_case(self, attrs: dict[str, str], line: int) -> None:
        name = attrs.get("name", "")
        classname = attrs.get("classname", "")
        file = attrs.get("file") or self._suite_file
        if self._pytest:
            key = pytest_key(classname, name, file)
        elif file:
            key = TestKey(file, name)
        elif _PATHLIKE.search(classname) or (classname and classname != name):
            key = TestKey(classname, name)
        else:
            key = TestKey("", name)
        self.close_block()
        self._case = key
        self._case_line = line
        self._case_done = False
        self._case_failed = False
        time = attrs.get("time", "")
        try:
            self._case_time = float(time) * 1000.0 if time else None
        except ValueError:
            self._case_time = None

    def _failure(self, tag: str, attrs: dict[str, str], line: int, out: list[RunEvent]) -> None:
        key = self._case
        if key is None:
            return
        message = attrs.get("message", "")
        kind, status, teardown = BlockKind.TEST, TestStatus.FAILED, False
        if tag == "error":
            wrapped = _WRAPPED.match(message)
            if wrapped is not None:
                message = wrapped.group("reason")
                if wrapped.group("when") == "setup":
                    kind, status = BlockKind.SETUP, TestStatus.ERROR
                else:
                    kind, teardown = BlockKind.TEARDOWN, True
                    known = self.status_of(key)
                    status = known if known is not None else TestStatus.PASSED
            elif message == "collection failure" and self._pytest:
                key = pytest_key(key.name, "")
                kind = BlockKind.SUITE
        error_type = attrs.get("type", "")
        if error_type and message and not message.startswith(error_type):
            message = f"{error_type}: {message}"
        message = message.strip().split("\n", 1)[0]
        self._case_done = True
        self._case_failed = True
        if kind is BlockKind.SUITE:
            message = ""
        else:
            self.report(
                out,
                key,
                status,
                line,
                duration=self._case_time,
                message=message,
                teardown_error=teardown,
            )
        self.open_block(out, [key], kind, line, message=message)

    def _text(self, text: str, out: list[RunEvent]) -> None:
        if self._element in ("failure", "error") and self.block is not None:
            cleaned = unescape(text.replace("<![CDATA[", "").replace("]]>", "")).strip()
            if cleaned:
                self.set_message(out, cleaned)

    def _text_context(self) -> LineContext | None:
        block = self.block
        if block is None:
            return None
        if self._element in ("failure", "error"):
            return LineContext(block.key, block.kind, Zone.ERROR)
        if self._element in ("system-out", "system-err") and self._case_failed:
            return LineContext(block.key, block.kind, Zone.CAPTURED)
        return None

    def _send_totals(self, line: int, out: list[RunEvent]) -> None:
        root = self._root_totals

        def number(field: str) -> int:
            value = root.get(field)
            if value is None or not value.isdigit():
                return self._suite_sums[field]
            return int(value)

        tests, failures, errors, skipped = (
            number("tests"),
            number("failures"),
            number("errors"),
            number("skipped"),
        )
        if not (tests or failures or errors or skipped):
            return
        passed = max(0, tests - failures - errors - skipped)
        if self._pytest:
            # pytest counts a test that passed and then errored at teardown once as passed and
            # once as an error, and a collection error as a test: its `tests` is no total.
            total = None
        else:
            failures, errors, total = failures + errors, 0, tests
        self.send_totals(
            out,
            line,
            passed=passed,
            failed=failures,
            skipped=skipped,
            errors=errors,
            total=total,
        )
