"""RSpec, unittest/Django and Maven Surefire output, driven as the scanner drives it."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from harness import EVERY_LINE, SPARSE, Run, drive
from more_runners_cases import (
    CONTROLLER_TEST,
    ECOSYSTEMS,
    EXPECTED,
    IMPORT_JOB,
    SERVICE_TEST,
    SETUP,
    SUITE,
    TEARDOWN,
    TEST,
    F,
    Failure,
    P,
    S,
)

from testtriage.core.records import build_record
from testtriage.core.results import (
    BlockKind,
    FailureReported,
    LineContext,
    RunEvent,
    TestKey,
    TestReported,
    TestStatus,
    TotalsReported,
    Zone,
)
from testtriage.core.runners import PARSERS, RunnerMux
from testtriage.core.runners.surefire import split_test
from testtriage.core.runners.unittest import describe


def drive_fixture(
    name: str, *, chunk_size: int = 4096, regex: Any = SPARSE, finish: bool = True
) -> Run:
    data = (ECOSYSTEMS / name).read_bytes()
    return drive(data, Path(name).name, chunk_size=chunk_size, regex=regex, finish=finish)


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def fixture_run(request: pytest.FixtureRequest) -> tuple[str, Run]:
    name: str = request.param
    return name, drive_fixture(name)


def test_every_runner_fixture_has_expectations() -> None:
    names = {f"runners/{path.name}" for path in (ECOSYSTEMS / "runners").iterdir()}
    assert names <= set(EXPECTED)


def test_the_runner_is_detected_once(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    assert run.runners == [EXPECTED[name].runner]


def test_the_end_of_run_marker_is_seen(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    assert run.finished is EXPECTED[name].finished


def test_totals_match_the_runner(fixture_run: tuple[str, Run]) -> None:
    name, run = fixture_run
    totals = run.totals
    assert totals is not None
    got = (totals.passed, totals.failed, totals.skipped, totals.errors, totals.total)
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
        if failure.kind is not TEST:
            continue
        result = run.results[TestKey(failure.file, failure.name)]
        assert result.status is F
        # A first line naming only the error's type is told again with the line after it.
        assert result.message.startswith(failure.message)


def test_every_context_names_a_reported_failure(fixture_run: tuple[str, Run]) -> None:
    _, run = fixture_run
    assert {context.key for context in run.contexts.values()} <= set(run.failures)


def test_a_line_that_carries_an_error_names_it_in_its_first_event(
    fixture_run: tuple[str, Run],
) -> None:
    _, run = fixture_run
    for number, events in run.events_of_line.items():
        tests = [e for e in events if isinstance(e, TestReported | FailureReported)]
        messages = [e.result.message if isinstance(e, TestReported) else e.message for e in tests]
        if any(messages):
            assert messages[0], (number, run.records[number].text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("chunk_size", [97, 1024])
def test_block_boundaries_and_extra_candidates_change_nothing(name: str, chunk_size: int) -> None:
    reference = drive_fixture(name)
    for run in (drive_fixture(name, chunk_size=chunk_size), drive_fixture(name, regex=EVERY_LINE)):
        assert run.results == reference.results
        assert run.failures == reference.failures
        assert run.totals == reference.totals
        assert run.contexts == reference.contexts


# --- where lines sit --------------------------------------------------------------------------


def context_of(run: Run, text: str, start: int = 1) -> LineContext | None:
    return run.contexts.get(run.line_of(text, start))


def test_rspec_exception_and_cause_are_the_error_and_the_rerun_line_repeats_it() -> None:
    run = drive_fixture("rails-rspec.log")
    key = TestKey("", IMPORT_JOB)
    error = LineContext(key, TEST, Zone.ERROR)
    assert context_of(run, "ActiveRecord::InvalidForeignKey:") == error
    assert context_of(run, "#   DETAIL:  Key (course_id)=(999)") == error
    assert context_of(run, "rspec ./spec/jobs/import_jobs_job_spec.rb:15") == error
    # The Rails log lines printed between the progress characters belong to no failure.
    assert context_of(run, "E, [2025-11-02T16:35:15.012345 #4242] ERROR") is None
    assert context_of(run, "Pending:") is None


def test_rspec_progress_glued_to_logger_lines_is_counted() -> None:
    run = drive_fixture("rails-rspec.log", finish=False)
    tallies = [
        event
        for events in run.events_of_line.values()
        for event in events
        if isinstance(event, TotalsReported)
    ]
    # Before the counts: 24 passed, 3 failed and 1 pending from the characters alone.
    running = tallies[-2]
    assert (running.passed, running.failed, running.skipped) == (24, 3, 1)


def test_unittest_output_of_a_running_test_is_not_its_failure() -> None:
    run = drive_fixture("django-unittest.log")
    # The request log printed while the test ran precedes its outcome: no failure yet.
    assert context_of(run, "Internal Server Error: /api/jobs/") is None
    key = TestKey("jobs.tests.test_api", "JobApiTests > test_create_job_for_missing_course")
    header = run.line_of("ERROR: test_create_job_for_missing_course")
    assert run.contexts[header] == LineContext(key, TEST, Zone.ERROR)
    assert context_of(run, "django.db.utils.IntegrityError", header) == LineContext(
        key, TEST, Zone.ERROR
    )
    background = TestKey(
        "jobs.tests.test_tasks", "ImportTaskTests > test_import_feed_runs_in_background"
    )
    assert run.results[background].status is P


def test_unittest_buffered_output_is_captured_and_the_last_rule_ends_the_block() -> None:
    run = drive_fixture("runners/unittest-dots.log")
    key = TestKey("tests.test_refunds", "RefundTests > test_refund_of_unknown_invoice")
    assert context_of(run, "LookupError: invoice 9999") == LineContext(key, TEST, Zone.ERROR)
    assert context_of(run, "WARNING:billing.refunds") == LineContext(key, TEST, Zone.CAPTURED)
    assert context_of(run, "Ran 14 tests") is None


def test_surefire_stack_is_the_error_and_app_logs_around_it_are_not() -> None:
    run = drive_fixture("spring-maven.log")
    key = TestKey(SERVICE_TEST, "createsJobForExistingCourse")
    error = LineContext(key, TEST, Zone.ERROR)
    block = run.line_of("<<< ERROR!")
    assert context_of(run, "Caused by: org.postgresql.util.PSQLException", block) == error
    assert context_of(run, "  Detail: Key (course_id)=(42)", block) == error
    # Hibernate's log of the same error, printed while the test ran, is outside it.
    assert context_of(run, "SqlExceptionHelper   : ERROR: insert or update") is None
    results = run.line_of("[INFO] Results:")
    assert context_of(run, "JobServiceTest.createsJobForExistingCourse:48", results) == error


def test_surefire_durations_are_read_in_milliseconds() -> None:
    assert drive_fixture("spring-maven.log").results[
        TestKey(SERVICE_TEST, "createsJobForExistingCourse")
    ].duration_ms == pytest.approx(87.0)
    assert drive_fixture("runners/surefire-legacy.log").results[
        TestKey(CONTROLLER_TEST, "createsJob")
    ].duration_ms == pytest.approx(212.0)
    assert drive_fixture("runners/surefire-2.19-plain.log").results[
        TestKey("com.acme.billing.InvoiceTest", "totalsByCurrency")
    ].duration_ms == pytest.approx(11.0)


def test_app_logs_of_a_passing_build_are_never_fed() -> None:
    """Spring Boot's startup lines and Django's migrations are not the runner's."""
    for name, quiet in (
        ("spring-maven.log", " INFO 4242 --- "),
        ("django-unittest.log", "  Applying "),
    ):
        run = drive_fixture(name)
        assert not any(quiet in record.text for record in run.records.values()), name


# --- single formats ---------------------------------------------------------------------------


def drive_text(text: str) -> Run:
    return drive(text.encode())


def test_unittest_names_before_python_3_11_docstrings_and_subtests() -> None:
    run = drive_text(
        "test_create (jobs.tests.JobTests) ... ok\n"
        "test_finish (jobs.tests.JobTests)\n"
        "Finishing a job records its status ... FAIL\n"
        "test_statuses (jobs.tests.JobTests.test_statuses) ... \n"
        "  test_statuses (jobs.tests.JobTests.test_statuses) (status='done') ... FAIL\n"
        "test_skip (jobs.tests.JobTests) ... skipped 'no search backend'\n"
        "\n"
        "----------------------------------------------------------------------\n"
        "Ran 4 tests in 0.010s\n"
        "\n"
        "FAILED (failures=2, skipped=1)\n"
    )
    assert run.runners == ["unittest"]
    statuses = {key.name: result.status for key, result in run.results.items()}
    assert statuses == {
        "JobTests > test_create": P,
        "JobTests > test_finish": F,
        "JobTests > test_statuses (status='done')": F,
        "JobTests > test_skip": S,
    }
    assert run.finished


def test_unittest_with_no_tests() -> None:
    run = drive_text(
        "Found 0 test(s).\nSystem check identified no issues (0 silenced).\n\n"
        "----------------------------------------------------------------------\n"
        "Ran 0 tests in 0.000s\n\nNO TESTS RAN\n"
    )
    totals = run.totals
    assert run.finished and totals is not None and totals.total == 0


@pytest.mark.parametrize(
    ("description", "key", "kind"),
    [
        ("test_x (a.b.C.test_x)", TestKey("a.b", "C > test_x"), TEST),
        ("test_x (a.b.C)", TestKey("a.b", "C > test_x"), TEST),
        ("setUpClass (a.b.C)", TestKey("a.b", "C"), SETUP),
        ("tearDownModule (a.b)", TestKey("a.b", ""), TEARDOWN),
        ("a.b (unittest.loader._FailedTest.a.b)", TestKey("a.b", ""), SUITE),
        ("b (unittest.loader._FailedTest)", TestKey("b", ""), SUITE),
    ],
)
def test_unittest_descriptions(description: str, key: TestKey, kind: BlockKind) -> None:
    method, _, dotted = description.partition(" (")
    assert describe(method, dotted.rstrip(")")) == (key, kind)


@pytest.mark.parametrize(
    ("name", "current", "key"),
    [
        ("com.acme.FooTest.creates", "com.acme.FooTest", TestKey("com.acme.FooTest", "creates")),
        (
            "com.acme.FooTest.parses(String)[2]",
            "",
            TestKey("com.acme.FooTest", "parses(String)[2]"),
        ),
        ("com.acme.FooTest$Nested.x", "", TestKey("com.acme.FooTest$Nested", "x")),
        ("com.acme.FooTest", "com.acme.FooTest", TestKey("com.acme.FooTest", "")),
        ("com.acme.FooIT", "", TestKey("com.acme.FooIT", "")),
        (
            "Job service creates a job",
            "com.acme.FooTest",
            TestKey("com.acme.FooTest", "Job service creates a job"),
        ),
        ("com.acme.FooTest.creates a job()", "", TestKey("com.acme.FooTest", "creates a job()")),
    ],
)
def test_surefire_test_names(name: str, current: str, key: TestKey) -> None:
    assert split_test(name, current) == key


def test_surefire_quiet_build_without_the_results_heading() -> None:
    run = drive_text(
        "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.2 s <<< FAILURE!"
        " -- in com.acme.FooTest\n"
        "[ERROR] com.acme.FooTest.bar -- Time elapsed: 0.01 s <<< FAILURE!\n"
        "org.opentest4j.AssertionFailedError: expected: <1> but was: <2>\n"
        "\tat com.acme.FooTest.bar(FooTest.java:12)\n"
        "\n"
        "[ERROR] Failures: \n"
        "[ERROR]   FooTest.bar:12 expected: <1> but was: <2>\n"
        "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0\n"
    )
    totals = run.totals
    assert totals is not None and (totals.passed, totals.failed, totals.total) == (1, 1, 2)
    assert run.finished
    assert run.results[TestKey("com.acme.FooTest", "bar")].status is F


@pytest.mark.parametrize(
    ("first", "banner", "runner"),
    [
        ("rails-rspec.log", "Run options: include {focus: true}", "rspec"),
        ("django-unittest.log", "Found 3 test(s).", "unittest"),
        ("spring-maven.log", "[INFO] Scanning for projects...", "junit"),
    ],
)
def test_a_second_run_starts_at_its_banner(first: str, banner: str, runner: str) -> None:
    data = (ECOSYSTEMS / first).read_bytes() + banner.encode() + b"\n"
    run = drive(data)
    assert run.runners == [runner, runner]


@pytest.mark.parametrize(
    "line",
    [
        "12 examples, 2 failures, 1 pending",
        "Finished in 1.23 seconds (files took 0.5 seconds to load)",
        "An error occurred while loading ./spec/models/job_spec.rb.",
        "rspec ./spec/models/job_spec.rb:12 # Job is valid",
        "test_x (app.tests.TestY.test_x) ... ok",
        "Ran 12 tests in 0.345s",
        "ERROR: test_x (app.tests.TestY.test_x)",
        "[INFO] Running com.acme.jobs.JobServiceTest",
        "[ERROR] Tests run: 5, Failures: 1, Errors: 1, Skipped: 0, Time elapsed: 2.3 s <<< FAILURE!"
        " -- in com.acme.jobs.JobServiceTest",
    ],
)
def test_each_runner_line_is_claimed_by_its_own_parser_only(line: str) -> None:
    record = build_record("probe", 1, line.encode())
    claimants = [parser.name for parser in PARSERS if parser("probe").claims(record)]
    assert len(claimants) == 1, claimants


def test_app_log_lines_are_claimed_by_no_runner() -> None:
    lines = [
        "E, [2025-11-02T16:35:14.123456 #4242] ERROR -- : PG::ForeignKeyViolation: ERROR:  x",
        "ERROR 2025-11-02 16:35:14,123 tasks 4242 139872114 Import of feed 7 failed",
        "2025-11-02T16:35:14.123Z ERROR 4242 --- [jobs] [main] o.h.e.j.s.SqlExceptionHelper"
        " : ERROR: insert or update on table",
        "  Applying jobs.0001_initial... OK",
        "[INFO] Building jobs 0.4.2-SNAPSHOT",
    ]
    for line in lines:
        record = build_record("probe", 1, line.encode())
        assert not [p.name for p in PARSERS if p("probe").claims(record)], line


def test_feeding_one_record_never_announces_an_empty_block() -> None:
    """An error block is announced once it opens, with its test, by every new parser."""
    mux = RunnerMux("probe")
    out: list[RunEvent] = []
    for number, line in enumerate(
        ["Randomized with seed 1", "Failures:", "", "  1) Job is valid", "     boom"], 1
    ):
        mux.feed(build_record("probe", number, line.encode()), out)
    announced = [e for e in out if isinstance(e, FailureReported)]
    assert announced and all(e.key == TestKey("", "Job is valid") for e in announced)


def test_large_passing_runs_stay_sparse() -> None:
    """App logs between the runner's lines are never fed, and nothing is read densely."""
    maven = [b"[INFO] Scanning for projects...", b"[INFO]  T E S T S"]
    django = [b"Found 600 test(s).", b"System check identified no issues (0 silenced)."]
    for index in range(600):
        maven.append(b"[INFO] Running com.acme.p%d.FooTest" % index)
        maven.append(b"2025-11-02T16:35:14.123Z  INFO 4242 --- [main] c.a.Foo : handled %d" % index)
        maven.append(
            b"[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.1 s"
            b" -- in com.acme.p%d.FooTest" % index
        )
        django.append(b"INFO 2025-11-02 16:35:14,123 views 4242 1 request %d handled" % index)
        django.append(b"test_%d (app.tests.FooTests.test_%d) ... ok" % (index, index))
    maven += [b"[INFO] Results:", b"[INFO] Tests run: 600, Failures: 0, Errors: 0, Skipped: 0"]
    django += [b"-" * 70, b"Ran 600 tests in 1.234s", b"", b"OK"]
    for lines, quiet in ((maven, " INFO 4242 "), (django, "INFO 2025")):
        run = drive(b"\n".join(lines) + b"\n")
        assert run.dense_lines == 0
        assert run.finished
        assert not any(quiet in record.text for record in run.records.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shuffled_and_cut_lines_never_crash(name: str) -> None:
    """Lines of a fixture in any order, cut anywhere, never crash its parser."""
    rng = random.Random(name)
    lines = (ECOSYSTEMS / name).read_bytes().split(b"\n")
    for _ in range(10):
        mangled = [line[: rng.randint(0, len(line))] for line in rng.sample(lines, len(lines))]
        drive(b"\n".join(mangled))
