"""Each ecosystem's log through the whole command (`summary --format json`), checked as a table."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from functools import cache
from typing import Any

import orjson
import pytest
from e2e_cases_javascript import JAVASCRIPT
from e2e_cases_python_go import PYTHON_GO
from e2e_cases_ruby_java import RUBY_JAVA
from e2e_model import Case, Finding

from testtriage.cli import main
from testtriage.core.results import TestKey

CASES: dict[str, Case] = {**JAVASCRIPT, **RUBY_JAVA, **PYTHON_GO}


@cache
def summarize(name: str) -> tuple[int, dict[str, Any]]:
    """The exit code and JSON report of `testtriage summary` on a case's log."""
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    with redirect_stdout(out):
        code = main(["summary", str(CASES[name].path), "--format", "json", "--no-config"])
    out.flush()
    report: dict[str, Any] = orjson.loads(raw.getvalue())
    return code, report


def finding_rows() -> list[Any]:
    rows = []
    for name, case in CASES.items():
        for index, finding in enumerate(case.findings):
            marks = [pytest.mark.xfail(strict=True, reason=finding.xfail)] if finding.xfail else []
            label = f"{name}-{finding.rule or finding.category}-{index}"
            rows.append(pytest.param(name, finding, marks=marks, id=label))
    return rows


def case_rows(reason_of: str) -> list[Any]:
    """One row per case, expected to fail (strictly) where the case says why."""
    rows = []
    for name, case in CASES.items():
        reason = getattr(case, reason_of)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        rows.append(pytest.param(name, marks=marks, id=name))
    return rows


def label(failure: dict[str, Any]) -> str:
    """A failed test of the report, named as the report's findings name their tests."""
    return str(TestKey(failure["file"] or "", failure["name"]))


def matches(report_finding: dict[str, Any], wanted: Finding) -> bool:
    if report_finding["category"] != wanted.category:
        return False
    if wanted.rule is not None and report_finding["rule"] != wanted.rule:
        return False
    fields = report_finding["fields"]
    return all(fields.get(key) == value for key, value in wanted.fields.items())


def find(report: dict[str, Any], wanted: Finding) -> dict[str, Any]:
    found = [f for f in report["findings"] if matches(f, wanted)]
    if len(found) > 1 and wanted.tests:
        # Several findings of one rule: the tests they explain tell them apart.
        found = [f for f in found if sorted(f["tests"]) == sorted(wanted.tests)]
    assert len(found) == 1, (wanted, [(f["id"], f["rule"], f["fields"]) for f in found])
    return found[0]


# --- the run ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_the_runner_is_recognised_and_the_run_finished(name: str) -> None:
    _, report = summarize(name)
    assert report["run"]["runner"] == CASES[name].runner
    assert report["run"]["state"] == "finished"


@pytest.mark.parametrize("name", list(CASES))
def test_counts(name: str) -> None:
    _, report = summarize(name)
    tests = report["tests"]
    got = (tests["total"], tests["passed"], tests["failed"], tests["skipped"], tests["errors"])
    assert got == CASES[name].counts


@pytest.mark.parametrize("name", list(CASES))
def test_every_failure_is_reported_and_a_failing_run_exits_1(name: str) -> None:
    code, report = summarize(name)
    failures = report["tests"]["failures"]
    names = [label(item) for item in failures]
    assert sorted(names) == sorted(CASES[name].failures)
    assert code == 1


# --- findings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "wanted"), finding_rows())
def test_expected_finding(name: str, wanted: Finding) -> None:
    _, report = summarize(name)
    finding = find(report, wanted)
    if wanted.blocking is not None:
        assert finding["blocking"] is wanted.blocking, finding["title"]
        verdict = report["verdict"]
        assert finding["id"] in (verdict["blocking"] if wanted.blocking else verdict["noise"])
    if wanted.blocking:
        assert sorted(finding["tests"]) == sorted(wanted.tests)
    elif wanted.blocking is False:
        assert finding["tests"] == []


@pytest.mark.parametrize("name", list(CASES))
def test_each_failed_test_names_the_findings_that_explain_it(name: str) -> None:
    """A failed test points at every blocking finding linked to it, and at nothing else."""
    _, report = summarize(name)
    for item in report["tests"]["failures"]:
        linked = {f["id"] for f in report["findings"] if label(item) in f["tests"]}
        assert set(item["findings"]) == linked, label(item)


@pytest.mark.parametrize("name", case_rows("extra_findings_xfail"))
def test_no_finding_beyond_the_expected_ones(name: str) -> None:
    """Each error is one finding: nothing is reported twice under another rule."""
    _, report = summarize(name)
    case: Case = CASES[name]
    expected = {find(report, wanted)["id"] for wanted in case.findings if not wanted.xfail}
    extra = [
        (f["id"], f["rule"], f["title"])
        for f in report["findings"]
        if f["id"] not in expected and f["category"] != "unknown"
    ]
    assert extra == []


@pytest.mark.parametrize("name", case_rows("unknown_xfail"))
def test_nothing_a_rule_knows_is_unknown(name: str) -> None:
    _, report = summarize(name)
    unknown = [f["title"] for f in report["findings"] if f["category"] == "unknown"]
    assert unknown == []


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.related])
def test_a_surface_error_points_at_the_error_behind_it(name: str) -> None:
    _, report = summarize(name)
    by_id = {f["id"]: f for f in report["findings"]}
    for surface_rule, cause_rules in CASES[name].related.items():
        surface = next(f for f in report["findings"] if f["rule"] == surface_rule)
        assert sorted(by_id[i]["rule"] for i in surface["related"]) == sorted(cause_rules)


# --- the seed story, as the investigation report tells it ----------------------------------


def test_the_seed_verdict_blames_parse_and_enum_and_calls_the_rest_noise() -> None:
    _, report = summarize("seed")
    by_id = {f["id"]: f for f in report["findings"]}
    verdict = report["verdict"]
    assert sorted(by_id[i]["category"] for i in verdict["blocking"]) == ["enum", "parse"]
    assert sorted(by_id[i]["category"] for i in verdict["noise"]) == ["auth", "fk_timing"]
    fk = next(f for f in report["findings"] if f["category"] == "fk_timing")
    assert fk["count"] == 7
    auth = next(f for f in report["findings"] if f["category"] == "auth")
    assert "retrying" in auth["evidence"][0]["text"]
