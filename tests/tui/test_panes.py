"""The rich renderables behind the panes, on the seed run and on hostile input."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest
from rich.console import Group
from rich.style import Style
from rich.text import Text

from testtriage.core.baseline import BaselineData
from testtriage.core.diagnosis import Diagnosis, diagnose
from testtriage.core.ingest import read_sources
from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.session import Session, analyze
from testtriage.core.state import RunState
from testtriage.demo.replay import seed_log_path
from testtriage.render.evidence import compact_log_line, evidence_view, log_time, short_frame
from testtriage.render.panes import Activity, fix_markdown, header_line, verdict_line
from testtriage.tui.ingest_worker import snapshot_of
from testtriage.tui.widgets.finding_detail import fix_view, plain_text


@pytest.fixture(scope="module")
def seed_state(engine: RuleEngine) -> RunState:
    spec = SourceSpec(str(seed_log_path()), label="test.log")
    return analyze(Session(engine, [spec]), read_sources([spec]))


@pytest.fixture(scope="module")
def seed(seed_state: RunState) -> Diagnosis:
    return diagnose(seed_state)


def test_the_verdict_line_names_blocking_and_noise_categories_and_the_claim(
    seed_state: RunState,
) -> None:
    snapshot = snapshot_of(seed_state, "auth user creation is failing")
    line = verdict_line(snapshot.diagnosis, snapshot.verdict).plain
    assert line.startswith("2 blocking: parse, enum · ")
    assert "noise: auth, fk_timing" in line
    assert line.endswith("claim auth: partly supported")


def test_the_verdict_line_compares_with_the_previous_run(seed_state: RunState) -> None:
    previous = BaselineData.from_diagnosis(diagnose(seed_state))
    better = BaselineData(findings=previous.findings[:2], passed=18, total=20)
    snapshot = snapshot_of(seed_state, None, better)
    assert (
        "vs previous run: 18/20 → 18/20" in verdict_line(snapshot.diagnosis, snapshot.verdict).plain
    )
    fewer = snapshot_of(seed_state, None, replace(previous, passed=16))
    assert "vs previous run: 16/20 → 18/20" in verdict_line(fewer.diagnosis, fewer.verdict).plain


def test_json_evidence_is_shown_as_its_fields_with_the_context_dimmed(seed: Diagnosis) -> None:
    fk = next(f for f in seed.findings if f.category == "fk_timing")
    text = plain_text(evidence_view(fk), 100)
    assert "test.log:47" in text
    assert "error  Failed to create job status" in text
    assert "err.message" in text and "job_status_course_id_fkey" in text
    assert "jobType" in text and "structure_analysis" in text
    assert "2025-11-02 16:33:36.324Z" in text
    assert "cleanupTestJobs removed" in text  # a context line before it
    assert f"{fk.count - len(fk.evidence)} more occurrences not kept" in text


def test_the_fix_lists_the_fields_and_the_tests_it_breaks(seed: Diagnosis) -> None:
    parse = next(f for f in seed.findings if f.category == "parse")
    markdown = fix_markdown(parse, seed)
    assert markdown.startswith(parse.fix.strip())
    assert "**Why.**" in markdown
    assert "| token | H |" in markdown
    assert "- breaks tests/contract/analysis.test.ts › analysis › start" in markdown


def test_log_values_cannot_add_markdown_to_the_fix(seed: Diagnosis) -> None:
    parse = next(f for f in seed.findings if f.category == "parse")
    hostile = {"reason": "[click](https://evil.example) `code` a|b <b>x</b>"}
    group = replace(parse.group, fields=MappingProxyType(hostile))
    markdown = fix_markdown(replace(parse, group=group), seed)
    row = next(line for line in markdown.splitlines() if line.startswith("| reason"))
    assert "](" not in row and "`" not in row and "<b>" not in row
    assert "a\\|b" in row


def test_context_lines_of_json_logs_read_as_level_and_message() -> None:
    assert compact_log_line('{"level":20,"msg":"Phase started","pid":1}') == "debug  Phase started"
    assert compact_log_line('{"level":"warn","message":"slow"}') == "warn   slow"
    assert compact_log_line("plain text") == "plain text"
    assert compact_log_line("{not json") == "{not json"


def test_stack_frames_keep_the_file_name_of_long_paths() -> None:
    frame = "    at parse (/home/dev/app/packages/x/src/phase-4.ts:88:15)"
    assert short_frame(frame) == "at parse (…/phase-4.ts:88:15)"
    assert short_frame("at JSON.parse (<anonymous>)") == "at JSON.parse (<anonymous>)"


def test_log_times_are_utc_to_the_millisecond() -> None:
    assert log_time(1762101216.324) == "2025-11-02 16:33:36.324Z"


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        (Activity("live", 12.0, rate=310.4), "● live · 0:12 · 0 lines · 310 lines/s"),
        (Activity("waiting", 3.0, detail="for test.log…"), "… waiting for test.log… · 0:03"),
        (Activity("finished", 3_725.0), "finished · 1:02:05"),
        (Activity("ended", 1.0, command="pnpm test", exit_code=1), "ended · exited 1 · 0:01"),
    ],
)
def test_the_header_says_the_state_time_and_rate(activity: Activity, expected: str) -> None:
    state = RunState.start(["test.log"], following=True)
    assert expected in header_line(state, activity).plain


def test_hostile_source_names_are_inert_in_the_header() -> None:
    state = RunState.start(["[bold]x[/] \x1b]0;title\x07"], following=True)
    line = header_line(state, Activity("live", 0.0)).plain
    assert "[bold]x[/]" in line and "\x1b" not in line and "\x07" not in line


def test_the_fix_names_the_findings_it_is_only_the_surface_of_as_links(seed: Diagnosis) -> None:
    auth = next(f for f in seed.findings if f.category == "auth")
    surface = replace(auth, related=("F3", "F4"))
    markdown = fix_markdown(surface, seed)
    assert markdown.startswith("> Only the surface of [F3](finding:F3), [F4](finding:F4): fix")
    view = fix_view(surface, seed)
    assert "Only the surface of F3, F4: fix the error behind it first." in plain_text(view, 100)
    assert isinstance(view, Group)
    line = view.renderables[0]
    assert isinstance(line, Text)
    clicks = [
        span.style.meta["@click"]
        for span in line.spans
        if isinstance(span.style, Style) and "@click" in span.style.meta
    ]
    assert clicks == ["app.jump_to('F3')", "app.jump_to('F4')"]
    alone = plain_text(fix_view(auth, seed), 100)
    assert "surface" not in alone
    assert auth.rule.why.split(".")[0] in " ".join(alone.split())
