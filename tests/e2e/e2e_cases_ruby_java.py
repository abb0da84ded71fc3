"""Expected diagnoses of Rails with RSpec and of Spring Boot with Maven Surefire."""

from __future__ import annotations

from e2e_model import ECOSYSTEMS, Case, Finding

from testtriage.core.results import TestKey

RAILS_FK = "ImportJobsJob with a course that was deleted imports the jobs into the course"
RAILS_JWT = "Api::Jobs GET /api/jobs with a token issued yesterday returns the instructor's jobs"
RAILS_ENUM = "Job#finish! records the finished status"
SPRING = "com.acme.jobs.JobServiceTest"
DOC_FINISH = "Job#finish! records the finished status"
DOC_TOKEN = "Api::Jobs GET /api/jobs with a token issued yesterday returns 401"
DOC_CREATE = "Api::Jobs POST /api/jobs creates a job"
LOAD_ERROR = str(TestKey("./spec/models/report_spec.rb", ""))
JDBC_TEST = "com.acme.jobs.dao.JobDaoTest > insertsJobForMissingCourse"

RUBY_JAVA: dict[str, Case] = {
    "rails-rspec": Case(
        ECOSYSTEMS / "rails-rspec.log",
        "rspec",
        (28, 24, 3, 1, 0),
        (RAILS_FK, RAILS_JWT, RAILS_ENUM),
        (
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {
                    "constraint": "fk_rails_3b9c2f1a7d",
                    "table": "jobs",
                    "column": "course_id",
                    "referenced_table": "courses",
                    "key": "999",
                },
                True,
                (RAILS_FK,),
            ),
            Finding("auth", "jwt-expired", {}, True, (RAILS_JWT,)),
            Finding(
                "enum",
                "invalid-choice-value",
                {"value": "done", "enum": "status"},
                True,
                (RAILS_ENUM,),
            ),
            Finding(
                "constraint",
                "postgres-unique-violation",
                {
                    "constraint": "index_enrollments_on_user_id_and_course_id",
                    "column": "user_id, course_id",
                },
                False,
            ),
        ),
    ),
    "rspec-documentation": Case(
        ECOSYSTEMS / "runners" / "rspec-documentation.log",
        "rspec",
        (10, 6, 3, 1, 0),
        (DOC_FINISH, DOC_TOKEN, DOC_CREATE),
        (
            Finding(
                "assertion",
                "rspec-minitest-assertion",
                {"detail": 'expect(job.reload.status).to eq("done")'},
                True,
                (DOC_FINISH,),
            ),
            Finding("assertion", "rspec-minitest-assertion", {}, True, (DOC_TOKEN,)),
            Finding(
                "assertion",
                "rspec-minitest-assertion",
                {"detail": "expect(response).to have_http_status(:cr"},
                True,
                (DOC_CREATE,),
            ),
        ),
        extra_findings_xfail=(
            "RSpec's documentation format prints each passing example's title on a line of its"
            " own with no marker; a title that names an exception (`raises"
            " ActiveRecord::RecordNotUnique for a second run of the same job`) reaches the rules"
            " as a plain text line and becomes an orm-constraint-error-class noise finding. A"
            " parser can mark its own lines (RunnerParser.own_line), but a title with no marker"
            " reaches the rspec parser only when a rule's literal selects it, and then cannot be"
            " told from output the test's code printed"
        ),
    ),
    "rspec-before-suite": Case(
        ECOSYSTEMS / "runners" / "rspec-before-suite.log",
        "rspec",
        (0, 0, 0, 0, 1),
        ("before(:suite) hook",),
        (
            Finding(
                "runtime",
                "schema-object-missing",
                {"object": "job_runs"},
                True,
                ("before(:suite) hook",),
            ),
        ),
    ),
    "rspec-load-error": Case(
        ECOSYSTEMS / "runners" / "rspec-load-error.log",
        "rspec",
        (0, 0, 0, 0, 1),
        (LOAD_ERROR,),
        (
            Finding(
                "runtime",
                "undefined-name",
                {"name": "Corse"},
                True,
                (LOAD_ERROR,),
            ),
        ),
    ),
    "spring-maven": Case(
        ECOSYSTEMS / "spring-maven.log",
        "junit",
        (12, 8, 3, 1, 0),
        tuple(
            f"{SPRING} > {name}"
            for name in (
                "createsJobForExistingCourse",
                "listsFinishedJobs",
                "reportsJobCountPerCourse",
            )
        ),
        (
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {
                    "constraint": "fk_job_course",
                    "table": "job",
                    "column": "course_id",
                    "referenced_table": "course",
                    "key": "42",
                },
                True,
                (f"{SPRING} > createsJobForExistingCourse",),
            ),
            Finding(
                "enum",
                "java-enum-constant",
                {"enum": "com.acme.jobs.JobStatus", "value": "DONE"},
                True,
                (f"{SPRING} > listsFinishedJobs",),
            ),
            Finding(
                "assertion", "jvm-assertion", {}, True, (f"{SPRING} > reportsJobCountPerCourse",)
            ),
            Finding("connection", "connection-limit", {}, False),
        ),
    ),
    "surefire-jdbc-trimmed": Case(
        ECOSYSTEMS / "runners" / "surefire-jdbc-trimmed.log",
        "junit",
        (3, 2, 1, 0, 0),
        (JDBC_TEST,),
        (
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {"constraint": "fk_job_course", "table": "job", "column": "course_id"},
                True,
                (JDBC_TEST,),
            ),
        ),
    ),
}
