"""Vitest's text reporters (default, verbose, minimal): file lines, tree, FAIL blocks, summary."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus, Zone
from testtriage.core.runners.common import RunnerBase, count_words, duration_ms, join_name

_BANNER = re.compile(r"^ ?(?:RUN|DEV)\s+v\d+\.\d+")
_RERUN = re.compile(r"^ ?RERUN\b")
_ITEM = re.compile(r"^(?P<indent> +)(?P<sym>[✓✗×❯↓·]) +(?P<body>\S.*?)\s*$")
_COUNTED = re.compile(
    r"^(?P<head>.+?) +\((?P<counts>\d+(?: tests?)?(?: \| \d+ [a-z]+)*)\)(?P<tail>.*)$"
)
_PREFIX = re.compile(r"^(?:TS +)?(?:\|[^|]+\| +)?")
_SUFFIX = re.compile(
    r"(?: \d+ MB heap used| \((?:retry|repeat) x\d+\)| \[[^\]]*\]| (?P<ms>\d+(?:\.\d+)?) ?ms)$"
)
_ARROW = re.compile(r"^ +→ ?(?P<message>.*)$")
_FAIL = re.compile(r"^ ?FAIL  (?:\|[^|]+\| +)?(?P<body>.+?)(?: \[ (?P<file>[^\]]+) \])?\s*$")
_WATCH = re.compile(
    r"^ ?(?:FAIL|PASS|CANCELLED)  (?:Tests failed|Waiting for file|Test run cancel)"
)
_SECTION = re.compile(r"^⎯+ (?P<title>[^⎯]+?) ⎯+\s*$")
_SUMMARY = re.compile(r"^ *(?P<title>Test Files|Tests|Duration|Start at|Errors)  (?P<body>\S.*)$")
_TOTAL = re.compile(r"\((\d+)\)\s*$")
_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z0-9]+$")
_TEST_FILE = re.compile(r"\.(?:[cm]?[jt]sx?|vue|svelte|astro)$")

_SYMBOL_STATUS = {
    "✓": TestStatus.PASSED,
    "×": TestStatus.FAILED,
    "✗": TestStatus.FAILED,
    "❯": TestStatus.FAILED,
    "↓": TestStatus.SKIPPED,
    "·": TestStatus.SKIPPED,
}


def split_full_name(body: str) -> tuple[str, str]:
    """`file > suite > test` as (file, `suite > test`); no file when the first part is no path."""
    parts = body.split(" > ")
    if len(parts) > 1 and _PATHLIKE.search(parts[0]) and " " not in parts[0]:
        return parts[0], join_name(parts[1:])
    if len(parts) == 1 and _PATHLIKE.search(parts[0]) and " " not in parts[0]:
        return parts[0], ""
    return "", join_name(parts)


class VitestParser(RunnerBase):
    """Reads vitest's own output. Files print one line with their counts (a running tally);
    failed files print their tests (`×` and `→ message`); `Failed Tests` holds the FAIL blocks."""

    name = "vitest"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("RUN ", "DEV ", "RERUN ")
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^ ?(?:RUN|DEV|RERUN) +\S",
        r"^[ \t]*[✓✗×❯↓·] ",
        r"^[ \t]+→ ",
        r"^⎯⎯",
        r"^ ?(?:FAIL|PASS)  \S",
        r"^ *(?:Test Files|Tests|Duration)  \S",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._file = ""
        self._in_tree = False
        self._suites: list[tuple[int, str]] = []
        self._arrow_key: TestKey | None = None
        self._short_errors: dict[TestKey, str] = {}
        self._section = ""
        self._block_has_body = False

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        if _BANNER.match(text) or (text.startswith("⎯") and " Failed " in text):
            return True
        if text.lstrip().startswith("Test Files  "):
            return True
        item = _ITEM.match(text)
        if item is not None and len(item.group("indent")) == 1:
            body = _PREFIX.sub("", item.group("body"))
            counted = _COUNTED.match(body)
            if counted is not None and "test" in counted.group("counts"):
                return True
            head = body.split(" > ", 1)[0]
            return " > " in body and bool(_TEST_FILE.search(head))
        fail = _FAIL.match(text)
        return fail is not None and (" > " in fail.group("body") or bool(fail.group("file")))

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(_BANNER.match(record.text) or _RERUN.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if self.block is not None:
            if not self._ends_block(record):
                return self._in_block(record, out)
            self.close_block()
        if record.log is not None:
            return None
        text = record.text
        item = _ITEM.match(text)
        if item is not None:
            self.own_line = True  # a file, suite or test line: names, not error text
            return self._item(record, item, out)
        arrow = _ARROW.match(text)
        if arrow is not None:
            return self._arrow(arrow.group("message"))
        self._in_tree = False
        self._arrow_key = None
        if text.startswith("⎯"):
            self._banner(text)
        elif "FAIL  " in text[:7] or "PASS  " in text[:7] or "CANCELLED  " in text[:12]:
            return self._fail_header(record, out)
        else:
            summary = _SUMMARY.match(text)
            if summary is not None:
                self._summary(record, summary.group("title"), summary.group("body"), out)
        return None

    def finish(self, out: list[RunEvent]) -> None:
        self._give_short_errors(out)

    # --- the per-file lines and the test tree ----------------------------------------------

    def _item(self, record: Record, item: re.Match[str], out: list[RunEvent]) -> LineContext | None:
        indent = len(item.group("indent"))
        symbol = item.group("sym")
        body = item.group("body")
        if body.startswith(("TS ", "|")):
            body = _PREFIX.sub("", body)
        self._arrow_key = None
        if indent == 1:
            counted = _COUNTED.match(body) if "(" in body else None
            if counted is not None and " > " not in counted.group("head"):
                self._module(counted, record.line, out)
                return None
            title, duration = _strip_suffixes(body)
            file, name = split_full_name(title)
            if not file or not name:
                return None
            return self._test(out, TestKey(file, name), symbol, record.line, duration)
        if not self._in_tree or indent % 2 == 0:
            return None
        level = (indent - 1) // 2
        while self._suites and self._suites[-1][0] >= level:
            self._suites.pop()
        counted = _COUNTED.match(body) if "(" in body else None
        if counted is not None and counted.group("counts").isdigit():
            self._suites.append((level, counted.group("head")))
            return None
        title, duration = _strip_suffixes(body)
        file = self._file
        if file and title.startswith(file + " > "):
            title = title[len(file) + 3 :]
        elif not file:
            file, title = split_full_name(title)
        name = join_name([suite for _, suite in self._suites] + [title])
        return self._test(out, TestKey(file, name), symbol, record.line, duration)

    def _module(self, counted: re.Match[str], line: int, out: list[RunEvent]) -> None:
        self._file = counted.group("head").strip()
        self._suites = []
        self._in_tree = True
        counts = counted.group("counts")
        if counts.isdigit():
            return  # a terminal's live tree (`file (20)`): its tests are counted one by one
        tests = int(counts.split(" ", 1)[0])
        words = count_words(counts)
        failed = words.get("failed", 0)
        skipped = words.get("skipped", 0)
        self.tally.add(passed=max(0, tests - failed - skipped), failed=failed, skipped=skipped)
        self.tally.total = (self.tally.total or 0) + tests
        self.send_tally(out, line)

    def _test(
        self, out: list[RunEvent], key: TestKey, symbol: str, line: int, duration: float | None
    ) -> LineContext | None:
        status = _SYMBOL_STATUS[symbol]
        self.report(out, key, status, line, duration=duration)
        if status is not TestStatus.FAILED:
            return None
        self._arrow_key = key
        self.mark_failure(out, key, BlockKind.TEST, line)
        return None

    def _arrow(self, message: str) -> LineContext | None:
        """A failed test's short error, printed under it while the run goes on. The FAIL block
        at the end prints the full error (with its type), so that one names the failure; this
        one is kept in case the run stops before it."""
        key = self._arrow_key
        if key is None:
            return None
        message = message.strip()
        if message and key not in self._short_errors and len(self._short_errors) < 10_000:
            self._short_errors[key] = message
        return LineContext(key, BlockKind.TEST, Zone.ERROR)

    def _give_short_errors(self, out: list[RunEvent]) -> None:
        """At the end of the source, failed tests whose FAIL block never came keep their short
        error as message (sent here, not on a later line, which would then carry it)."""
        for key, message in self._short_errors.items():
            known = self.results.get(key)
            if known is not None and not known.message:
                self.mark_failure(out, key, BlockKind.TEST, known.line, message)
        self._short_errors.clear()

    # --- the Failed Tests / Failed Suites blocks -------------------------------------------

    def _banner(self, text: str) -> None:
        section = _SECTION.match(text)
        if section is not None:
            title = section.group("title")
            self._section = (
                "suites"
                if title.startswith("Failed Suites")
                else ("tests" if title.startswith("Failed Tests") else "other")
            )

    def _fail_header(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        text = record.text
        if _WATCH.match(text):
            self.finish_run(out, record.line)
            return None
        header = _FAIL.match(text)
        if header is None or self._section == "other":
            return None
        key, kind = self._header_key(header)
        if self.block is not None and not self._block_has_body:
            self.add_to_block(out, key, record.line)
        else:
            self.open_block(out, [key], kind, record.line)
            self._block_has_body = False
        if kind is BlockKind.TEST and self.status_of(key) is not TestStatus.FAILED:
            self.report(out, key, TestStatus.FAILED, record.line)
        return self.context()

    def _header_key(self, header: re.Match[str]) -> tuple[TestKey, BlockKind]:
        file, name = split_full_name(header.group("body"))
        whole_file = header.group("file")
        if whole_file:
            return TestKey(whole_file.strip(), name if file == whole_file.strip() else ""), (
                BlockKind.SUITE
            )
        if self._section == "suites":
            return TestKey(file, name), BlockKind.SUITE if not name else BlockKind.SETUP
        return TestKey(file, name), BlockKind.TEST

    @staticmethod
    def _ends_block(record: Record) -> bool:
        text = record.text
        if record.log is not None:
            return False
        if text.startswith("⎯"):
            # A bare rule only separates parts of one error (its `Serialized Error:` and
            # `Caused by:` chain); the `[n/m]` rule or a section banner ends it.
            return text.strip("⎯ \t") != ""
        return bool(_SUMMARY.match(text)) or bool(_BANNER.match(text))

    def _in_block(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        text = record.text
        if record.log is None and text.startswith((" FAIL  ", "FAIL  ")):
            return self._fail_header(record, out)
        if record.log is None and text.strip():
            self._block_has_body = True
            self.set_message(out, text)
        return self.block_line(record)

    # --- the summary ------------------------------------------------------------------------

    def _summary(self, record: Record, title: str, body: str, out: list[RunEvent]) -> None:
        if title == "Tests":
            words = count_words(body)
            total = _TOTAL.search(body)
            self.send_totals(
                out,
                record.line,
                passed=words.get("passed", 0) + words.get("expected fail", 0),
                failed=words.get("failed", 0),
                skipped=words.get("skipped", 0) + words.get("todo", 0),
                total=int(total.group(1)) if total else None,
            )
            self.finish_run(out, record.line)
        elif title == "Duration":
            self.finish_run(out, record.line)


def _strip_suffixes(body: str) -> tuple[str, float | None]:
    """A tree line's title without vitest's trailing notes, and its duration if printed."""
    duration: float | None = None
    # Every suffix ends in one of these: `ms`, `used`, `(retry x2)`, `[note]`.
    while body and body[-1] in "s)]d":
        # Suffixes are short and end the line: searching only its tail keeps this O(1).
        match = _SUFFIX.search(body, max(0, len(body) - 96))
        if match is None:
            break
        if match.group("ms") is not None and duration is None:
            duration = duration_ms(match.group(0))
        body = body[: match.start()]
    return body.strip(), duration
