"""The bundled seed run tells the investigated story, in vitest's and pino's exact shapes."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from testtriage.demo.replay import seed_log_path

TEST_FILE = "tests/contract/analysis.test.ts"
FK_CONSTRAINT = "job_status_course_id_fkey"
PARSE_MESSAGE = "Unexpected token 'H', \"Here is th\"... is not valid JSON"
ENUM_MESSAGE = 'invalid input value for enum job_status_enum: "done"'
RESULT_LINE = re.compile(r"^   (?P<symbol>[✓×]) (?P<name>analysis > .+?) +(?P<ms>\d+)ms$")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return seed_log_path().read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def log_records(lines: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """Every JSON log line as (line number, object)."""
    records = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("{"):
            record = orjson.loads(line)
            assert isinstance(record, dict), f"line {number} is not a JSON object"
            records.append((number, record))
    return records


def test_the_log_is_plain_text_of_a_realistic_length(lines: list[str]) -> None:
    raw = seed_log_path().read_bytes()
    assert b"\x1b" not in raw, "colour codes belong to the UI, not to the seed"
    assert raw.endswith(b"\n")
    assert 150 <= len(lines) <= 400


def test_it_is_one_vitest_run_of_the_analysis_contract_tests(lines: list[str]) -> None:
    assert " RUN  v3.2.4 /home/dev/app/packages/course-gen-platform" in lines
    assert f" ❯ {TEST_FILE} (20 tests | 2 failed) 8421ms" in lines


def test_the_tree_has_eighteen_passes_and_two_failures(lines: list[str]) -> None:
    results = [match for line in lines if (match := RESULT_LINE.match(line))]
    assert len(results) == 20
    assert [m["symbol"] for m in results].count("✓") == 18
    failed = [m["name"] for m in results if m["symbol"] == "×"]
    assert failed == [
        "analysis > start > runs Stage 4 synthesis on the mocked model response",
        "analysis > status > reports a finished job as completed",
    ]
    assert len({m["name"] for m in results}) == 20


def test_each_failed_test_shows_its_short_error_under_it(lines: list[str]) -> None:
    for index, line in enumerate(lines):
        if line.startswith("   × "):
            assert lines[index + 1].startswith("     → ")
    short_errors = [line for line in lines if line.startswith("     → ")]
    assert short_errors == [
        f"     → {PARSE_MESSAGE}",
        f"     → Failed to mark job 237 completed: {ENUM_MESSAGE}",
    ]


def test_the_failure_section_has_both_blocks_with_code_frames(lines: list[str]) -> None:
    start = lines.index("⎯⎯⎯⎯⎯⎯⎯ Failed Tests 2 ⎯⎯⎯⎯⎯⎯⎯")
    section = lines[start:]
    headers = [i for i, line in enumerate(section) if line.startswith(" FAIL  ")]
    assert [section[i] for i in headers] == [
        f" FAIL  {TEST_FILE} > analysis > start > "
        "runs Stage 4 synthesis on the mocked model response",
        f" FAIL  {TEST_FILE} > analysis > status > reports a finished job as completed",
    ]
    first = section[headers[0] : headers[1]]
    second = section[headers[1] :]
    assert first[1] == f"SyntaxError: {PARSE_MESSAGE}"
    frame = " ❯ parseModelOutput src/orchestrator/services/analysis/phase-4-synthesis.ts:88:15"
    assert frame in first
    assert "     88|   return JSON.parse(cleaned) as Phase4SynthesisOutput;" in first
    assert "       |               ^" in first
    assert "⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/2]⎯" in first
    assert second[1] == f"JobStatusError: Failed to mark job 237 completed: {ENUM_MESSAGE}"
    assert f"Caused by: error: {ENUM_MESSAGE}" in second
    serialized = [line for line in second if line.startswith("Serialized Error: { length:")]
    assert len(serialized) == 1
    assert "code: '22P02'" in serialized[0]
    assert "routine: 'enum_in'" in serialized[0]
    assert "⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[2/2]⎯" in second


def test_the_summary_block_is_padded_as_vitest_pads_it(lines: list[str]) -> None:
    assert " Test Files  1 failed (1)" in lines
    assert "      Tests  2 failed | 18 passed (20)" in lines
    assert any(re.fullmatch(r"   Start at  \d\d:\d\d:\d\d", line) for line in lines)
    assert any(re.fullmatch(r"   Duration  \d+\.\d\ds \(transform .+\)", line) for line in lines)
    summary = lines.index(" Test Files  1 failed (1)")
    assert summary > lines.index("⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[2/2]⎯")


def test_setup_retries_auth_once_and_recovers(lines: list[str]) -> None:
    retry = "Auth attempt 1 failed for test-instructor1@megacampus.com, retrying in 500ms..."
    index = lines.index(retry)
    assert lines[index - 1] == f"stderr | {TEST_FILE}"
    assert lines.index("Auth token acquired for test-instructor1@megacampus.com") > index
    assert lines.index("Setting up test fixtures...") < index
    for line in (
        "Test tRPC server started on port 46377",
        "BullMQ worker started for test job processing",
        "Test server ready on port 46377",
    ):
        assert line in lines


def test_the_misdiagnosed_auth_errors_are_not_in_the_log(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert "Could not create auth users" not in text
    assert "Database error creating new user" not in text


def test_seven_foreign_key_errors_are_logged_for_different_jobs(
    lines: list[str], log_records: list[tuple[int, dict[str, Any]]]
) -> None:
    assert sum(FK_CONSTRAINT in line for line in lines) == 7
    fk = [record for _, record in log_records if FK_CONSTRAINT in orjson.dumps(record).decode()]
    assert len(fk) == 7
    assert {record["msg"] for record in fk} == {"Failed to create job status"}
    assert {record["level"] for record in fk} == {50}
    assert len({record["jobId"] for record in fk}) == 7
    objects = [record["err"] for record in fk if isinstance(record["err"], dict)]
    strings = [record["err"] for record in fk if isinstance(record["err"], str)]
    assert objects and strings
    for err in objects:
        assert err["code"] == "23503"
        assert err["constraint"] == FK_CONSTRAINT
        assert err["table"] == "job_status"
        assert re.fullmatch(
            r'Key \(course_id\)=\([0-9a-f-]{36}\) is not present in table "courses"\.',
            err["detail"],
        )
    assert set(strings) == {
        'insert or update on table "job_status" violates foreign key constraint '
        '"job_status_course_id_fkey"'
    }


def test_the_quoted_investigation_line_is_there(
    log_records: list[tuple[int, dict[str, Any]]],
) -> None:
    quoted = [r for _, r in log_records if r.get("jobId") == "238" and r["level"] == 50]
    assert len(quoted) == 1
    assert quoted[0]["time"] == 1762101220134
    assert quoted[0]["jobType"] == "structure_analysis"


def test_each_foreign_key_error_follows_a_cleanup(lines: list[str]) -> None:
    cleanups = [i for i, line in enumerate(lines) if line == "Cleaning up test jobs"]
    for index, line in enumerate(lines):
        if FK_CONSTRAINT in line:
            nearest = min(abs(index - cleanup) for cleanup in cleanups)
            assert nearest <= 8, f"line {index + 1} is far from any cleanup"


def test_the_parse_error_is_logged_before_it_fails_the_test(
    lines: list[str], log_records: list[tuple[int, dict[str, Any]]]
) -> None:
    logged = [(n, r) for n, r in log_records if r["msg"] == "Failed to parse model output"]
    assert len(logged) == 1
    number, record = logged[0]
    assert record["level"] == 50
    assert record["err"]["type"] == "SyntaxError"
    assert record["err"]["message"] == PARSE_MESSAGE
    failure = lines.index(f"SyntaxError: {PARSE_MESSAGE}") + 1
    assert number < failure


def test_the_run_logs_the_analysis_flow(log_records: list[tuple[int, dict[str, Any]]]) -> None:
    messages = [record["msg"] for _, record in log_records]
    for message in (
        "Analysis start request received",
        "Analysis job created",
        "Stage 4 analysis orchestration starting",
        "request completed",
    ):
        assert message in messages
    levels = {record["level"] for _, record in log_records}
    assert {20, 30, 50} <= levels


def test_every_log_line_is_pino_shaped_with_increasing_time(
    log_records: list[tuple[int, dict[str, Any]]],
) -> None:
    assert len(log_records) >= 100
    times = []
    for number, record in log_records:
        assert list(record)[:4] == ["level", "time", "pid", "hostname"], f"line {number}"
        assert list(record)[-1] == "msg", f"line {number}"
        assert record["level"] in {10, 20, 30, 40, 50, 60}
        assert isinstance(record["time"], int)
        times.append(record["time"])
    assert all(later > earlier for earlier, later in zip(times, times[1:], strict=False))
    assert times[0] >= 1762101214000
    assert times[-1] <= 1762101230000


def test_console_blocks_are_headed_and_closed_by_a_blank_line(lines: list[str]) -> None:
    headers = [i for i, line in enumerate(lines) if line.startswith(("stdout | ", "stderr | "))]
    assert len(headers) >= 10
    for index in headers:
        assert lines[index].split(" | ", 1)[1].startswith(TEST_FILE)
        end = index + 1
        while lines[end]:
            assert not lines[end].startswith("{"), f"log line inside the block at {end + 1}"
            end += 1
        assert end > index + 1, f"empty console block at line {index + 1}"
