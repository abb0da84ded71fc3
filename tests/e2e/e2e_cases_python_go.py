"""Expected diagnoses of Django's test runner, pytest with structlog, go test -v with testify."""

from __future__ import annotations

from e2e_model import ECOSYSTEMS, Case, Finding

DJANGO_FK = "jobs.tests.test_api > JobApiTests > test_create_job_for_missing_course"
DJANGO_ENUM = "jobs.tests.test_models > JobStatusTests > test_finished_job_is_marked_done"
DJANGO_ASSERT = "courses.tests.test_api > CourseApiTests > test_list_courses_is_paginated"

PYTHON_GO: dict[str, Case] = {
    "django-unittest": Case(
        ECOSYSTEMS / "django-unittest.log",
        "unittest",
        (14, 10, 3, 1, 0),
        (DJANGO_FK, DJANGO_ENUM, DJANGO_ASSERT),
        (
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {
                    "constraint": "jobs_job_course_id_8a1b2c3d_fk_courses_course_id",
                    "table": "jobs_job",
                    "column": "course_id",
                    "referenced_table": "courses_course",
                    "key": "999",
                },
                True,
                (DJANGO_FK,),
            ),
            Finding(
                "enum",
                "invalid-choice-value",
                {"value": "done", "enum": "status"},
                True,
                (DJANGO_ENUM,),
            ),
            Finding("assertion", None, {}, True, (DJANGO_ASSERT,)),
            Finding("parse", "python-json-decode", {"reason": "Expecting value"}, False),
        ),
    ),
    "pytest-structlog": Case(
        ECOSYSTEMS / "pytest-structlog.log",
        "pytest",
        (11, 9, 2, 0, 1),
        (
            "tests/test_jobs.py > test_cancel_job",
            "tests/test_jobs.py > test_job_for_deleted_course",
            "tests/test_imports.py > test_import_feed",
        ),
        (
            Finding(
                "connection",
                "connection-refused",
                {"port": "6379"},
                True,
                ("tests/test_jobs.py > test_cancel_job",),
            ),
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {
                    "constraint": "jobs_course_id_fkey",
                    "table": "jobs",
                    "column": "course_id",
                    "referenced_table": "courses",
                },
                True,
                ("tests/test_jobs.py > test_job_for_deleted_course",),
            ),
            Finding(
                "parse",
                "python-json-decode",
                {"reason": "Expecting value"},
                True,
                ("tests/test_imports.py > test_import_feed",),
            ),
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {"constraint": "job_runs_job_id_fkey", "table": "job_runs", "column": "job_id"},
                False,
            ),
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {"constraint": "job_runs_job_id_fkey", "referenced_table": "jobs"},
                False,
            ),
        ),
    ),
    "go-testify": Case(
        ECOSYSTEMS / "go-testify.log",
        "go",
        (9, 5, 3, 1, 0),
        ("TestCreateJobForDeletedCourse", "TestJobStatus", "TestJobStatus > done"),
        (
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {"constraint": "jobs_course_id_fkey", "table": "jobs", "column": "course_id"},
                True,
                ("TestCreateJobForDeletedCourse",),
            ),
            Finding(
                "assertion",
                "go-testify-assertion",
                {},
                True,
                ("TestJobStatus > done",),
            ),
            Finding("timeout", "operation-timeout", {}, False),
        ),
    ),
}
