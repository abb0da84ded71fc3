"""Find the few lines worth parsing in a block of many, with one linear-time regex pass."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import re2

from testtriage.core.records import ANSI_BYTES_RE

LEVEL_MARKERS = (
    # JSON logs at warn level or above, in pino/bunyan numbers or the usual level words.
    r'"(?:level|severity|levelname|lvl|log\.level|@l|Level)"\s*:\s*(?:[4-6]\d\b|"(?i:warn|warning|error|err|fatal|critical|crit|alert|emerg|emergency|panic)")',
    # JSON logs carrying an error object or string, whatever their level.
    r'"(?:err|error|exception|exc_info|@x|stack)"\s*:\s*[{"\[]',
    # Plain log lines that state a level of error or above, or print an exception.
    r"\b(?:ERROR|FATAL|CRITICAL|PANIC)\b|\blevel=\"?(?i:error|fatal|critical)|\[(?i:error|fatal|critical)\s*\]",
    r"^[EF], \[\d{4}-",
    r"^\s*(?:Uncaught |Unhandled(?: Promise)? Rejection:? )?[A-Z][\w.]*(?:Error|Exception)\b",
    r"^\s*(?:panic: |Traceback \(most recent call last\)|Caused by:)",
)  # fmt: skip
"""Lines that are errors whether or not a rule knows them (so none is hidden)."""


def json_tolerant(pattern: str) -> str:
    """Let a rule pattern also find its text inside a raw JSON string, where `"` is `\\"` and a
    line break is `\\n`.

    Only quotes outside character classes change; the scan is a superset prefilter, and the
    exact rule runs again on the decoded record.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            if pattern[i + 1] == "b" and not in_class:
                # A word boundary right after an escaped newline (`\\nTimeoutError`) is none.
                out.append(r"(?:\b|\\[nrt])")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                out.append(pattern[i : i + 2 + pattern.startswith("[^]", i)])
                i += 2 + pattern.startswith("[^]", i)
                continue
        elif char == '"':
            out.append(r'\\?"')
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def candidate_source(patterns: Iterable[str]) -> str:
    """The union of candidate patterns, as one RE2 pattern over a block's lines."""
    return "(?m)" + "|".join(f"(?:{p})" for p in patterns)


def compile_source(source: str) -> Any:
    """Compile a `candidate_source` for block scanning (bytes, no groups)."""
    options = re2.Options()
    options.never_capture = True
    options.max_mem = 256 << 20
    return re2.compile(source.encode(), options)


def compile_candidates(patterns: Iterable[str]) -> Any:
    """Compile the union of candidate patterns for block scanning (bytes, multi-line, no groups)."""
    return compile_source(candidate_source(patterns))


def candidate_starts(regex: Any, text: bytes) -> array[int]:
    """Where the first candidate match of each line that has one starts, in order.

    A line's first match start does not depend on where in an earlier line the search began,
    so `Block.select` given these starts picks the very lines it would find with `regex`.
    """
    starts: array[int] = array("q")
    search = regex._regexp.Match
    unanchored = re2._Anchor.UNANCHORED
    size = len(text)
    pos = 0
    while pos < size:
        start = search(unanchored, text, pos, size)[0][0]
        if start < 0:
            break
        starts.append(start)
        end = text.find(b"\n", start)
        pos = size if end == -1 else end + 1
    return starts


class Block:
    """One chunk's bytes, with the selected lines handed out in order.

    A block holding ANSI escapes is scanned in a stripped copy (colours split the words rules
    look for) while records are built from the raw lines, which keep their colours for display.
    """

    __slots__ = ("_lines", "_raw", "_scan", "_where")

    def __init__(self, data: bytes) -> None:
        self._raw = data
        if b"\x1b" in data or b"\x9b" in data:
            self._scan = ANSI_BYTES_RE.sub(b"", data)
            self._lines: list[bytes] | None = data.split(b"\n")
        else:
            self._scan = data
            self._lines = None
        self._where = (-1, 0, 0)
        """The line `select` yielded last: its index, and where it starts and ends."""

    def line_count(self) -> int:
        count = self._scan.count(b"\n")
        return count + (1 if self._scan and not self._scan.endswith(b"\n") else 0)

    def raw_line(self, index: int, start: int, end: int) -> bytes:
        """The raw bytes of line `index` (0-based in the block), which spans start:end in the scan
        copy."""
        if self._lines is None:
            return self._raw[start:end]
        return self._lines[index]

    def around(self, index: int, before: int, after: int) -> tuple[list[bytes], list[bytes]]:
        """Raw lines just before and after line `index`, for evidence context."""
        if self._lines is None:
            where, start, end = self._where
            if where == index:  # the line `select` just gave: look to either side of it
                return self._before(start, before), self._after(end, after)
            self._lines = self._raw.split(b"\n")
        lines = self._lines
        last = len(lines) - (1 if lines and lines[-1] == b"" else 0)
        return lines[max(0, index - before) : index], lines[
            index + 1 : min(last, index + 1 + after)
        ]

    def _before(self, start: int, count: int) -> list[bytes]:
        """The `count` lines that end just before offset `start` (a line's start)."""
        text = self._raw
        lines: list[bytes] = []
        while start > 0 and len(lines) < count:
            begin = text.rfind(b"\n", 0, start - 1) + 1
            lines.append(text[begin : start - 1])
            start = begin
        lines.reverse()
        return lines

    def _after(self, end: int, count: int) -> list[bytes]:
        """The `count` lines that start just after offset `end` (a line's newline)."""
        text = self._raw
        size = len(text)
        lines: list[bytes] = []
        pos = end + 1
        while pos < size and len(lines) < count:
            stop = text.find(b"\n", pos)
            if stop == -1:
                stop = size
            lines.append(text[pos:stop])
            pos = stop + 1
        return lines

    @property
    def scan_text(self) -> bytes:
        """The bytes candidate patterns are matched against (colours removed)."""
        return self._scan

    def select(
        self,
        regex: Any,
        wants_dense: Callable[[], bool],
        starts: Sequence[int] | None = None,
    ) -> Iterator[tuple[int, bytes]]:
        """Yield (index in block, raw line) for every candidate line, and for every line while
        `wants_dense()` is true (asked again before each line).

        Candidates are where `starts` says (`candidate_starts` of this block, found ahead of
        time elsewhere), or found here with `regex`.
        """
        text = self._scan
        if starts is None:
            starts = candidate_starts(regex, text)
        size = len(text)
        pos = 0
        index = 0
        ahead = 0
        while pos < size:
            if wants_dense():
                end = text.find(b"\n", pos)
                if end == -1:
                    end = size
                self._where = (index, pos, end)
                yield index, self.raw_line(index, pos, end)
                pos = end + 1
                index += 1
                continue
            while ahead < len(starts) and starts[ahead] < pos:
                ahead += 1  # inside a dense stretch just read
            if ahead == len(starts):
                return
            start = starts[ahead]
            line_start = text.rfind(b"\n", pos, start) + 1 or pos
            if line_start < pos:
                line_start = pos
            index += text.count(b"\n", pos, line_start)
            end = text.find(b"\n", start)
            if end == -1:
                end = size
            self._where = (index, line_start, end)
            yield index, self.raw_line(index, line_start, end)
            pos = end + 1
            index += 1
