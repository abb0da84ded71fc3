"""Mocha's spec reporter: `✔` and `N) title` test lines, the counts, the numbered failures."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, duration_ms, indent_of

_PASSED = re.compile(r"^ +[✔✓] (?P<title>.+?)(?: \((?P<time>\d+ ?ms)\))?\s*$")
_NUMBERED = re.compile(r"^ +(?P<number>\d+)\) (?P<title>.+?)\s*$")
_PENDING = re.compile(r"^(?: {2})+- (?P<title>\S.*?)\s*$")
_COUNT = re.compile(
    r"^ +(?P<count>\d+) (?P<word>passing|failing|pending)\b(?: \((?P<time>[^)]*)\))?"
)
_STACK = re.compile(r"^\s+at \S")
_HOOK = re.compile(r'^"(?P<hook>before|after) (?:all|each)" hook')

MAX_TITLES = 50_000


class MochaParser(RunnerBase):
    """Reads mocha's spec reporter.

    Suite titles sit on lines of their own that nothing marks, so they are not read: tests are
    named by their title (a repeated title gets ` (2)`, ` (3)`...). A failure at the end is
    linked to its test by its number.
    """

    name = "mocha"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("✔ ", "✓ ")
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^[ \t]+[✔✓] ",
        r"^[ \t]+\d+\) \S",
        r"^(?:  )+- \S",
        r"^[ \t]+\d+ (?:passing|failing|pending)\b",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._titles: dict[str, int] = {}
        self._numbered: dict[int, TestKey] = {}
        self._epilogue = False
        self._title_pending = False
        self._stack_seen = False

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        count = _COUNT.match(text)
        if count is not None:
            return count.group("word") == "passing" and count.group("time") is not None
        return text.lstrip().startswith("✔ ") or (
            bool(_PASSED.match(text)) and not text.rstrip().endswith(" ms)")
        )

    def starts_run(self, record: Record) -> bool:
        return self.finished and record.log is None and bool(_PASSED.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        count = _COUNT.match(text)
        if count is not None:
            self._count(count, record.line, out)
            return None
        if self._epilogue:
            return self._failure_line(record, out)
        passed = _PASSED.match(text)
        if passed is not None:
            time = passed.group("time")
            key = self._key(passed.group("title"))
            self.report(out, key, TestStatus.PASSED, record.line, duration=duration_ms(time or ""))
            return None
        numbered = _NUMBERED.match(text)
        if numbered is not None:
            key = self._key(numbered.group("title"))
            self._numbered[int(numbered.group("number"))] = key
            self.report(out, key, TestStatus.FAILED, record.line)
            return None
        pending = _PENDING.match(text)
        if pending is not None:
            self.report(out, self._key(pending.group("title")), TestStatus.SKIPPED, record.line)
        return None

    def _key(self, title: str) -> TestKey:
        seen = self._titles.get(title, 0) + 1
        if len(self._titles) < MAX_TITLES:
            self._titles[title] = seen
        return TestKey("", title if seen == 1 else f"{title} ({seen})")

    def _count(self, count: re.Match[str], line: int, out: list[RunEvent]) -> None:
        word = count.group("word")
        number = int(count.group("count"))
        tally = self.tally
        if word == "passing":
            tally.passed = number
            self._epilogue = True
        elif word == "failing":
            tally.failed = number
        else:
            tally.skipped = number
        self.send_tally(out, line)
        if word == "passing":
            self.finish_run(out, line)

    # --- the numbered failures after the counts ---------------------------------------------

    def _failure_line(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        text = record.text
        numbered = _NUMBERED.match(text)
        if numbered is not None and indent_of(text) == 2:
            return self._open(int(numbered.group("number")), numbered.group("title"), record, out)
        block = self.block
        if block is None:
            return None
        if self._title_pending:
            if text.rstrip().endswith(":"):
                self._title_pending = False
            return self.context()
        if not text.strip():
            if self._stack_seen:
                self.close_block()
                return None
            return self.context()
        if _STACK.match(text):
            self._stack_seen = True
        else:
            self.set_message(out, text)
        return self.context()

    def _open(
        self, number: int, title: str, record: Record, out: list[RunEvent]
    ) -> LineContext | None:
        self.close_block()
        key = self._numbered.get(number) or TestKey("", title.rstrip(":"))
        hook = _HOOK.match(title) or _HOOK.match(key.name)
        kind = BlockKind.TEST
        if hook is not None:
            kind = BlockKind.SETUP if hook.group("hook") == "before" else BlockKind.TEARDOWN
        if key not in self.results:
            self.report(out, key, TestStatus.FAILED, record.line)
        self.open_block(out, [key], kind, record.line)
        self._title_pending = not title.rstrip().endswith(":")
        self._stack_seen = False
        return self.context()
