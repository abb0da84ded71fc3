"""Expected diagnoses of JavaScript runs: vitest and jest, with pino, Prisma and supabase-js."""

from __future__ import annotations

from e2e_model import ECOSYSTEMS, PINO, SEED, Case, Finding

ANALYSIS = "tests/contract/analysis.test.ts"
PINO_PARSE = f"{ANALYSIS} > Analysis Router (contract) > analysis.start > should parse the phase 4 model output into a course structure"  # noqa: E501
PINO_ENUM = f"{ANALYSIS} > Analysis Router (contract) > analysis.getStatus > should report completed jobs with a valid status"  # noqa: E501
SEED_PARSE = f"{ANALYSIS} > analysis > start > runs Stage 4 synthesis on the mocked model response"
SEED_ENUM = f"{ANALYSIS} > analysis > status > reports a finished job as completed"
STORY_FK = {"constraint": "job_status_course_id_fkey", "table": "job_status", "column": "course_id"}
JEST_FILE = "src/jobs/__tests__/jobs.service.test.ts"
SUPABASE_SUITE = "tests/integration/enrollments.test.ts > enrollments"
SUPABASE_JWT = "tests/integration/reports.test.ts > reports > exports a report as CSV"

JAVASCRIPT: dict[str, Case] = {
    "seed": Case(
        SEED,
        "vitest",
        (20, 18, 2, 0, 0),
        (SEED_PARSE, SEED_ENUM),
        (
            Finding("parse", "node-json-parse", {}, True, (SEED_PARSE,)),
            Finding(
                "enum",
                "postgres-invalid-enum",
                {"enum": "job_status_enum", "value": "done"},
                True,
                (SEED_ENUM,),
            ),
            Finding("fk_timing", "postgres-fk-violation", STORY_FK, False),
            Finding("auth", "auth-attempt-retry", {"attempt": "1"}, False),
        ),
    ),
    "vitest-pino-colour": Case(
        PINO,
        "vitest",
        (39, 36, 2, 1, 0),
        (PINO_PARSE, PINO_ENUM),
        (
            Finding("parse", "node-json-parse", {"token": "T"}, True, (PINO_PARSE,)),
            Finding(
                "enum",
                "postgres-invalid-enum",
                {"enum": "job_status_enum", "value": "done"},
                True,
                (PINO_ENUM,),
            ),
            Finding("fk_timing", "postgres-fk-violation", STORY_FK, False),
        ),
    ),
    "jest-prisma": Case(
        ECOSYSTEMS / "jest-prisma.log",
        "jest",
        (19, 17, 2, 0, 0),
        (
            f"{JEST_FILE} > JobsService > create > creates a job for an existing course",
            f"{JEST_FILE} > JobsService > finish > marks a finished job as done",
        ),
        (
            Finding(
                "fk_timing",
                "prisma-fk-violation",
                {"constraint": "Job_courseId_fkey", "table": "Job", "column": "courseId"},
                True,
                (f"{JEST_FILE} > JobsService > create > creates a job for an existing course",),
            ),
            Finding(
                "enum",
                "prisma-invalid-enum",
                {"argument": "status", "enum": "JobStatus"},
                True,
                (f"{JEST_FILE} > JobsService > finish > marks a finished job as done",),
            ),
            Finding("constraint", "prisma-constraint-violation", {"kind": "Unique"}, False),
        ),
    ),
    "supabase-vitest": Case(
        ECOSYSTEMS / "supabase-vitest.log",
        "vitest",
        (27, 20, 1, 6, 0),
        (SUPABASE_JWT, SUPABASE_SUITE),
        (
            Finding(
                "auth",
                "supabase-auth-database-error",
                {"operation": "creating new user"},
                True,
                (SUPABASE_SUITE,),
            ),
            Finding(
                "fk_timing",
                "postgres-fk-violation",
                {"constraint": "profiles_org_id_fkey", "table": "profiles", "column": "org_id"},
                None,
            ),
            Finding("auth", "jwt-expired", {}, True, (SUPABASE_JWT,)),
        ),
        related={"supabase-auth-database-error": ("postgres-fk-violation",)},
    ),
}
