"""The background scans behind the Log tab's filter, search and jumps."""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from testtriage.core.logfile import LineIndex, LogReader
from testtriage.core.logscan import InvalidQuery, LineMatcher, build_matcher, find_next, iter_scan
from testtriage.core.records import LEVEL_ERROR, LEVEL_WARN
from testtriage.core.safety import neutralize

ScanKind = Literal["filter", "search"]

LEVEL_STEPS: tuple[int | None, ...] = (None, LEVEL_WARN, LEVEL_ERROR)
_LEVEL_LABELS = {None: "all", LEVEL_WARN: "warn+", LEVEL_ERROR: "error+"}

SYNC_FIND_BYTES = 1 << 20
"""Bytes a jump may read on the UI thread (a few ms) before it goes on in a worker."""

MAX_KEPT_LINES = 1_000_000
"""Filtered line numbers kept (8 bytes each); beyond it the oldest are dropped."""

_BLOCK = 256 * 1024
"""Bytes a background scan reads per step: a few milliseconds of work at most."""

_POST_EVERY = 0.05
"""Seconds between two progress reports of a scan (what the UI redraws at most)."""


@dataclass
class ScanProgress(Message):
    """A scan covered lines first_line..next_line-1 (`done`: it stopped)."""

    bubble: ClassVar[bool] = False
    kind: ScanKind
    generation: int
    first_line: int
    next_line: int
    matches: array[int]
    count: int
    done: bool = False


@dataclass
class JumpFound(Message):
    """A background jump search finished: the line found, or None."""

    bubble: ClassVar[bool] = False
    generation: int
    line: int | None
    direction: int
    what: str


@dataclass
class ScanJob:
    """A filter (the lines shown) or a search (its match count) over the current source.

    Scans run in a thread and report contiguous ranges; a report that does not continue at
    `scanned_to + 1`, or comes from an older generation, is ignored, so a cancelled scan can
    never leave holes or duplicates.
    """

    kind: ScanKind
    matcher: LineMatcher
    generation: int
    lines: array[int] = field(default_factory=lambda: array("q"))
    """The matching line numbers (filters only), the last `MAX_KEPT_LINES` of them."""
    found: int = 0
    """Matching lines seen, kept or not."""
    scanned_to: int = 0
    running: bool = False

    @property
    def dropped(self) -> int:
        return self.found - len(self.lines) if self.kind == "filter" else 0

    def accept(self, progress: ScanProgress) -> int | None:
        """Take a report; how many kept lines were dropped from the front, or None if stale."""
        if progress.generation != self.generation:
            return None
        if progress.done:
            self.running = False
            return 0
        if progress.first_line != self.scanned_to + 1:
            return None
        self.scanned_to = progress.next_line - 1
        self.found += progress.count
        if self.kind != "filter":
            return 0
        self.lines.extend(progress.matches)
        excess = len(self.lines) - MAX_KEPT_LINES
        if excess > MAX_KEPT_LINES // 4:  # drop in bulk: one memmove per quarter-million
            del self.lines[:excess]
            return excess
        return 0


class QueryState:
    """The filter and the search of the Log tab, and the scan jobs that serve them."""

    def __init__(self) -> None:
        self.filter_key: tuple[str, bool, int | None] = ("", False, None)
        """The filter as typed: text, regex or not, minimum level."""
        self.text_filter = LineMatcher()
        self.filter = LineMatcher()
        """The filter in effect (text and level); matches everything when there is none."""
        self.search: LineMatcher | None = None
        self.search_text = ""
        self.search_regex = False
        self.filter_job: ScanJob | None = None
        self.search_job: ScanJob | None = None
        self.generation = 0
        """Bumped for every new job or jump, so late reports of older ones are ignored."""

    def row_count(self, total_lines: int) -> int:
        """Rows shown: the filtered lines, or every line."""
        return len(self.filter_job.lines) if self.filter_job is not None else total_lines

    def line_at_row(self, row: int, rows: int) -> int | None:
        if not 0 <= row < rows:
            return None
        return self.filter_job.lines[row] if self.filter_job is not None else row + 1

    def row_of_line(self, line: int, rows: int) -> int | None:
        if self.filter_job is None:
            return line - 1 if 1 <= line <= rows else None
        lines = self.filter_job.lines
        row = bisect_left(lines, line)
        return row if row < len(lines) and lines[row] == line else None

    def set_filter(self, text: str, *, regex: bool, level: int | None) -> InvalidQuery | bool:
        """Take a new filter; whether it changed, or why it cannot be used."""
        if (text, regex, level) == self.filter_key:
            return False
        text_filter = build_matcher(text, regex=regex)
        if isinstance(text_filter, InvalidQuery):
            return text_filter
        self.filter_key = (text, regex, level)
        self.text_filter = text_filter
        self.filter = text_filter.combine(LineMatcher(min_level=level))
        return True

    def set_search(self, text: str, *, regex: bool) -> InvalidQuery | None:
        """Take a new search (an empty one clears it), or say why it cannot be used."""
        search = build_matcher(text, regex=regex) if text else None
        if isinstance(search, InvalidQuery):
            return search
        self.search, self.search_text, self.search_regex = search, text, regex
        return None

    def next_level(self) -> int | None:
        return LEVEL_STEPS[(LEVEL_STEPS.index(self.filter_key[2]) + 1) % len(LEVEL_STEPS)]

    def highlight(self) -> LineMatcher | None:
        """What to highlight in lines: the search's and the filter's texts."""
        patterns = (self.search.patterns if self.search else ()) + self.text_filter.patterns
        return LineMatcher(patterns) if patterns else None

    def new_job(self, kind: ScanKind) -> ScanJob | None:
        """A fresh job for the filter or the search, or None when there is nothing to scan."""
        self.generation += 1
        if kind == "filter":
            return None if self.filter.matches_all else ScanJob(kind, self.filter, self.generation)
        if self.search is None:
            return None
        return ScanJob(kind, self.filter.combine(self.search), self.generation)

    def describe(self, total: int) -> list[str]:
        """Status-line parts for the filter, the level and the search."""
        parts: list[str] = []
        text, regex, level = self.filter_key
        job = self.filter_job
        if job is not None:
            shown = (f"/{text}/" if regex else repr(text)) if text else ""
            what = [f"filter {neutralize(shown)}"] if text else []
            what += [f"level {_LEVEL_LABELS[level]}"] if level is not None else []
            part = " ".join(what) + f": {job.found:,} lines"
            if job.dropped:
                part += f" (last {MAX_KEPT_LINES:,} kept)"
            if job.scanned_to < total:
                part += f" (filtering… {job.scanned_to:,} lines scanned)"
            parts.append(part)
        found = self.search_job
        if self.search is not None and found is not None:
            query = f"/{self.search_text}/" if self.search_regex else repr(self.search_text)
            part = f"search {neutralize(query)}: {found.found:,} matches"
            if found.scanned_to < total:
                part += f" (searching… {found.scanned_to:,} lines scanned)"
            parts.append(part)
        return parts


def run_scan(
    post: Callable[[ScanProgress], object],
    cancelled: Callable[[], bool],
    job: ScanJob,
    path: str,
    index: LineIndex,
    start: int,
) -> None:
    """Scan from line `start` to the end of the index and on while the index grows; report
    every `_POST_EVERY` seconds, and once more with `done` when stopping for any reason."""
    reader = LogReader(path)
    keep = job.kind == "filter"
    line = start
    epoch = index.epoch
    try:
        while not cancelled() and index.epoch == epoch:
            stop = index.total_lines + 1
            if line >= stop:
                break
            first, pending, count, last_post = line, array("q"), 0, time.monotonic()
            for batch in iter_scan(reader, index, job.matcher, line, stop, block_bytes=_BLOCK):
                if cancelled():
                    return
                time.sleep(0)  # hand the GIL to the UI thread between blocks, not every 5 ms
                if keep:
                    pending.extend(batch.matches)
                count += len(batch.matches)
                line = batch.next_line
                if time.monotonic() - last_post >= _POST_EVERY:
                    post(ScanProgress(job.kind, job.generation, first, line, pending, count))
                    first, pending, count, last_post = line, array("q"), 0, time.monotonic()
            if line > first:
                post(ScanProgress(job.kind, job.generation, first, line, pending, count))
            if line < stop:
                break  # the file holds fewer lines than the index: truncated under us
    finally:
        reader.close()
        post(ScanProgress(job.kind, job.generation, line, line, array("q"), 0, done=True))


@dataclass(frozen=True, slots=True)
class FindRequest:
    """A jump to finish in the background: from `start`, the nearest line `matcher` wants."""

    generation: int
    path: str
    index: LineIndex
    start: int
    matcher: LineMatcher
    direction: int
    what: str


def run_find(
    post: Callable[[JumpFound], object], cancelled: Callable[[], bool], request: FindRequest
) -> None:
    """Find the next or previous wanted line without a byte budget, until cancelled."""

    def stop(_: int) -> bool:
        time.sleep(0)  # hand the GIL to the UI thread between blocks
        return cancelled()

    reader = LogReader(request.path)
    try:
        found = find_next(
            reader,
            request.index,
            request.start,
            request.matcher,
            request.direction,
            should_stop=stop,
            block_bytes=_BLOCK,
        )
    finally:
        reader.close()
    if not cancelled():
        post(JumpFound(request.generation, found, request.direction, request.what))


class LogScanning(Widget):
    """The background work of the Log tab: filter and search scans in threads, and jumps that
    read a little on the UI thread and go on in a worker. The view says what is shown."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._query = QueryState()
        self._pending_line: int | None = None
        """A line to bring into view once the filter scan reaches it."""

    def _shown(self) -> tuple[str, LineIndex, LogReader]:
        """Path, index and reader of the source on screen."""
        raise NotImplementedError

    def _jump_origin(self, direction: int) -> int:
        raise NotImplementedError

    def _land(self, line: int) -> None:
        raise NotImplementedError

    def sync_rows(self) -> None:
        raise NotImplementedError

    def _rows_dropped(self, count: int) -> None:
        raise NotImplementedError

    def _say(self, message: str) -> None:
        raise NotImplementedError

    def _status_changed(self) -> None:
        raise NotImplementedError

    def _ensure_scans(self) -> None:
        """Start a scan for any job that is behind the index and not running."""
        path, index, _ = self._shown()
        for job in (self._query.filter_job, self._query.search_job):
            if job is not None and not job.running and job.scanned_to < index.total_lines:
                job.running = True
                scan = self._filter_scan if job.kind == "filter" else self._search_scan
                scan(job, path, index, job.scanned_to + 1)

    @work(thread=True, exclusive=True, group="log-filter", exit_on_error=False)
    def _filter_scan(self, job: ScanJob, path: str, index: LineIndex, start: int) -> None:
        worker = get_current_worker()
        run_scan(self.post_message, lambda: worker.is_cancelled, job, path, index, start)

    @work(thread=True, exclusive=True, group="log-search", exit_on_error=False)
    def _search_scan(self, job: ScanJob, path: str, index: LineIndex, start: int) -> None:
        worker = get_current_worker()
        run_scan(self.post_message, lambda: worker.is_cancelled, job, path, index, start)

    @on(ScanProgress)
    def _scan_progress(self, message: ScanProgress) -> None:
        query = self._query
        job = query.filter_job if message.kind == "filter" else query.search_job
        dropped = job.accept(message) if job is not None else None
        if job is None or dropped is None:
            return
        if message.done:
            self._ensure_scans()
        elif job.kind == "filter":
            if dropped:
                self._rows_dropped(dropped)
            self.sync_rows()
            pending = self._pending_line
            if pending is not None and pending <= job.scanned_to:
                self._pending_line = None
                self._land(pending)
        self._status_changed()

    def _jump_to_match(self, direction: int) -> None:
        if self._query.search is None:
            self._say("no search yet: press / to search")
            return
        matcher = self._query.filter.combine(self._query.search)
        self._jump("match", direction, matcher, wrap=True)

    def _jump(self, what: str, direction: int, matcher: LineMatcher, *, wrap: bool = False) -> None:
        """Go to the nearest wanted line: read a little here, and the rest in a worker. A
        search that finds nothing further goes on from the other end (`wrap`), like vi's."""
        self._say("")
        path, index, reader = self._shown()
        start = self._jump_origin(direction)
        word = "next" if direction > 0 else "previous"
        for attempt in (start, 0 if direction > 0 else index.total_lines + 1)[: 1 + wrap]:
            over_budget = False

            def budget(scanned: int) -> bool:
                nonlocal over_budget
                over_budget = scanned >= SYNC_FIND_BYTES
                return over_budget

            found = find_next(
                reader, index, attempt, matcher, direction, should_stop=budget, block_bytes=_BLOCK
            )
            if found is not None:
                self._land(found)
                if attempt != start:
                    self._say(f"{what} search wrapped to the {'top' if direction > 0 else 'end'}")
                return
            if over_budget:
                self._query.generation += 1
                self._say(f"looking for the {word} {what}…")
                generation = self._query.generation
                self._find(FindRequest(generation, path, index, attempt, matcher, direction, what))
                return
        self._say(f"no {word} {what}")

    @work(thread=True, exclusive=True, group="log-jump", exit_on_error=False)
    def _find(self, request: FindRequest) -> None:
        worker = get_current_worker()
        run_find(self.post_message, lambda: worker.is_cancelled, request)

    @on(JumpFound)
    def _jump_found(self, message: JumpFound) -> None:
        if message.generation != self._query.generation:
            return
        if message.line is not None:
            self._say("")
            self._land(message.line)
        else:
            self._say(f"no {'next' if message.direction > 0 else 'previous'} {message.what}")
