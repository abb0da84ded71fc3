"""The Findings tab: the findings table with the selected finding's evidence and fix beside it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer

from testtriage.core.diagnosis import Finding
from testtriage.tui.messages import RunSnapshot
from testtriage.tui.widgets.finding_detail import EvidencePane, FixPane
from testtriage.tui.widgets.findings_table import FindingsTable
from testtriage.tui.widgets.row_table import RowTable

DETAIL_INTERVAL = 1.0
"""While the run grows, the selected finding's panes are drawn again at most once a second
(its counts change with every update); a new selection is shown at once."""


class FindingsView(Horizontal):
    """Findings (optionally filtered) and the detail of the one under the cursor."""

    @dataclass
    class OpenRequested(Message):
        """The user chose a finding (enter): show its first evidence line in the log."""

        finding: Finding

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.snapshot: RunSnapshot | None = None
        self._detail_key: str | None = None
        self._detail_at = float("-inf")
        self._detail_timer: Timer | None = None
        self.blocking_only = False
        """List only findings that fail tests."""
        self.category: str | None = None
        """List only findings of this category, when set."""

    def compose(self) -> ComposeResult:
        yield FindingsTable(id="findings-table")
        with VerticalScroll(id="finding-detail"):
            yield EvidencePane(id="evidence")
            yield FixPane(id="fix")

    def show(self, snapshot: RunSnapshot) -> None:
        self.snapshot = snapshot
        self.refresh_rows()

    def set_filter(self, *, blocking_only: bool, category: str | None) -> None:
        self.blocking_only, self.category = blocking_only, category
        self.refresh_rows()

    def refresh_rows(self) -> None:
        table = self.query_one(FindingsTable)
        table.show(self.listed())
        filters = ["blocking only"] if self.blocking_only else []
        if self.category:
            filters.append(f"category {self.category}")
        table.border_title = "Findings" + (" · " + ", ".join(filters) if filters else "")
        self._show_selected()

    def listed(self) -> Sequence[Finding]:
        if self.snapshot is None:
            return ()
        return [
            f
            for f in self.snapshot.diagnosis.findings
            if (f.blocking or not self.blocking_only)
            and (self.category is None or f.category == self.category)
        ]

    @property
    def selected(self) -> Finding | None:
        key = self.query_one(FindingsTable).selected_key
        return next((f for f in self.listed() if f.group.fingerprint == key), None)

    def select(self, finding: Finding) -> None:
        """Put the cursor on `finding`, lifting the filters that hide it."""
        if finding not in self.listed():
            self.set_filter(blocking_only=False, category=None)
        table = self.query_one(FindingsTable)
        table.select(finding.group.fingerprint)
        table.focus()

    def _show_selected(self, *, now: bool = False) -> None:
        if self.snapshot is None:
            return
        finding = self.selected
        key = finding.group.fingerprint if finding is not None else None
        clock = time.monotonic()
        wait = self._detail_at + DETAIL_INTERVAL - clock
        if not now and key == self._detail_key and wait > 0:
            if self._detail_timer is None:
                self._detail_timer = self.set_timer(wait, self._show_later)
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        self._detail_key, self._detail_at = key, clock
        self.query_one(EvidencePane).show(finding)
        self.query_one(FixPane).show(finding, self.snapshot.diagnosis)

    def _show_later(self) -> None:
        self._detail_timer = None
        self._show_selected(now=True)

    def on_row_table_row_highlighted(self, event: RowTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def on_row_table_row_selected(self, event: RowTable.RowSelected) -> None:
        event.stop()
        finding = self.selected
        if finding is not None:
            self.post_message(self.OpenRequested(finding))
