"""Using the app on the seed run: selecting, filtering, switching tabs, exporting, the palette."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from textual.message import Message
from textual.widgets._footer import FooterKey
from tui_harness import SIZE, app_for, eventually, seed_lines, until_finished

from testtriage.core.diagnosis import Finding
from testtriage.core.rules.engine import RuleEngine
from testtriage.tui.app import TriageApp
from testtriage.tui.messages import RunUpdated
from testtriage.tui.screens.export_dialog import ExportDialog
from testtriage.tui.screens.help import HelpScreen
from testtriage.tui.widgets import tests_pane
from testtriage.tui.widgets.finding_detail import EvidencePane, FixPane
from testtriage.tui.widgets.findings_table import FindingsTable
from testtriage.tui.widgets.tests_pane import TestsTable


def finding_of(app: TriageApp, category: str) -> Finding:
    assert app.snapshot is not None
    return next(f for f in app.snapshot.diagnosis.findings if f.category == category)


def listed_ids(app: TriageApp) -> list[str]:
    table = app.query_one(FindingsTable)
    return [table.get_cell(key, "id").plain.split()[-1] for key in table.row_keys]


async def test_moving_to_a_finding_shows_its_evidence_and_fix(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        target = finding_of(app, "fk_timing")
        for _ in range(len(listed_ids(app))):
            if app.selected_finding == target:
                break
            await pilot.press("down")
        assert app.selected_finding is not None
        assert app.selected_finding.id == target.id
        evidence = app.query_one(EvidencePane).rendered_text
        assert "job_status_course_id_fkey" in evidence
        assert f"{target.first.source}:{target.first.line}" in evidence
        fix = app.query_one(FixPane).markdown
        assert "job_status_course_id_fkey" in fix
        assert target.rule.why.split(".")[0] in fix


async def test_blocking_findings_are_listed_first(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        assert app.snapshot is not None
        blocking = [f.id for f in app.snapshot.diagnosis.blocking]
        assert blocking, "the seed run has blocking findings"
        assert listed_ids(app)[: len(blocking)] == blocking
        # The first row is selected from the start, and its detail is shown.
        assert app.selected_finding is not None
        assert app.selected_finding.id == blocking[0]
        assert "blocking" in app.query_one(EvidencePane).rendered_text


async def test_b_lists_only_the_blocking_findings_and_again_all(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        assert app.snapshot is not None
        everything = listed_ids(app)
        blocking = [f.id for f in app.snapshot.diagnosis.blocking]
        await pilot.press("b")
        assert listed_ids(app) == blocking
        assert "blocking only" in str(app.query_one(FindingsTable).border_title)
        await pilot.press("b")
        assert listed_ids(app) == everything


async def test_number_keys_and_clicks_switch_tabs(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        tabs = app.query_one("#tabs")
        assert tabs.active == "findings"
        await pilot.press("2")
        assert tabs.active == "tests"
        await eventually(pilot, lambda: app.query_one(TestsTable).row_count == 20)
        await pilot.press("3")
        assert tabs.active == "log"
        await pilot.press("1")
        assert tabs.active == "findings"
        await pilot.click("#--content-tab-tests")
        assert tabs.active == "tests"


async def test_the_tests_tab_shows_a_failed_test_and_the_finding_behind_it(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("2")
        table = app.query_one(TestsTable)
        await eventually(pilot, lambda: table.selected is not None)
        selected = table.selected
        assert selected is not None
        # The cursor starts on the first failure, and its detail names the finding behind it.
        assert selected.status == "failed"
        assert selected.findings
        assert selected.message.startswith("SyntaxError")
        await pilot.press("enter")
        assert app.query_one("#tabs").active == "findings"
        assert app.selected_finding is not None
        assert app.selected_finding.id == selected.findings[0]


async def test_help_opens_and_closes(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_jumps_to_a_finding(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        target = finding_of(app, "fk_timing")
        await pilot.press("2")
        await pilot.press("ctrl+p")
        await pilot.press(*f"{target.id} fk_timing")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await eventually(pilot, lambda: app.selected_finding == target, what="the jump")
        assert app.query_one("#tabs").active == "findings"


async def test_the_palette_filters_by_category(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"filter findings: enum")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await eventually(pilot, lambda: len(listed_ids(app)) == 1, what="the filter")
        assert app.selected_finding is not None
        assert app.selected_finding.category == "enum"


async def test_y_copies_the_selected_fix(seed_log: Path, engine: RuleEngine) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("y")
        assert app.selected_finding is not None
        assert app.clipboard == app.query_one(FixPane).markdown
        assert app.selected_finding.fix.splitlines()[0] in app.clipboard


async def test_x_then_enter_exports_a_markdown_report(
    seed_log: Path, engine: RuleEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")
        report = tmp_path / "testtriage-report.md"
        await eventually(pilot, report.exists, what="the Markdown report")
        assert "job_status_course_id_fkey" in report.read_text()


async def test_the_export_dialog_writes_the_json_report(
    seed_log: Path, engine: RuleEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("x")
        await pilot.click("#fmt-json")
        assert app.screen.query_one("#export-path").value == "testtriage-report.json"
        await pilot.click("#export-ok")
        report = tmp_path / "testtriage-report.json"
        await eventually(pilot, report.exists, what="the JSON report")
        data = orjson.loads(report.read_bytes())
        assert data["schema"] == "testtriage/summary-v1"
        assert data["tests"]["total"] == 20
        assert {f["category"] for f in data["findings"]} >= {"parse", "enum", "fk_timing"}


async def test_an_export_that_cannot_be_written_is_a_notification(
    seed_log: Path, engine: RuleEngine, tmp_path: Path
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until_finished(pilot)
        from testtriage.tui.export import ExportRequest

        app.export_report(ExportRequest("json", str(tmp_path / "missing" / "r.json")))
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("cannot write" in m for m in messages)


async def test_every_line_reaches_the_log_tab_exactly_once(
    seed_log: Path, engine: RuleEngine
) -> None:
    delivered: list[Message] = []
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE, message_hook=delivered.append) as pilot:
        await until_finished(pilot)
    updates = [m for m in delivered if isinstance(m, RunUpdated)]
    assert updates
    records = [item for m in updates for item in m.log_items if hasattr(item, "line_count")]
    assert sum(r.line_count for r in records) == len(seed_lines())
    firsts = [r.first_line for r in records]
    assert firsts == sorted(firsts) and firsts[0] == 1


async def test_enter_opens_the_first_evidence_line_in_the_log_tab(
    seed_log: Path, engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from testtriage.tui.widgets.log_view import LogView

    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(LogView, "goto", lambda self, source, line: calls.append((source, line)))
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        assert isinstance(app.query_one("#log-view"), LogView)
        finding = app.selected_finding
        assert finding is not None
        await pilot.press("enter")
        assert app.query_one("#tabs").active == "log"
        location = finding.evidence[0].location
        assert calls == [(location.source, location.line)]
        await pilot.press("1", "o")
        assert len(calls) == 2


async def test_quitting_stops_the_reader_and_returns_the_exit_code(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("q")
    assert app.return_value == 1  # the seed run has failed tests
    assert app.wait_for_ingest(3.0)


async def test_a_link_in_the_fix_pane_jumps_to_the_finding_it_names(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        target = finding_of(app, "fk_timing")
        assert app.selected_finding != target
        # The action a related finding's link in the Fix pane runs when clicked.
        await app.run_action(f"jump_to({target.id!r})")
        await pilot.pause()
        assert app.selected_finding is not None
        assert app.selected_finding.id == target.id
        await app.run_action("jump_to('F99')")
        await pilot.pause()
        assert app.selected_finding.id == target.id


async def test_switching_tabs_keeps_the_key_bar_until_its_keys_change(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        keys = list(app.query(FooterKey))
        assert keys
        for key in "2121":  # the Findings and Tests tabs show the same keys
            await pilot.press(key)
            await pilot.pause()
        assert list(app.query(FooterKey)) == keys
        assert all(key.is_attached for key in keys)

        def described(description: str) -> bool:
            return any(key.description == description for key in app.query(FooterKey))

        await pilot.press("3")  # the Log tab adds its own
        await eventually(pilot, lambda: described("Search"), what="the log's keys")
        await pilot.press("1")
        await eventually(pilot, lambda: not described("Search"), what="the log's keys gone")
        app.bind("z", "bell", description="Zap")
        app.screen.refresh_bindings()
        await eventually(pilot, lambda: described("Zap"), what="a new key")


async def test_a_large_run_fills_the_tests_table_over_several_short_passes(
    seed_log: Path, engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every pass stops after the first few tests, as it would with many thousands of them.
    monkeypatch.setattr(tests_pane, "PASS_SECONDS", 0.0)
    monkeypatch.setattr(tests_pane, "CHECK_EVERY", 3)
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await pilot.press("2")
        table = app.query_one(TestsTable)
        await eventually(pilot, lambda: table.row_count == 20, what="all 20 tests listed")
        assert app.snapshot is not None
        statuses = {row.key: row.status for row in table.rows_by_id.values()}
        assert statuses == {k: r.status.value for k, r in app.snapshot.state.tests.items()}
        await eventually(pilot, lambda: table.selected is not None)
        assert table.selected is not None
        assert table.selected.status == "failed"


async def test_two_digit_finding_ids_are_shown_whole(tmp_path: Path, engine: RuleEngine) -> None:
    tables = ["users", "courses", "lessons", "jobs", "orgs", "teams", "files", "notes", "tags"]
    tables += ["invites", "grades", "events"]
    log = tmp_path / "test.log"
    log.write_bytes(
        b"".join(
            orjson.dumps(
                {
                    "level": 50,
                    "time": 1762101220134 + number,
                    "err": f'insert or update on table "{table}" violates foreign key '
                    f'constraint "{table}_owner_id_fkey"',
                    "msg": "Failed to save",
                }
            )
            + b"\n"
            for number, table in enumerate(tables)
        )
    )
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(FindingsTable)
        await eventually(pilot, lambda: table.row_count == len(tables), what="12 findings")
        shown = [table.render_line(y).text for y in range(1, table.row_count + 1)]
        ids = sorted(int(line.split()[1].removeprefix("F")) for line in shown)
        assert ids == list(range(1, len(tables) + 1))
