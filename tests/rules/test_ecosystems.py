"""Realistic lines from many ecosystems, as the tools print them, through the whole engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from testtriage.core.records import build_record
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import load_builtin_rules
from testtriage.core.rules.model import RecordKind
from testtriage.core.scan import compile_candidates

LOG, TEXT, FAILURE = RecordKind.LOG, RecordKind.TEXT, RecordKind.FAILURE


@dataclass(frozen=True)
class Case:
    ecosystem: str
    line: str
    kind: RecordKind
    category: str
    rule: str
    fields: dict[str, str] = field(default_factory=dict)


CASES = [
    # --- vitest + pino (the seed story) -----------------------------------------------------
    Case(
        "pino",
        r'{"level":50,"time":1762101220134,"pid":4242,"hostname":"ci-7","jobId":"238",'
        r'"jobType":"structure_analysis","err":"insert or update on table \"job_status\" '
        r'violates foreign key constraint \"job_status_course_id_fkey\"",'
        r'"msg":"Failed to create job status"}',
        LOG,
        "fk_timing",
        "postgres-fk-violation",
        {"constraint": "job_status_course_id_fkey", "table": "job_status", "column": "course_id"},
    ),
    Case(
        "vitest",
        "Warning: Could not create auth users: Error: Failed to create auth user for "
        "test-instructor1@megacampus.com: Database error creating new user",
        TEXT,
        "auth",
        "supabase-auth-database-error",
        {"operation": "creating new user", "user": "test-instructor1@megacampus.com"},
    ),
    Case(
        "vitest",
        "Auth attempt 1 failed for test-instructor1@megacampus.com, retrying in 500ms...",
        TEXT,
        "auth",
        "auth-attempt-retry",
        {"user": "test-instructor1@megacampus.com", "attempt": "1"},
    ),
    Case(
        "vitest",
        "SyntaxError: Unexpected token 'T', \"The course\"... is not valid JSON",
        FAILURE,
        "parse",
        "node-json-parse",
        {"token": "T"},
    ),
    Case(
        "vitest",
        'error: invalid input value for enum generation_status: "analysis_complete"',
        FAILURE,
        "enum",
        "postgres-invalid-enum",
        {"enum": "generation_status", "value": "analysis_complete"},
    ),
    Case(
        "vitest",
        "AssertionError: expected 401 to be 200 // Object.is equality",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "401", "expected": "200"},
    ),
    Case(
        "vitest",
        "AssertionError: expected 'pending' to be 'completed' // Object.is equality",
        FAILURE,
        "assertion",
        "chai-assertion",
    ),
    Case(
        "vitest",
        "Error: Test timed out in 5000ms.",
        FAILURE,
        "timeout",
        "test-timeout",
        {"limit": "5000ms"},
    ),  # fmt: skip
    Case(
        "vitest",
        "Error: Hook timed out in 30000ms.",
        FAILURE,
        "timeout",
        "test-timeout",
        {"what": "Hook", "limit": "30000ms"},
    ),  # fmt: skip
    Case(
        "vitest",
        "TypeError: Cannot read properties of undefined (reading 'accessToken')",
        FAILURE,
        "runtime",
        "js-property-of-undefined",
        {"property": "accessToken", "value": "undefined"},
    ),
    Case(
        "vitest",
        'Error: Failed to resolve import "@/shared/logger" from "src/orchestrator/worker.ts". '
        "Does the file exist?",
        FAILURE,
        "runtime",
        "module-not-found",
        {"module": "@/shared/logger"},
    ),
    Case(
        "pino",
        r'{"level":50,"time":1762101224410,"pid":4242,"hostname":"ci-7","err":{"type":"Error",'
        r'"message":"connect ECONNREFUSED 127.0.0.1:6379","stack":"Error: connect ECONNREFUSED '
        r'127.0.0.1:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",'
        r'"errno":-111,"code":"ECONNREFUSED","syscall":"connect","address":"127.0.0.1","port":6379},'
        r'"msg":"BullMQ connection error"}',
        LOG,
        "connection",
        "connection-refused",
        {"port": "6379", "host": "127.0.0.1"},
    ),
    Case(
        "pino",
        r'{"level":50,"time":1762101226730,"pid":4242,"hostname":"ci-7","jobId":"239",'
        r'"err":{"type":"SyntaxError","message":"Unexpected token \u0027`\u0027, \"```json\n{\"... '
        r'is not valid JSON"},"msg":"Failed to parse LLM response for phase 4"}',
        LOG,
        "parse",
        "llm-output-parse",
    ),
    Case(
        "pino",
        r'{"level":40,"time":1762101231000,"pid":4242,"hostname":"ci-7","err":{"type":"Error",'
        r'"message":"Connection terminated unexpectedly"},"msg":"pg pool error"}',
        LOG,
        "connection",
        "connection-dropped",
        {"reason": "Connection terminated unexpectedly"},
    ),
    # --- jest ----------------------------------------------------------------------------
    Case(
        "jest",
        "    expect(received).toEqual(expected) // deep equality",
        FAILURE,
        "assertion",
        "jest-expect",
        {"matcher": "toEqual"},
    ),  # fmt: skip
    Case(
        "jest", "    Received: 403", FAILURE, "auth", "http-auth-status-received", {"status": "403"}
    ),  # fmt: skip
    Case(
        "jest",
        '    thrown: "Exceeded timeout of 5000 ms for a hook.',
        FAILURE,
        "timeout",
        "test-timeout",
        {"what": "hook", "limit": "5000 ms"},
    ),
    Case(
        "jest",
        "    SyntaxError: Cannot use import statement outside a module",
        FAILURE,
        "runtime",
        "js-module-format",
    ),
    Case(
        "jest",
        "    SyntaxError: Unexpected token o in JSON at position 1",
        FAILURE,
        "parse",
        "node-json-parse",
        {"token": "o", "position": "1"},
    ),
    Case(
        "jest",
        "    TypeError: this.prisma.course.findMany is not a function",
        FAILURE,
        "runtime",
        "not-callable",
        {"callee": "this.prisma.course.findMany"},
    ),  # fmt: skip
    Case(
        "supertest",
        'Error: expected 201 "Created", got 401 "Unauthorized"',
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "401", "expected": "201"},
    ),
    Case(
        "axios",
        "AxiosError: Request failed with status code 401",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "401"},
    ),
    # --- TypeORM / Sequelize / knex / Prisma -----------------------------------------------
    Case(
        "typeorm",
        'QueryFailedError: insert or update on table "lesson" violates foreign key constraint '
        '"FK_3d6f2c1a9e0b4c7d8e9f0a1b2c3"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "lesson", "constraint": "FK_3d6f2c1a9e0b4c7d8e9f0a1b2c3"},
    ),
    Case(
        "sequelize",
        'SequelizeForeignKeyConstraintError: update or delete on table "courses" violates foreign '
        'key constraint "enrollments_course_id_fkey" on table "enrollments"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "enrollments", "referenced_table": "courses", "column": "course_id"},
    ),
    Case(
        "sequelize",
        "SequelizeUniqueConstraintError: duplicate key value violates unique constraint "
        '"users_email_key"',
        FAILURE,
        "constraint",
        "postgres-unique-violation",
        {"constraint": "users_email_key"},
    ),
    Case(
        "knex",
        'insert into "job_status" ("course_id", "status") values ($1, $2) returning "id" - insert '
        'or update on table "job_status" violates foreign key constraint '
        '"job_status_course_id_fkey"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"column": "course_id"},
    ),
    Case(
        "knex",
        "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. "
        "Are you missing a .transacting(trx) call?",
        FAILURE,
        "connection",
        "connection-limit",
    ),
    Case(
        "prisma",
        "PrismaClientKnownRequestError: Foreign key constraint violated on the constraint: "
        "`Enrollment_courseId_fkey`",
        FAILURE,
        "fk_timing",
        "prisma-fk-violation",
        {"constraint": "Enrollment_courseId_fkey", "column": "courseId"},
    ),
    Case(
        "prisma",
        "PrismaClientKnownRequestError: Unique constraint failed on the fields: (`slug`)",
        FAILURE,
        "constraint",
        "prisma-constraint-violation",
        {"target": "slug"},
    ),
    Case(
        "prisma",
        "Invalid value for argument `level`. Expected CourseLevel.",
        FAILURE,
        "enum",
        "prisma-invalid-enum",
        {"enum": "CourseLevel", "argument": "level"},
    ),
    Case(
        "prisma",
        "Error: P1001: Can't reach database server at `db`:`5432`",
        TEXT,
        "connection",
        "connection-unreachable",
        {"host": "db", "port": "5432"},
    ),
    Case(
        "zod",
        "ZodError: Invalid enum value. Expected 'draft' | 'published', received 'archived'",
        FAILURE,
        "enum",
        "validator-invalid-enum",
        {"value": "archived"},
    ),
    # --- Supabase --------------------------------------------------------------------------
    Case(
        "supabase-js",
        "AuthApiError: Database error saving new user",
        FAILURE,
        "auth",
        "supabase-auth-database-error",
        {"operation": "saving new user"},
    ),
    Case(
        "gotrue-log",
        r'{"component":"api","error":"failed to make user: ERROR: insert or update on table '
        r"\"audit_logs\" violates foreign key constraint \"audit_logs_user_id_fkey\" (SQLSTATE "
        r'23503)","level":"error","method":"POST","msg":"500: Database error creating new user",'
        r'"path":"/admin/users","request_id":"9f3c1e","time":"2025-11-02T16:35:14Z"}',
        LOG,
        "fk_timing",
        "postgres-fk-violation",
        {"constraint": "audit_logs_user_id_fkey", "table": "audit_logs", "column": "user_id"},
    ),
    Case(
        "supabase-js",
        "AuthApiError: Invalid login credentials",
        FAILURE,
        "auth",
        "auth-invalid-credentials",
    ),
    Case(
        "postgrest",
        r'{"code":"PGRST301","details":null,"hint":null,"message":"JWSError JWSInvalidSignature"}',
        LOG,
        "auth",
        "jwt-invalid",
    ),
    Case(
        "postgrest",
        r'{"code":"42501","details":null,"hint":null,"message":"new row violates row-level '
        r'security policy for table \"enrollments\""}',
        LOG,
        "auth",
        "postgres-rls-violation",
        {"table": "enrollments"},
    ),
    Case(
        "postgrest",
        r'{"code":"23503","details":"Key (course_id)=(0b9f7c1e-3f4a-4d2b-9c8e-5a6b7c8d9e0f) is '
        r'not present in table \"courses\".","hint":null,"message":"insert or update on table '
        r'\"job_status\" violates foreign key constraint \"job_status_course_id_fkey\""}',
        LOG,
        "fk_timing",
        "postgres-fk-violation",
        {"constraint": "job_status_course_id_fkey"},
    ),
    # --- Postgres server log / psql ------------------------------------------------------
    Case(
        "postgres",
        '2025-11-02 16:35:15.123 UTC [4711] ERROR:  update or delete on table "courses" violates '
        'foreign key constraint "job_status_course_id_fkey" on table "job_status"',
        TEXT,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "job_status", "referenced_table": "courses"},
    ),
    Case(
        "postgres",
        "2025-11-02 16:35:15.124 UTC [4711] FATAL:  sorry, too many clients already",
        TEXT,
        "connection",
        "connection-limit",
    ),
    Case(
        "psql",
        'ERROR:  null value in column "title" of relation "courses" violates not-null constraint',
        TEXT,
        "constraint",
        "postgres-not-null-violation",
        {"column": "title", "table": "courses"},
    ),
    # --- pytest + structlog, Django, SQLAlchemy --------------------------------------------
    Case(
        "pytest",
        'E       psycopg.errors.ForeignKeyViolation: insert or update on table "job_status" '
        'violates foreign key constraint "job_status_course_id_fkey"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"column": "course_id"},
    ),
    Case(
        "pytest",
        "FAILED tests/test_api.py::test_start_analysis - json.decoder.JSONDecodeError: "
        "Expecting value: line 1 column 1 (char 0)",
        TEXT,
        "parse",
        "python-json-decode",
        {"reason": "Expecting value", "char": "0"},
    ),
    Case(
        "pytest",
        "E       assert 401 == 200",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "401", "expected": "200"},
    ),  # fmt: skip
    Case(
        "pytest",
        "E       assert 18 == 20",
        FAILURE,
        "assertion",
        "pytest-assertion",
        {"detail": "18 == 20"},
    ),  # fmt: skip
    Case(
        "pytest",
        "E   Failed: Timeout >30.0s",
        FAILURE,
        "timeout",
        "test-timeout",
        {"limit": "30.0s"},
    ),  # fmt: skip
    Case(
        "pytest",
        "E       TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'",
        FAILURE,
        "runtime",
        "runtime-error-generic",
        {"error_type": "TypeError"},
    ),
    Case(
        "pydantic",
        "  Input should be 'queued', 'running' or 'done' [type=enum, input_value='finished', "
        "input_type=str]",
        FAILURE,
        "enum",
        "pydantic-invalid-enum",
        {"value": "'finished'"},
    ),
    Case(
        "structlog",
        r'{"event": "model reply rejected", "level": "error", "logger": "app.phase4", '
        r'"timestamp": "2025-11-02T16:35:22.104Z", "exception": "Traceback (most recent call '
        r"last):\n  File \"/app/phase4.py\", line 71, in parse\n    return json.loads(text)\n"
        r'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"}',
        LOG,
        "parse",
        "python-json-decode",
        {"reason": "Expecting value"},
    ),
    Case(
        "structlog",
        r'{"event": "status update failed", "level": "error", "timestamp": '
        r'"2025-11-02T16:35:23.001Z", "exception": "Traceback (most recent call last):\n  File '
        r"\"/app/jobs.py\", line 30, in set_status\n    JobStatus(value)\nValueError: "
        r"'analysis_complete' is not a valid JobStatus"
        '"}',
        LOG,
        "enum",
        "invalid-choice-value",
        {"value": "analysis_complete", "enum": "JobStatus"},
    ),
    Case(
        "structlog",
        r'{"event": "redis unavailable", "level": "warning", "timestamp": '
        r'"2025-11-02T16:35:09.500Z", "exception": "Traceback (most recent call last):\n  File '
        r"\"/app/cache.py\", line 12, in ping\nredis.exceptions.ConnectionError: Error 111 "
        r'connecting to localhost:6379. Connection refused."}',
        LOG,
        "connection",
        "connection-refused",
    ),
    Case(
        "django",
        "django.db.utils.IntegrityError: FOREIGN KEY constraint failed",
        TEXT,
        "fk_timing",
        "sqlite-fk-violation",
    ),
    Case(
        "django",
        "django.db.utils.IntegrityError: duplicate key value violates unique constraint "
        '"accounts_user_username_key"',
        TEXT,
        "constraint",
        "postgres-unique-violation",
        {"constraint": "accounts_user_username_key"},
    ),
    Case(
        "django",
        "AssertionError: 403 != 200 : Couldn't retrieve content: Response code was 403 "
        "(expected 200)",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "403"},
    ),
    Case(
        "sqlalchemy",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "
        '"localhost" (::1), port 5432 failed: Connection refused',
        TEXT,
        "connection",
        "connection-refused",
        {"port": "5432", "host": "localhost"},
    ),
    Case(
        "python",
        "ModuleNotFoundError: No module named 'app.services'",
        FAILURE,
        "runtime",
        "module-not-found",
        {"module": "app.services"},
    ),
    Case(
        "python",
        "openai.APITimeoutError: Request timed out.",
        FAILURE,
        "timeout",
        "request-timeout",
        {"error_type": "APITimeoutError"},
    ),
    # --- Rails ------------------------------------------------------------------------------
    Case(
        "rails",
        "ActiveRecord::InvalidForeignKey: PG::ForeignKeyViolation: ERROR:  insert or update on "
        'table "lessons" violates foreign key constraint "fk_rails_8e3c1f2a4b"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "lessons", "constraint": "fk_rails_8e3c1f2a4b"},
    ),
    Case(
        "rails",
        "E, [2025-11-02T16:35:15.123456 #4242] ERROR -- : ActiveRecord::RecordNotUnique "
        "(PG::UniqueViolation: ERROR:  duplicate key value violates unique constraint "
        '"index_users_on_email"',
        TEXT,
        "constraint",
        "postgres-unique-violation",
        {"constraint": "index_users_on_email"},
    ),
    Case(
        "rails",
        "     NoMethodError: undefined method `title' for nil:NilClass",
        FAILURE,
        "runtime",
        "ruby-no-method",
        {"method": "title", "receiver": "nil"},
    ),
    Case(
        "rails",
        "       expected the response to have a success status code (2xx) but it was 401",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "401"},
    ),
    Case(
        "rails",
        "ArgumentError: 'finished' is not a valid status",
        FAILURE,
        "enum",
        "invalid-choice-value",
        {"value": "finished", "enum": "status"},
    ),
    # --- Spring / Java ------------------------------------------------------------------------
    Case(
        "spring",
        "2025-11-02T16:35:15.123Z ERROR 4242 --- [demo] [nio-8080-exec-1] "
        "o.h.engine.jdbc.spi.SqlExceptionHelper   : ERROR: insert or update on table "
        '"enrollment" violates foreign key constraint "fk_enrollment_course"',
        TEXT,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "enrollment", "constraint": "fk_enrollment_course"},
    ),
    Case(
        "spring",
        '  Detail: Key (course_id)=(42) is not present in table "course".',
        TEXT,
        "fk_timing",
        "postgres-fk-detail",
        {"column": "course_id", "key": "42", "referenced_table": "course"},
    ),
    Case(
        "spring",
        "java.lang.IllegalArgumentException: No enum constant com.example.lms.CourseLevel.EXPERT",
        FAILURE,
        "enum",
        "java-enum-constant",
        {"enum": "com.example.lms.CourseLevel", "value": "EXPERT"},
    ),
    Case(
        "spring",
        "java.lang.AssertionError: Status expected:<200> but was:<403>",
        FAILURE,
        "auth",
        "http-unexpected-auth-status",
        {"status": "403", "expected": "200"},
    ),
    Case(
        "junit",
        "org.opentest4j.AssertionFailedError: expected: <COMPLETED> but was: <PENDING>",
        FAILURE,
        "assertion",
        "jvm-assertion",
        {"expected": "COMPLETED", "actual": "PENDING"},
    ),
    Case(
        "java",
        "java.net.ConnectException: Connection refused",
        FAILURE,
        "connection",
        "connection-refused",
    ),
    Case(
        "hikari",
        "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
        "request timed out after 30000ms.",
        FAILURE,
        "connection",
        "connection-limit",
    ),
    Case(
        "mysql",
        "java.sql.SQLIntegrityConstraintViolationException: Cannot add or update a child row: a "
        "foreign key constraint fails (`lms`.`enrollment`, CONSTRAINT `fk_enrollment_course` "
        "FOREIGN KEY (`course_id`) REFERENCES `course` (`id`))",
        FAILURE,
        "fk_timing",
        "mysql-fk-violation",
        {"table": "enrollment", "column": "course_id", "referenced_table": "course"},
    ),
    # --- Go -------------------------------------------------------------------------------
    Case(
        "go",
        '    store_test.go:57: create job status: ERROR: insert or update on table "job_status" '
        'violates foreign key constraint "job_status_course_id_fkey" (SQLSTATE 23503)',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"constraint": "job_status_course_id_fkey", "column": "course_id"},
    ),
    Case(
        "go",
        'time=2025-11-02T16:35:15.123Z level=ERROR msg="update job" err="ERROR: invalid input '
        'value for enum job_state: \\"finished\\" (SQLSTATE 22P02)"',
        TEXT,
        "enum",
        "postgres-invalid-enum",
        {"enum": "job_state", "value": "finished"},
    ),
    Case(
        "go",
        "panic: runtime error: invalid memory address or nil pointer dereference [recovered]",
        FAILURE,
        "runtime",
        "go-panic",
    ),
    Case(
        "go",
        "        \tError:      \tNot equal: ",
        FAILURE,
        "assertion",
        "go-testify-assertion",
    ),
    Case(
        "go",
        "        \t            \tactual  : 401",
        FAILURE,
        "auth",
        "http-auth-status-received",
        {"status": "401"},
    ),  # fmt: skip
    Case(
        "go",
        "    worker_test.go:88: wait for job: context deadline exceeded",
        FAILURE,
        "timeout",
        "operation-timeout",
    ),
    Case(
        "go",
        '{"level":"error","ts":1762101226.73,"caller":"api/client.go:61","msg":"decode response",'
        '"error":"invalid character \'<\' looking for beginning of value"}',
        LOG,
        "parse",
        "json-got-html",
    ),
    Case(
        "go",
        "    db_test.go:19: failed to connect to `host=localhost user=app database=app_test`: "
        "dial error (dial tcp 127.0.0.1:5433: connect: connection refused)",
        FAILURE,
        "connection",
        "connection-refused",
        {"port": "5433"},
    ),
    # --- Mocha / Playwright / misc -------------------------------------------------------------
    Case(
        "mocha",
        '     Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is '
        "called; if returning a Promise, ensure it resolves.",
        FAILURE,
        "timeout",
        "test-timeout",
        {"limit": "2000ms"},
    ),
    Case(
        "playwright",
        "    Test timeout of 30000ms exceeded.",
        FAILURE,
        "timeout",
        "test-timeout",
        {"limit": "30000ms"},
    ),
    Case(
        "node",
        "FetchError: request to http://localhost:54321/auth/v1/token?grant_type=password failed, "
        "reason: getaddrinfo ENOTFOUND kong",
        TEXT,
        "connection",
        "host-not-found",
        {"host": "kong"},
    ),
    Case(
        "node",
        "SyntaxError: Unexpected token '<', \"<!doctype \"... is not valid JSON",
        FAILURE,
        "parse",
        "json-got-html",
    ),
    Case(
        "redis",
        "ReplyError: WRONGPASS invalid username-password pair or user is disabled.",
        TEXT,
        "auth",
        "db-password-auth-failed",
    ),
    Case(
        "mongodb",
        "MongoServerError: E11000 duplicate key error collection: lms.users index: email_1 dup "
        'key: { email: "a@b.c" }',
        FAILURE,
        "constraint",
        "mongodb-duplicate-key",
        {"index": "email_1"},
    ),
    Case(
        "dotnet",
        'Npgsql.PostgresException (0x80004005): 23503: insert or update on table "Enrollments" '
        'violates foreign key constraint "FK_Enrollments_Courses_CourseId"',
        FAILURE,
        "fk_timing",
        "postgres-fk-violation",
        {"table": "Enrollments"},
    ),
]


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_builtin_rules())


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len({case.ecosystem for case in CASES}) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.ecosystem}-{c.rule}")
def test_ecosystem_line(engine: RuleEngine, case: Case) -> None:
    record = build_record("eco.log", 1, case.line.encode())
    if case.kind is RecordKind.LOG:
        assert record.is_json, "a LOG case must be a JSON log line"
    found = engine.match(record, case.kind)
    assert found is not None, f"not tagged: {case.line}"
    assert (found.rule.category, found.rule.id) == (case.category, case.rule)
    for key, value in case.fields.items():
        assert found.fields.get(key) == value, f"{key}: {dict(found.fields)}"


def test_prefilter_finds_every_case(engine: RuleEngine) -> None:
    """The raw bytes of every line (JSON escapes included) pass the block prefilter."""
    prefilter = compile_candidates(engine.candidate_patterns())
    missed = [case.line for case in CASES if prefilter.search(case.line.encode()) is None]
    assert not missed


def test_structlog_traceback_with_detail_line(engine: RuleEngine) -> None:
    line = (
        r'{"event": "job status write failed", "level": "error", "exception": "Traceback (most '
        r"recent call last):\n  File \"/app/jobs.py\", line 42, in create_status\n    "
        r"cur.execute(sql, params)\npsycopg.errors.ForeignKeyViolation: insert or update on table "
        r"\"job_status\" violates foreign key constraint \"job_status_course_id_fkey\"\nDETAIL:  "
        r'Key (course_id)=(42) is not present in table \"courses\"."}'
    )
    found = engine.match(build_record("eco.log", 1, line.encode()), RecordKind.LOG)
    assert found is not None and found.rule.id == "postgres-fk-violation"
