"""RSpec's progress and documentation formatters: the Pending and Failures sections, the counts."""

from __future__ import annotations

import re
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import BlockKind, LineContext, RunEvent, TestKey, TestStatus
from testtriage.core.runners.common import RunnerBase, indent_of

_PROGRESS = re.compile(r"^(?P<chars>[.F*]+)[ \t]*$")
_GLUED_LOGGER = re.compile(r"^(?P<chars>[.F*]*)[DIWEFA], \[\d{4}-")
"""Progress characters with a Ruby Logger line printed right after them, on the same line."""
_DOC_OUTCOME = re.compile(r" \((?:FAILED - (?P<failed>\d+)|PENDING: [^)]*)\)\s*$")
_NUMBERED = re.compile(r"^  (?P<number>\d+)\) (?P<description>\S.*?)\s*$")
_FINISHED = re.compile(r"^Finished in .+\(files took .+ to load\)\s*$")
_COUNTS = re.compile(
    r"^(?P<examples>\d+) examples?, (?P<failures>\d+) failures?"
    r"(?:, (?P<pending>\d+) pending)?"
    r"(?:, (?P<errors>\d+) errors? occurred outside of examples)?\s*$"
)
_RERUN = re.compile(r"^rspec (?P<location>'[^']+'|\S+) # (?P<description>.+?)\s*$")
_LOAD_ERROR = re.compile(
    r"^An error occurred while loading (?P<path>\S+?)\.?(?: - Did you mean\?)?\s*$"
)
_HOOK_ERROR = re.compile(
    r"^An error occurred in an? `(?P<hook>(?P<when>before|after|around)\([^)]*\))` hook"
)
_FAILURE_ERROR = re.compile(r"^(?:\d+\.\d+\) )?Failure/Error:(?P<code>.*)$")
_GOT_FAILURES = re.compile(r"^Got \d+ failures?(?: and \d+ other errors?)?:$")
_EXCEPTION_CLASS = re.compile(r"^(?P<name>[A-Z]\w*(?:::[A-Z]\w*)*):\s*$")
_BANNER = re.compile(r"^Run options: (?:include|exclude) [{]")

_SECTION_ENDS = ("Finished in ", "Failed examples:", "Pending: ", "Failures:", "An error occurred")


class RspecParser(RunnerBase):
    """Reads RSpec's output (progress or documentation format).

    Tests are named by their full description as RSpec prints it in the Failures, Pending and
    Failed examples lists: its groups and example joined by spaces, which cannot be split back
    into parts. RSpec names a test's file only in the last list, after the failure blocks, so
    keys carry no file. The documentation tree's passing lines carry no marker: its failed and
    pending lines, like the progress characters, only feed a running tally until the counts.
    """

    name = "rspec"
    BANNER_STARTS: ClassVar[tuple[str, ...]] = ("Run options: ",)
    MARKERS: ClassVar[tuple[str, ...]] = (
        r"^[.F*]+[ \t]*$",
        r"^[.F*]+[DIWEFA], \[\d{4}-",
        r"[ \t]\((?:FAILED - \d+|PENDING: [^\n]*)\)[ \t]*$",
        r"^  \d+\) \S",
        r"^(?:Failures:|Failed examples:|Pending: )",
        r"^Finished in [^\n]*\(files took ",
        r"^\d+ examples?, \d+ failures?",
        r"^rspec \S+ # ",
        r"^An error occurred (?:while loading |in an? `)",
        r"^(?:Run options: |Randomized with seed \d|No examples found\.)",
    )

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._section = ""
        """"", "pending", "failures", "outside" (an error outside examples) or "summary"."""
        self._code_lines = False
        """Under a bare `Failure/Error:`, the failing expression's source lines, not the error."""
        self._exception_class = ""
        """An exception's class printed alone on its line (`NameError:`), its message next."""
        self._qualified = ""
        """That class and its message's first line, to tell as the block's message."""
        self._backtrace_seen = False

    def claims(self, record: Record) -> bool:
        if record.log is not None:
            return False
        text = record.text
        return bool(
            _COUNTS.match(text)
            or _FINISHED.match(text)
            or _LOAD_ERROR.match(text)
            or _HOOK_ERROR.match(text)
            or _RERUN.match(text)
            or _BANNER.match(text)
            or text.startswith("Randomized with seed ")
            or (text.startswith(" ") and _DOC_OUTCOME.search(text))
        )

    def starts_run(self, record: Record) -> bool:
        return record.log is None and bool(_BANNER.match(record.text))

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        if record.log is not None:
            return self.block_line(record)
        text = record.text
        if text.startswith(_SECTION_ENDS) or _COUNTS.match(text):
            return self._heading(text, record.line, out)
        if self._section in ("failures", "outside"):
            numbered = _NUMBERED.match(text) if self._section == "failures" else None
            if numbered is not None:
                return self._open_failure(numbered.group("description"), record.line, out)
            if self.block is not None:
                context = self._in_block(text, out)
                if context is not None:
                    return context
        if self._section == "pending":
            numbered = _NUMBERED.match(text)
            if numbered is not None:
                key = TestKey("", numbered.group("description"))
                self.report(out, key, TestStatus.SKIPPED, record.line)
            return None
        if self._section == "summary":
            rerun = _RERUN.match(text)
            if rerun is not None:
                return self._rerun_line(TestKey("", rerun.group("description")), record.line, out)
            return None
        self._progress(text, record.line, out)
        return None

    # --- progress and the documentation tree ------------------------------------------------

    def _progress(self, text: str, line: int, out: list[RunEvent]) -> None:
        progress = _PROGRESS.match(text) or _GLUED_LOGGER.match(text)
        if progress is not None:
            chars = progress.group("chars")
            if chars:
                self.tally.add(
                    passed=chars.count("."), failed=chars.count("F"), skipped=chars.count("*")
                )
                self.send_tally(out, line)
            return
        if text.startswith(" "):
            outcome = _DOC_OUTCOME.search(text)
            if outcome is not None:
                if outcome.group("failed"):
                    self.tally.add(failed=1)
                else:
                    self.tally.add(skipped=1)
                self.send_tally(out, line)

    # --- sections ---------------------------------------------------------------------------

    def _heading(self, text: str, line: int, out: list[RunEvent]) -> LineContext | None:
        self.close_block()
        if text.startswith("Failures:"):
            self._section = "failures"
            self.dense = True
            return None
        if text.startswith("Pending: "):
            self._section = "pending"
            return None
        if text.startswith(("Finished in ", "Failed examples:")):
            self._section = "summary"
            return None
        counts = _COUNTS.match(text)
        if counts is not None:
            self._counts(counts, line, out)
            return None
        load_error = _LOAD_ERROR.match(text)
        if load_error is not None:
            key = TestKey(load_error.group("path"), "")
            return self._open_outside(key, BlockKind.SUITE, line, out)
        hook_error = _HOOK_ERROR.match(text)
        if hook_error is not None:
            kind = BlockKind.TEARDOWN if hook_error.group("when") == "after" else BlockKind.SETUP
            key = TestKey("", f"{hook_error.group('hook')} hook")
            return self._open_outside(key, kind, line, out)
        return None

    def _counts(self, counts: re.Match[str], line: int, out: list[RunEvent]) -> None:
        examples = int(counts.group("examples"))
        failures = int(counts.group("failures"))
        pending = int(counts.group("pending") or 0)
        self.send_totals(
            out,
            line,
            passed=max(0, examples - failures - pending),
            failed=failures,
            skipped=pending,
            errors=int(counts.group("errors") or 0),
            total=examples,
        )
        self._section = "summary"
        self.finish_run(out, line)

    def _rerun_line(self, key: TestKey, line: int, out: list[RunEvent]) -> LineContext | None:
        """`rspec ./spec/x_spec.rb:12 # description`: the failed test again. Its events carry
        the failure's message, so the line counts as part of that failure."""
        result = self.report(out, key, TestStatus.FAILED, line)
        if not result.message:
            return None
        seen = self.blocks_seen.get(key)
        kind = seen[0] if seen is not None else BlockKind.TEST
        return self.mark_failure(out, key, kind, line, result.message)

    # --- failure blocks ---------------------------------------------------------------------

    def _open_failure(self, description: str, line: int, out: list[RunEvent]) -> LineContext | None:
        self.close_block()
        key = TestKey("", description)
        self.report(out, key, TestStatus.FAILED, line)
        self._start_block(out, key, BlockKind.TEST, line)
        return self.context()

    def _open_outside(
        self, key: TestKey, kind: BlockKind, line: int, out: list[RunEvent]
    ) -> LineContext | None:
        self._section = "outside"
        self._start_block(out, key, kind, line)
        return self.context()

    def _start_block(self, out: list[RunEvent], key: TestKey, kind: BlockKind, line: int) -> None:
        self.open_block(out, [key], kind, line)
        self._code_lines = False
        self._exception_class = ""
        self._qualified = ""
        self._backtrace_seen = False

    def _in_block(self, text: str, out: list[RunEvent]) -> LineContext | None:
        """A line of the open block, or None once the block ended (the line is then read as
        any other)."""
        stripped = text.strip()
        if not stripped:
            self._code_lines = False
            if self._section == "outside" and self._backtrace_seen:
                self._end_outside_block()
                return None
            return self.context()
        if self._section == "failures" and indent_of(text) < 3:
            self.close_block()
            return None
        if stripped.startswith("#"):
            self._backtrace_seen = True
            if self._qualified:
                # The class and its message were printed on two lines: the whole error is told
                # on the first backtrace line, where no line of the error itself is hidden.
                self.set_message(out, self._qualified)
                self._qualified = ""
            return self.context()
        if self._section == "outside" and self._backtrace_seen:
            self._end_outside_block()
            return None
        self._message_line(stripped, out)
        return self.context()

    def _end_outside_block(self) -> None:
        self.close_block()
        self._section = ""

    def _message_line(self, stripped: str, out: list[RunEvent]) -> None:
        """Find the block's error among its first lines: the code line after `Failure/Error:`
        is source; an exception class alone on its line takes the next line as its message,
        and the two are told together once the backtrace starts."""
        block = self.block
        if block is None or block.message:
            return
        failure_error = _FAILURE_ERROR.match(stripped)
        if failure_error is not None:
            self._code_lines = not failure_error.group("code").strip()
            return
        if self._code_lines or _GOT_FAILURES.match(stripped):
            return
        if self._exception_class:
            if not self._qualified:
                self._qualified = f"{self._exception_class}: {stripped}"
            return
        exception = _EXCEPTION_CLASS.match(stripped)
        if exception is not None:
            self._exception_class = exception.group("name")
            return
        self.set_message(out, stripped)
