"""What the scenario logs must be diagnosed as: causes, links and messages, one property each."""

from __future__ import annotations

import re
from typing import Any

from headless_harness import Cli

CODE_FRAME = re.compile(r"^\s*(?:>\s*)?\d+\s*\|")


def report_of(cli: Cli, log: str) -> dict[str, Any]:
    return cli.summary(log, "--format", "json").json()


def test_the_pytest_run_is_read_with_its_teardown_error(cli: Cli) -> None:
    report = report_of(cli, "pytest-structlog.log")
    tests = report["tests"]
    counts = (tests["total"], tests["passed"], tests["failed"], tests["skipped"], tests["errors"])
    assert counts == (14, 11, 2, 1, 1)
    kinds = {failure["name"]: failure["kind"] for failure in tests["failures"]}
    assert kinds == {
        "test_session_expires_after_ttl": "teardown",
        "test_enroll_missing_course": "test",
        "test_import_json_manifest": "test",
    }
    by_id = {f["id"]: f for f in report["findings"]}
    causes = {
        failure["name"]: {by_id[i]["category"] for i in failure["findings"]}
        for failure in tests["failures"]
    }
    assert causes == {
        "test_session_expires_after_ttl": {"connection"},
        "test_enroll_missing_course": {"fk_timing"},
        "test_import_json_manifest": {"parse"},
    }
    noise = {(f["category"], f["fields"].get("constraint")) for f in report["findings"]}
    assert ("fk_timing", "audit_events_enrollment_id_fkey") in noise


def test_the_jest_prisma_run_fails_on_the_foreign_key_and_the_enum(cli: Cli) -> None:
    report = report_of(cli, "jest-prisma.log")
    tests = report["tests"]
    assert (tests["total"], tests["passed"], tests["failed"]) == (16, 14, 2)
    by_id = {f["id"]: f for f in report["findings"]}
    blocking = {by_id[i]["rule"] for i in report["verdict"]["blocking"]}
    assert blocking == {"prisma-fk-violation", "prisma-invalid-enum"}
    noise = [by_id[i] for i in report["verdict"]["noise"]]
    assert [f["fields"]["constraint"] for f in noise] == ["Enrollment_courseId_fkey"]


def test_code_frames_are_not_errors(cli: Cli) -> None:
    for finding in report_of(cli, "auth-setup-fails.log")["findings"]:
        texts = [e["text"] for e in finding["evidence"]]
        assert not all(CODE_FRAME.match(text) for text in texts), finding["title"]


def test_each_pytest_failure_has_one_cause(cli: Cli) -> None:
    report = report_of(cli, "pytest-structlog.log")
    for failure in report["tests"]["failures"]:
        assert len(failure["findings"]) == 1, (failure["name"], failure["findings"])


def test_a_passed_line_is_no_evidence(cli: Cli) -> None:
    for finding in report_of(cli, "pytest-structlog.log")["findings"]:
        for evidence in finding["evidence"]:
            assert not evidence["text"].startswith("PASSED "), (finding["id"], evidence["line"])


def test_a_finding_has_no_more_evidence_than_occurrences(cli: Cli) -> None:
    for finding in report_of(cli, "seed-run.log")["findings"]:
        assert len(finding["evidence"]) <= finding["count"], finding["id"]


def test_the_error_behind_a_blocking_surface_is_not_noise(cli: Cli) -> None:
    report = report_of(cli, "auth-setup-fails.log")
    behind = {i for f in report["findings"] if f["blocking"] for i in f["related"]}
    assert behind, "the auth surface points at the database error"
    assert not behind & set(report["verdict"]["noise"])


def test_a_whole_file_is_named_without_a_dangling_separator(cli: Cli) -> None:
    for finding in report_of(cli, "auth-setup-fails.log")["findings"]:
        for name in finding["tests"]:
            assert not name.endswith(" > "), name


def test_a_failure_message_says_what_failed(cli: Cli) -> None:
    for failure in report_of(cli, "jest-prisma.log")["tests"]["failures"]:
        assert not failure["message"].rstrip().endswith(":"), failure["message"]
