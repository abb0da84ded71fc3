"""The verdict of a run in one sentence, and the next step to take."""

from __future__ import annotations

from dataclasses import dataclass

from testtriage.core.baseline import BaselineComparison
from testtriage.core.claim import ClaimCheck
from testtriage.core.diagnosis import Diagnosis, Finding
from testtriage.core.state import RunPhase

MAX_NAMED_NOISE = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    """The diagnosis of the run: causes, noise, the claim check and the baseline comparison."""

    summary: str
    blocking: tuple[str, ...]
    noise: tuple[str, ...]
    next_step: str
    claim: ClaimCheck | None = None
    baseline: BaselineComparison | None = None


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cause_phrases(findings: list[Finding]) -> list[str]:
    """`foreign-key (F1, F2)`: findings of one label named together, in order."""
    by_label: dict[str, list[str]] = {}
    for finding in findings:
        by_label.setdefault(finding.label, []).append(finding.id)
    return [f"{label} ({', '.join(ids)})" for label, ids in by_label.items()]


def noise_phrase(finding: Finding) -> str:
    count = finding.group.noise_count or finding.count
    return f"{plural(count, finding.label + ' ' + finding.noun)} ({finding.id})"


def verdict_of(
    diagnosis: Diagnosis,
    claim: ClaimCheck | None = None,
    baseline: BaselineComparison | None = None,
) -> Verdict:
    """Build the verdict; `claim` and `baseline` are added when they were asked for."""
    counts = diagnosis.state.counts()
    blocking = list(diagnosis.blocking)
    noise = list(diagnosis.noise)
    failing = counts.failed + counts.errors
    sentences: list[str] = []
    prefix = "So far, " if diagnosis.state.phase is RunPhase.RUNNING else ""

    if failing or blocking:
        subject = plural(failing, "test") + (" fails" if failing == 1 else " fail")
        if not failing:
            subject = "The run fails"
        if blocking:
            sentences.append(f"{prefix}{subject}: {join_words(cause_phrases(blocking))}.")
        else:
            sentences.append(f"{prefix}{subject} with no error text to explain it.")
    elif counts.total:
        sentences.append(f"{prefix}all {plural(counts.total, 'test')} pass.")
    elif diagnosis.state.lines:
        sentences.append(f"{prefix}no test results found.")
    elif unreadable(diagnosis):
        sentences.append(f"Nothing could be read: {'; '.join(unreadable(diagnosis))}.")
    else:
        sentences.append("Nothing read yet.")

    if noise:
        named = [noise_phrase(f) for f in noise[:MAX_NAMED_NOISE]]
        if len(noise) > MAX_NAMED_NOISE:
            named.append(plural(len(noise) - MAX_NAMED_NOISE, "more finding"))
        total = sum(f.group.noise_count or f.count for f in noise)
        verb = "is" if total == 1 and len(noise) == 1 else "are"
        sentences.append(f"{join_words(named)} {verb} non-blocking.")
    elif not blocking and not failing and counts.total:
        sentences.append("No errors logged.")

    summary = " ".join(s[0].upper() + s[1:] for s in sentences)
    return Verdict(
        summary=summary,
        blocking=tuple(f.id for f in blocking),
        noise=tuple(f.id for f in noise),
        next_step=_next_step(diagnosis, failing),
        claim=claim,
        baseline=baseline,
    )


def unreadable(diagnosis: Diagnosis) -> list[str]:
    """The sources that could not be read, each with why."""
    return [
        f"{status.name}: {status.message or status.status}"
        for status in diagnosis.state.sources.values()
        if status.status in ("error", "binary")
    ]


def _next_step(diagnosis: Diagnosis, failing: int) -> str:
    blocking = diagnosis.blocking
    if blocking:
        steps = [f"{f.id} ({f.label}): {f.title}" for f in blocking[:MAX_NAMED_NOISE]]
        step = "Fix " + "; then ".join(steps) + "."
        if len(blocking) > MAX_NAMED_NOISE:
            step += f" {len(blocking) - MAX_NAMED_NOISE} more blocking finding(s) follow."
        if diagnosis.noise:
            ids = join_words([f.id for f in diagnosis.noise[:MAX_NAMED_NOISE]])
            more = " (and the other noise)" if len(diagnosis.noise) > MAX_NAMED_NOISE else ""
            step += f" {ids}{more} can wait: no failed test is linked to them."
        return step
    if failing:
        return "Read the failed tests' output: no error text was captured to explain them."
    if not diagnosis.state.lines and unreadable(diagnosis):
        return "Check the paths given: no source could be read."
    if diagnosis.noise:
        return "Nothing blocks the run; the logged errors are worth a look when there is time."
    return "Nothing to do: the run is clean."
