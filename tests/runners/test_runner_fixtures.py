"""Every fixture log, driven as the scanner drives it: counts, names, messages, end of run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from harness import Run, drive_file

from testtriage.core.results import BlockKind, TestKey, TestStatus


@dataclass(frozen=True)
class Failure:
    """A failure block the fixture must yield: its test, kind and first error line."""

    file: str
    name: str
    kind: BlockKind
    message: str


@dataclass(frozen=True)
class Expected:
    runner: str
    finished: bool
    totals: tuple[int, int, int, int, int | None] | None
    """The last TotalsReported as (passed, failed, skipped, errors, total)."""
    named: dict[TestStatus, int]
    """Named test results by status (tests the output names one by one)."""
    failures: tuple[Failure, ...]


P, F, S, E = TestStatus.PASSED, TestStatus.FAILED, TestStatus.SKIPPED, TestStatus.ERROR
TEST, SETUP, TEARDOWN, SUITE = BlockKind.TEST, BlockKind.SETUP, BlockKind.TEARDOWN, BlockKind.SUITE

ANALYSIS = "tests/contract/analysis.test.ts"
PARSE_TEST = "Analysis Router (contract) > analysis.start > should parse the phase 4 model output into a course structure"  # noqa: E501
STATUS_TEST = "Analysis Router (contract) > analysis.getStatus > should report completed jobs with a valid status"  # noqa: E501
JSON_ERROR = "SyntaxError: Unexpected token 'T', \"The course\"... is not valid JSON"
STORY_FAILURES = (
    Failure(ANALYSIS, PARSE_TEST, TEST, JSON_ERROR),
    Failure(
        ANALYSIS,
        STATUS_TEST,
        TEST,
        'TRPCClientError: invalid input value for enum job_status_enum: "done"',
    ),
)
ASSERTION = "AssertionError: expected 'failed' to be 'completed' // Object.is equality"
PY_JSON = "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
PY_ENUM = (
    'psycopg.errors.InvalidTextRepresentation: invalid input value for enum job_status_enum: "done"'
)
PY_SETUP_FK = (
    'psycopg.errors.ForeignKeyViolation: insert or update on table "courses" violates foreign key'
    ' constraint "courses_user_id_fkey"'
)
PY_TEARDOWN_FK = (
    'psycopg.errors.ForeignKeyViolation: update or delete on table "courses" violates foreign key'
    ' constraint "job_status_course_id_fkey" on table "job_status"'
)
GO_ENUM = 'set status: ERROR: invalid input value for enum job_status_enum: "done" (SQLSTATE 22P02)'

EXPECTED: dict[str, Expected] = {
    "vitest-pino-colour.log": Expected("vitest", True, (36, 2, 1, 0, 39), {F: 2}, STORY_FAILURES),
    "vitest-pino-nocolor.log": Expected("vitest", True, (36, 2, 1, 0, 39), {F: 2}, STORY_FAILURES),
    "vitest-minimal.log": Expected(
        "vitest",
        False,
        (18, 2, 0, 0, 20),
        {F: 2},
        (
            Failure(ANALYSIS, PARSE_TEST, TEST, JSON_ERROR),
            Failure(ANALYSIS, STATUS_TEST, TEST, ASSERTION),
        ),
    ),
    "vitest-verbose.log": Expected(
        "vitest",
        True,
        (8, 1, 2, 0, 11),
        {P: 8, F: 1, S: 2},
        (
            Failure(
                "src/lib/status.test.ts",
                "parseStatus > rejects legacy values",
                TEST,
                "AssertionError: expected [Function] to throw error including 'invalid input value"
                " for enum' but got 'Unknown status: done'",
            ),
        ),
    ),
    "vitest-hook-failure.log": Expected(
        "vitest",
        True,
        (14, 0, 20, 0, 34),
        {},
        (
            Failure(
                ANALYSIS,
                "Analysis Router (contract)",
                SETUP,
                "Error: Failed to create auth user for test-instructor1@megacampus.com: Database"
                " error creating new user",
            ),
        ),
    ),
    "vitest-junit-stdout.log": Expected(
        "junit",
        True,
        (4, 2, 1, 0, 7),
        {P: 4, F: 2, S: 1},
        (
            Failure(ANALYSIS, PARSE_TEST, TEST, JSON_ERROR),
            Failure(ANALYSIS, STATUS_TEST, TEST, ASSERTION),
        ),
    ),
    "vitest-tap.log": Expected(
        "tap",
        True,
        None,
        {P: 3, F: 1, S: 1},
        (
            Failure(
                ANALYSIS,
                "Analysis Router (contract) > should parse the phase 4 model output into a course"
                " structure",
                TEST,
                JSON_ERROR,
            ),
        ),
    ),
    "jest.log": Expected(
        "jest",
        True,
        (8, 1, 2, 0, 11),
        {P: 8, F: 1, S: 2},
        (
            Failure(
                "src/api/__tests__/analysis.test.ts",
                "analysis router > getStatus > reports completed jobs with a valid status",
                TEST,
                "expect(received).toBe(expected) // Object.is equality",
            ),
        ),
    ),
    "jest-suite-failure.log": Expected(
        "jest",
        True,
        (9, 0, 0, 0, 9),
        {},
        (
            Failure(
                "src/db/__tests__/migrations.test.ts",
                "",
                SUITE,
                "Cannot find module '../../generated/prisma' from"
                " 'src/db/__tests__/migrations.test.ts'",
            ),
        ),
    ),
    "pytest-q.log": Expected(
        "pytest",
        True,
        (38, 2, 1, 0, None),
        {F: 2},
        (
            # -q progress names no file, so failures are keyed by name alone.
            Failure("", "test_parse_phase4_output", TEST, PY_JSON),
            Failure(
                "",
                "TestStatusTransitions > test_done_is_rejected",
                TEST,
                "AssertionError: assert 'failed' == 'completed'",
            ),
        ),
    ),
    "pytest-v.log": Expected(
        "pytest",
        True,
        (8, 2, 2, 0, None),
        {P: 8, F: 2, S: 2},
        (
            Failure(
                "tests/test_jobs.py", "TestStatusTransitions > test_done_is_rejected", TEST, PY_ENUM
            ),
            Failure("tests/test_phases.py", "test_parse_phase4_output", TEST, PY_JSON),
        ),
    ),
    "pytest-rA.log": Expected(
        "pytest",
        True,
        (18, 2, 2, 2, None),
        {P: 18, F: 2, S: 1, E: 1},
        (
            Failure(
                "tests/test_courses.py", "test_create_course_for_missing_user", SETUP, PY_SETUP_FK
            ),
            Failure("tests/test_jobs.py", "test_update_job_status", TEARDOWN, PY_TEARDOWN_FK),
            Failure(
                "tests/test_jobs.py", "TestStatusTransitions > test_done_is_rejected", TEST, PY_ENUM
            ),
            Failure("tests/test_phases.py", "test_parse_phase4_output", TEST, PY_JSON),
        ),
    ),
    "pytest-xdist.log": Expected(
        "pytest",
        True,
        (8, 1, 1, 1, None),
        {P: 8, F: 1, S: 1},
        (
            Failure("tests/test_jobs.py", "test_update_job_status", TEARDOWN, PY_TEARDOWN_FK),
            Failure("tests/test_phases.py", "test_parse_phase4_output", TEST, PY_JSON),
        ),
    ),
    "junit-pytest.xml": Expected(
        "junit",
        True,
        (4, 1, 2, 3, None),
        {P: 4, F: 1, S: 2, E: 1},
        (
            Failure(
                "tests/test_courses.py", "test_create_course_for_missing_user", SETUP, PY_SETUP_FK
            ),
            Failure("tests/test_jobs.py", "test_update_job_status", TEARDOWN, PY_TEARDOWN_FK),
            Failure(
                "tests/test_jobs.py", "TestStatusTransitions > test_done_is_rejected", TEST, PY_ENUM
            ),
            Failure(
                "tests/test_legacy.py",
                "",
                SUITE,
                "ImportError while importing test module"
                " '/home/ci/course-service/tests/test_legacy.py'.",
            ),
        ),
    ),
    "junit-vitest.xml": Expected(
        "junit",
        True,
        (4, 2, 1, 0, 7),
        {P: 4, F: 2, S: 1},
        (
            Failure(ANALYSIS, PARSE_TEST, TEST, JSON_ERROR),
            Failure(ANALYSIS, STATUS_TEST, TEST, ASSERTION),
        ),
    ),
    "tap.log": Expected(
        "tap",
        True,
        (3, 2, 2, 0, 7),
        {P: 3, F: 2, S: 2},
        (
            Failure(
                "test/analysis.test.js",
                "analysis router > parses the phase 4 model output",
                TEST,
                "Unexpected token 'T', \"The course\"... is not valid JSON",
            ),
            Failure(
                "test/status.test.js",
                "parseStatus rejects legacy values",
                TEST,
                'invalid input value for enum job_status_enum: "done"',
            ),
        ),
    ),
    "go-test.log": Expected(
        "go",
        True,
        None,
        {P: 1, F: 4},
        (
            Failure("", "TestStatusTransitions > done_is_rejected", TEST, GO_ENUM),
            Failure(
                "",
                "TestParsePhase4Output",
                TEST,
                "parse phase 4 output: invalid character 'T' looking for beginning of value",
            ),
            Failure(
                "",
                "TestCreateCourse",
                TEST,
                "panic: runtime error: invalid memory address or nil pointer dereference"
                " [recovered]",
            ),
        ),
    ),
    "go-test-v.log": Expected(
        "go",
        True,
        None,
        {P: 3, F: 2, S: 1},
        (Failure("", "TestStatusTransitions > done_is_rejected", TEST, GO_ENUM),),
    ),
    "mocha.log": Expected(
        "mocha",
        True,
        (5, 3, 1, 0, None),
        {P: 6, F: 3, S: 1},
        (
            Failure(
                "",
                "reports completed jobs with a valid status",
                TEST,
                "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
            ),
            Failure(
                "",
                '"before each" hook for "creates a course owned by the instructor"',
                SETUP,
                'error: insert or update on table "courses" violates foreign key constraint'
                ' "courses_user_id_fkey"',
            ),
            Failure(
                "",
                "parses phase 4 output",
                TEST,
                "SyntaxError: Unexpected token 'T', \"The course\"... is not valid JSON",
            ),
        ),
    ),
}
"""The expected outcome of each fixture; every text fixture under `fixtures/logs` has a row."""


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def fixture_run(request: pytest.FixtureRequest) -> tuple[str, Run]:
    name: str = request.param
    return name, drive_file(name)


def test_every_text_fixture_has_expectations() -> None:
    from harness import FIXTURES

    names = {p.name for p in FIXTURES.iterdir() if p.suffix != ".json"}
    assert names == set(EXPECTED)


def test_the_runner_is_detected_once(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    assert run.runners == [EXPECTED[name].runner]


def test_the_end_of_run_marker_is_seen_only_when_printed(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    assert run.finished is EXPECTED[name].finished


def test_totals_match_the_runner(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    totals = run.totals
    got = (
        None
        if totals is None
        else (
            totals.passed,
            totals.failed,
            totals.skipped,
            totals.errors,
            totals.total,
        )
    )
    assert got == EXPECTED[name].totals


def test_named_results_by_status(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    got = {status: run.status_count(status) for status in TestStatus}
    want = {status: EXPECTED[name].named.get(status, 0) for status in TestStatus}
    assert got == want


def test_failure_blocks_name_their_test_kind_and_first_error(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    got = {
        Failure(key.file, key.name, event.kind, event.message)
        for key, event in run.failures.items()
    }
    assert got == set(EXPECTED[name].failures)


def test_failed_tests_carry_their_first_error_line(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    for failure in EXPECTED[name].failures:
        result = run.results.get(TestKey(failure.file, failure.name))
        if failure.kind is SUITE or (result is None and failure.kind is SETUP):
            continue
        assert result is not None, failure
        assert result.message == failure.message
        assert result.status in (F, E) or result.teardown_error


def test_every_context_names_a_reported_failure(fixture_run: tuple[str, Run]) -> None:
    """A context never points at a block the state was not told about."""
    _, run = fixture_run
    announced = set(run.failures)
    assert {context.key for context in run.contexts.values()} <= announced


@pytest.mark.parametrize(
    ("name", "key", "duration"),
    [
        (
            "vitest-verbose.log",
            TestKey("src/components/CourseCard.test.tsx", "CourseCard > renders the title"),
            38.0,
        ),
        ("vitest-minimal.log", TestKey(ANALYSIS, PARSE_TEST), 1204.0),
        (
            "jest.log",
            TestKey(
                "src/api/__tests__/analysis.test.ts",
                "analysis router > start > accepts a valid course",
            ),
            812.0,
        ),
        ("go-test.log", TestKey("", "TestStatusTransitions"), 20.0),
        (
            "tap.log",
            TestKey("test/analysis.test.js", "analysis router > parses the phase 4 model output"),
            3.9123,
        ),
        (
            "vitest-tap.log",
            TestKey(ANALYSIS, "Analysis Router (contract) > should return queued for a fresh job"),
            212.0,
        ),
        ("junit-vitest.xml", TestKey(ANALYSIS, STATUS_TEST), 2310.0),
        ("junit-pytest.xml", TestKey("tests/test_auth.py", "test_login_returns_token"), 21.0),
        ("mocha.log", TestKey("", "accepts a valid course"), 812.0),
    ],
)
def test_durations_are_read_in_milliseconds(name: str, key: TestKey, duration: float) -> None:
    result = drive_file(name).results[key]
    assert result.duration_ms == pytest.approx(duration)
