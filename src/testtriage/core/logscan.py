"""Search, filter and error-jump over a log file in bounded blocks, with RE2 so no query hangs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import re2

from testtriage.core.ingest.lines import LineSplitter
from testtriage.core.logfile import LineIndex, LogReader
from testtriage.core.records import (
    LEVEL_ERROR,
    LEVEL_INFO,
    TRUNCATION_MARKER,
    LogFields,
    decode_line,
    parse_json_log,
    strip_ansi,
    text_level,
)
from testtriage.core.scan import LEVEL_MARKERS

SCAN_BLOCK = 1 << 20
"""Bytes read per scanning step: a cancellation point, and one progress report."""


def _options(*, case_sensitive: bool = True) -> Any:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.never_nl = True  # a match never spans two lines of a block
    options.never_capture = True
    options.log_errors = False  # RE2 would otherwise print to the terminal the UI draws on
    options.max_mem = 64 << 20
    return options


_ERROR_MARKERS = re2.compile("|".join(f"(?:{p})" for p in LEVEL_MARKERS), _options())
# Every line `classify` could rate warn or above, or an error, contains one of these: the
# scanner's markers, level words, and numeric JSON levels of warn or more (40 and up on the
# pino scale, 0-4 on syslog's). Info-level JSON lines, the bulk of most logs, are not decoded.
_LEVEL_HINTS = re2.compile(
    (
        "(?m)"
        + "|".join(f"(?:{p})" for p in LEVEL_MARKERS)
        + r"|warn|err|fatal|crit|panic|alert|emerg|exception|traceback|caused by"
        + r'|"(?:level|severity|levelname|lvl|log\.level|@l|loglevel)"\s*:\s*"?\s*'
        + r"(?:[4-9]\d|[1-9]\d\d+|[0-4])(?:[^\d]|$)"
        + r'|^[EFW], \[|"(?:exc_info|@x|stack)"'
    ).encode(),
    _options(case_sensitive=False),
)
_UNANCHORED = re2._Anchor.UNANCHORED


@dataclass(frozen=True, slots=True)
class LineClass:
    """What a line says about itself: its level, whether it is an error, its JSON fields."""

    level: int | None
    error: bool
    log: LogFields | None = None
    prefix: str = ""
    """Text before an embedded JSON object (`stderr | `, a timestamp)."""

    @property
    def rank(self) -> int:
        """The level the level filter compares: errors count as errors, unknown as info."""
        rank = self.level if self.level is not None else LEVEL_INFO
        return max(rank, LEVEL_ERROR) if self.error else rank


def classify(text: str) -> LineClass:
    """Level and error-ness of a decoded line: a JSON log's own level, else the level its text
    states, plus the error markers of the scanner (`LEVEL_MARKERS`) for text lines."""
    plain = strip_ansi(text)
    brace = plain.find("{")
    if brace != -1 and not plain.endswith(TRUNCATION_MARKER) and plain.rstrip().endswith("}"):
        log = parse_json_log(plain[brace:])
        if log is not None:
            level = log.level
            # A JSON log's own level wins; an error object only counts when it gives none.
            error = level >= LEVEL_ERROR if level is not None else log.error is not None
            return LineClass(level, error, log, plain[:brace])
    level = text_level(plain)
    error = (level is not None and level >= LEVEL_ERROR) or _ERROR_MARKERS.search(plain) is not None
    return LineClass(level, error)


@dataclass(frozen=True, slots=True)
class TextPattern:
    """One compiled search text: over a block's bytes, and over one decoded line."""

    text: str
    regex: bool
    block: Any
    line: Any


@dataclass(frozen=True, slots=True)
class InvalidQuery:
    """A query that cannot be used, with the reason to show."""

    message: str


@dataclass(frozen=True, slots=True)
class LineMatcher:
    """Which lines a search, filter or jump wants: all of `patterns`, at least `min_level`,
    and only errors if `errors_only`. A matcher with no condition matches every line."""

    patterns: tuple[TextPattern, ...] = ()
    min_level: int | None = None
    errors_only: bool = False

    @property
    def matches_all(self) -> bool:
        return not self.patterns and self.min_level is None and not self.errors_only

    @property
    def needs_class(self) -> bool:
        return self.min_level is not None or self.errors_only

    def combine(self, other: LineMatcher) -> LineMatcher:
        """Lines both matchers want."""
        levels = [level for level in (self.min_level, other.min_level) if level is not None]
        return LineMatcher(
            self.patterns + other.patterns,
            max(levels) if levels else None,
            self.errors_only or other.errors_only,
        )

    def matches(self, text: str) -> bool:
        """Whether a decoded line is wanted."""
        plain = strip_ansi(text)
        if any(p.line.search(plain) is None for p in self.patterns):
            return False
        return not self.needs_class or self._class_ok(classify(plain))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the patterns match in `text` (character offsets), for highlighting."""
        found: list[tuple[int, int]] = []
        for pattern in self.patterns:
            for match in pattern.line.finditer(text):
                if match.end() > match.start():
                    found.append((match.start(), match.end()))
                if len(found) > 200:
                    return sorted(found)
        return sorted(found)

    def _class_ok(self, line_class: LineClass) -> bool:
        if self.errors_only and not line_class.error:
            return False
        return self.min_level is None or line_class.rank >= self.min_level

    def scan_block(self, block: bytes, first_line: int) -> list[int]:
        """Numbers of the wanted lines in `block` (whole lines, the first numbered `first_line`).

        One RE2 pass finds candidate lines; only those are decoded and checked, unless the
        candidate test is already exact (one text pattern, no level condition).
        """
        if self.matches_all:
            return list(range(first_line, first_line + block.count(b"\n")))
        data = _normalize(block)
        regex = self.patterns[0].block if self.patterns else _LEVEL_HINTS
        match = regex._regexp.Match
        exact = len(self.patterns) == 1 and not self.needs_class
        found: list[int] = []
        size = len(data)
        pos = 0
        line = first_line
        while pos < size:
            start = match(_UNANCHORED, data, pos, size)[0][0]
            if start < 0:
                break
            newline = data.rfind(b"\n", pos, start)
            line_start = pos if newline < 0 else newline + 1
            line += data.count(b"\n", pos, line_start)
            end = data.find(b"\n", start)
            if end < 0:
                end = size
            if exact or self._wants(data[line_start:end]):
                found.append(line)
            pos = end + 1
            line += 1
        return found

    def _wants(self, raw: bytes) -> bool:
        for pattern in self.patterns:
            if pattern.block._regexp.Match(_UNANCHORED, raw, 0, len(raw))[0][0] < 0:
                return False
        return not self.needs_class or self._class_ok(classify(decode_line(raw)))


def _normalize(block: bytes) -> bytes:
    """A block as its lines read once decoded: CR and NUL as `decode_line` shows them, escape
    sequences removed (line by line, so an unterminated one cannot swallow a newline)."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n").replace(b"\r", b" ")
    if b"\x00" in block:
        block = block.replace(b"\x00", "\ufffd".encode())
    # A lone 0x9b test first: searching for two bytes is ten times slower than for one.
    if b"\x1b" in block or (b"\x9b" in block and b"\xc2\x9b" in block):
        block = b"\n".join(
            strip_ansi(line.decode("utf-8", "replace")).encode()
            if b"\x1b" in line or b"\xc2\x9b" in line
            else line
            for line in block.split(b"\n")
        )
    return block


def build_matcher(
    query: str = "",
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    min_level: int | None = None,
    errors_only: bool = False,
) -> LineMatcher | InvalidQuery:
    """A matcher from what the user typed: a plain substring (case-insensitive unless asked),
    or a regular expression when `regex` is set or the query is written `/like this/`."""
    text = query
    if not regex and len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        regex, text = True, text[1:-1]
    patterns: tuple[TextPattern, ...] = ()
    if text:
        body = text if regex else re2.escape(text)
        options = _options(case_sensitive=case_sensitive)
        try:
            line_regex = re2.compile(body, options)
            block_regex = re2.compile(("(?m)" + body).encode(), options)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else "not a valid expression"
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            return InvalidQuery(f"invalid regular expression: {reason}")
        patterns = (TextPattern(query, regex, block_regex, line_regex),)
    return LineMatcher(patterns, min_level, errors_only)


@dataclass(frozen=True, slots=True)
class ScanBatch:
    """What one scanning step covered: lines first_line..next_line-1, and the wanted ones."""

    first_line: int
    next_line: int
    matches: list[int]
    bytes_read: int


def iter_scan(
    reader: LogReader,
    index: LineIndex,
    matcher: LineMatcher,
    start: int,
    stop: int,
    *,
    block_bytes: int = SCAN_BLOCK,
) -> Iterator[ScanBatch]:
    """Scan lines `start` to `stop - 1` (as far as the index knows), one batch per block read.

    Stopping the iteration between batches is how a scan is cancelled. Checkpoints found on
    the way are added to the index. A file shorter than the index says ends the scan early.
    """
    start = max(start, 1)
    stop = min(stop, index.total_lines + 1)
    if start >= stop or not index.readable:
        return
    epoch = index.epoch
    offset = reader.seek_line(index, start)
    if offset is None:
        return
    splitter = LineSplitter(first_line=start, offset=offset, max_line=reader.max_line)
    line = start
    while line < stop:
        data = reader.read_at(offset, block_bytes)
        if data:
            offset += len(data)
            whole = splitter.feed(data)
        else:
            whole = splitter.flush()
            if not whole:
                return
            whole += b"\n"
        count = whole.count(b"\n")
        if line + count > stop:
            cut = -1
            for _ in range(stop - line):
                cut = whole.find(b"\n", cut + 1)
            whole, count = whole[: cut + 1], stop - line
        if count:
            yield ScanBatch(line, line + count, matcher.scan_block(whole, line), len(data))
            line += count
            index.learn(splitter.next_line, splitter.next_offset, epoch)
        elif data:
            yield ScanBatch(line, line, [], len(data))  # inside an overlong line
        if not data:
            return


def scan_matches(
    reader: LogReader,
    index: LineIndex,
    matcher: LineMatcher,
    start: int,
    stop: int,
    limit: int,
) -> list[int]:
    """The first `limit` wanted lines among `start` to `stop - 1`."""
    found: list[int] = []
    for batch in iter_scan(reader, index, matcher, start, stop):
        found.extend(batch.matches[: limit - len(found)])
        if len(found) >= limit:
            break
    return found


def find_next(
    reader: LogReader,
    index: LineIndex,
    start_line: int,
    matcher: LineMatcher,
    direction: int,
    *,
    should_stop: Callable[[int], bool] | None = None,
    block_bytes: int = SCAN_BLOCK,
) -> int | None:
    """The nearest wanted line after `start_line` (direction > 0) or before it (< 0).

    Backwards, the file is read forward one checkpoint interval at a time, nearest first.
    `should_stop(bytes read so far)` is asked after every block; when it says yes, or nothing
    is found, the answer is None.
    """
    scanned = 0

    def stopped(batch: ScanBatch) -> bool:
        nonlocal scanned
        scanned += batch.bytes_read
        return should_stop is not None and should_stop(scanned)

    if direction > 0:
        stop = index.total_lines + 1
        for batch in iter_scan(
            reader, index, matcher, start_line + 1, stop, block_bytes=block_bytes
        ):
            if batch.matches:
                return batch.matches[0]
            if stopped(batch):
                return None
        return None
    high = min(start_line - 1, index.total_lines)
    while high >= 1:
        _, region_start = index.locate(high)
        found: int | None = None
        for batch in iter_scan(
            reader, index, matcher, region_start, high + 1, block_bytes=block_bytes
        ):
            if batch.matches:
                found = batch.matches[-1]
            if stopped(batch):
                return None
        if found is not None:
            return found
        high = region_start - 1
    return None
