"""The shape of an end-to-end expectation, and the causes several ecosystems share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ECOSYSTEMS = TESTS / "fixtures" / "ecosystems"
SEED = TESTS.parent / "src" / "testtriage" / "demo" / "seed-run.log"
PINO = TESTS / "fixtures" / "logs" / "vitest-pino-colour.log"


@dataclass(frozen=True)
class Finding:
    """A finding the report must hold: found by its rule (or category) and fields."""

    category: str
    rule: str | None
    fields: dict[str, str]
    blocking: bool | None
    """None: the blocking flag is not what this row checks."""
    tests: tuple[str, ...] = ()
    """The finding's linked tests, as the report names them (`file > name`)."""
    xfail: str = ""
    """Why the pipeline does not conclude this yet (a bug outside the parsers and logs)."""


@dataclass(frozen=True)
class Case:
    path: Path
    runner: str
    counts: tuple[int, int, int, int, int]
    """total, passed, failed, skipped, errors."""
    failures: tuple[str, ...]
    """Every failed test, setup step or suite of the report, as `file > name`."""
    findings: tuple[Finding, ...]
    extra_findings_xfail: str = ""
    """Why the report holds findings beyond `findings` (each a bug outside these files)."""
    unknown_xfail: str = ""
    """Why the report holds `unknown` findings for errors a rule knows."""
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A finding's rule -> the rules of the findings it is only the surface of."""


PYTHON_LOGGING_RECORD = (
    "a Python logging record is a message line plus the traceback printed under it; the message"
    " line ({lines}) is at ERROR level and matches no rule, so core/triage.py _classify makes it"
    " an `unknown` finding although the exception two lines below is tagged. Also, when the"
    " record is glued to unittest's `test (...) ... ` line, the pipeline has no way to classify"
    " only the part after the runner's prefix, so the unknown's title starts with the test's"
    " description"
)
