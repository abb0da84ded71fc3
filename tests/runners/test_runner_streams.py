"""Streams as they really come: coloured or not, cut short, several runs, runners switching."""

from __future__ import annotations

import dataclasses

import pytest
from harness import EVERY_LINE, FIXTURES, Run, drive, drive_file
from test_runner_fixtures import EXPECTED

from testtriage.core.results import (
    FailureReported,
    RunEvent,
    RunFinished,
    RunnerDetected,
    TestReported,
    TestStatus,
    TotalsReported,
)
from testtriage.core.runners import RunnerMux


def comparable(run: Run) -> list[RunEvent]:
    """Events without their source name, to compare runs of different files."""
    return [
        dataclasses.replace(e, source="")
        if not isinstance(e, TestReported)
        else TestReported(dataclasses.replace(e.result, source=""))
        for e in run.events
    ]


def test_colour_and_no_colour_give_identical_results() -> None:
    colour = drive_file("vitest-pino-colour.log")
    plain = drive_file("vitest-pino-nocolor.log")
    assert comparable(colour) == comparable(plain)
    assert colour.contexts == plain.contexts


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extra_candidate_lines_change_nothing(name: str) -> None:
    """Rule patterns may make any line a candidate: parsers read only what their markers
    select (or what they read densely), so feeding every line gives the same events."""
    sparse = drive_file(name)
    every = drive_file(name, regex=EVERY_LINE)
    assert comparable(every) == comparable(sparse)
    assert {n: c for n, c in every.contexts.items() if n in sparse.records} == sparse.contexts


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("chunk_size", [1, 97, 1 << 20])
def test_block_boundaries_change_nothing(name: str, chunk_size: int) -> None:
    assert comparable(drive_file(name, chunk_size=chunk_size)) == comparable(drive_file(name))


def cut(name: str, before: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    return data[: data.index(before.encode())]


def test_a_vitest_run_cut_before_its_summary_is_not_finished() -> None:
    run = drive(cut("vitest-pino-nocolor.log", " Test Files  "))
    assert not run.finished
    totals = run.totals
    assert totals is not None and (totals.passed, totals.failed, totals.total) == (36, 2, 39)
    assert {e.message for e in run.failures.values()} == {
        "SyntaxError: Unexpected token 'T', \"The course\"... is not valid JSON",
        'TRPCClientError: invalid input value for enum job_status_enum: "done"',
    }


def test_a_vitest_run_cut_before_its_failure_report_keeps_the_short_errors() -> None:
    run = drive(cut("vitest-pino-nocolor.log", "⎯⎯⎯⎯⎯⎯⎯ Failed Tests"))
    assert not run.finished
    assert run.status_count(TestStatus.FAILED) == 2
    messages = {r.message for r in run.results.values()}
    assert messages == {
        "Unexpected token 'T', \"The course\"... is not valid JSON",
        'invalid input value for enum job_status_enum: "done"',
    }


def test_pytest_q_without_its_final_line_counts_from_the_progress() -> None:
    run = drive(cut("pytest-q.log", "2 failed, 38 passed"))
    assert not run.finished
    totals = run.totals
    assert totals is not None
    assert (totals.passed, totals.failed, totals.skipped, totals.errors) == (38, 2, 1, 0)
    assert run.status_count(TestStatus.FAILED) == 2


def test_pytest_default_output_cut_mid_run_counts_what_ran() -> None:
    run = drive(cut("pytest-rA.log", "tests/test_models.py"))
    assert not run.finished
    totals = run.totals
    assert totals is not None
    assert (totals.passed, totals.failed, totals.skipped, totals.errors) == (13, 1, 1, 2)


def test_a_truncated_jest_run_counts_its_named_tests_without_a_summary() -> None:
    run = drive(cut("jest.log", "Test Suites:"))
    assert not run.finished
    assert run.totals is None
    assert (run.status_count(TestStatus.PASSED), run.status_count(TestStatus.FAILED)) == (8, 1)


def test_a_truncated_junit_report_keeps_its_finished_testcases() -> None:
    run = drive(cut("junit-vitest.xml", "should return queued for a fresh job"))
    assert not run.finished
    assert run.status_count(TestStatus.FAILED) == 2
    assert run.status_count(TestStatus.PASSED) == 3


def test_a_truncated_tap_stream_does_not_meet_its_plan() -> None:
    run = drive(cut("vitest-tap.log", "not ok 2 - tests/contract"))
    assert not run.finished
    assert run.status_count(TestStatus.PASSED) == 2


@pytest.mark.parametrize(
    ("first", "second", "runner"),
    [
        ("pytest-v.log", "pytest-rA.log", "pytest"),
        ("vitest-pino-nocolor.log", "vitest-verbose.log", "vitest"),
        ("jest.log", "jest-suite-failure.log", "jest"),
        ("tap.log", "vitest-tap.log", "tap"),
        ("junit-vitest.xml", "junit-pytest.xml", "junit"),
        ("mocha.log", "mocha.log", "mocha"),
    ],
)
def test_two_runs_of_one_runner_in_one_stream(first: str, second: str, runner: str) -> None:
    data = (FIXTURES / first).read_bytes() + (FIXTURES / second).read_bytes()
    run = drive(data)
    assert run.runners == [runner, runner]
    assert sum(isinstance(e, RunFinished) for e in run.events) == 2
    alone = drive_file(second)
    totals = alone.totals
    if totals is not None:
        assert dataclasses.replace(run.totals or totals, line=0, source="") == (
            dataclasses.replace(totals, line=0, source="")
        )


def test_a_junit_report_printed_after_the_vitest_run_switches_runner() -> None:
    data = (FIXTURES / "vitest-pino-nocolor.log").read_bytes() + (
        FIXTURES / "junit-vitest.xml"
    ).read_bytes()
    run = drive(data)
    assert run.runners == ["vitest", "junit"]
    finished = [e.runner for e in run.events if isinstance(e, RunFinished)]
    assert finished == ["vitest", "junit"]


def test_pytest_after_vitest_in_one_stream() -> None:
    data = (FIXTURES / "vitest-minimal.log").read_bytes() + (
        FIXTURES / "pytest-rA.log"
    ).read_bytes()
    run = drive(data)
    assert run.runners == ["vitest", "pytest"]
    vitest_failures = [
        e for e in run.events if isinstance(e, FailureReported) and e.key.file.endswith(".ts")
    ]
    assert len({e.key for e in vitest_failures}) == 2


def test_json_log_lines_never_start_detection() -> None:
    lines = [
        b'{"level":50,"msg":"FAIL  tests/a.test.ts > x","err":"boom"}',
        b'{"level":30,"msg":"=== test session starts ==="}',
        b'{"level":30,"msg":"TAP version 13"}',
    ]
    run = drive(b"\n".join(lines) + b"\n")
    assert run.runners == []
    assert run.events == []


def test_nothing_is_detected_in_plain_app_logs() -> None:
    data = b"\n".join(
        [
            b"2025-11-02 16:35:15 ERROR worker crashed: Error: boom",
            b"Traceback (most recent call last):",
            b'  File "app.py", line 3, in <module>',
            b"ValueError: bad value",
            b"ok, continuing",
            b"PASS",
        ]
    )
    run = drive(data + b"\n")
    assert run.runners == []


def test_the_mux_reports_its_runner_and_density() -> None:
    mux = RunnerMux("x.log")
    before = (mux.runner, mux.dense)
    drive((FIXTURES / "pytest-v.log").read_bytes(), mux=mux, finish=False)
    assert before == (None, False)
    assert (mux.runner, mux.dense) == ("pytest", False)


def test_totals_replace_each_other_as_the_run_goes() -> None:
    """Vitest's per-file counts are a running tally; the summary's totals come last."""
    run = drive_file("vitest-pino-nocolor.log")
    totals = [e for e in run.events if isinstance(e, TotalsReported)]
    assert [t.total for t in totals] == [6, 14, 19, 39, 39]
    assert totals[-1].line == run.line_of("      Tests  2 failed")


def test_runner_detected_comes_before_any_other_event() -> None:
    for name in EXPECTED:
        run = drive_file(name)
        assert isinstance(run.events[0], RunnerDetected), name
