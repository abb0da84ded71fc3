"""The triage app: header, counts and verdict over the Findings, Tests and Log tabs."""

from __future__ import annotations

import os
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import TabbedContent, TabPane

from testtriage.core.baseline import BaselineData
from testtriage.core.diagnosis import Finding
from testtriage.core.ingest import CommandRun
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.engine import RuleEngine
from testtriage.headless.summary import exit_code
from testtriage.tui.collector import QuietCollector
from testtriage.tui.commands import TriageCommands
from testtriage.tui.export import ExportError, ExportRequest, write_report
from testtriage.tui.ingest_worker import IngestControl, IngestPlan, run_ingest
from testtriage.tui.messages import IngestStopped, LogItem, RunSnapshot, RunUpdated
from testtriage.tui.notices import alert_for, deliver_log_items
from testtriage.tui.screens.export_dialog import ExportDialog
from testtriage.tui.screens.help import HelpScreen
from testtriage.tui.widgets.finding_detail import FixPane
from testtriage.tui.widgets.findings_view import FindingsView
from testtriage.tui.widgets.log_view import LogView
from testtriage.tui.widgets.run_header import Clock, RunHeader
from testtriage.tui.widgets.steady_footer import SteadyFooter
from testtriage.tui.widgets.summary_bars import StatusBar, VerdictBar
from testtriage.tui.widgets.tests_pane import TestsPane

CommandStatus = Callable[[], int | None]
"""The exit status of the command the app follows, or None while it runs."""


class TriageApp(App[int]):
    """Live triage of a test run. Returns the summary's exit code (0 clean, 1 blocking)."""

    CSS_PATH = "app.tcss"
    AUTO_FOCUS = "#findings-table"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMMANDS = App.COMMANDS | {TriageCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('findings')", "Findings", show=False),
        Binding("2", "show_tab('tests')", "Tests", show=False),
        Binding("3", "show_tab('log')", "Log", show=False),
        Binding("b", "toggle_blocking", "Blocking"),
        Binding("o", "open_in_log", "Log line"),
        Binding("y", "copy_fix", "Copy"),
        Binding("x", "export", "Export"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        plan: IngestPlan,
        *,
        title: str = "testtriage",
        command: str = "",
        command_status: CommandStatus | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # A sliding tab underline redraws the screen a score of times per tab switch, UI
            # time taken from a fast run being read; the user's own setting still wins.
            self.animation_level = "none"
        self.title = title
        self.plan = plan
        self.snapshot: RunSnapshot | None = None
        """The latest run as shown (or held, while paused)."""
        self.paused = False
        self.updates_received = 0
        self._command = command
        self._command_status = command_status
        self._clock = clock
        self._control = IngestControl()
        self._held: list[LogItem] = []
        self._generation = 1
        self._collector = QuietCollector()

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield RunHeader(self._clock, command=self._command, id="header")
        yield StatusBar(id="status")
        yield VerdictBar(id="verdict")
        with TabbedContent(initial="findings", id="tabs"):
            with TabPane("Findings", id="findings"):
                yield FindingsView(id="findings-view")
            with TabPane("Tests", id="tests"):
                yield TestsPane(id="tests-pane")
            with TabPane("Log", id="log"):
                yield LogView([(spec.name, spec.path) for spec in self.plan.specs], id="log-view")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._collector.start()
        self._ingest()

    def on_unmount(self) -> None:
        try:
            self.stop_ingest()
        finally:
            self._collector.stop()

    @work(thread=True, exclusive=True, group="ingest", exit_on_error=False)
    def _ingest(self) -> None:
        run_ingest(self.plan, self._control, self.post_message)

    def stop_ingest(self) -> None:
        self._control.stop()

    def wait_for_ingest(self, timeout: float) -> bool:
        """Wait until the worker has returned (its threads stopped); False on timeout."""
        return self._control.finished.wait(timeout)

    # --- updates from the worker -------------------------------------------------------------

    def on_run_updated(self, message: RunUpdated) -> None:
        self.updates_received += 1
        snapshot = message.snapshot
        for notice in message.notices:
            alert = alert_for(notice)
            if alert is not None:
                self.notify(
                    alert.text, severity=alert.severity, timeout=alert.timeout, markup=False
                )
        if snapshot.state.generation > self._generation:
            self._generation = snapshot.state.generation
            self.notify(
                f"New run (run {self._generation}): the log was rewritten. The previous run is "
                "the baseline now.",
                title="New run",
                markup=False,
            )
        self.query_one(RunHeader).show(snapshot.state)
        self.snapshot = snapshot
        self._held.extend(message.log_items)
        if not self.paused:
            self._show(snapshot)

    def on_ingest_stopped(self, message: IngestStopped) -> None:
        header = self.query_one(RunHeader)
        if message.error:
            header.problem = message.error
            self.notify(message.error, severity="error", timeout=15, markup=False)
        if self._command_status is not None:
            header.exit_code = self._command_status()
            if header.exit_code is not None:
                self.notify(f"The command exited with status {header.exit_code}.", markup=False)
        header.redraw()

    def _show(self, snapshot: RunSnapshot) -> None:
        self.query_one(StatusBar).show(snapshot.state)
        self.query_one(VerdictBar).show(snapshot)
        self.query_one(FindingsView).show(snapshot)
        self.query_one(TestsPane).show(snapshot)
        items, self._held = self._held, []
        deliver_log_items(items, self.query_one(LogView))

    @property
    def selected_finding(self) -> Finding | None:
        return self.query_one(FindingsView).selected

    # --- user events -------------------------------------------------------------------------

    def on_findings_view_open_requested(self) -> None:
        self.action_open_in_log()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tests":
            self.call_after_refresh(self.query_one(TestsPane).sync, now=True)
        elif event.pane.id == "log":
            self.call_after_refresh(self.query_one(LogView).sync_rows, shown=True)

    def on_tests_pane_finding_requested(self, message: TestsPane.FindingRequested) -> None:
        self.jump_to(message.finding_id)

    def action_jump_to(self, finding_id: str) -> None:
        """Show finding `finding_id` (a link in the Fix pane)."""
        self.jump_to(finding_id)

    # --- actions -----------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        # Focus moves with the tab: a focused widget left in the hidden pane would take the
        # tab back to it.
        pane = tabs.get_pane(tab)
        target = next((w for w in pane.query("*") if w.can_focus and w.display), None)
        if target is not None:
            target.focus()

    def action_toggle_blocking(self) -> None:
        view = self.query_one(FindingsView)
        view.set_filter(blocking_only=not view.blocking_only, category=view.category)

    def filter_category(self, category: str | None) -> None:
        """List only the findings of `category` (None: all of them)."""
        view = self.query_one(FindingsView)
        view.set_filter(blocking_only=view.blocking_only, category=category)
        self.action_show_tab("findings")

    def jump_to(self, finding_id: str) -> None:
        """Show a finding in the Findings tab, lifting filters that hide it."""
        if self.snapshot is None:
            return
        finding = self.snapshot.diagnosis.by_id(finding_id)
        if finding is None:
            self.notify(f"No finding {finding_id} in this run.", severity="warning")
            return
        self.action_show_tab("findings")
        self.query_one(FindingsView).select(finding)

    def action_open_in_log(self) -> None:
        finding = self.selected_finding
        if finding is None or not finding.evidence:
            self.notify("Select a finding first.", severity="warning")
            return
        location = finding.evidence[0].location
        self.action_show_tab("log")
        self.query_one(LogView).goto(location.source, location.line)

    def action_copy_fix(self) -> None:
        finding = self.selected_finding
        if finding is None:
            self.notify("Select a finding first.", severity="warning")
            return
        self.copy_to_clipboard(self.query_one(FixPane).markdown)
        self.notify(f"Fix of {finding.id} copied (if your terminal allows clipboard access).")

    def action_toggle_follow(self) -> None:
        log = self.query_one(LogView)
        log.follow = not log.follow
        self.notify("Following the end of the log." if log.follow else "Stopped following.")

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        header = self.query_one(RunHeader)
        header.paused = self.paused
        header.redraw()
        if not self.paused and self.snapshot is not None:
            self._show(self.snapshot)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_export(self, fmt: str = "") -> None:
        self.push_screen(ExportDialog(fmt or "markdown"), self.export_report)

    def export_report(self, request: ExportRequest | None) -> None:
        if request is None or self.snapshot is None:
            return
        try:
            path = write_report(self.snapshot, request)
        except ExportError as exc:
            self.notify(f"Export failed: {exc}", severity="error", markup=False)
            return
        self.notify(f"Report saved to {path}", title="Exported", markup=False)

    async def action_quit(self) -> None:
        self.stop_ingest()
        self.exit(self.outcome())

    def outcome(self) -> int:
        """The summary's exit code for the run as read so far (1 also if the command failed)."""
        if self.snapshot is None:
            return 0
        code = exit_code(self.snapshot.diagnosis, "blocking")
        status = self._command_status() if self._command_status is not None else None
        return 1 if code or status else 0


def make_app(
    specs: Sequence[SourceSpec],
    engine: RuleEngine,
    *,
    claim: str | None = None,
    title: str = "testtriage",
    command: CommandRun | None = None,
    input_done: threading.Event | None = None,
    from_end: bool = False,
    baseline: BaselineData | None = None,
    clock: Clock = time.monotonic,
) -> TriageApp:
    """The app, as the command line, the tests and the screenshots build it.

    Args:
        specs: The sources to follow.
        engine: The rules.
        claim: A claim to check live ("auth user creation is failing").
        title: The app's title.
        command: The command whose output the sources are; its end ends the run.
        input_done: Set when the writer is done (a pipe closed): the rest is read, then it ends.
        from_end: Read only what is written from now on.
        baseline: An earlier run to compare with.
        clock: Monotonic seconds; tests pass a fixed one so pictures do not change.
    """
    if command is not None:
        input_done = command.done
    plan = IngestPlan(
        specs=tuple(specs),
        engine=engine,
        claim=claim,
        input_done=input_done,
        from_end=from_end,
        baseline=baseline,
    )
    return TriageApp(
        plan,
        title=title,
        command=shlex.join(command.argv) if command is not None else "",
        command_status=(lambda: command.exit_code) if command is not None else None,
        clock=clock,
    )
