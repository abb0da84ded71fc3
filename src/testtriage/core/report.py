"""The JSON contract of `summary --format json`: a plain dict other tools can rely on."""

from __future__ import annotations

from typing import Any

from testtriage.core.baseline import SCHEMA
from testtriage.core.diagnosis import Diagnosis, FailedTest, Finding
from testtriage.core.findings import Location, Occurrence
from testtriage.core.safety import safe
from testtriage.core.verdict import Verdict


def summary_report(
    diagnosis: Diagnosis, verdict: Verdict, *, redact: bool = True
) -> dict[str, Any]:
    """Build the report. Log text in it is neutralized, and redacted unless `redact` is False.

    The shape only grows: fields are added, never renamed or removed, without a new `schema`.
    """
    state = diagnosis.state
    counts = state.counts()

    def text(value: str) -> str:
        return safe(value, redact_secrets=redact)

    return {
        "schema": SCHEMA,
        "sources": [
            {
                "path": status.name,
                "lines": status.lines,
                "bytes": status.bytes,
                "status": status.status,
                **({"message": text(status.message)} if status.message else {}),
            }
            for status in state.sources.values()
        ],
        "run": {"runner": state.runner, "state": state.phase.value, "generation": state.generation},
        "tests": {
            "total": counts.total,
            "passed": counts.passed,
            "failed": counts.failed,
            "skipped": counts.skipped,
            "errors": counts.errors,
            "failures": [_failure(item, text) for item in diagnosis.failed],
        },
        "findings": [_finding(finding, text) for finding in diagnosis.findings],
        "verdict": _verdict(verdict, text),
    }


def _failure(item: FailedTest, text: Any) -> dict[str, Any]:
    return {
        "name": text(item.key.name),
        "file": text(item.key.file) if item.key.file else None,
        "message": text(item.message),
        "findings": list(item.findings),
        "kind": item.kind.value,
        **({"status": item.status.value} if item.status is not None else {}),
    }


def _location(location: Location) -> dict[str, Any]:
    return {"source": location.source, "line": location.line}


def _evidence(occurrence: Occurrence, text: Any) -> dict[str, Any]:
    item: dict[str, Any] = {**_location(occurrence.location), "text": text(occurrence.text)}
    if occurrence.matched:
        item["matched"] = text(occurrence.matched)
    if occurrence.context is not None:
        item["test"] = text(str(occurrence.context.key))
        item["zone"] = occurrence.context.zone.value
    return item


def _finding(finding: Finding, text: Any) -> dict[str, Any]:
    group = finding.group
    return {
        "id": finding.id,
        "rule": finding.rule.id,
        "category": finding.category,
        "severity": finding.severity,
        "title": text(finding.title),
        "blocking": finding.blocking,
        "count": finding.count,
        "first": _location(finding.first),
        "last": _location(finding.last),
        "fields": {key: text(value) for key, value in finding.fields.items()},
        "tests": [text(str(key)) for key in finding.tests],
        "evidence": [_evidence(occurrence, text) for occurrence in finding.evidence],
        "fix": text_block(finding.fix, text),
        "why": finding.rule.why,
        "fingerprint": group.fingerprint,
        "blocking_count": group.linked_total,
        "noise_count": group.noise_count,
        "affected_tests": [text(str(key)) for key in finding.affected],
        "seen_in_tests": [text(str(key)) for key in group.captured_in],
        "related": list(finding.related),
    }


def text_block(value: str, text: Any) -> str:
    return "\n".join(text(line) for line in value.split("\n"))


def _verdict(verdict: Verdict, text: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "summary": text(verdict.summary),
        "blocking": list(verdict.blocking),
        "noise": list(verdict.noise),
        "next_step": text(verdict.next_step),
    }
    if verdict.claim is not None:
        claim = verdict.claim
        result["claim"] = {
            "category": claim.category,
            "verdict": claim.verdict.value,
            "reason": text(claim.reason),
            "evidence": list(claim.evidence),
            "claim": text(claim.claim),
        }
    if verdict.baseline is not None:
        base = verdict.baseline
        result["baseline"] = {
            "new": list(base.new),
            "resolved": list(base.resolved),
            "unchanged": list(base.unchanged),
            "tests_before": base.tests_before,
            "tests_now": base.tests_now,
            "summary": text(base.summary),
            "resolved_titles": [text(t) for t in base.resolved_titles],
        }
    return result
