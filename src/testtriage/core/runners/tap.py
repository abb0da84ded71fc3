"""TAP 13/14 (node:test, vitest's `tap` reporter, any producer): points, subtests, YAML blocks."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, duration_ms, indent_of, join_name

_VERSION = re.compile(r"^TAP version \d+\s*$")
_POINT = re.compile(
    r"^(?P<indent>\s*)(?P<not>not )?ok\b(?: (?P<number>\d+))?(?: -)?(?: (?P<rest>.*))?$"
)
_PLAN = re.compile(r"^(?P<indent>\s*)1\.\.(?P<count>\d+)\b")
_SUBTEST = re.compile(r"^(?P<indent>\s*)# Subtest: (?P<name>.+?)\s*$")
_DIRECTIVE = re.compile(r"(?<!\\)#\s*(?P<word>SKIP|TODO|time=)(?P<value>\S*)", re.IGNORECASE)
_YAML_FIELD = re.compile(r"^\s*(?P<field>[A-Za-z_]+):\s*(?P<value>.*?)\s*$")
_COMMENT_TOTAL = re.compile(r"^# (?P<word>tests|pass|fail|skipped|todo|cancelled) (?P<n>\d+)\s*$")
_TEST_FILE = re.compile(r"\.(?:test|spec)\.[cm]?[jt]sx?$|[\\/]test[^\\/]*\.[cm]?[jt]sx?$|\.py$")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value.replace("\\'", "'").replace('\\"', '"')


class TapParser(RunnerBase):
    """Reads TAP. Names come from the enclosing `# Subtest:` comments (node:test) or `{` points
    (vitest); a point with children is a suite, not a test. A failing point's YAML block is
    its failure block. The run ends when the top-level plan is met."""

    name = "tap"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("TAP version",)
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^TAP version \d",
        r"^[ \t]*(?:not )?ok(?: \d+)?(?: |$)",
        r"^[ \t]*1\.\.\d+",
        r"^[ \t]*# Subtest: ",
        r"^[ \t]*\}[ \t]*$",
        r"^Bail out!",
        r"^# (?:tests|pass|fail|skipped|todo|cancelled) \d+",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._parents: list[tuple[int, str]] = []
        self._previous_indent = 0
        self._planned: int | None = None
        self._top_points = 0
        self._yaml_indent: int | None = None
        self._yaml_point = -1
        self._error_name = ""
        self._scalar_of = ""
        """A YAML field whose value is a block scalar on the following lines."""
        self._scalar_indent = 0
        self._comment_totals: dict[str, int] = {}

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        if _VERSION.match(text):
            return True
        point = _POINT.match(text)
        return point is not None and point.group("number") is not None and not point.group("indent")

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(_VERSION.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        if self.block is not None:
            context = self._yaml(text, out)
            if self.block is not None:
                return context
        point = _POINT.match(text)
        if point is not None:
            return self._point(point, record.line, out)
        subtest = _SUBTEST.match(text)
        if subtest is not None:
            self._enter(indent_of(text), subtest.group("name"))
            return None
        plan = _PLAN.match(text)
        if plan is not None:
            self._plan(indent_of(text), int(plan.group("count")), record.line, out)
        elif text.strip() == "}":
            self._close_brace(indent_of(text), record.line, out)
        elif text.startswith("Bail out!"):
            self.finish_run(out, record.line)
        elif text.startswith("# "):
            total = _COMMENT_TOTAL.match(text)
            if total is not None:
                self._comment_total(total.group("word"), int(total.group("n")), record.line, out)
        return None

    # --- points ------------------------------------------------------------------------------

    def _enter(self, indent: int, name: str) -> None:
        while self._parents and self._parents[-1][0] >= indent:
            self._parents.pop()
        self._parents.append((indent, name))

    def _point(self, point: re.Match[str], line: int, out: list[RunEvent]) -> LineContext | None:
        indent = indent_of(point.group("indent"))
        rest = point.group("rest") or ""
        brace = rest.endswith("{")
        if brace:
            rest = rest[:-1].rstrip()
        description, directive, duration = _split_directive(rest)
        # A point is a suite when points deeper than it came since the last one at its depth
        # (TAP 14 and node:test print children first); vitest marks suites with `{` instead.
        is_suite = self._previous_indent > indent
        self._previous_indent = indent
        parents = [name for level, name in self._parents if level < indent]
        while self._parents and self._parents[-1][0] >= indent:
            self._parents.pop()
        if brace:
            self._parents.append((indent, description))
            return None
        if indent == 0:
            self._count_top(line, out)
        if is_suite:
            return None
        key = _key(parents, description)
        failed = point.group("not") is not None and directive != "TODO"
        if directive in ("SKIP", "TODO"):
            status = TestStatus.SKIPPED
        else:
            status = TestStatus.FAILED if failed else TestStatus.PASSED
        self.report(out, key, status, line, duration=duration)
        if status is TestStatus.FAILED:
            self.open_block(out, [key], BlockKind.TEST, line)
            self._yaml_indent = None
            self._yaml_point = indent
            self._error_name = ""
            return self.context()
        return None

    def _close_brace(self, indent: int, line: int, out: list[RunEvent]) -> None:
        while self._parents and self._parents[-1][0] > indent:
            self._parents.pop()
        if self._parents and self._parents[-1][0] == indent:
            self._parents.pop()
        self._previous_indent = indent
        if indent == 0:
            self._count_top(line, out)

    def _count_top(self, line: int, out: list[RunEvent]) -> None:
        self._top_points += 1
        if self._planned is not None and self._top_points >= self._planned:
            self.finish_run(out, line)

    def _plan(self, indent: int, count: int, line: int, out: list[RunEvent]) -> None:
        if indent:
            return
        self.progressed = True
        if self._top_points or count == 0:
            self.finish_run(out, line)
        else:
            self._planned = count

    def _comment_total(self, word: str, number: int, line: int, out: list[RunEvent]) -> None:
        totals = self._comment_totals
        totals[word] = number
        self.send_totals(
            out,
            line,
            passed=totals.get("pass", 0),
            failed=totals.get("fail", 0) + totals.get("cancelled", 0),
            skipped=totals.get("skipped", 0) + totals.get("todo", 0),
            total=totals.get("tests"),
        )

    # --- a failing point's YAML block ---------------------------------------------------------

    def _yaml(self, text: str, out: list[RunEvent]) -> LineContext | None:
        indent = indent_of(text)
        stripped = text.strip()
        if self._yaml_indent is None:
            if stripped == "---" and indent > self._yaml_point:
                self._yaml_indent = indent
                return self.context()
            self.close_block()
            return None
        if stripped == "..." and indent == self._yaml_indent:
            context = self.context()
            self.close_block()
            return context
        if stripped and indent <= self._yaml_point:
            self.close_block()
            return None
        if self._scalar_of and stripped and indent > self._scalar_indent:
            self._field(self._scalar_of, stripped, out)
            self._scalar_of = ""
            return self.context()
        self._scalar_of = ""
        field = _YAML_FIELD.match(text)
        if field is not None:
            name, value = field.group("field"), field.group("value")
            if value in ("|", "|-", "|+", ">", ">-"):
                self._scalar_of, self._scalar_indent = name, indent
            else:
                self._field(name, value, out)
        return self.context()

    def _field(self, field: str, value: str, out: list[RunEvent]) -> None:
        value = _unquote(value)
        if field == "name" and value:
            self._error_name = value
        elif field in ("message", "error") and value:
            message = f"{self._error_name}: {value}" if self._error_name else value
            self.set_message(out, message)
        elif field == "duration_ms" and value:
            block = self.block
            known = self.results.get(block.key) if block is not None else None
            duration = duration_ms(value + "ms")
            if known is not None and known.duration_ms is None and duration is not None:
                self.report(out, known.key, known.status, known.line, duration=duration)


def _split_directive(rest: str) -> tuple[str, str, float | None]:
    """A point's description, its SKIP/TODO directive, and vitest's `# time=` duration."""
    directive = ""
    duration: float | None = None
    cut = len(rest)
    for match in _DIRECTIVE.finditer(rest):
        cut = min(cut, match.start())
        word = match.group("word").upper()
        if word == "TIME=":
            duration = duration_ms(match.group("value"))
        elif not directive:
            directive = word
    description = rest[:cut].strip().replace("\\#", "#")
    return description, directive, duration


def _key(parents: list[str], description: str) -> TestKey:
    """The top-level parent is the file when it looks like a test file (vitest, node:test)."""
    if parents and _TEST_FILE.search(parents[0]):
        return TestKey(parents[0], join_name(parents[1:] + [description]))
    return TestKey("", join_name(parents + [description]))
