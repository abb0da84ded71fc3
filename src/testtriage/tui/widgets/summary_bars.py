"""The lines under the header: test counts with progress, and the verdict with the next step."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from testtriage.core.state import RunState
from testtriage.render.panes import counts_line, known_total, next_step_line, verdict_line
from testtriage.tui.messages import RunSnapshot


class StatusBar(Horizontal):
    """Passed, failed, skipped and errors out of the total; a progress bar once it is known."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._line: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="counts", markup=False)
        yield ProgressBar(id="progress", show_eta=False, show_percentage=True)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def show(self, state: RunState) -> None:
        counts = state.counts()
        line = counts_line(counts)
        shown = self.query_one("#counts", Static)
        if line != self._line:
            # Laid out again only when the width changes: a layout redraws the whole screen.
            widen = self._line is None or line.cell_len != self._line.cell_len
            self._line = line
            shown.update(line, layout=widen)
        total = known_total(state)
        bar = self.query_one(ProgressBar)
        if bar.display != bool(total):
            bar.display = bool(total)
        if total:
            done = counts.passed + counts.failed + counts.skipped
            bar.update(total=total, progress=min(done, total))


class VerdictBar(Static):
    """What blocks, what is noise, the claim and the baseline; then the next step."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, markup=False)
        self._lines: tuple[Text, ...] = ()
        self._height = 0

    def show(self, snapshot: RunSnapshot) -> None:
        lines = (
            verdict_line(snapshot.diagnosis, snapshot.verdict),
            next_step_line(snapshot.diagnosis, snapshot.verdict),
        )
        if lines == self._lines:
            return
        width = max(self.content_size.width, 1)
        height = sum(len(line.wrap(self.app.console, width)) for line in lines)
        # Laid out again only when the height changes: a layout redraws the whole screen.
        layout = height != self._height or not self._lines
        self._lines, self._height = lines, height
        self.update(Group(*lines), layout=layout)
