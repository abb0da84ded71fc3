"""Check a claim ("auth user creation is failing") against the evidence of a run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from testtriage.core.diagnosis import Diagnosis, Finding
from testtriage.core.rules.model import CATEGORIES

_CLAIM_WORDS: tuple[tuple[str, str], ...] = (
    ("fk_timing", r"foreign[ -]?key|\bfk\b|fkey|referential|cleanup race|still referenced"),
    ("enum", r"\benum|status value|invalid (?:status|value for)"),
    ("constraint", r"unique|duplicate|not[ -]null|check constraint|constraint"),
    ("parse", r"pars(?:e|ing)|json|syntax ?error|malformed|deserializ"),
    ("auth", r"auth|log ?in|sign[ -]?(?:in|up)|token|jwt|credential|password|session|\b40[13]\b|"
             r"unauthori[sz]ed|forbidden|(?:create|creating|creation of) (?:\w+ )?users?"),
    ("connection", r"connect|econn|network|database (?:is )?down|unreachable|socket"),
    ("timeout", r"time ?out|timed out|hang|too slow|deadline"),
    ("assertion", r"assert|expect"),
    ("runtime", r"crash|exception|typeerror|undefined|null pointer|runtime"),
)  # fmt: skip


class ClaimVerdict(StrEnum):
    SUPPORTED = "supported"
    PARTLY_SUPPORTED = "partly_supported"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """A claim's category, the verdict on it, why, and the findings that say so."""

    category: str
    verdict: ClaimVerdict
    reason: str
    evidence: tuple[str, ...]
    """Ids of the findings of the claimed category."""
    claim: str = ""


class ClaimError(ValueError):
    """The claim cannot be mapped onto a category."""


def claim_category(claim: str, known: tuple[str, ...] = CATEGORIES) -> str:
    """Map a category name or a sentence onto a category."""
    text = claim.strip().lower()
    if text in known:
        return text
    if text.replace("-", "_") in known:
        return text.replace("-", "_")
    for category, pattern in _CLAIM_WORDS:
        if re.search(pattern, text):
            return category
    raise ClaimError(
        f"cannot tell which category the claim {claim!r} is about; name one of: {', '.join(known)}"
    )


def check_claim(diagnosis: Diagnosis, claim: str) -> ClaimCheck:
    """Supported: findings of the category fail tests. Partly supported: they exist but only as
    noise. Not supported: no such finding. The reason always says what really fails."""
    category = claim_category(claim)
    matching = [f for f in diagnosis.findings if f.category == category]
    blocking = [f for f in matching if f.blocking]
    real = _real_causes(diagnosis, category)
    label = matching[0].label if matching else category.replace("_", " ")
    if blocking:
        verdict = ClaimVerdict.SUPPORTED
        # A failed setup step counts as the tests it took down, not as one more test.
        tests = len({key for f in blocking for key in (f.affected or f.tests)})
        reason = (
            f"{label.capitalize()} errors fail tests: {_list(blocking)} "
            f"{'is' if len(blocking) == 1 else 'are'} linked to {_tests(tests)}."
        )
        surfaces = [f for f in blocking if f.related]
        for surface in surfaces:
            behind = [f for f in diagnosis.findings if f.id in surface.related]
            reason += (
                f" But {surface.id} only surfaces {_list(behind)}: the cause is there, "
                "not in the credentials."
            )
        hidden = {r for f in surfaces for r in f.related}
        others = [f for f in diagnosis.blocking if f.category != category and f.id not in hidden]
        if others:
            reason += f" Other failures: {_list(others)}."
    elif matching:
        verdict = ClaimVerdict.PARTLY_SUPPORTED
        count = sum(f.count for f in matching)
        reason = (
            f"{label.capitalize()} errors were logged ({', '.join(f.id for f in matching)}, "
            f"{count}×) but only as "
            "noise: no failed test is linked to them."
        )
        reason += f" {real}" if real else ""
    else:
        verdict = ClaimVerdict.NOT_SUPPORTED
        reason = f"No {label} error appears in the logs."
        reason += f" {real}" if real else ""
    return ClaimCheck(
        category=category,
        verdict=verdict,
        reason=reason,
        evidence=tuple(f.id for f in matching),
        claim=claim,
    )


def _real_causes(diagnosis: Diagnosis, category: str) -> str:
    causes = [f for f in diagnosis.blocking if f.category != category]
    counts = diagnosis.state.counts()
    failing = counts.failed + counts.errors
    if causes:
        subject = "The failing test fails" if failing == 1 else f"The {failing} failing tests fail"
        return f"{subject} on {_list(causes)}."
    if failing:
        return f"{failing} tests fail, with no error text to say why."
    if counts.total:
        return f"All {counts.total} tests pass."
    return ""


def _list(findings: list[Finding]) -> str:
    names = [f"{f.label} ({f.id})" for f in findings]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _tests(count: int) -> str:
    return "1 test" if count == 1 else f"{count} tests"
