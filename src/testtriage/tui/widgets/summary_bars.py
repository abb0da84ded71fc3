"""The lines under the header: test counts with progress, and the verdict with the next step."""

from __future__ import annotations

from rich.console import Group
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from testtriage.core.state import RunState
from testtriage.render.panes import counts_line, known_total, next_step_line, verdict_line
from testtriage.tui.messages import RunSnapshot


class StatusBar(Horizontal):
    """Passed, failed, skipped and errors out of the total; a progress bar once it is known."""

    def compose(self) -> ComposeResult:
        yield Static(id="counts", markup=False)
        yield ProgressBar(id="progress", show_eta=False, show_percentage=True)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def show(self, state: RunState) -> None:
        counts = state.counts()
        self.query_one("#counts", Static).update(counts_line(counts))
        total = known_total(state)
        bar = self.query_one(ProgressBar)
        bar.display = bool(total)
        if total:
            done = counts.passed + counts.failed + counts.skipped
            bar.update(total=total, progress=min(done, total))


class VerdictBar(Static):
    """What blocks, what is noise, the claim and the baseline; then the next step."""

    def show(self, snapshot: RunSnapshot) -> None:
        self.update(
            Group(
                verdict_line(snapshot.diagnosis, snapshot.verdict),
                next_step_line(snapshot.diagnosis, snapshot.verdict),
            )
        )
