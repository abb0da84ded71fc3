"""pytest's terminal output (-q, default, -v, -rA, xdist): progress, sections, summaries."""

from __future__ import annotations

import re
from collections import deque
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus, Zone
from testtriage.core.runners.common import RunnerBase, count_words, join_name

_SEPARATOR = re.compile(r"^=+ (?P<title>.*?\S) =+\s*$")
_STATS = re.compile(r"^(?:\d+ [a-z]+(?: [a-z]+)?(?:, \d+ [a-z]+(?: [a-z]+)?)*|no tests ran) in \d")
_HEADER = re.compile(r"^_+ (?P<title>.*?[^_ ].*?) _+\s*$")
_CAPTURED = re.compile(r"^-+ Captured .+ -+\s*$")
_PROGRESS = re.compile(r"^(?P<file>\S+\.py) (?P<chars>[.FEsxXR]+) *(?:\[ *\d+%\])?\s*$")
_CHARS = re.compile(r"^(?P<chars>[.FEsxXR]+) *\[ *\d+%\]\s*$")
_OUTCOME = r"(?P<word>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)"
_VERBOSE = re.compile(
    r"^(?P<nodeid>\S+?\.py::.+?) " + _OUTCOME + r"(?: \(.*\))?(?: *\[ *\d+%\])?\s*$"
)
_XDIST = re.compile(r"^\[gw\d+\] (?:\[ *\d+%\] )?" + _OUTCOME + r" (?P<nodeid>\S+?\.py::\S.*?)\s*$")
_SHORT = re.compile(
    r"^(?P<word>FAILED|ERROR|PASSED|XFAIL|XPASS) (?P<nodeid>\S.*?\.py(?:::.+?)?)"
    r"(?: - (?P<message>.*))?\s*$"
)
_BANNER = re.compile(r"^=+ test session starts =+\s*$")

_WORD_STATUS = {
    "PASSED": TestStatus.PASSED,
    "FAILED": TestStatus.FAILED,
    "SKIPPED": TestStatus.SKIPPED,
    "XFAIL": TestStatus.SKIPPED,
    "XPASS": TestStatus.PASSED,
}
MAX_PENDING = 10_000
"""Failures whose file is still to be matched to a section header, per kind."""


def key_from_nodeid(nodeid: str) -> TestKey:
    """`tests/a.py::Class::test_x[p]` as (`tests/a.py`, `Class > test_x[p]`)."""
    head, bracket, params = nodeid.partition("[")
    parts = head.split("::")
    name = join_name(parts[1:])
    if bracket and name:
        name += "[" + params
    return TestKey(parts[0], name)


def name_from_title(title: str) -> str:
    """A failure section's title (`Class.test_x[p]`) in the name convention of node ids."""
    head, bracket, params = title.partition("[")
    if head.startswith(("[", "<")) or " " in head:
        return title
    name = join_name(head.split("."))
    return name + "[" + params if bracket else name


def _clean_nodeid(nodeid: str) -> str:
    """A node id without the reason pytest prints after it (`XPASS id reason`)."""
    if " " not in nodeid:
        return nodeid
    depth = 0
    for index, char in enumerate(nodeid):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == " " and depth == 0:
            return nodeid[:index]
    return nodeid


class PytestParser(RunnerBase):
    """Reads pytest's output in every verbosity.

    Names come from `-v` lines, failure section headers and the short summary. The default and
    `-q` progress characters name no test, so they are counted as a running tally; a section
    header (`____ test_x ____`) gets its file from the n-th `F`/`E` of the progress, or from the
    `-v` line that reported it.
    """

    name = "pytest"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("=",)
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^=+ [^\n]*[^=\n ][^\n]* =+[ \t]*$",
        r"^_+ [^\n]*[^_ \n][^\n]* _+[ \t]*$",
        r"^\S+\.py [.FEsxXR]+",
        r"^[.FEsxXR]+ *\[ *\d+%\]",
        r"^\S+\.py::\S[^\n]* (?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b",
        r"^\[gw\d+\] ",
        r"^(?:FAILED|ERROR|PASSED|XFAIL|XPASS) \S[^\n]*\.py\b",
        r"^(?:\d+ (?:failed|passed|skipped|deselected|xfailed|xpassed|errors?|warnings?)"
        r"|no tests ran)\b[^\n]* in \d",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._section = ""
        self._file = ""
        self._failed_files: deque[str] = deque(maxlen=MAX_PENDING)
        self._errored_files: deque[str] = deque(maxlen=MAX_PENDING)
        self._files_by_name: dict[str, deque[str]] = {}

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        if text.startswith("="):
            separator = _SEPARATOR.match(text)
            return separator is not None and (
                separator.group("title") in ("test session starts", "FAILURES", "ERRORS")
                or separator.group("title").startswith("short test summary")
                or bool(_STATS.match(separator.group("title")))
            )
        return bool(
            (text.startswith("platform ") and " -- Python " in text)
            or _VERBOSE.match(text)
            or _XDIST.match(text)
            or _PROGRESS.match(text)
            or _CHARS.match(text)
        )

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(_BANNER.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        text = record.text
        if record.log is None:
            if text.startswith("="):
                separator = _SEPARATOR.match(text)
                if separator is not None:
                    self._separator(separator.group("title"), record.line, out)
                    return None
            if text.startswith("_") and self._section in ("errors", "failures"):
                header = _HEADER.match(text)
                if header is not None:
                    return self._open(header.group("title"), record.line, out)
        if self.block is not None:
            return self._in_block(record, out)
        if record.log is not None or self._section in ("errors", "failures"):
            return None
        return self._line(record, out)

    # --- progress, -v lines, the short summary ----------------------------------------------

    def _line(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        text = record.text
        progress = _PROGRESS.match(text)
        if progress is not None:
            self._file = progress.group("file")
            self._progress(progress.group("chars"), record.line, out)
            return None
        chars = _CHARS.match(text)
        if chars is not None:
            self._progress(chars.group("chars"), record.line, out)
            return None
        verbose = _VERBOSE.match(text) or _XDIST.match(text)
        if verbose is not None:
            self._verbose(verbose.group("nodeid"), verbose.group("word"), record.line, out)
            return None
        short = _SHORT.match(text)
        if short is not None:
            return self._short(short, record.line, out)
        if _STATS.match(text):
            self._stats(text, record.line, out)
        return None

    def _progress(self, chars: str, line: int, out: list[RunEvent]) -> None:
        tally = self.tally
        for char in chars:
            if char == ".":
                tally.passed += 1
            elif char == "F":
                tally.failed += 1
                self._failed_files.append(self._file)
            elif char == "E":
                tally.errors += 1
                self._errored_files.append(self._file)
            elif char in "sx":
                tally.skipped += 1
            elif char == "X":
                tally.passed += 1
        self.send_tally(out, line)

    def _verbose(self, nodeid: str, word: str, line: int, out: list[RunEvent]) -> None:
        key = key_from_nodeid(_clean_nodeid(nodeid))
        if word == "ERROR":
            self._error(key, line, out)
        else:
            self.report(out, key, _WORD_STATUS[word], line)
        if word in ("FAILED", "ERROR"):
            files = self._files_by_name.setdefault(key.name, deque(maxlen=64))
            files.append(key.file)
            if len(self._files_by_name) > MAX_PENDING:
                self._files_by_name.pop(next(iter(self._files_by_name)))

    def _error(self, key: TestKey, line: int, out: list[RunEvent], message: str = "") -> None:
        """An error outside a test's body: at teardown if the body already had an outcome."""
        known = self.status_of(key)
        seen = self.blocks_seen.get(key)
        teardown = (seen is not None and seen[0] is BlockKind.TEARDOWN) or (
            known in (TestStatus.PASSED, TestStatus.FAILED, TestStatus.SKIPPED)
            and not (seen is not None and seen[0] is BlockKind.SETUP)
        )
        if teardown:
            status = known if known is not None else TestStatus.PASSED
            self.report(out, key, status, line, message=message, teardown_error=True)
        else:
            self.report(out, key, TestStatus.ERROR, line, message=message)

    def _short(self, short: re.Match[str], line: int, out: list[RunEvent]) -> LineContext | None:
        word = short.group("word")
        message = (short.group("message") or "").strip()
        key = self._resolve(key_from_nodeid(_clean_nodeid(short.group("nodeid"))))
        if word == "FAILED":
            self.report(out, key, TestStatus.FAILED, line, message=message)
            kind = BlockKind.TEST
        elif word == "ERROR":
            if not key.name:
                kind = BlockKind.SUITE
            else:
                self._error(key, line, out, message)
                known = self.results.get(key)
                kind = BlockKind.TEARDOWN if known and known.teardown_error else BlockKind.SETUP
        else:
            self.report(out, key, _WORD_STATUS[word], line)
            return None
        seen = self.blocks_seen.get(key)
        if seen is not None:
            kind = seen[0]
        context = self.mark_failure(out, key, kind, line, message)
        return context if message else None

    def _resolve(self, key: TestKey) -> TestKey:
        """The key a summary line's test was already reported under (without its file when
        the progress could not name it)."""
        if key in self.results or key in self.blocks_seen:
            return key
        bare = TestKey("", key.name)
        if bare in self.results or bare in self.blocks_seen:
            return bare
        return key

    # --- sections ---------------------------------------------------------------------------

    def _separator(self, title: str, line: int, out: list[RunEvent]) -> None:
        self.close_block()
        if title == "ERRORS":
            self._section = "errors"
            self.dense = True
        elif title == "FAILURES":
            self._section = "failures"
            self.dense = True
        elif title == "PASSES":
            self._section = "passes"
        elif _STATS.match(title):
            self._section = "other"
            self._stats(title, line, out)
        else:
            self._section = "summary" if title.startswith("short test summary") else "other"

    def _stats(self, text: str, line: int, out: list[RunEvent]) -> None:
        words = count_words(text.split(" in ", 1)[0] if " in " in text else text)
        self.send_totals(
            out,
            line,
            passed=words.get("passed", 0) + words.get("xpassed", 0),
            failed=words.get("failed", 0),
            skipped=words.get("skipped", 0) + words.get("xfailed", 0),
            errors=words.get("error", 0) + words.get("errors", 0),
        )
        self.finish_run(out, line)

    def _open(self, title: str, line: int, out: list[RunEvent]) -> LineContext | None:
        self.close_block()
        if self._section == "failures":
            kind = BlockKind.TEST
        elif title.startswith("ERROR collecting "):
            key = TestKey(title[len("ERROR collecting ") :].strip(), "")
            self.open_block(out, [key], BlockKind.SUITE, line)
            return self.context()
        elif title.startswith("ERROR at teardown of "):
            kind, title = BlockKind.TEARDOWN, title[len("ERROR at teardown of ") :]
        else:
            kind, title = BlockKind.SETUP, title.removeprefix("ERROR at setup of ")
        key = self._section_key(name_from_title(title.strip()), kind)
        self.open_block(out, [key], kind, line)
        if kind is BlockKind.TEST:
            self.report(out, key, TestStatus.FAILED, line)
        else:
            self._error(key, line, out)
        self.dense = True
        return self.context()

    def _section_key(self, name: str, kind: BlockKind) -> TestKey:
        files = self._files_by_name.get(name)
        if files:
            return TestKey(files.popleft(), name)
        pending = self._failed_files if kind is BlockKind.TEST else self._errored_files
        if pending:
            return TestKey(pending.popleft(), name)
        return TestKey("", name)

    def _in_block(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        block = self.block
        if block is None or record.log is not None:
            return self.block_line(record)
        text = record.text
        if text.startswith("-") and _CAPTURED.match(text):
            block.zone = Zone.CAPTURED
        elif block.zone is Zone.ERROR and text.startswith("E ") and not block.message:
            self.set_message(out, text[1:])
        return self.context()
