"""The Tests tab: every test with its outcome, and the detail of the one selected."""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import islice

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from testtriage.core.diagnosis import FailedTest
from testtriage.core.results import TestKey, TestResult
from testtriage.render.panes import clean, display_name
from testtriage.tui.messages import RunSnapshot
from testtriage.tui.widgets.outcomes import duration_text, outcome_card, status_mark, tail
from testtriage.tui.widgets.row_table import Column, RowTable

FILE_WIDTH = 20
PASS_SECONDS = 0.008
"""UI time one pass may take; the rest follows a moment later, so a huge or very fast run
never freezes the UI nor starves the thread that reads the log."""
NEXT_PASS = 0.05
"""Pause between the passes that bring a large table up to date."""
LIVE_PASS = 0.25
"""While the run is being written, the visible table takes new results at most this often:
each pass lays the table out and draws it again, UI time taken from reading the run."""
CHECK_EVERY = 64
"""Tests visited between two looks at the clock."""

COLUMNS = (
    Column("status", "", 1),
    Column("name", "test", 40, share=1.0),
    Column("file", "file", FILE_WIDTH),
    Column("duration", "time", 7),
    Column("findings", "cause", 7),
)


@dataclass(frozen=True, slots=True)
class TestRow:
    """What one row shows: a test, or a failed setup step or suite with no test of its own."""

    __test__ = False

    key: TestKey
    status: str
    duration_ms: float | None
    message: str
    findings: tuple[str, ...]
    kind: str = "test"


def row_id(key: TestKey) -> str:
    return f"{key.file}\x1f{key.name}"


class TestsTable(RowTable):
    """Tests in the order the runner reported them; rows are added as tests finish."""

    __test__ = False

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(COLUMNS, id=id)
        self.border_title = "Tests"
        self.rows_by_id: dict[str, TestRow] = {}
        self._sources: dict[str, tuple[TestResult | FailedTest, tuple[str, ...]]] = {}
        self._snapshot: RunSnapshot | None = None
        self._pass_scheduled = False
        self._resume = 0
        """Where in the run's tests the next pass starts."""
        self._cycle: RunSnapshot | None = None
        """The state the current round of passes started from."""
        self._first_failure: str | None = None
        self._placed = False
        """The cursor was put on the first failure (after that, it is the user's)."""

    def show(self, snapshot: RunSnapshot, *, now: bool = False) -> None:
        """Bring the table up to `snapshot`: at once when `now` (or still empty), else soon."""
        if snapshot.state.generation != getattr(self._snapshot, "state", snapshot.state).generation:
            self.clear()
            self.rows_by_id.clear()
            self._sources.clear()
            self._first_failure = None
            self._placed = False
            self._resume = 0
        self._snapshot = snapshot
        if self._pass_scheduled:
            return
        if now or not self.row_count:
            self._sync()
        else:
            self._schedule_pass(LIVE_PASS)

    def _sync(self) -> None:
        """One pass over the tests, from where the last one stopped, for at most `PASS_SECONDS`."""
        self._pass_scheduled = False
        snapshot = self._snapshot
        if snapshot is None:
            return
        if self._resume == 0:
            self._cycle = snapshot
        failed = {item.key: item for item in snapshot.diagnosis.failed}
        deadline = time.perf_counter() + PASS_SECONDS
        tests = islice(snapshot.state.tests.items(), self._resume, None)
        for index, (key, result) in enumerate(tests, self._resume):
            if index % CHECK_EVERY == 0 and index > self._resume and time.perf_counter() > deadline:
                self._resume = index
                # A run still growing fills the table at the live pace; a finished one at once.
                self._schedule_pass(NEXT_PASS if self._cycle is snapshot else LIVE_PASS)
                self._place_cursor()
                return
            item = failed.get(key)
            findings = item.findings if item is not None else ()
            known = self._sources.get(row_id(key))
            if known is not None and known[0] is result and known[1] == findings:
                continue
            row = TestRow(
                key,
                result.status.value,
                result.duration_ms,
                result.message or (item.message if item else ""),
                findings,
            )
            self._put(row)
            self._sources[row_id(key)] = (result, findings)
        self._resume = 0
        for item in snapshot.diagnosis.failed:
            if item.key in snapshot.state.tests:
                continue
            known = self._sources.get(row_id(item.key))
            if known is not None and known[0] == item:
                continue
            row = TestRow(item.key, "error", None, item.message, item.findings, item.kind.value)
            self._put(row)
            self._sources[row_id(item.key)] = (item, item.findings)
        if self._cycle is not snapshot:
            # A newer run state came during the passes: tests already visited may have changed.
            self._schedule_pass(LIVE_PASS)
        self._place_cursor()

    def _place_cursor(self) -> None:
        """Start on the first failure, once there is one."""
        if self._placed:
            return
        first = self.first_failure()
        if first is not None:
            self._placed = True
            self.move_cursor(row=first)
            # Once laid out, so that the row is scrolled into view.
            self.call_after_refresh(self.move_cursor, row=first, scroll=True)

    def _put(self, row: TestRow) -> None:
        key = row_id(row.key)
        shown = self.rows_by_id.get(key)
        self.rows_by_id[key] = row
        if self._first_failure is None and row.status in ("failed", "error"):
            self._first_failure = key
        if shown == row:
            return
        cells = (
            status_mark(row.status),
            Text(clean(display_name(row.key), 300), no_wrap=True, overflow="ellipsis"),
            Text(tail(clean(row.key.file), FILE_WIDTH), style="dim", no_wrap=True),
            duration_text(row.duration_ms),
            Text(" ".join(row.findings), style="bold red"),
        )
        self.add_row(key, cells)

    def _schedule_pass(self, delay: float = NEXT_PASS) -> None:
        if not self._pass_scheduled:
            self._pass_scheduled = True
            self.set_timer(delay, self._sync)

    @property
    def selected(self) -> TestRow | None:
        key = self.cursor_key
        return self.rows_by_id.get(key) if key is not None else None

    def first_failure(self) -> int | None:
        """The row of the first test shown failing."""
        if self._first_failure is None:
            return None
        first = self.rows_by_id.get(self._first_failure)
        if first is not None and first.status in ("failed", "error"):
            return self.get_row_index(self._first_failure)
        for index, key in enumerate(self.row_keys):  # it passed on a retry: look further
            test = self.rows_by_id.get(key)
            if test is not None and test.status in ("failed", "error"):
                return index
        return None


class TestsPane(Horizontal):
    """The tests table and, beside it, the selected test's failure and its causes."""

    __test__ = False

    @dataclass
    class FindingRequested(Message):
        """The user asked to see the finding behind a failed test."""

        finding_id: str

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._snapshot: RunSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield TestsTable(id="tests-table")
        with VerticalScroll(id="test-detail") as detail:
            detail.border_title = "Selected test"
            yield Static(Text("No test selected.", style="dim"), id="test-detail-body")

    def show(self, snapshot: RunSnapshot) -> None:
        """Keep the latest run; the table is brought up to date only while it is visible."""
        self._snapshot = snapshot
        if self.is_on_screen:
            self.sync()

    def sync(self, *, now: bool = False) -> None:
        if self._snapshot is None:
            return
        table = self.query_one(TestsTable)
        table.show(self._snapshot, now=now)
        self._show_detail(table.selected)

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(self.query_one(TestsTable).selected)

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        event.stop()
        row = self.query_one(TestsTable).selected
        if row is not None and row.findings:
            self.post_message(self.FindingRequested(row.findings[0]))

    def _show_detail(self, row: TestRow | None) -> None:
        body = self.query_one("#test-detail-body", Static)
        if row is None or self._snapshot is None:
            body.update(Text("No test selected.", style="dim"))
            return
        diagnosis = self._snapshot.diagnosis
        findings = [f for f in (diagnosis.by_id(i) for i in row.findings) if f is not None]
        body.update(
            outcome_card(
                row.key,
                row.status,
                row.message,
                findings,
                duration_ms=row.duration_ms,
                kind=row.kind,
            )
        )
