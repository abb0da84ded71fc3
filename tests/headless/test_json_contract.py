"""`summary --format json` keeps the contract of PRODUCT.md: every field, with its type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from headless_harness import Cli

RUNNERS = {"vitest", "jest", "pytest", "mocha", "go", "junit", "tap", "unknown"}
STATES = {"running", "finished", "unknown"}
CLAIM_VERDICTS = {"supported", "partly_supported", "not_supported"}

LOCATION = {"source": str, "line": "line"}
CONTRACT: dict[str, Any] = {
    "schema": "testtriage/summary-v1",
    "sources": [{"path": str, "lines": int, "bytes": int}],
    "run": {"runner": RUNNERS, "state": STATES},
    "tests": {
        "total": int,
        "passed": int,
        "failed": int,
        "skipped": int,
        "errors": int,
        "failures": [{"name": str, "file": (str, None), "message": str, "findings": [str]}],
    },
    "findings": [
        {
            "id": str,
            "rule": str,
            "category": str,
            "severity": str,
            "title": str,
            "blocking": bool,
            "count": int,
            "first": LOCATION,
            "last": LOCATION,
            "fields": {str: str},
            "tests": [str],
            "evidence": [{"source": str, "line": "line", "text": str}],
            "fix": str,
        }
    ],
    "verdict": {"summary": str, "blocking": [str], "noise": [str]},
}
CLAIM = {"category": str, "verdict": CLAIM_VERDICTS, "reason": str}
BASELINE = {
    "new": [str],
    "resolved": [str],
    "unchanged": [str],
    "tests_before": str,
    "tests_now": str,
}


def conforms(value: Any, spec: Any, path: str = "report") -> list[str]:
    """Where `value` breaks `spec`: a dict of required keys, `{str: type}` for a free mapping,
    a one-item list for "a list of", a type, a tuple of allowed types (None for null), a set
    of allowed values, a constant, or "line" (an int from 1)."""
    if isinstance(spec, dict) and list(spec) == [str]:
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        problems = [f"{path}: key {k!r} is not a string" for k in value if not isinstance(k, str)]
        for key, item in value.items():
            problems += conforms(item, spec[str], f"{path}.{key}")
        return problems
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        problems = [f"{path}: missing {key!r}" for key in spec if key not in value]
        for key, item_spec in spec.items():
            if key in value:
                problems += conforms(value[key], item_spec, f"{path}.{key}")
        return problems
    if isinstance(spec, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, item in enumerate(value) for p in conforms(item, spec[0], f"{path}[{i}]")]
    if isinstance(spec, tuple):
        if any(option is None and value is None for option in spec):
            return []
        types = tuple(option for option in spec if isinstance(option, type))
        return [] if _is(value, types) else [f"{path}: {value!r} is not {spec}"]
    if isinstance(spec, set):
        return [] if value in spec else [f"{path}: {value!r} is not one of {sorted(spec)}"]
    if spec == "line":
        ok = _is(value, (int,)) and value >= 1
        return [] if ok else [f"{path}: {value!r} is not a line number"]
    if isinstance(spec, type):
        return [] if _is(value, (spec,)) else [f"{path}: {value!r} is not {spec.__name__}"]
    return [] if value == spec else [f"{path}: {value!r} is not {spec!r}"]


def _is(value: Any, types: tuple[type, ...]) -> bool:
    # JSON has no bool among its numbers: True must not pass for an int.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def check_report(report: dict[str, Any], *, claim: bool = False, baseline: bool = False) -> None:
    problems = conforms(report, CONTRACT)
    verdict = report.get("verdict", {})
    if claim:
        problems += conforms(verdict.get("claim"), CLAIM, "report.verdict.claim")
    else:
        assert "claim" not in verdict, "claim only when asked for"
    if baseline:
        problems += conforms(verdict.get("baseline"), BASELINE, "report.verdict.baseline")
    else:
        assert "baseline" not in verdict, "baseline only when asked for"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "log",
    [
        "seed-run.log",
        "seed-no-auth-noise.log",
        "seed-fixed.log",
        "auth-setup-fails.log",
        "pytest-structlog.log",
        "jest-prisma.log",
    ],
)
def test_every_scenario_report_keeps_the_contract(cli: Cli, log: str) -> None:
    check_report(cli.summary(log, "--format", "json").json())


def test_the_claim_and_baseline_appear_when_asked_for(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "base.json"
    first = cli.summary("seed-run.log", "--format", "json", "--save", str(saved))
    check_report(first.json())
    check_report(
        cli.summary("seed-run.log", "--format", "json", "--claim", "auth").json(), claim=True
    )
    both = cli.summary(
        "seed-run.log", "--format", "json", "--claim", "auth", "--baseline", str(saved)
    )
    check_report(both.json(), claim=True, baseline=True)


def test_the_saved_report_is_the_printed_one(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    run = cli.summary("jest-prisma.log", "--format", "json", "--save", str(saved))
    assert saved.read_text(encoding="utf-8") == run.out


def test_the_seed_report_says_what_the_investigation_found(cli: Cli) -> None:
    report = cli.summary("seed-run.log", "--format", "json").json()
    assert report["run"] == {"runner": "vitest", "state": "finished", "generation": 1}
    tests = report["tests"]
    assert (tests["total"], tests["passed"], tests["failed"]) == (20, 18, 2)
    by_id = {f["id"]: f for f in report["findings"]}
    blocking = {by_id[i]["category"] for i in report["verdict"]["blocking"]}
    noise = {by_id[i]["category"] for i in report["verdict"]["noise"]}
    assert blocking == {"parse", "enum"}
    assert {"fk_timing", "auth"} <= noise
    fk = next(f for f in report["findings"] if f["category"] == "fk_timing")
    assert fk["fields"]["constraint"] == "job_status_course_id_fkey"
    assert fk["count"] == 7 and fk["blocking"] is False
    for failure in tests["failures"]:
        assert failure["findings"], f"{failure['name']} has no cause"


def test_the_checker_catches_a_broken_report() -> None:
    report = {
        "schema": "testtriage/summary-v1",
        "sources": [{"path": "a.log", "lines": True, "bytes": 10}],
        "run": {"runner": "nose", "state": "finished"},
    }
    problems = conforms(report, CONTRACT)
    assert "report: missing 'tests'" in problems
    assert any("lines" in p for p in problems), "a bool is no line count"
    assert any("runner" in p for p in problems)
