"""Lines that look like an error of some category but are not (or are another one)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from testtriage.core.records import build_record
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import load_builtin_rules
from testtriage.core.rules.model import RecordKind

LOG, TEXT, FAILURE = RecordKind.LOG, RecordKind.TEXT, RecordKind.FAILURE


@dataclass(frozen=True)
class NearMiss:
    line: str
    kind: RecordKind
    category: str | None
    """The category the line must get (None: it must not be tagged at all)."""
    not_category: str | None = None
    """A category the line looks like but must not get (documentation of the trap)."""


NEAR_MISSES = [
    # A JS/TS source SyntaxError is not a JSON parse failure.
    NearMiss("SyntaxError: Unexpected token 'export'", FAILURE, "runtime", "parse"),
    NearMiss(
        "SyntaxError: Cannot use import statement outside a module", FAILURE, "runtime", "parse"
    ),  # fmt: skip
    NearMiss("SyntaxError: Unexpected identifier 'type'", FAILURE, "runtime", "parse"),
    # ... while the JSON wordings are parse, not runtime.
    NearMiss("SyntaxError: Unexpected token u in JSON at position 0", FAILURE, "parse", "runtime"),
    NearMiss('SyntaxError: "undefined" is not valid JSON', FAILURE, "parse", "runtime"),
    # A unique violation is a constraint, never a foreign key.
    NearMiss(
        'ERROR:  duplicate key value violates unique constraint "job_status_pkey"',
        TEXT,
        "constraint",
        "fk_timing",
    ),
    NearMiss(
        "DETAIL:  Key (email)=(test-instructor1@megacampus.com) already exists.",
        TEXT,
        "constraint",
        "fk_timing",
    ),
    NearMiss(
        "sqlite3.IntegrityError: UNIQUE constraint failed: users.email",
        FAILURE,
        "constraint",
        "fk_timing",
    ),  # fmt: skip
    # Test names that mention foreign keys, auth or 401s are not errors.
    NearMiss(
        " ✓ cleanup > removes job_status rows before courses (foreign key order) 12ms",
        TEXT,
        None,
        "fk_timing",
    ),
    NearMiss(
        "PASSED tests/test_fk.py::test_foreign_key_violation_is_reported", TEXT, None, "fk_timing"
    ),  # fmt: skip
    NearMiss(
        "tests/test_fk.py::test_foreign_key_violation_is_reported PASSED                [ 50%]",
        TEXT,
        None,
        "fk_timing",
    ),
    NearMiss(" ✓ rejects unauthenticated requests with 401", TEXT, None, "auth"),
    NearMiss(
        " ✓ tests/auth/login.test.ts > login > rejects a wrong password 18ms", TEXT, None, "auth"
    ),  # fmt: skip
    NearMiss(
        ' ✓ login > shows "Invalid login credentials" for a wrong password 9ms', TEXT, None, "auth"
    ),  # fmt: skip
    NearMiss(" ✓ maps ForeignKeyViolation to HTTP 409 (3 ms)", TEXT, None, "fk_timing"),
    NearMiss(" ✓ throws TypeError: bad input for an empty payload (1 ms)", TEXT, None, "runtime"),
    # A table named auth_user in an FK message is a foreign key, not auth.
    NearMiss(
        'ERROR:  insert or update on table "auth_user_groups" violates foreign key constraint '
        '"auth_user_groups_user_id_6a12ed8b_fk_auth_user_id"',
        TEXT,
        "fk_timing",
        "auth",
    ),
    NearMiss(
        'django.db.utils.IntegrityError: update or delete on table "auth_user" violates foreign '
        'key constraint "blog_post_author_id_fk_auth_user_id" on table "blog_post"',
        FAILURE,
        "fk_timing",
        "auth",
    ),
    # Expecting a 401 and getting it does not fail; expecting a 401 and getting 200 is not auth.
    NearMiss(
        "AssertionError: expected 200 to be 401 // Object.is equality", FAILURE, "assertion", "auth"
    ),  # fmt: skip
    NearMiss(
        "AssertionError: expected 404 to be 200 // Object.is equality", FAILURE, "assertion", "auth"
    ),  # fmt: skip
    NearMiss("    Received: 200", FAILURE, None, "auth"),
    # Migrations creating foreign keys are not violations.
    NearMiss(
        "ALTER TABLE job_status ADD CONSTRAINT job_status_course_id_fkey FOREIGN KEY (course_id) "
        "REFERENCES courses(id) ON DELETE CASCADE;",
        TEXT,
        None,
        "fk_timing",
    ),
    NearMiss(
        "CREATE TABLE job_status (id uuid PRIMARY KEY, course_id uuid NOT NULL REFERENCES "
        "courses(id));",
        TEXT,
        None,
        "fk_timing",
    ),
    NearMiss(
        'ALTER TABLE "Enrollment" ADD CONSTRAINT "Enrollment_courseId_fkey" FOREIGN KEY '
        '("courseId") REFERENCES "Course"("id") ON DELETE RESTRICT ON UPDATE CASCADE;',
        TEXT,
        None,
        "fk_timing",
    ),  # fmt: skip
    NearMiss("  Applying courses.0004_jobstatus_course_fk... OK", TEXT, None, "fk_timing"),
    # "auth" in a path or file name.
    NearMiss("    at createUser (src/auth/users.ts:10:5)", FAILURE, None, "auth"),
    NearMiss("tests/auth/login.test.ts", TEXT, None, "auth"),
    NearMiss(" ❯ tests/auth/login.test.ts (3 tests | 1 failed) 45ms", TEXT, None, "auth"),
    # Info-level log lines that mention a word of some category.
    NearMiss('{"level":30,"time":1762101224000,"msg":"validated enum values"}', LOG, None, "enum"),
    NearMiss(
        '{"level":30,"time":1762101224000,"msg":"JWT verified for user 42"}', LOG, None, "auth"
    ),  # fmt: skip
    NearMiss(
        '{"level":30,"time":1762101210001,"msg":"redis not ready (ECONNREFUSED), retrying in 1s"}',
        LOG,
        None,
        "connection",
    ),
    NearMiss(
        '{"level":30,"time":1762101230001,"msg":"access token expired, refreshing"}',
        LOG,
        None,
        "auth",
    ),  # fmt: skip
    NearMiss(
        '{"level":30,"time":1762101200000,"msg":"using testTimeout 5000ms"}', LOG, None, "timeout"
    ),  # fmt: skip
    # 22P02 with another meaning than enum.
    NearMiss('error: invalid input syntax for type uuid: "undefined"', FAILURE, "runtime", "enum"),
    NearMiss('ERROR:  invalid input syntax for type integer: "12a"', TEXT, "runtime", "enum"),
    # Ordinary runner and server output.
    NearMiss("Test tRPC server started on port 46377", TEXT, None),
    NearMiss("BullMQ worker started for test job processing", TEXT, None),
    NearMiss("Tests:       2 failed, 18 passed, 20 total", TEXT, None),
    NearMiss(
        " FAIL  tests/contract/analysis.test.ts > analysis > start > rejects bad output", TEXT, None
    ),  # fmt: skip
    NearMiss('NOTICE:  relation "job_status" does not exist, skipping', TEXT, None, "runtime"),
    # Supabase's `.single()` without rows is not a JSON parse error.
    NearMiss(
        '{"code":"PGRST116","details":"The result contains 0 rows","hint":null,'
        '"message":"JSON object requested, multiple (or no) rows returned"}',
        LOG,
        None,
        "parse",
    ),
    # A validation summary line: the member lines below it carry the cause.
    NearMiss(
        "E       pydantic_core._pydantic_core.ValidationError: 1 validation error for JobUpdate",
        FAILURE,
        None,
        "runtime",
    ),
    # Auth-looking runtime errors are runtime.
    NearMiss(
        "TypeError: Cannot read properties of undefined (reading 'auth')",
        FAILURE,
        "runtime",
        "auth",
    ),  # fmt: skip
    NearMiss(
        "TypeError: supabase.auth.admin.createUser is not a function", FAILURE, "runtime", "auth"
    ),  # fmt: skip
    # Prisma "not found" without a relation is not a foreign key problem.
    NearMiss(
        "PrismaClientKnownRequestError: An operation failed because it depends on one or more "
        "records that were required but not found. Record to update not found.",
        FAILURE,
        None,
        "fk_timing",
    ),
    # Code frames quoting an assertion are not a second failure.
    NearMiss("    > 41 |     expect(res.status).toBe(200);", FAILURE, None, "assertion"),
]


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(load_builtin_rules())


@pytest.mark.parametrize("case", NEAR_MISSES, ids=lambda c: c.line[:60])
def test_near_miss(engine: RuleEngine, case: NearMiss) -> None:
    record = build_record("near.log", 1, case.line.encode())
    if case.kind is RecordKind.LOG:
        assert record.is_json
    found = engine.match(record, case.kind)
    got = found.rule.category if found is not None else None
    rule = found.rule.id if found is not None else None
    assert got == case.category, f"tagged {got} by {rule}"
    if case.not_category is not None:
        assert got != case.not_category
