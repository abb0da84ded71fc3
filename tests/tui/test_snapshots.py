"""Pictures of the app on the seed run, grouped by pane; each says what it must show.

Accept new pictures with `pytest tests/tui/test_snapshots.py --snapshot-update`, after
looking at them in the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_harness import SIZE, app_for, until_finished

from testtriage.core.rules.engine import RuleEngine

SnapCompare = Callable[..., bool]
NARROW = (80, 24)


def after_the_run(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait until the whole seed run is shown, then press `keys`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await until_finished(pilot)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.2)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    return run_before


class TestFindingsTab:
    def test_blocking_findings_come_first_with_their_evidence_and_fix(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see the Findings tab of the finished seed run: F3 (parse) and F4 (enum)
        at the top marked ● blocking in red, F1 (auth) and F2 (fk_timing) below marked
        ○ noise in yellow, F3 selected. The header says `finished · 0:00 · 312 lines ·
        vitest`; the counts `18 passed · 2 failed · 0 skipped · 0 errors of 20` with a full
        progress bar; the verdict `2 blocking: parse, enum · 8 noise: auth, fk_timing · claim
        auth: partly supported`, then the next step. On the right, Evidence shows test.log:87
        with two dimmed context lines, `error Failed to parse model output` and the JSON
        fields (err.message highlighted, a shortened stack); Fix starts with "Unexpected token
        'H' (position not given)"."""
        app = app_for(seed_log, engine, claim="auth")
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run())

    def test_a_noise_finding_shows_its_json_evidence(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see F2 (fk_timing) selected, the last row. Evidence starts with
        `○ F2 noise · fk_timing · 7 occurrences`, then test.log:47 with the context line
        "cleanupTestJobs removed 1 job_status rows", the error line and its fields, with
        `job_status_course_id_fkey` inside the highlighted err.message. Fix shows the three
        options (cleanup order, await the racing write, accept it as noise)."""
        app = app_for(seed_log, engine)
        assert snap_compare(
            app, terminal_size=SIZE, run_before=after_the_run("down", "down", "down")
        )

    def test_b_keeps_only_the_blocking_findings(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see only F3 and F4 in the table, whose title reads `Findings · blocking
        only`; the evidence of F3 beside it."""
        app = app_for(seed_log, engine)
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run("b"))


class TestTestsTab:
    def test_the_first_failed_test_is_selected_with_its_cause(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see the Tests tab: 20 tests with ✓ (green) or × (red), their file
        (cut from the left), duration and cause; the cursor on the first × test ("runs Stage 4
        synthesis…", cause F3). On the right, "Selected test" shows `× failed 1.34s`, the
        test's full name and file, the failure "SyntaxError: Unexpected token 'H'…" and under
        "caused by" the line `● F3 parse Invalid JSON: Unexpected token 'H'`."""
        app = app_for(seed_log, engine)
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run("2"))


class TestLogTab:
    def test_the_log_tab_follows_the_end_of_the_log(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see the Log tab active: the last lines of test.log with their line
        numbers (up to 312, "ELIFECYCLE Test failed"), error lines coloured, and the log's
        status line under them. The header, counts and verdict stay above the tabs."""
        app = app_for(seed_log, engine)
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run("3"))


class TestDialogs:
    def test_help_explains_the_markers_and_the_keys(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see the help over the dimmed app: a box titled "testtriage help" with
        the markers (● blocking, ○ noise, ? unknown) and what they mean, then the keys."""
        app = app_for(seed_log, engine)
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run("question_mark"))

    def test_export_asks_for_a_format_and_a_file(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see the export dialog in the middle: "Export the report", Markdown
        chosen over JSON, the file `testtriage-report.md`, and the Export and Cancel
        buttons."""
        app = app_for(seed_log, engine)
        assert snap_compare(app, terminal_size=SIZE, run_before=after_the_run("x"))


class TestNarrowTerminal:
    def test_at_80_by_24_the_detail_stacks_under_the_list(
        self, snap_compare: SnapCompare, seed_log: Path, engine: RuleEngine
    ) -> None:
        """You should see, at 80×24, every finding row with its marker, id, category, a
        shortened title, count and the test it breaks, nothing overlapping; the verdict
        wrapped on two lines; the Evidence of F3 below the table, full width, and the footer
        with b, o, y, x, p, ? and q."""
        app = app_for(seed_log, engine, claim="auth")
        assert snap_compare(app, terminal_size=NARROW, run_before=after_the_run())
