"""The app while the run is being written: growth, new runs, late files, and hostile lines."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot
from tui_harness import (
    LABEL,
    SIZE,
    app_for,
    eventually,
    finished,
    fixed_clock,
    seed_lines,
    until_finished,
)

from testtriage.core.diagnosis import Finding
from testtriage.core.ingest import CommandRun
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.engine import RuleEngine
from testtriage.render.panes import verdict_line
from testtriage.tui.app import TriageApp, make_app
from testtriage.tui.messages import RunUpdated
from testtriage.tui.widgets import findings_view
from testtriage.tui.widgets.finding_detail import EvidencePane
from testtriage.tui.widgets.findings_table import FindingsTable
from testtriage.tui.widgets.findings_view import FindingsView
from testtriage.tui.widgets.log_lines import LogLines
from testtriage.tui.widgets.log_view import LogView
from testtriage.tui.widgets.run_header import RunHeader
from testtriage.tui.widgets.summary_bars import VerdictBar


def lines_read(app: TriageApp) -> int:
    return app.snapshot.state.lines if app.snapshot is not None else 0


def header_text(app: TriageApp) -> str:
    header = app.query_one(RunHeader)
    return str(header.render())


def verdict_text(app: TriageApp) -> str:
    assert app.snapshot is not None
    return verdict_line(app.snapshot.diagnosis, app.snapshot.verdict).plain


def write_until_first_fk_error(log: Path) -> tuple[list[bytes], int]:
    """Write the seed run up to its first foreign-key error (noise, no failure yet); return
    the run's lines and how many were written."""
    lines = seed_lines()
    first_part = next(i for i, line in enumerate(lines) if b"job_status_course_id_fkey" in line) + 1
    log.write_bytes(b"".join(lines[:first_part]))
    return lines, first_part


async def select_fk_finding(pilot: Pilot[int], app: TriageApp, lines_written: int) -> Finding:
    """Once the lines written are read, put the cursor on the foreign-key finding."""
    await eventually(pilot, lambda: lines_read(app) == lines_written)
    assert app.snapshot is not None
    fk = next(f for f in app.snapshot.diagnosis.findings if f.category == "fk_timing")
    app.query_one(FindingsTable).select(fk.group.fingerprint)
    await pilot.pause()
    return fk


async def write_the_rest(pilot: Pilot[int], app: TriageApp, log: Path, rest: list[bytes]) -> None:
    """Append the rest of the run and wait until it is read to its end."""
    with log.open("ab") as out:
        out.writelines(rest)
    await eventually(pilot, lambda: finished(app))


async def test_counts_and_findings_grow_as_the_log_is_written(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    lines = seed_lines()
    steps = [len(lines) // 4, len(lines) // 2, 3 * len(lines) // 4, len(lines)]
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        written = 0
        seen_findings: list[int] = []
        seen_tests: list[int] = []
        with log.open("ab") as out:
            for step in steps:
                out.writelines(lines[written:step])
                out.flush()
                written = step
                await eventually(pilot, lambda w=written: lines_read(app) == w, what=f"{written}")
                assert app.snapshot is not None
                seen_findings.append(len(app.snapshot.diagnosis.findings))
                seen_tests.append(len(app.snapshot.state.tests))
                table = app.query_one(FindingsTable)
                assert table.row_count == len(app.query_one("#findings-view").listed())
        await eventually(pilot, lambda: finished(app), what="the run to finish")
        assert seen_findings == sorted(seen_findings) and seen_findings[-1] > seen_findings[0]
        assert seen_tests == sorted(seen_tests) and seen_tests[-1] == 20
        assert "finished" in header_text(app)
        assert f"{len(lines):,} lines" in header_text(app)


async def test_the_selection_stays_on_its_finding_while_rows_update(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    lines, first_part = write_until_first_fk_error(log)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        fk = await select_fk_finding(pilot, app, first_part)
        await write_the_rest(pilot, app, log, lines[first_part:])
        # Blocking findings moved above it, its count grew: the cursor followed it.
        assert app.selected_finding is not None
        assert app.selected_finding.group.fingerprint == fk.group.fingerprint
        assert app.selected_finding.count > fk.count
        assert "job_status_course_id_fkey" in app.query_one(EvidencePane).rendered_text


async def test_rewriting_the_log_starts_a_new_run_compared_with_the_previous(
    seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await eventually(pilot, lambda: finished(app))
        seed_log.write_bytes(b"")
        await eventually(pilot, lambda: app.snapshot.state.generation == 2, what="truncation")
        seed_log.write_bytes(b"".join(seed_lines()))
        await eventually(pilot, lambda: finished(app), what="the new run to finish")
        assert "run 2" in header_text(app)
        assert "vs previous run: 18/20 → 18/20" in verdict_text(app)
        assert any("New run" in n.message for n in app._notifications)


async def test_a_log_that_does_not_exist_yet_is_waited_for(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "later" / "test.log"
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(
            pilot, lambda: "waiting" in header_text(app), what="the header to say waiting"
        )
        assert f"{LABEL} · … waiting for the file to appear…" in header_text(app)
        log.parent.mkdir()
        log.write_bytes(b"".join(seed_lines()))
        await eventually(pilot, lambda: finished(app), what="the late file to be read")
        assert "waiting" not in header_text(app)


HOSTILE = (
    b'{"level":50,"time":1762101216324,"msg":"[bold red]pwned[/] \\u001b]52;c;ZXZpbA==\\u0007'
    b' \\u001b[2J done","err":"[link=https://evil.example]click[/link] \\u001b[31mred"}\n'
    b"\x1b]0;retitled\x07plain line \x1b[2J with escapes\n"
)


async def test_hostile_log_text_is_shown_literally_and_inert(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(HOSTILE)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: app.snapshot and app.snapshot.diagnosis.findings)
        assert app.selected_finding is not None
        evidence = app.query_one(EvidencePane).rendered_text
        unwrapped = "".join(evidence.split())
        assert "[boldred]pwned[/]" in unwrapped
        assert "[link=https://evil.example]click[/link]" in unwrapped
        assert "\x1b" not in evidence and "\x07" not in evidence
        table = app.query_one(FindingsTable)
        titles = [table.get_cell(key, "title").plain for key in table.row_keys]
        assert any("[bold red]" in title for title in titles)
        assert all("\x1b" not in title for title in titles)
        assert app.title == "testtriage"


async def test_updates_reach_the_screen_at_most_ten_times_a_second(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    block = b"".join(
        b'{"level":30,"time":1,"msg":"request %d completed"}\n' % n for n in range(500)
    )
    stop = threading.Event()

    def write_fast() -> None:
        with log.open("ab") as out:
            while not stop.is_set():
                out.write(block)
                out.flush()
                time.sleep(0.002)

    delivered: list[tuple[float, Message]] = []
    app = app_for(log, engine)
    async with app.run_test(
        size=SIZE, message_hook=lambda m: delivered.append((time.monotonic(), m))
    ) as pilot:
        writer = threading.Thread(target=write_fast, daemon=True)
        started = time.monotonic()
        writer.start()
        await pilot.pause(2.0)
        stop.set()
        writer.join()
        elapsed = time.monotonic() - started
        total = log.stat().st_size // len(block) * 500
        await eventually(pilot, lambda: lines_read(app) == total, timeout=30, what="the tail")
    times = [t for t, m in delivered if isinstance(m, RunUpdated) and t <= started + elapsed]
    assert len(times) >= 5, "updates keep coming while the writer writes"
    assert len(times) / elapsed <= 12
    # Coalescing loses nothing: every line written was counted.
    assert lines_read(app) == total


async def test_a_command_s_exit_status_shows_in_the_header(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "run.log"
    seed = tmp_path / "seed.log"
    seed.write_bytes(b"".join(seed_lines()))
    command = CommandRun(["sh", "-c", f"cat '{seed}'; exit 3"], log)
    app = make_app(
        [SourceSpec(str(log), label="run.log")], engine, command=command, clock=fixed_clock
    )
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: "exited 3" in header_text(app), what="the exit status")
        assert "$ sh -c" in header_text(app)
        assert app.query_one(VerdictBar) is not None
        await pilot.press("q")
    assert app.return_value == 1
    assert command.wait(5) == 3


async def test_p_pauses_the_display_while_input_is_still_read(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    lines = seed_lines()
    half = len(lines) // 2
    log.write_bytes(b"".join(lines[:half]))
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: lines_read(app) == half)
        shown = app.query_one(FindingsTable).row_count
        await pilot.press("p")
        assert "paused" in header_text(app)
        with log.open("ab") as out:
            out.writelines(lines[half:])
        await eventually(pilot, lambda: finished(app), what="the input to be read")
        # The header counts what is read; the panes wait.
        assert f"{len(lines):,} lines" in header_text(app)
        assert app.query_one(FindingsTable).row_count == shown
        await pilot.press("p")
        assert "finished" in header_text(app)
        assert app.query_one(FindingsTable).row_count == len(app.snapshot.diagnosis.findings)
        assert app.query_one(FindingsTable).row_count > shown


async def test_a_run_without_new_output_for_ten_seconds_is_stalled(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"".join(seed_lines()[:40]))
    now = [100.0]
    app = make_app([SourceSpec(str(log), label=LABEL)], engine, clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: lines_read(app) == 40)
        assert "live" in header_text(app)
        now[0] += 11
        await eventually(pilot, lambda: "stalled" in header_text(app), what="the 1 s tick")
        assert "no new output for 11 s" in header_text(app)


async def test_a_source_that_cannot_be_read_is_one_notification_and_header_text(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"\x00\x01\x02\x03" * 4_000)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await eventually(pilot, lambda: "binary" in header_text(app), what="the header")
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and "binary" in messages[0]


async def test_a_directory_given_as_a_source_is_named_as_that_source_s_error(
    tmp_path: Path, engine: RuleEngine
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    app = app_for(folder, engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await eventually(pilot, lambda: "is a directory" in header_text(app), what="the header")
        assert any("is a directory" in n.message for n in app._notifications)


async def test_a_growing_selected_finding_is_redrawn_at_most_once_a_second(
    tmp_path: Path, engine: RuleEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "test.log"
    lines, first_part = write_until_first_fk_error(log)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        fk = await select_fk_finding(pilot, app, first_part)
        evidence = app.query_one(EvidencePane)
        assert f"{fk.count} occurrence" in evidence.rendered_text
        monkeypatch.setattr(findings_view, "DETAIL_INTERVAL", 3600.0)
        await write_the_rest(pilot, app, log, lines[first_part:])
        grown = app.selected_finding
        assert grown is not None and grown.count > fk.count
        # Within the interval, the same finding keeps what it showed...
        assert f"{fk.count} occurrence" in evidence.rendered_text
        # ...while a move of the cursor is shown at once, and so is the way back.
        await pilot.press("up")
        assert app.selected_finding != grown
        await pilot.press("down")
        assert app.selected_finding == grown
        assert f"{grown.count} occurrences" in evidence.rendered_text


async def test_the_selected_finding_catches_up_once_the_interval_is_over(
    tmp_path: Path, engine: RuleEngine
) -> None:
    log = tmp_path / "test.log"
    lines, first_part = write_until_first_fk_error(log)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        fk = await select_fk_finding(pilot, app, first_part)
        await write_the_rest(pilot, app, log, lines[first_part:])
        grown = app.selected_finding
        assert grown is not None and grown.count > fk.count
        evidence = app.query_one(EvidencePane)
        await eventually(
            pilot,
            lambda: f"{grown.count} occurrences" in evidence.rendered_text,
            what="the evidence to show the final count",
        )


async def test_the_log_tab_takes_the_lines_read_while_it_was_hidden(
    tmp_path: Path, engine: RuleEngine
) -> None:
    """Lines read while another tab is shown are indexed, but the Log tab's height (which lays
    out the whole screen) is only updated once it is shown."""
    log = tmp_path / "run.log"
    lines, written = write_until_first_fk_error(log)
    app = app_for(log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, lambda: lines_read(app) == written)
        rows = app.query_one(LogLines)
        assert rows.virtual_size.height == 0
        await pilot.press("3")
        await eventually(pilot, lambda: rows.virtual_size.height == written)
        await pilot.press("1")
        with log.open("ab") as handle:
            handle.write(b"".join(lines[written:]))
        await eventually(pilot, lambda: lines_read(app) == len(lines))
        assert rows.virtual_size.height == written
        await pilot.press("3")
        await eventually(pilot, lambda: rows.virtual_size.height == len(lines))
        shown = [rows.render_line(y).text for y in range(rows.size.height)]
        assert shown[-1].split()[0] == str(len(lines))  # still following: the last line shows


def line_in_view(view: LogView, line: int) -> bool:
    rows = view.query_one(LogLines)
    row = view.row_of_line(line)
    top = rows.scroll_offset.y
    return row is not None and top <= row < top + rows.size.height


async def test_opening_evidence_shows_its_line_in_a_log_tab_shown_late(
    seed_log: Path, engine: RuleEngine
) -> None:
    """The Log tab takes its height as it is shown: a jump made at that moment is not cut
    short by the height it had while hidden."""
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        assert app.snapshot is not None
        last = max(app.snapshot.diagnosis.findings, key=lambda f: f.evidence[0].location.line)
        line = last.evidence[0].location.line
        assert line > SIZE[1]  # below the first screenful
        app.query_one(FindingsView).select(last)
        await pilot.press("o")
        view = app.query_one(LogView)
        await eventually(pilot, lambda: line_in_view(view, line), what=f"line {line} in view")
        await pilot.press("1")
        with seed_log.open("ab") as handle:
            handle.write(b"".join(b"filler line %d\n" % n for n in range(400)))
        await eventually(pilot, lambda: view.last_line == line_count(seed_log))
        app.action_show_tab("log")
        view.goto(view.current_source, view.last_line - 5)  # as the app opens evidence
        await eventually(pilot, lambda: line_in_view(view, view.last_line - 5))


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")
