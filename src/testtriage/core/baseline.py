"""Compare a run with an earlier one: findings new, resolved or unchanged, and test counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from testtriage.core.diagnosis import Diagnosis

SCHEMA = "testtriage/summary-v1"


class BaselineError(ValueError):
    """The baseline file cannot be used; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class BaselineFinding:
    fingerprint: str
    id: str
    title: str
    blocking: bool


@dataclass(frozen=True, slots=True)
class BaselineData:
    """What a comparison needs of an earlier run."""

    findings: tuple[BaselineFinding, ...]
    passed: int
    total: int
    label: str = "the baseline"

    @classmethod
    def from_report(cls, report: dict[str, Any], label: str = "the baseline") -> BaselineData:
        """Read a `summary --format json` report."""
        if not isinstance(report, dict) or report.get("schema") != SCHEMA:
            raise BaselineError(f"not a testtriage summary report (schema {SCHEMA} expected)")
        findings = []
        for item in report.get("findings", []):
            if not isinstance(item, dict) or "fingerprint" not in item:
                raise BaselineError("a finding of the baseline has no fingerprint")
            findings.append(
                BaselineFinding(
                    fingerprint=str(item["fingerprint"]),
                    id=str(item.get("id", "")),
                    title=str(item.get("title", "")),
                    blocking=bool(item.get("blocking", False)),
                )
            )
        tests = report.get("tests", {})
        return cls(
            findings=tuple(findings),
            passed=int(tests.get("passed", 0)),
            total=int(tests.get("total", 0)),
            label=label,
        )

    @classmethod
    def from_diagnosis(cls, diagnosis: Diagnosis, label: str = "the previous run") -> BaselineData:
        counts = diagnosis.state.counts()
        findings = tuple(
            BaselineFinding(f.group.fingerprint, f.id, f.title, f.blocking)
            for f in diagnosis.findings
        )
        return cls(findings=findings, passed=counts.passed, total=counts.total, label=label)


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    """Findings by fingerprint: new in this run, resolved since the baseline, unchanged."""

    new: tuple[str, ...]
    resolved: tuple[str, ...]
    """Ids in the baseline's numbering."""
    resolved_titles: tuple[str, ...]
    unchanged: tuple[str, ...]
    tests_before: str
    tests_now: str
    summary: str


def load_baseline(path: str | Path) -> BaselineData:
    """Read a baseline report file, with a one-line error for any problem."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    try:
        report = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc}") from None
    try:
        return BaselineData.from_report(report)
    except (BaselineError, TypeError, ValueError) as exc:
        raise BaselineError(f"{path}: {exc}") from None


def compare(diagnosis: Diagnosis, baseline: BaselineData) -> BaselineComparison:
    """Compare the diagnosed run with the baseline."""
    before = {f.fingerprint: f for f in baseline.findings}
    now = {f.group.fingerprint: f for f in diagnosis.findings}
    new = tuple(f.id for fp, f in now.items() if fp not in before)
    unchanged = tuple(f.id for fp, f in now.items() if fp in before)
    gone = [f for fp, f in before.items() if fp not in now]
    counts = diagnosis.state.counts()
    tests_before = f"{baseline.passed}/{baseline.total}"
    tests_now = f"{counts.passed}/{counts.total}"
    if tests_now == tests_before:
        summary = f"{tests_now} passing, same as {baseline.label}"
    else:
        summary = f"{tests_now} passing ({baseline.label}: {tests_before})"
    parts = []
    if new:
        parts.append(f"{len(new)} new ({', '.join(new)})")
    if gone:
        parts.append(f"{len(gone)} resolved ({', '.join(f.id for f in gone)} of {baseline.label})")
    if unchanged:
        parts.append(f"{len(unchanged)} unchanged")
    summary += "; findings: " + ", ".join(parts) if parts else "; no findings either time"
    return BaselineComparison(
        new=new,
        resolved=tuple(f.id for f in gone),
        resolved_titles=tuple(f.title for f in gone),
        unchanged=unchanged,
        tests_before=tests_before,
        tests_now=tests_now,
        summary=summary + ".",
    )
