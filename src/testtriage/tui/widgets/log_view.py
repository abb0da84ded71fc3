"""The Log tab: the whole stream of one source at a time, followed, searched and filtered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input

from testtriage.core.logfile import ChunkInfo, LineIndex, LogReader
from testtriage.core.logscan import InvalidQuery, LineMatcher
from testtriage.tui.widgets.log_lines import LogLines, LogQueryInput, LogStatus
from testtriage.tui.widgets.log_search import LogScanning
from testtriage.tui.widgets.log_status import LogSource, status_line


class LogView(LogScanning):
    """The Log tab's widget: a virtual view over source files, fed with chunk records.

    A container rather than a `ScrollView` itself: Textual does not lay out children of a
    `ScrollView`, and the tab needs its query bar and status line. The rows are drawn by the
    `LogLines` scroll view inside, through `render_line`.
    """

    DEFAULT_CSS = """
    LogView { height: 1fr; layout: vertical; }
    LogView > LogQueryInput { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next match"),
        Binding("N", "previous_match", "Prev match", show=False),
        Binding("f", "filter", "Filter"),
        Binding("e", "next_error", "Next error"),
        Binding("E", "previous_error", "Prev error", show=False),
        Binding("L", "cycle_level", "Level"),
        Binding("F", "toggle_follow", "Follow"),
        Binding("s", "next_source", "Source"),
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom", show=False),
        Binding("j", "toggle_json", "JSON", show=False),
    ]

    follow: reactive[bool] = reactive(True)
    """Keep the view at the end as lines arrive."""

    @dataclass
    class FollowChanged(Message):
        """Following was turned on or off."""

        follow: bool

    def __init__(self, sources: Sequence[tuple[str, str]], *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._sources: dict[str, LogSource] = {}
        for name, path in sources:
            self._add_source(name, path)
        self._current = next(iter(self._sources.values()), None) or self._add_source("log", "")
        self._lines = LogLines(self)
        self._query_bar = LogQueryInput()
        self._status = LogStatus(self.status_text)
        self._pending_goto: tuple[str, int] | None = None
        self._message = ""

    def compose(self) -> ComposeResult:
        yield self._lines
        yield self._query_bar
        yield self._status

    def focus(self, scroll_visible: bool = True) -> Self:
        """Focus the lines (the view itself holds no focus; its keys work from its children)."""
        self._lines.focus(scroll_visible)
        return self

    # The app's API.

    def add_chunks(self, infos: Sequence[ChunkInfo]) -> None:
        """Index new lines: the cost follows the number of records, not the file's size."""
        current = self._current
        touched = restarted = False
        for info in infos:
            source = self._sources.get(info.source) or self._add_source(info.source, info.source)
            epoch = source.index.epoch
            source.index.add(info.first_line, info.line_count, info.offset, info.size)
            if source is current:
                touched = True
                restarted = restarted or source.index.epoch != epoch
        if restarted:
            current.cursor = None
            self._restart_jobs()
        elif touched:
            self._ensure_scans()
            self.sync_rows()
        pending = self._pending_goto
        if pending is not None and pending[1] <= self._index_of(pending[0]).total_lines:
            self._pending_goto = None
            self.goto(*pending)
        if touched:
            self._status.refresh()

    def reset_source(self, name: str, reason: str) -> None:
        """Forget a source's lines: it was truncated (a new run) or rotated (a new file)."""
        source = self._sources.get(name)
        if source is None:
            return
        source.index.reset()
        source.reader.close()
        source.cursor = None
        source.notice = reason
        if source is self._current:
            self._pending_line = None
            self._restart_jobs()
        self._status.refresh()

    def goto(self, source: str, line: int) -> None:
        """Show line `line` of `source` as the current line (following stops)."""
        self._say("")
        line = max(1, line)
        if source not in self._sources:
            self._add_source(source, source)
        if self._current.name != source:
            self._switch(source)
        self.follow = False
        if line > self._current.index.total_lines:
            self._pending_goto = (source, line)
            self._say(f"waiting for line {line:,}")
            return
        if self._query.filter_job is not None:
            text = self.read_line(line)
            if text is None or not self._query.filter.matches(text):
                self._set_filter("", regex=False, level=None)
                self._say(f"filter cleared to show line {line:,}")
        self._land(line)

    @property
    def current_source(self) -> str:
        return self._current.name

    # What the line area asks.

    @property
    def row_count(self) -> int:
        index = self._current.index
        return self._query.row_count(index.total_lines) if index.readable else 0

    @property
    def last_line(self) -> int:
        return self._current.index.total_lines

    @property
    def cursor_line(self) -> int | None:
        return self._current.cursor

    def line_at_row(self, row: int) -> int | None:
        return self._query.line_at_row(row, self.row_count)

    def row_of_line(self, line: int) -> int | None:
        """The row showing `line`, or None when it is not shown (filtered out, or not yet)."""
        return self._query.row_of_line(line, self.row_count)

    def read_line(self, line: int) -> str | None:
        return self._current.reader.line(self._current.index, line)

    def user_scrolled_up(self) -> None:
        if self.follow:
            self.follow = False

    def click_line(self, line: int) -> None:
        self.follow = False
        self._current.cursor = line
        self._lines.refresh()

    def lines_resized(self) -> None:
        if self.follow:
            self._scroll_end()

    # Key actions.

    def action_search(self) -> None:
        query = self._query
        self._query_bar.open("search", query.search_text, regex=query.search_regex)
        self._status.refresh()

    def action_filter(self) -> None:
        text, regex, _ = self._query.filter_key
        self._query_bar.open("filter", text, regex=regex)
        self._status.refresh()

    def action_next_match(self) -> None:
        self._jump_to_match(1)

    def action_previous_match(self) -> None:
        self._jump_to_match(-1)

    def action_next_error(self) -> None:
        self._jump("error", 1, self._query.filter.combine(LineMatcher(errors_only=True)))

    def action_previous_error(self) -> None:
        self._jump("error", -1, self._query.filter.combine(LineMatcher(errors_only=True)))

    def action_cycle_level(self) -> None:
        text, regex, _ = self._query.filter_key
        self._set_filter(text, regex=regex, level=self._query.next_level())

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow

    def action_next_source(self) -> None:
        names = list(self._sources)
        self._switch(names[(names.index(self._current.name) + 1) % len(names)])

    def action_top(self) -> None:
        self.follow = False
        self._lines.scroll_to(y=0, animate=False, immediate=True)

    def action_bottom(self) -> None:
        if self.follow:
            self._scroll_end()
        self.follow = True

    def action_toggle_json(self) -> None:
        self._lines.compact_json = not self._lines.compact_json
        self._lines.forget_looks()
        self._status.refresh()

    def watch_follow(self, follow: bool) -> None:
        self.post_message(self.FollowChanged(follow))
        if follow:
            self._current.cursor = None
            self._pending_line = None
            self._scroll_end()
            self._lines.refresh()
        self._status.refresh()

    # The query bar.

    @on(Input.Changed, "#log-query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._status.refresh()
        if self._query_bar.mode == "filter":
            level = self._query.filter_key[2]
            self._set_filter(event.value, regex=self._query_bar.regex, level=level)

    @on(Input.Submitted, "#log-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._query_bar.mode == "search":
            self._set_search(event.value, regex=self._query_bar.regex)
        self._close_query()

    @on(LogQueryInput.Cancelled)
    def _query_cancelled(self, event: LogQueryInput.Cancelled) -> None:
        event.stop()
        if event.mode == "filter":
            self._set_filter("", regex=False, level=self._query.filter_key[2])
        self._close_query()

    def _close_query(self) -> None:
        self._query_bar.close()
        self._lines.focus()
        self._status.refresh()

    def _set_filter(self, text: str, *, regex: bool, level: int | None) -> None:
        outcome = self._query.set_filter(text, regex=regex, level=level)
        if isinstance(outcome, InvalidQuery):
            self._say(outcome.message)
        elif outcome:
            self._say("")
            self._lines.highlight = self._query.highlight()
            self._restart_jobs()

    def _set_search(self, text: str, *, regex: bool) -> None:
        invalid = self._query.set_search(text, regex=regex)
        self._say(invalid.message if invalid else "")
        if invalid is None:
            self._lines.highlight = self._query.highlight()
            self._lines.forget_looks()
            self.workers.cancel_group(self, "log-search")
            self._query.search_job = self._query.new_job("search")
            self._ensure_scans()
            if self._query.search is not None:
                self._jump_to_match(1)

    # Scans and jumps.

    def _restart_jobs(self) -> None:
        """Scan the current source afresh for the filter and the search."""
        self.workers.cancel_group(self, "log-filter")
        self.workers.cancel_group(self, "log-search")
        self._query.filter_job = self._query.new_job("filter")
        self._query.search_job = self._query.new_job("search")
        self._lines.forget_looks()
        self._ensure_scans()
        self.sync_rows()
        if not self.follow:
            if self._current.cursor is not None:
                self._land(self._current.cursor)
            else:
                self._lines.scroll_to(y=0, animate=False, immediate=True)

    def _shown(self) -> tuple[str, LineIndex, LogReader]:
        source = self._current
        return source.path, source.index, source.reader

    def _rows_dropped(self, count: int) -> None:
        if not self.follow:
            top = max(0, self._lines.scroll_offset.y - count)
            self._lines.scroll_to(y=top, animate=False, immediate=True)

    def _status_changed(self) -> None:
        self._status.refresh()

    def _jump_origin(self, direction: int) -> int:
        """Where a jump starts: the current line, else the edge of what is on screen."""
        if self._current.cursor is not None:
            return self._current.cursor
        top = self._lines.scroll_offset.y
        if direction > 0:
            line = self.line_at_row(top)
            return line - 1 if line is not None else 0
        line = self.line_at_row(min(top + self._lines.size.height, self.row_count) - 1)
        return line + 1 if line is not None else self.last_line + 1

    def _land(self, line: int) -> None:
        """Make `line` the current line and bring it into view."""
        self.follow = False
        self._current.cursor = line
        row = self.row_of_line(line)
        job = self._query.filter_job
        if row is not None:
            if self._lines.size.height:
                self._center(row)
            else:  # in a tab not shown yet: centre once it has a size
                self.call_after_refresh(lambda: self._center(self.row_of_line(line)))
        elif job is not None and line > job.scanned_to:
            self._pending_line = line  # shown once the filter scan gets there
        self._lines.refresh()
        self._status.refresh()

    def _center(self, row: int | None) -> None:
        """Scroll so that `row` is in the middle of the view, unless it is already in view."""
        self.sync_rows(shown=True)  # the scroll is bounded by the height
        height = max(1, self._lines.size.height)
        top = self._lines.scroll_offset.y
        if row is not None and not top <= row < top + height:
            self._lines.scroll_to(y=max(0, row - height // 2), animate=False, immediate=True)

    # Sources, rows and status.

    def _add_source(self, name: str, path: str) -> LogSource:
        source = self._sources[name] = LogSource(name, path)
        return source

    def _index_of(self, name: str) -> LineIndex:
        source = self._sources.get(name)
        return source.index if source is not None else LineIndex()

    def _switch(self, name: str) -> None:
        self._current = self._sources[name]
        self._pending_line = None
        self._lines.h_offset = 0
        self._restart_jobs()
        self._status.refresh()

    def sync_rows(self, *, shown: bool = False) -> None:
        """Take the height of the lines read so far; `shown`: the tab is being shown (the app
        says so as it switches to it, a jump to a line as it scrolls)."""
        rows = self.row_count
        # A new height lays out the whole screen: a hidden tab waits until it is shown.
        if self._lines.virtual_size.height != rows and (shown or self.is_on_screen):
            self._lines.virtual_size = Size(0, rows)
        if self.follow:
            self._scroll_end()
        self._lines.refresh()

    def _scroll_end(self) -> None:
        if self._lines.is_mounted:
            self._lines.scroll_end(animate=False, immediate=True, x_axis=False)

    def _say(self, message: str) -> None:
        if message != self._message:
            self._message = message
            self._status.refresh()

    def status_text(self) -> Text:
        """The status line under the lines."""
        bar = self._query_bar
        names = list(self._sources)
        return status_line(
            self._current,
            position=(names.index(self._current.name) + 1, len(names)),
            follow=self.follow,
            query=self._query.describe(self._current.index.total_lines),
            compact_json=self._lines.compact_json,
            typing=(bar.mode, bar.regex) if bar.display else None,
            message=self._message,
        )
