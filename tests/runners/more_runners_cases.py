"""What each RSpec, unittest and Surefire fixture must yield, for test_more_runners."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from testtriage.core.results import BlockKind, TestStatus

ECOSYSTEMS = Path(__file__).resolve().parent.parent / "fixtures" / "ecosystems"

P, F, S, E = TestStatus.PASSED, TestStatus.FAILED, TestStatus.SKIPPED, TestStatus.ERROR
TEST, SETUP, TEARDOWN, SUITE = BlockKind.TEST, BlockKind.SETUP, BlockKind.TEARDOWN, BlockKind.SUITE


@dataclass(frozen=True)
class Failure:
    file: str
    name: str
    kind: BlockKind
    message: str


@dataclass(frozen=True)
class Expected:
    runner: str
    finished: bool
    totals: tuple[int, int, int, int, int | None]
    """The last TotalsReported as (passed, failed, skipped, errors, total)."""
    named: dict[TestStatus, int]
    failures: tuple[Failure, ...]


IMPORT_JOB = "ImportJobsJob with a course that was deleted imports the jobs into the course"
JWT_JOB = "Api::Jobs GET /api/jobs with a token issued yesterday returns the instructor's jobs"
SPRING_FK = (
    "org.springframework.dao.DataIntegrityViolationException: could not execute statement [ERROR:"
    ' insert or update on table "job" violates foreign key constraint "fk_job_course"'
)
DJANGO_FK = (
    'psycopg.errors.ForeignKeyViolation: insert or update on table "jobs_job" violates foreign key'
    ' constraint "jobs_job_course_id_8a1b2c3d_fk_courses_course_id"'
)
SERVICE_TEST = "com.acme.jobs.JobServiceTest"
CONTROLLER_TEST = "com.acme.jobs.api.JobControllerTest"

EXPECTED: dict[str, Expected] = {
    "rails-rspec.log": Expected(
        "rspec",
        True,
        (24, 3, 1, 0, 28),
        {F: 3, S: 1},
        (
            Failure(
                "",
                IMPORT_JOB,
                TEST,
                "ActiveRecord::InvalidForeignKey: PG::ForeignKeyViolation: ERROR:  insert or update"
                ' on table "jobs" violates foreign key constraint "fk_rails_3b9c2f1a7d"',
            ),
            Failure("", JWT_JOB, TEST, "JWT::ExpiredSignature: Signature has expired"),
            Failure(
                "",
                "Job#finish! records the finished status",
                TEST,
                "ArgumentError: 'done' is not a valid status",
            ),
        ),
    ),
    "runners/rspec-documentation.log": Expected(
        "rspec",
        True,
        (6, 3, 1, 0, 10),
        {F: 3, S: 1},
        (
            Failure("", "Job#finish! records the finished status", TEST, 'expected: "done"'),
            Failure(
                "",
                "Api::Jobs GET /api/jobs with a token issued yesterday returns 401",
                TEST,
                "expected the response to have status code :unauthorized (401) but it was"
                " :internal_server_error (500)",
            ),
            Failure(
                "",
                "Api::Jobs POST /api/jobs creates a job",
                TEST,
                "expected the response to have status code :created (201) but it was"
                " :unprocessable_entity (422)",
            ),
        ),
    ),
    "runners/rspec-before-suite.log": Expected(
        "rspec",
        True,
        (0, 0, 0, 1, 0),
        {},
        (
            Failure(
                "",
                "before(:suite) hook",
                SETUP,
                'ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "job_runs"'
                " does not exist",
            ),
        ),
    ),
    "runners/rspec-load-error.log": Expected(
        "rspec",
        True,
        (0, 0, 0, 1, 0),
        {},
        (
            Failure(
                "./spec/models/report_spec.rb", "", SUITE, "NameError: uninitialized constant Corse"
            ),
        ),
    ),
    "django-unittest.log": Expected(
        "unittest",
        True,
        (10, 3, 1, 0, 14),
        {P: 10, F: 3, S: 1},
        (
            Failure(
                "jobs.tests.test_api",
                "JobApiTests > test_create_job_for_missing_course",
                TEST,
                DJANGO_FK,
            ),
            Failure(
                "jobs.tests.test_models",
                "JobStatusTests > test_finished_job_is_marked_done",
                TEST,
                "django.core.exceptions.ValidationError: {'status': [\"Value 'done' is not a valid"
                ' choice."]}',
            ),
            Failure(
                "courses.tests.test_api",
                "CourseApiTests > test_list_courses_is_paginated",
                TEST,
                "AssertionError: 3 != 2",
            ),
        ),
    ),
    "runners/unittest-dots.log": Expected(
        "unittest",
        True,
        (8, 3, 2, 2, 13),
        {F: 3},
        (
            Failure("tests.test_reports", "ReportExportTests", SETUP, "KeyError: 'REPORTS_BUCKET'"),
            Failure(
                "tests.test_legacy",
                "",
                SUITE,
                "ModuleNotFoundError: No module named 'billing.legacy'",
            ),
            Failure(
                "tests.test_refunds",
                "RefundTests > test_refund_of_unknown_invoice",
                TEST,
                "LookupError: invoice 9999 not found",
            ),
            Failure(
                "tests.test_invoices",
                "InvoiceTotalsTests > test_totals_by_currency (currency='EUR')",
                TEST,
                "AssertionError: Decimal('120.00') != Decimal('119.99')",
            ),
            Failure(
                "tests.test_webhooks",
                "WebhookTests > test_webhook_signature",
                TEST,
                "AssertionError: False is not true",
            ),
        ),
    ),
    "spring-maven.log": Expected(
        "junit",
        True,
        (8, 3, 1, 0, 12),
        {F: 3},
        (
            Failure(SERVICE_TEST, "createsJobForExistingCourse", TEST, SPRING_FK),
            Failure(
                SERVICE_TEST,
                "listsFinishedJobs",
                TEST,
                "org.springframework.dao.InvalidDataAccessApiUsageException: No enum constant"
                " com.acme.jobs.JobStatus.DONE",
            ),
            Failure(
                SERVICE_TEST,
                "reportsJobCountPerCourse",
                TEST,
                "org.opentest4j.AssertionFailedError: expected: <3> but was: <2>",
            ),
        ),
    ),
    "runners/surefire-legacy.log": Expected(
        "junit",
        True,
        (8, 2, 1, 0, 11),
        {F: 2},
        (
            Failure(
                CONTROLLER_TEST,
                "createsJob",
                TEST,
                "org.springframework.dao.DataIntegrityViolationException: could not execute"
                " statement; SQL [n/a]; constraint [fk_job_course]; nested exception is"
                " org.hibernate.exception.ConstraintViolationException: could not execute"
                " statement",
            ),
            Failure(
                CONTROLLER_TEST,
                "listsJobsForInstructor",
                TEST,
                "java.lang.AssertionError: Status expected:<200> but was:<401>",
            ),
        ),
    ),
    "runners/surefire-2.19-plain.log": Expected(
        "junit",
        True,
        (4, 1, 0, 0, 5),
        {F: 1},
        (
            Failure(
                "com.acme.billing.InvoiceTest",
                "totalsByCurrency",
                TEST,
                "java.lang.AssertionError: expected:<120.00> but was:<119.99>",
            ),
        ),
    ),
    "runners/failsafe-testcontainers.log": Expected(
        "junit",
        True,
        (6, 1, 0, 1, 8),
        {F: 1},
        (
            Failure(
                "com.acme.jobs.JobRepositoryIT",
                "",
                SETUP,
                "java.lang.IllegalStateException: Could not find a valid Docker environment."
                " Please see logs and check configuration",
            ),
            Failure(
                "com.acme.jobs.ReportExportIT",
                "exportsCsv(String)[2]",
                TEST,
                "org.opentest4j.AssertionFailedError: expected: <title,course,status> but was:"
                " <title,course>",
            ),
        ),
    ),
    "runners/surefire-jdbc-trimmed.log": Expected(
        "junit",
        True,
        (2, 1, 0, 0, 3),
        {F: 1},
        (
            Failure(
                "com.acme.jobs.dao.JobDaoTest",
                "insertsJobForMissingCourse",
                TEST,
                "org.postgresql.util.PSQLException:",
            ),
        ),
    ),
}
