"""Report files given as sources: recognised by their start, JSON reports read whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import FIXTURES

from testtriage.core.results import (
    BlockKind,
    FailureReported,
    LineContext,
    RunFinished,
    RunnerDetected,
    TestKey,
    TestReported,
    TestStatus,
    TotalsReported,
    Zone,
)
from testtriage.core.runners import reports
from testtriage.core.runners.reports import ReportError, parse_json_report, sniff_report


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("jest-report.json", "jest-json"),
        ("vitest-report.json", "jest-json"),
        ("junit-pytest.xml", "junit"),
        ("junit-vitest.xml", "junit"),
        ("vitest-pino-nocolor.log", None),
        ("pytest-rA.log", None),
    ],
)
def test_sniff_report(name: str, kind: str | None) -> None:
    assert sniff_report(FIXTURES / name) == kind


def test_sniff_report_of_other_files(tmp_path: Path) -> None:
    other = tmp_path / "package.json"
    other.write_text('{"name": "x", "version": "1.0.0"}')
    bom = tmp_path / "report.json"
    bom.write_text('\ufeff\n  {"numTotalTests": 0, "testResults": []}')
    assert sniff_report(other) is None
    assert sniff_report(bom) == "jest-json"
    assert sniff_report(tmp_path / "missing.json") is None
    assert sniff_report(tmp_path) is None


def test_jest_report() -> None:
    events, lines = parse_json_report(
        FIXTURES / "jest-report.json", "report.json", root="/home/ci/course-api"
    )
    assert events[0] == RunnerDetected("jest", "report.json", 0)
    assert isinstance(events[-1], RunFinished)
    results = [e.result for e in events if isinstance(e, TestReported)]
    assert [r.status for r in results].count(TestStatus.PASSED) == 8
    assert [r.status for r in results].count(TestStatus.SKIPPED) == 2
    failed = [r for r in results if r.status is TestStatus.FAILED]
    key = TestKey(
        "src/api/__tests__/analysis.test.ts",
        "analysis router > getStatus > reports completed jobs with a valid status",
    )
    assert [r.key for r in failed] == [key]
    assert failed[0].message == "Error: expect(received).toBe(expected) // Object.is equality"
    assert failed[0].duration_ms == 1532.0
    totals = next(e for e in events if isinstance(e, TotalsReported))
    assert (totals.passed, totals.failed, totals.skipped, totals.total) == (8, 1, 2, 11)
    suite = TestKey("src/db/__tests__/migrations.test.ts", "")
    blocks = {e.key: e for e in events if isinstance(e, FailureReported)}
    assert blocks[suite].kind is BlockKind.SUITE
    assert blocks[suite].message.startswith("Cannot find module '../../generated/prisma'")
    test_lines = [text for context, text in lines if context.key == key]
    assert test_lines[1] == 'Expected: "completed"'
    assert all("\x1b" not in text for _, text in lines)
    assert {(c.kind, c.zone) for c, _ in lines} == {
        (BlockKind.TEST, Zone.ERROR),
        (BlockKind.SUITE, Zone.ERROR),
    }


def test_vitest_report_and_paths_outside_the_root() -> None:
    events, lines = parse_json_report(FIXTURES / "vitest-report.json", "v.json", root="/elsewhere")
    assert events[0] == RunnerDetected("vitest", "v.json", 0)
    failed = [
        e.result
        for e in events
        if isinstance(e, TestReported) and e.result.status.value == "failed"
    ]
    assert len(failed) == 1
    assert failed[0].key.file.startswith("/home/ci/megacampus2/")
    assert lines == [
        (
            LineContext(failed[0].key, BlockKind.TEST, Zone.ERROR),
            "Unexpected token 'T', \"The course\"... is not valid JSON",
        )
    ]


def test_vitest_report_relative_to_its_project() -> None:
    events, _ = parse_json_report(
        FIXTURES / "vitest-report.json",
        "v.json",
        root="/home/ci/megacampus2/packages/course-gen-platform",
    )
    files = {e.result.key.file for e in events if isinstance(e, TestReported)}
    assert files == {"tests/unit/slugify.test.ts", "tests/contract/analysis.test.ts"}


def test_a_report_too_large_is_refused_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"numTotalTests": 0, "testResults": []}' + " " * 2048)
    monkeypatch.setattr(reports, "MAX_REPORT_BYTES", 1024)
    with pytest.raises(
        ReportError, match="report is 2087 bytes, more than the 1024 bytes read at once"
    ):
        parse_json_report(path, "big.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "no testResults"),
        ("[1, 2]", "no testResults"),
    ],
)
def test_bad_reports_raise_report_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(ReportError, match=problem):
        parse_json_report(path, "r.json")


def test_a_missing_report_raises_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read report"):
        parse_json_report(tmp_path / "gone.json", "gone.json")


def test_odd_values_inside_a_report_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(
        '{"numTotalTests": "many", "testResults": [null, 3, {"name": 7, "assertionResults":'
        ' [null, {"title": ["x"], "status": "weird", "failureMessages": "no"},'
        ' {"title": "ok", "status": "passed", "duration": "fast"}]}], "wasInterrupted": true}'
    )
    events, lines = parse_json_report(path, "odd.json")
    results = [e.result for e in events if isinstance(e, TestReported)]
    assert [(r.key.name, r.status, r.duration_ms) for r in results] == [
        ("", TestStatus.SKIPPED, None),
        ("ok", TestStatus.PASSED, None),
    ]
    assert not any(isinstance(e, RunFinished | TotalsReported) for e in events)
    assert lines == []
