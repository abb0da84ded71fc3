"""Where lines sit: the error of a failed test, its captured output, or outside any failure."""

from __future__ import annotations

import pytest
from harness import EVERY_LINE, Run, drive_file
from test_runner_fixtures import ANALYSIS, EXPECTED, PARSE_TEST, STATUS_TEST

from testtriage.core.results import (
    BlockKind,
    FailureReported,
    LineContext,
    TestKey,
    TestReported,
    Zone,
)

PARSE_KEY = TestKey(ANALYSIS, PARSE_TEST)
STATUS_KEY = TestKey(ANALYSIS, STATUS_TEST)


def context_at(run: Run, text: str, start: int = 1) -> LineContext | None:
    return run.contexts.get(run.line_of(text, start))


@pytest.mark.parametrize("name", ["vitest-pino-colour.log", "vitest-pino-nocolor.log"])
def test_the_syntax_error_of_the_parse_failure_is_its_error(name: str) -> None:
    run = drive_file(name)
    fail_header = run.line_of(" FAIL  ")
    assert context_at(run, "SyntaxError: Unexpected token", fail_header) == LineContext(
        PARSE_KEY, BlockKind.TEST, Zone.ERROR
    )
    assert context_at(run, "88|   const parsed = JSON.parse(raw)") == LineContext(
        PARSE_KEY, BlockKind.TEST, Zone.ERROR
    )
    assert context_at(run, "Caused by: PostgrestError") == LineContext(
        STATUS_KEY, BlockKind.TEST, Zone.ERROR
    )


def test_a_failed_tests_short_error_under_it_is_its_error() -> None:
    run = drive_file("vitest-pino-nocolor.log")
    assert context_at(run, "→ invalid input value for enum") == LineContext(
        STATUS_KEY, BlockKind.TEST, Zone.ERROR
    )


def test_pino_lines_outside_failure_blocks_have_no_context() -> None:
    run = drive_file("vitest-pino-nocolor.log")
    fk_lines = [
        number
        for number, record in run.records.items()
        if record.log is not None and "job_status_course_id_fkey" in record.text
    ]
    assert len(fk_lines) == 4
    inside = [number for number in fk_lines if number in run.contexts]
    assert len(inside) == 1
    assert all(run.contexts.get(number) is None for number in fk_lines if number not in inside)


def test_a_pino_line_printed_inside_a_failure_block_is_captured_output_not_the_error() -> None:
    run = drive_file("vitest-pino-nocolor.log")
    number = next(
        n
        for n, record in run.records.items()
        if record.log is not None and n > run.line_of(" FAIL  ") and "fkey" in record.text
    )
    assert run.contexts[number] == LineContext(PARSE_KEY, BlockKind.TEST, Zone.CAPTURED)
    divider = run.line_of("[1/2]")
    assert divider > number and divider not in run.contexts


def test_console_blocks_and_the_summary_are_outside_failures() -> None:
    """Even when every line is fed (rule patterns may select any line)."""
    run = drive_file("vitest-pino-nocolor.log", regex=EVERY_LINE)
    for text in (
        "stderr | tests/contract",
        "Phase 4 parse failed, raw output",
        "Test Files  1 failed",
        "Tests  2 failed",
    ):
        assert context_at(run, text) is None


def test_pytest_e_lines_are_the_error_and_captured_sections_are_captured() -> None:
    run = drive_file("pytest-rA.log")
    enum_key = TestKey("tests/test_jobs.py", "TestStatusTransitions > test_done_is_rejected")
    assert context_at(run, "E           psycopg.errors.InvalidTextRepresentation") == LineContext(
        enum_key, BlockKind.TEST, Zone.ERROR
    )
    captured = run.line_of("-- Captured log call --", run.line_of("InvalidTextRepresentation"))
    assert run.contexts[captured] == LineContext(enum_key, BlockKind.TEST, Zone.CAPTURED)
    log_line = run.line_of("ERROR    course_service.jobs:jobs.py:88")
    assert run.contexts[log_line] == LineContext(enum_key, BlockKind.TEST, Zone.CAPTURED)


def test_a_structured_log_line_in_pytest_captured_output_is_captured() -> None:
    run = drive_file("pytest-rA.log")
    number = next(n for n, record in run.records.items() if record.log is not None)
    context = run.contexts[number]
    assert context.zone is Zone.CAPTURED
    assert context.key.name == "TestStatusTransitions > test_done_is_rejected"


def test_setup_and_teardown_errors_are_their_own_blocks() -> None:
    run = drive_file("pytest-rA.log")
    setup = context_at(run, "E           DETAIL:  Key (user_id)=(424242)")
    teardown = context_at(run, "E           DETAIL:  Key (id)=(17) is still referenced")
    assert setup is not None and setup.kind is BlockKind.SETUP
    assert teardown is not None and teardown.kind is BlockKind.TEARDOWN
    teardown_log = context_at(run, "WARNING  course_service.db:db.py:133")
    assert teardown_log is not None and teardown_log.zone is Zone.CAPTURED


def test_pytest_passes_section_is_not_a_failure() -> None:
    run = drive_file("pytest-rA.log", regex=EVERY_LINE)
    passes = run.line_of("= PASSES =")
    assert context_at(run, "issued token for test-instructor1", passes) is None


def test_a_short_summary_line_is_the_tests_error() -> None:
    run = drive_file("pytest-rA.log")
    line = run.line_of("FAILED tests/test_phases.py::test_parse_phase4_output - ")
    assert run.contexts[line] == LineContext(
        TestKey("tests/test_phases.py", "test_parse_phase4_output"), BlockKind.TEST, Zone.ERROR
    )


def test_a_jest_block_is_the_error_and_its_console_block_is_not_a_failure() -> None:
    run = drive_file("jest.log")
    key = TestKey(
        "src/api/__tests__/analysis.test.ts",
        "analysis router > getStatus > reports completed jobs with a valid status",
    )
    assert context_at(run, '    Received: "failed"') == LineContext(key, BlockKind.TEST, Zone.ERROR)
    assert context_at(run, "> 60 |") == LineContext(key, BlockKind.TEST, Zone.ERROR)
    assert context_at(run, "Job 412: could not create job status") is None
    assert context_at(run, "Test Suites:") is None


def test_a_suite_that_failed_to_run_is_a_suite_block() -> None:
    run = drive_file("jest-suite-failure.log")
    context = context_at(run, "Cannot find module")
    assert context == LineContext(
        TestKey("src/db/__tests__/migrations.test.ts", ""), BlockKind.SUITE, Zone.ERROR
    )


def test_a_vitest_hook_failure_is_a_setup_block_of_the_suite() -> None:
    run = drive_file("vitest-hook-failure.log")
    key = TestKey(ANALYSIS, "Analysis Router (contract)")
    assert context_at(run, "Caused by: AuthApiError") == LineContext(
        key, BlockKind.SETUP, Zone.ERROR
    )
    auth_log = next(n for n, r in run.records.items() if r.log is not None)
    assert "Database error creating new user" in run.records[auth_log].text
    assert auth_log not in run.contexts


def test_junit_failure_text_is_the_error_and_system_err_of_a_failed_case_is_captured() -> None:
    run = drive_file("junit-vitest.xml")
    assert context_at(run, "❯ parsePhaseOutput") == LineContext(
        PARSE_KEY, BlockKind.TEST, Zone.ERROR
    )
    assert context_at(run, "+ failed") == LineContext(STATUS_KEY, BlockKind.TEST, Zone.ERROR)
    system_err = run.line_of("<system-err>")
    assert run.contexts[system_err].zone is Zone.CAPTURED
    assert context_at(run, "<system-out>") is None  # of a passing testcase


def test_tap_yaml_block_of_a_failing_point_is_its_error() -> None:
    run = drive_file("tap.log")
    context = context_at(run, "failureType: 'testCodeFailure'")
    assert context is not None and context.zone is Zone.ERROR
    assert context.key.name == "analysis router > parses the phase 4 model output"
    every_line = drive_file("tap.log", regex=EVERY_LINE)
    assert context_at(every_line, "failureType: 'subtestsFailed'") is None


def test_go_log_after_a_failure_and_a_panic_are_its_error() -> None:
    run = drive_file("go-test.log")
    assert context_at(run, "phases_test.go:28: raw output") == LineContext(
        TestKey("", "TestParsePhase4Output"), BlockKind.TEST, Zone.ERROR
    )
    assert context_at(run, "goroutine 21 [running]") == LineContext(
        TestKey("", "TestCreateCourse"), BlockKind.TEST, Zone.ERROR
    )
    assert context_at(run, "FAIL\tgithub.com/acme/courses/internal/store") is None


def test_mocha_numbered_failures_are_linked_to_their_tests() -> None:
    run = drive_file("mocha.log")
    epilogue = run.line_of("failing")
    assert context_at(
        run, "at Context.<anonymous> (test/analysis.test.js", epilogue
    ) == LineContext(
        TestKey("", "reports completed jobs with a valid status"), BlockKind.TEST, Zone.ERROR
    )


def test_parsers_read_densely_only_inside_failure_blocks() -> None:
    """The passing files and the app's info logs before the failures are never fed."""
    run = drive_file("vitest-pino-nocolor.log")
    first_fail = run.line_of(" FAIL  ")
    before = [n for n in run.records if n < first_fail]
    assert all(
        not run.records[n].text.startswith(("Setting up", "Test tRPC", "Created course"))
        for n in before
    )
    info_logs = [n for n in before if run.records[n].log is not None]
    assert all((run.records[n].level or 0) >= 40 for n in info_logs)


def message_of(event: TestReported | FailureReported) -> str:
    return event.result.message if isinstance(event, TestReported) else event.message


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"junit-pytest.xml"}))
def test_a_line_that_carries_an_error_names_it_in_its_first_event(name: str) -> None:
    """The pipeline reads a line's error from the first test event the line produced: a line
    whose events tell an error message must not start with a message-less one. (Single-line
    JUnit XML, where one line closes a passed testcase and opens a failed one, is the
    exception.)"""
    run = drive_file(name)
    for number, events in run.events_of_line.items():
        tests = [e for e in events if isinstance(e, TestReported | FailureReported)]
        messages = [message_of(e) for e in tests]
        if any(messages):
            assert messages[0], (number, run.records[number].text)
