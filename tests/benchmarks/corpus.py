"""Seeded benchmark logs streamed to disk: a mixed vitest/pytest/pino run log, an all-errors log."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

VERSION = 4
"""Bumped whenever the output changes, so that stale corpora are regenerated."""
SEED = 20251102
FLUSH_CHARS = 1 << 20
SMALL_LOG = Path(__file__).resolve().parents[2] / "src" / "testtriage" / "demo" / "seed-run.log"
"""The small log of the start-up benchmark: the bundled demo run."""
ERROR_KINDS = frozenset({"pino_error", "pino_warn_err", "console_error", "failure", "error"})
"""Line kinds counted as error lines in a corpus's statistics."""
PID, HOST = 73_418, "ci-runner-7"
START_MS = 1_762_101_214_062


class Sink:
    """Buffered line writer: counts lines by kind and bytes, writes about 1 MB at a time."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._parts: list[str] = []
        self._pending = 0
        self.bytes = 0
        self.kinds: Counter[str] = Counter()

    def line(self, kind: str, text: str) -> None:
        self._parts.append(text)
        self._pending += len(text) + 1
        self.kinds[kind] += 1
        if self._pending >= FLUSH_CHARS:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            data = ("\n".join(self._parts) + "\n").encode()
            self._handle.write(data)
            self.bytes += len(data)
            self._parts, self._pending = [], 0

    @property
    def approx_bytes(self) -> int:
        return self.bytes + self._pending

    @property
    def lines(self) -> int:
        return sum(self.kinds.values())


# --- vocabulary ----------------------------------------------------------------------------------

NODE_PACKAGES = (
    "course-gen-platform", "api-gateway", "billing", "web", "worker", "shared-utils",
    "auth-service", "notifications", "search", "analytics", "media", "admin",
)  # fmt: skip
PY_SERVICES = ("api", "ml-scoring")
TOPICS = (
    "analysis", "jobs", "courses", "users", "auth", "billing", "lessons", "enrollments",
    "search", "uploads", "notifications", "webhooks", "reports", "settings", "orgs", "invites",
    "sessions", "quotas", "exports", "imports", "media", "tags", "comments", "drafts",
    "publishing", "payments", "refunds", "schedules", "quizzes", "certificates",
)  # fmt: skip
AREAS = ("unit", "integration", "contract", "e2e")
GROUPS = (
    "create", "update", "delete", "list", "status", "permissions", "validation", "pagination",
    "auth", "retries", "cleanup", "events",
)  # fmt: skip
VERBS = ("returns", "rejects", "creates", "updates", "handles", "skips", "retries", "emits")
OBJECTS = (
    "the job", "a course", "an empty page", "NOT_FOUND", "the existing record", "a 403",
    "the audit entry", "a draft", "the cursor", "the organization tier", "pending status",
    "the webhook", "a signed URL", "the cached value", "an invalid id", "a stale token",
)  # fmt: skip
CONDITIONS = (
    "for a new user", "when the course is archived", "with uploaded documents",
    "for another organization", "after a retry", "without documents", "when the queue is paused",
    "for a student token", "with a cursor", "when the job already exists", "on timeout",
    "with an expired session", "in bulk", "for a deleted course",
)  # fmt: skip
FK_CASES = (
    ("job_status", "course_id", "courses"),
    ("enrollments", "user_id", "users"),
    ("lesson_progress", "lesson_id", "lessons"),
    ("audit_logs", "user_id", "users"),
)
ENUM_CASES = (
    ("job_status_enum", "done"),
    ("course_status_enum", "archived_v2"),
    ("user_role_enum", "owner"),
)
JSON_CASES = (
    "Unexpected token 'H', \"Here is th\"... is not valid JSON",
    "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON",
    "Unexpected end of JSON input",
    "Expected ',' or '}' after property value in JSON at position 412",
)
CONSOLE_LINES = (
    "Cleaning up test jobs",
    "cleanupTestJobs removed {n} job_status rows, 1 test course",
    "Setting up test fixtures...",
    "Creating test organization and auth users...",
    "Test server ready on port {port}",
    "Seeded {n} courses for organization {uuid}",
    "Mock LLM response queued ({n} tokens)",
    "Auth token acquired for test-instructor{n}@megacampus.com",
    "[fixtures] course {uuid} ready",
    "Waiting for job {job} to reach status completed",
)
APP = "/home/ci/app/packages/course-gen-platform"
PG_POOL = "../../node_modules/.pnpm/pg-pool@3.7.0_pg@8.13.1/node_modules/pg-pool/index.js:45:11"
AUTH_FETCH = "../../node_modules/@supabase/auth-js/dist/main/lib/fetch.js"
TRACKER = "src/orchestrator/job-status-tracker.ts"
SYNTHESIS = "src/orchestrator/services/analysis/phase-4-synthesis.ts"
VITEST_DURATION = "(transform 486ms, setup 0ms, collect 1.31s, tests 8.42s, environment 0ms)"
SEPARATOR = "⎯" * 30


def fk_message(case: tuple[str, str, str]) -> str:
    table, column, _ = case
    return (
        f'insert or update on table "{table}" violates foreign key constraint '
        f'"{table}_{column}_fkey"'
    )


_SYLLABLES = (
    "ka", "lo", "mi", "nu", "pe", "ra", "so", "ti", "vu", "ze",
    "ba", "do", "fi", "gu", "he", "ja", "ko", "le", "mo", "ni",
)  # fmt: skip


def word(index: int, length: int = 5) -> str:
    """A distinct pronounceable word per index: letters only, so normalizing keeps it distinct."""
    parts = []
    for _ in range(length):
        index, digit = divmod(index, len(_SYLLABLES))
        parts.append(_SYLLABLES[digit])
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class TestFile:
    path: str
    tests: tuple[str, ...]


def _universe(rng: random.Random) -> dict[str, tuple[TestFile, ...]]:
    """The bounded set of test files and names each package runs, the same in every run."""
    packages: dict[str, tuple[TestFile, ...]] = {}
    for package in (*NODE_PACKAGES, *PY_SERVICES):
        python = package in PY_SERVICES
        files = []
        for number, topic in enumerate(rng.sample(TOPICS, 24 if python else 30)):
            area = AREAS[number % len(AREAS)]
            if python:
                path = f"tests/{area}/test_{topic}.py"
            elif number % 5 == 4:
                path = f"src/{topic}/{rng.choice(GROUPS)}.test.ts"
            else:
                path = f"tests/{area}/{topic}.test.ts"
            names: dict[str, None] = {}
            for _ in range(rng.randint(6, 40)):
                phrase = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CONDITIONS)}"
                if python:
                    names["test_" + phrase.replace(" ", "_").replace("-", "").lower()] = None
                else:
                    names[f"{topic} > {rng.choice(GROUPS)} > {phrase}"] = None
            files.append(TestFile(path, tuple(names)))
        packages[package] = tuple(files)
    return packages


# --- the mixed log -------------------------------------------------------------------------------


class MixedLog:
    """A monorepo's CI log: a vitest run per package (console blocks, pino logs, a failure
    section, a summary) and, every sixth run, a pytest run of a Python service; about 40 % pino
    JSON lines and 1 % error lines. Test names come from a fixed universe (~10 k tests), so the
    per-test state is bounded however long the log."""

    def __init__(self, sink: Sink, seed: int = SEED) -> None:
        self.sink = sink
        self.rng = random.Random(seed)
        self.universe = _universe(random.Random(seed + 1))
        self.ms = START_MS
        self.job = 231
        self.uuids = [self._uuid() for _ in range(4096)]
        self.emails = [
            f"test-{role}{n}@megacampus.com" for role in ("instructor", "student") for n in range(8)
        ]

    def write(self, target_bytes: int) -> None:
        run = 0
        while self.sink.approx_bytes < target_bytes:
            if run % 6 == 5:
                self.pytest_run(PY_SERVICES[(run // 6) % len(PY_SERVICES)])
            else:
                self.vitest_run(NODE_PACKAGES[run % len(NODE_PACKAGES)], target_bytes)
            run += 1
        self.sink.flush()

    # --- helpers --------------------------------------------------------------------------------

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _tick(self, most: int = 40) -> int:
        self.ms += self.rng.randint(1, most)
        return self.ms

    def _clock(self) -> str:
        seconds = (self.ms // 1000) % 86_400
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def pino(self, kind: str, level: int, module: str, msg: str, **fields: Any) -> None:
        head = {"level": level, "time": self._tick(), "pid": PID, "hostname": HOST}
        record = {**head, "module": module, **fields, "msg": msg}
        self.sink.line(kind, orjson.dumps(record).decode())

    # --- pino lines -----------------------------------------------------------------------------

    def pino_info(self) -> None:
        rng = self.rng
        pick = rng.randrange(10)
        job = str(self.job)
        course = rng.choice(self.uuids)
        if pick < 2:
            request = f"req-{rng.randint(1, 99_999)}"
            req: dict[str, Any] = {"id": request, "method": "POST", "url": "/trpc/analysis.start"}
            req |= {"remoteAddress": "127.0.0.1", "remotePort": rng.randint(40_000, 60_000)}
            status = rng.choice((200, 200, 200, 201, 204, 400, 403, 404))
            self.pino(
                "pino",
                30,
                "http",
                "request completed",
                reqId=request,
                req=req,
                res={"statusCode": status},
                responseTime=rng.randint(2, 400),
            )
        elif pick < 4:
            kind = rng.choice(("structure_analysis", "document_processing"))
            msg = rng.choice(("Processing job", "Job completed", "Analysis job created"))
            self.pino(
                "pino",
                30,
                "worker",
                msg,
                jobId=job,
                jobType=kind,
                courseId=course,
                attempt=rng.randint(1, 3),
            )
        elif pick == 4:
            phase = rng.choice(("phase_1_classification", "phase_2_scope", "phase_4_synthesis"))
            self.pino(
                "pino",
                rng.choice((20, 30)),
                "analysis-orchestrator",
                "Phase complete",
                jobId=job,
                phase=phase,
                model="openai/gpt-oss-20b",
                durationMs=rng.randint(20, 900),
            )
        elif pick == 5:
            self.pino(
                "pino",
                20,
                "llm-client",
                "LLM call completed",
                jobId=job,
                model="openai/gpt-oss-120b",
                promptTokens=rng.randint(800, 6000),
                completionTokens=rng.randint(50, 900),
                latencyMs=rng.randint(80, 2400),
            )
        elif pick == 6:
            table = rng.choice(("courses", "job_status", "users", "lessons", "enrollments"))
            self.pino(
                "pino",
                20,
                "db",
                "Query executed",
                query=f"select * from {table} where id = $1",
                rows=rng.randint(0, 40),
                durationMs=rng.randint(1, 80),
            )
        elif pick == 7:
            key = f"course:{course}:outline"
            self.pino("pino", 20, "redis", "Cache lookup", key=key, hit=rng.random() < 0.7)
        elif pick == 8:
            email = rng.choice(self.emails)
            self.pino("pino", 20, "supabase-admin", "Auth user upserted", email=email)
        else:
            count = rng.randint(1, 5)
            self.pino(
                "pino",
                20,
                "fixtures",
                "Test courses inserted",
                organizationId=course,
                courses=count,
            )

    def pino_warn(self) -> None:
        rng = self.rng
        pick = rng.random()
        if pick < 0.35:
            self.pino(
                "pino",
                40,
                "analysis-orchestrator",
                "Course no longer exists, skipping analysis",
                jobId=str(self.job),
                courseId=rng.choice(self.uuids),
            )
        elif pick < 0.7:
            query = "update job_status set status = $1 where id = $2"
            self.pino(
                "pino", 40, "db", "Slow query", durationMs=rng.randint(500, 4000), query=query
            )
        elif pick < 0.85:
            err = "connect ECONNREFUSED 127.0.0.1:6379"
            attempt = rng.randint(1, 5)
            self.pino("pino_warn_err", 40, "redis", "Redis reconnecting", attempt=attempt, err=err)
        else:
            self.pino(
                "pino_warn_err",
                40,
                "worker",
                "Cleanup raced a job status insert",
                jobId=str(self.job),
                err=fk_message(rng.choice(FK_CASES)),
            )

    def pino_error(self) -> None:
        """One error-level pino line: FK, JSON parse, enum, auth or other, `err` a string or an
        object as pino's serializer writes it."""
        rng = self.rng
        category = rng.choices(("fk", "json", "enum", "auth", "other"), (30, 15, 15, 20, 20))[0]
        job = str(self.job)
        if category == "fk":
            case = rng.choice(FK_CASES)
            message = fk_message(case)
            if rng.random() < 0.5:
                self.pino(
                    "pino_error",
                    50,
                    "worker",
                    "Failed to create job status",
                    jobId=job,
                    err=message,
                )
                return
            table, column, parent = case
            detail = (
                f'Key ({column})=({rng.choice(self.uuids)}) is not present in table "{parent}".'
            )
            err = {
                "type": "DatabaseError",
                "message": message,
                "stack": f"error: {message}\n    at {PG_POOL}",
                "length": 277,
                "name": "error",
                "severity": "ERROR",
                "code": "23503",
                "detail": detail,
                "schema": "public",
                "table": table,
                "constraint": f"{table}_{column}_fkey",
                "routine": "ri_ReportViolation",
            }
            self.pino(
                "pino_error",
                50,
                "job-status-tracker",
                "Failed to create job status",
                jobId=job,
                err=err,
            )
        elif category == "json":
            message = rng.choice(JSON_CASES)
            stack = f"SyntaxError: {message}\n    at JSON.parse (<anonymous>)\n"
            stack += f"    at parseModelOutput ({APP}/{SYNTHESIS}:88:15)"
            err = {"type": "SyntaxError", "message": message, "stack": stack}
            preview = "Here is the analysis you requested:\n\n```json"
            self.pino(
                "pino_error",
                50,
                "analysis-orchestrator",
                "Failed to parse model output",
                jobId=job,
                phase="phase_4_synthesis",
                err=err,
                outputPreview=preview,
            )
        elif category == "enum":
            enum, value = rng.choice(ENUM_CASES)
            message = f'invalid input value for enum {enum}: "{value}"'
            err = {"type": "DatabaseError", "message": message, "code": "22P02"}
            err["routine"] = "enum_in"
            self.pino(
                "pino_error",
                50,
                "job-status-tracker",
                "Failed to update job status",
                jobId=job,
                err=err,
            )
        elif category == "auth":
            if rng.random() < 0.6:
                err = {"type": "AuthApiError", "message": "Invalid login credentials"}
                err |= {"status": 400, "code": "invalid_credentials"}
                msg = "Password sign-in failed"
            else:
                err = {"type": "AuthApiError", "message": "Database error creating new user"}
                err |= {"status": 500, "code": "unexpected_failure"}
                msg = "Failed to create auth user"
            self.pino(
                "pino_error", 50, "supabase-admin", msg, email=rng.choice(self.emails), err=err
            )
        else:
            pick = rng.random()
            if pick < 0.5:
                port = rng.choice((5432, 6379, 54321))
                err = {
                    "type": "Error",
                    "message": f"connect ECONNREFUSED 127.0.0.1:{port}",
                    "errno": -111,
                    "code": "ECONNREFUSED",
                    "syscall": "connect",
                    "address": "127.0.0.1",
                    "port": port,
                }
                self.pino("pino_error", 50, "worker", "Queue connection failed", jobId=job, err=err)
            elif pick < 0.75:
                message = "Cannot read properties of undefined (reading 'id')"
                err = {"type": "TypeError", "message": message}
                self.pino(
                    "pino_error",
                    50,
                    "analysis-router",
                    "Unhandled error in procedure",
                    jobId=job,
                    err=err,
                )
            else:
                msg = "Ledger reconciliation failed: upstream returned 502"
                invoice = f"in_{rng.getrandbits(40):x}"
                self.pino("pino_error", 50, "billing-sync", msg, jobId=job, invoice=invoice)

    # --- console output -------------------------------------------------------------------------

    def console_block(self, stream: str, file: str, test: str) -> None:
        rng = self.rng
        self.sink.line("console", f"{stream} | {file} > {test}")
        for _ in range(rng.randint(1, 4)):
            text = rng.choice(CONSOLE_LINES)
            if "{" in text:
                port, uuid = rng.randint(40_000, 60_000), rng.choice(self.uuids)
                text = text.format(n=rng.randint(1, 9), port=port, uuid=uuid, job=self.job)
            self.sink.line("console", text)
        if rng.random() < 0.03:
            self.console_error()
        self.sink.line("console", "")

    def console_error(self) -> None:
        rng = self.rng
        email = rng.choice(self.emails)
        enum = 'invalid input value for enum job_status_enum: "done"'
        text = rng.choice(
            (
                f"Error creating auth user {email}: AuthApiError: Invalid login credentials",
                f"Auth attempt 1 failed for {email}, retrying in 500ms...",
                f"Failed to create job status: {fk_message(rng.choice(FK_CASES))}",
                f"Error: connect ECONNREFUSED 127.0.0.1:{rng.choice((5432, 6379))}",
                f"SyntaxError: {JSON_CASES[0]}",
                f"Failed to mark job {self.job} completed: {enum}",
            )
        )
        self.sink.line("console_error", text)

    # --- failures -------------------------------------------------------------------------------

    def failure(self) -> tuple[str, list[str]]:
        """A failing test's short message (the `→` line) and its FAIL block's body."""
        rng = self.rng
        category = rng.choices(("fk", "json", "enum", "auth", "other"), (25, 20, 20, 15, 20))[0]
        if category == "fk":
            message = fk_message(rng.choice(FK_CASES))
            body = [
                f"error: {message}",
                f" ❯ {PG_POOL}",
                f" ❯ JobStatusTracker.create {TRACKER}:61:7",
            ]
        elif category == "json":
            message = rng.choice(JSON_CASES)
            body = [
                f"SyntaxError: {message}",
                f" ❯ parseModelOutput {SYNTHESIS}:88:15",
                "     86|   const cleaned = stripCodeFences(raw.trim());",
                "     87| ",
                "     88|   return JSON.parse(cleaned) as Phase4SynthesisOutput;",
                "       |               ^",
                "     89| }",
                f" ❯ runPhase4Synthesis {SYNTHESIS}:141:20",
            ]
        elif category == "enum":
            enum, value = rng.choice(ENUM_CASES)
            cause = f'invalid input value for enum {enum}: "{value}"'
            message = f"Failed to mark job {self.job} completed: {cause}"
            body = [
                f"JobStatusError: {message}",
                f" ❯ JobStatusTracker.markCompleted {TRACKER}:131:13",
                "    130|     } catch (error) {",
                "    131|       throw new JobStatusError(",
                "       |             ^",
                "",
                SEPARATOR,
                f"Serialized Error: {{ jobId: '{self.job}', status: '{value}' }}",
                f"Caused by: error: {cause}",
                f" ❯ JobStatusTracker.markCompleted {TRACKER}:124:7",
            ]
        elif category == "auth":
            message = "Invalid login credentials"
            body = [
                f"AuthApiError: {message}",
                f" ❯ handleError {AUTH_FETCH}:80:11",
                f" ❯ _handleRequest {AUTH_FETCH}:123:9",
            ]
        else:
            pick = rng.randrange(3)
            if pick == 0:
                message = "expected 500 to be 200 // Object.is equality"
                body = [f"AssertionError: {message}", "", "- Expected", "+ Received", ""]
                body += ["- 200", "+ 500", ""]
            elif pick == 1:
                message = "Test timed out in 5000ms."
                hint = "If this is a long-running test, pass a timeout value as the last argument"
                body = [f"Error: {message}", hint + ' or configure it globally with "testTimeout".']
            else:
                message = "Cannot read properties of undefined (reading 'id')"
                body = [f"TypeError: {message}", " ❯ toCourseDto src/courses/dto.ts:17:23"]
        return message, body

    # --- a vitest run ---------------------------------------------------------------------------

    def vitest_run(self, package: str, target_bytes: int) -> None:
        rng, sink = self.rng, self.sink
        root = f"/home/ci/app/packages/{package}"
        for text in ("", f"> @megacampus/{package}@0.4.2 test {root}", "> vitest run", "", ""):
            sink.line("vitest", text)
        sink.line("vitest", f" RUN  v3.2.4 {root}")
        sink.line("vitest", "")
        failures: list[tuple[str, str, list[str]]] = []
        files = self.universe[package]
        passed_files = failed_files = passed = skipped = 0
        for test_file in rng.sample(files, len(files)):
            if sink.approx_bytes >= target_bytes and passed_files + failed_files:
                break
            tree, duration, failed, file_skipped = self._run_file(test_file, failures)
            count = len(test_file.tests)
            if failed:
                failed_files += 1
                counts = f"({count} tests | {failed} failed) {duration}ms"
                sink.line("test_line", f" ❯ {test_file.path} {counts}")
                for line in tree:
                    sink.line("failure" if line.startswith("     →") else "test_line", line)
            else:
                passed_files += 1
                more = f" | {file_skipped} skipped" if file_skipped else ""
                sink.line("test_line", f" ✓ {test_file.path} ({count} tests{more}) {duration}ms")
                for line in tree:
                    if "  " in line.strip():  # slow tests (≥ 300 ms) are listed
                        sink.line("test_line", line)
            passed += count - failed - file_skipped
            skipped += file_skipped
        if failures:
            for text in ("", f"⎯⎯⎯⎯⎯⎯⎯ Failed Tests {len(failures)} ⎯⎯⎯⎯⎯⎯⎯", ""):
                sink.line("vitest", text)
            for number, (path, test, body) in enumerate(failures, 1):
                sink.line("vitest", f" FAIL  {path} > {test}")
                sink.line("failure", body[0])
                for line in body[1:]:
                    sink.line("failure" if line.startswith("Caused by") else "vitest", line)
                sink.line("vitest", f" ❯ {path}:{rng.randint(20, 600)}:{rng.randint(3, 30)}")
                sink.line("vitest", "")
                sink.line("vitest", f"{'⎯' * 24}[{number}/{len(failures)}]⎯")
                sink.line("vitest", "")
        file_counts = f"{passed_files} passed ({passed_files + failed_files})"
        if failed_files:
            file_counts = f"{failed_files} failed | {file_counts}"
        tallies = [f"{len(failures)} failed"] if failures else []
        tallies.append(f"{passed} passed")
        if skipped:
            tallies.append(f"{skipped} skipped")
        self._tick(400)
        seconds = f"{rng.randint(5, 90)}.{rng.randint(10, 99)}s"
        sink.line("vitest", "")
        sink.line("vitest", f" Test Files  {file_counts}")
        sink.line(
            "vitest", f"      Tests  {' | '.join(tallies)} ({passed + skipped + len(failures)})"
        )
        sink.line("vitest", f"   Start at  {self._clock()}")
        sink.line("vitest", f"   Duration  {seconds} {VITEST_DURATION}")
        sink.line("vitest", "")
        if failures:
            sink.line("vitest", " ELIFECYCLE  Test failed. See above for more details.")

    def _run_file(
        self, test_file: TestFile, failures: list[tuple[str, str, list[str]]]
    ) -> tuple[list[str], int, int, int]:
        """One test file's console output and logs; returns its tree, duration and counts."""
        rng = self.rng
        failing = rng.random() < 0.06
        tree: list[str] = []
        failed = skipped = total_ms = 0
        for test in test_file.tests:
            self.job += 1
            for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 4))):
                self.pino_info()
            if rng.random() < 0.05:
                self.pino_warn()
            if rng.random() < 0.45:
                stream = rng.choice(("stdout", "stdout", "stdout", "stderr"))
                self.console_block(stream, test_file.path, test)
            if rng.random() < 0.012:
                self.pino_error()
            ms = int(rng.expovariate(1 / 120)) + 1
            total_ms += ms
            if failing and failed < 2 and rng.random() < 0.15:
                failed += 1
                message, body = self.failure()
                failures.append((test_file.path, test, body))
                tree += [f"   × {test} {ms}ms", f"     → {message}"]
            elif rng.random() < 0.02:
                skipped += 1
                tree.append(f"   ↓ {test}")
            else:
                tree.append(f"   ✓ {test} {ms}ms" if ms < 300 else f"   ✓ {test}  {ms}ms")
        return tree, total_ms + rng.randint(5, 300), failed, skipped

    # --- a pytest run ---------------------------------------------------------------------------

    def pytest_run(self, service: str) -> None:
        """`pytest -v -s` (live Python logging between the test lines) for one service, the
        default progress lines for the other; FAILURES and a short summary when tests fail."""
        rng, sink = self.rng, self.sink
        files = self.universe[service]
        total = sum(len(f.tests) for f in files)
        verbose = service == PY_SERVICES[0]
        sink.line(
            "pytest", f"$ cd services/{service} && uv run pytest{' -v -s' if verbose else ''}"
        )
        sink.line("pytest", _rule("=", "test session starts"))
        sink.line("pytest", "platform linux -- Python 3.11.7, pytest-8.3.4, pluggy-1.5.0")
        sink.line("pytest", f"rootdir: /home/ci/app/services/{service}")
        sink.line("pytest", "plugins: asyncio-0.24.0, anyio-4.6.2, cov-6.0.0")
        sink.line("pytest", f"collected {total} items")
        sink.line("pytest", "")
        failed: list[tuple[str, str, str]] = []
        done = passed = skipped = 0
        for test_file in files:
            marks = []
            for test in test_file.tests:
                done += 1
                self.job += 1
                if verbose:
                    self._python_logs()
                outcome = "PASSED"
                if rng.random() < 0.004:
                    outcome = "FAILED"
                    failed.append((test_file.path, test, rng.choice(("fk", "enum", "json"))))
                elif rng.random() < 0.02:
                    outcome = "SKIPPED"
                skipped += outcome == "SKIPPED"
                passed += outcome == "PASSED"
                if verbose:
                    sink.line(
                        "test_line", _progress(f"{test_file.path}::{test} {outcome}", done, total)
                    )
                else:
                    marks.append({"PASSED": ".", "FAILED": "F", "SKIPPED": "s"}[outcome])
            if not verbose:
                sink.line("test_line", _progress(f"{test_file.path} {''.join(marks)}", done, total))
        if failed:
            self._pytest_failures(failed)
        parts = [f"{len(failed)} failed"] if failed else []
        parts.append(f"{passed} passed")
        if skipped:
            parts.append(f"{skipped} skipped")
        took = f"{rng.randint(5, 90)}.{rng.randint(10, 99)}s"
        sink.line("pytest", _rule("=", f"{', '.join(parts)} in {took}"))

    def _python_logs(self) -> None:
        rng = self.rng
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            self._tick()
            level = rng.choice(("INFO", "INFO", "DEBUG", "WARNING"))
            uuid = rng.choice(self.uuids)
            message = rng.choice(
                (
                    f"Created job {self.job} for course {uuid}",
                    f"Scored submission {self.job} (course {uuid})",
                    f"Cache refreshed for course {uuid}",
                )
            )
            self.sink.line(
                "pytest", f"{self._stamp()} {level:<8} [app.{rng.choice(TOPICS)}] {message}"
            )
        if rng.random() < 0.012:
            message = f"Failed to create job status: {fk_message(rng.choice(FK_CASES))}"
            self.sink.line("error", f"{self._stamp()} ERROR    [app.jobs] {message}")

    def _stamp(self) -> str:
        return f"2025-11-02 {self._clock()},{self.ms % 1000:03d}"

    def _pytest_failures(self, failed: list[tuple[str, str, str]]) -> None:
        sink = self.sink
        sink.line("pytest", "")
        sink.line("pytest", _rule("=", "FAILURES"))
        for path, test, kind in failed:
            error, detail = self._pytest_error(kind)
            sink.line("pytest", _rule("_", test))
            sink.line("pytest", "")
            sink.line(
                "pytest", "client = <starlette.testclient.TestClient object at 0x7f3a2c1d5e10>"
            )
            sink.line("pytest", "")
            sink.line("pytest", f"    def {test}(client):")
            sink.line("pytest", '>       resp = client.post("/jobs", json=payload)')
            sink.line("pytest", "")
            sink.line("failure", f"E       {error}")
            if detail:
                sink.line("pytest", f"E       {detail}")
            sink.line("pytest", "")
            exception = error.split(":", 1)[0].rsplit(".", 1)[-1]
            sink.line("pytest", f"{path}:{self.rng.randint(10, 300)}: {exception}")
            sink.line("pytest", _rule("-", "Captured log call"))
            sink.line("error", "ERROR    app.jobs:jobs.py:88 Failed to create job status")
        sink.line("pytest", _rule("=", "short test summary info"))
        for path, test, kind in failed:
            sink.line("failure", f"FAILED {path}::{test} - {self._pytest_error(kind)[0]}")

    def _pytest_error(self, kind: str) -> tuple[str, str]:
        if kind == "fk":
            _, column, parent = FK_CASES[0]
            detail = (
                f'DETAIL:  Key ({column})=({self.uuids[0]}) is not present in table "{parent}".'
            )
            return f"psycopg.errors.ForeignKeyViolation: {fk_message(FK_CASES[0])}", detail
        if kind == "enum":
            cause = 'invalid input value for enum job_status_enum: "done"'
            return f"psycopg.errors.InvalidTextRepresentation: {cause}", ""
        return "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)", ""


def _rule(char: str, title: str, width: int = 80) -> str:
    """A pytest section rule: `==== title ====` across `width` columns."""
    side = max(1, (width - len(title) - 2) // 2)
    line = f"{char * side} {title} {char * side}"
    return line + char * (width - len(line))


def _progress(text: str, done: int, total: int, width: int = 80) -> str:
    percent = f"[{100 * done // total:3d}%]"
    return text + " " * max(1, width - len(text) - len(percent)) + percent


# --- the all-errors log --------------------------------------------------------------------------


def write_all_errors(sink: Sink, lines: int, seed: int = SEED) -> None:
    """Every line an error and every message distinct (ids made of letters survive the
    normalizing of messages): a fingerprint explosion over FK, enum, JSON parse, auth, network
    and unknown errors, pino JSON and plain text mixed."""
    rng = random.Random(seed + 2)
    ms = START_MS
    for index in range(lines):
        ms += rng.randint(0, 3)
        a, b = word(index), word(index * 7919 + 13)
        form = index % 6
        head = {"level": 50, "time": ms, "pid": PID, "hostname": HOST}
        if form == 0:
            err = fk_message((f"t_{a}", b, ""))
            record = {**head, "module": "worker", "jobId": str(index), "err": err}
            text = orjson.dumps({**record, "msg": "Failed to create job status"}).decode()
        elif form == 1:
            cause = f'invalid input value for enum {a}_enum: "{b}"'
            text = f"Failed to mark job {index} completed: {cause}"
        elif form == 2:
            message = f"Unexpected token '{a[0]}', \"{a}\"... is not valid JSON"
            record = {**head, "module": "analysis-orchestrator"}
            record["err"] = {"type": "SyntaxError", "message": message}
            text = orjson.dumps({**record, "msg": f"Failed to parse {b} output"}).decode()
        elif form == 3:
            user = f"{a}.{b}@megacampus.com"
            text = f"Error creating auth user {user}: AuthApiError: Invalid login credentials"
        elif form == 4:
            address = f"10.{index % 250}.{index // 250 % 250}.{rng.randint(1, 250)}"
            text = f"Error: connect ECONNREFUSED {address}:{1024 + index % 60_000}"
        else:
            record = {**head, "module": "billing-sync"}
            text = orjson.dumps(
                {**record, "msg": f"Ledger {a} reconciliation against {b} failed"}
            ).decode()
        sink.line("error", text)
    sink.flush()


# --- files on disk -------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """`100M`, `1G`, `20MB`, `512k` or a plain byte count."""
    text = text.strip().upper().removesuffix("B")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _stats_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def load_stats(path: Path) -> dict[str, Any] | None:
    """The statistics written beside a corpus, if it is there and current."""
    try:
        stats = json.loads(_stats_path(path).read_text())
    except (OSError, ValueError):
        return None
    current = stats.get("version") == VERSION and path.exists()
    return stats if current and path.stat().st_size == stats.get("bytes") else None


def _generate(path: Path, fill: Callable[[Sink], None], **meta: Any) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as handle:
        sink = Sink(handle)
        fill(sink)
    partial.replace(path)
    lines = sink.lines
    pino = sum(n for kind, n in sink.kinds.items() if kind.startswith("pino"))
    errors = sum(n for kind, n in sink.kinds.items() if kind in ERROR_KINDS)
    stats = {
        "version": VERSION,
        "bytes": sink.bytes,
        "lines": lines,
        "kinds": dict(sorted(sink.kinds.items())),
        "pino_share": round(pino / lines, 4) if lines else 0,
        "error_share": round(errors / lines, 4) if lines else 0,
        "seconds": round(time.perf_counter() - started, 1),
        **meta,
    }
    _stats_path(path).write_text(json.dumps(stats, indent=1) + "\n")
    return stats


def ensure_mixed(path: Path, target_bytes: int, seed: int = SEED) -> dict[str, Any]:
    """The mixed log at `path`, about `target_bytes` long, generated unless already there."""
    stats = load_stats(path)
    if stats is not None and stats.get("target") == target_bytes and stats.get("seed") == seed:
        return stats
    return _generate(
        path, lambda sink: MixedLog(sink, seed).write(target_bytes), target=target_bytes, seed=seed
    )


def ensure_all_errors(path: Path, lines: int, seed: int = SEED) -> dict[str, Any]:
    """The all-errors log at `path` with `lines` distinct error lines, unless already there."""
    stats = load_stats(path)
    if stats is not None and stats.get("lines") == lines and stats.get("seed") == seed:
        return stats
    return _generate(path, lambda sink: write_all_errors(sink, lines, seed), seed=seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("mixed", "all-errors"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", default="20M", help="mixed: target size (20M, 100M, 1G)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="all-errors: line count")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.kind == "mixed":
        stats = ensure_mixed(args.path, parse_size(args.size), args.seed)
    else:
        stats = ensure_all_errors(args.path, args.lines, args.seed)
    json.dump(stats, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
