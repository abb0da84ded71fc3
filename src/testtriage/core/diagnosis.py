"""Interpret a run state: which findings fail tests, which are noise, and what failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from testtriage.core.findings import OVERFLOW_RULE, FindingGroup, Location, Occurrence
from testtriage.core.records import LEVEL_ERROR
from testtriage.core.results import BlockKind, TestKey, TestStatus
from testtriage.core.rules.model import GENERIC_CATEGORIES, Rule, render_template
from testtriage.core.safety import neutralize
from testtriage.core.state import FailureInfo, RunState

CATEGORY_LABELS = {
    "auth": "auth",
    "fk_timing": "foreign-key",
    "parse": "parse",
    "enum": "invalid enum",
    "constraint": "constraint",
    "connection": "connection",
    "timeout": "timeout",
    "assertion": "assertion",
    "runtime": "runtime",
    "unknown": "unknown",
}
"""How a category reads in a sentence."""

_TAKEN_DOWN = (TestStatus.FAILED, TestStatus.SKIPPED, TestStatus.ERROR)


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding as reports show it: numbered, with its tests and whether it blocks."""

    id: str
    group: FindingGroup
    title: str
    fix: str
    blocking: bool
    tests: tuple[TestKey, ...]
    """Failed tests (or setup steps, suites) this finding is the cause of."""
    affected: tuple[TestKey, ...]
    """Tests a failed setup step or suite took down with it (skipped or failed)."""
    related: tuple[str, ...] = ()
    """Ids of the findings this one is only the surface of (the database error behind it)."""

    @property
    def rule(self) -> Rule:
        return self.group.rule

    @property
    def category(self) -> str:
        return self.group.rule.category

    @property
    def severity(self) -> str:
        return self.group.rule.severity

    @property
    def count(self) -> int:
        return self.group.count

    @property
    def fields(self) -> Mapping[str, str]:
        return self.group.fields

    @property
    def first(self) -> Location:
        return self.group.first

    @property
    def last(self) -> Location:
        return self.group.last

    @property
    def evidence(self) -> tuple[Occurrence, ...]:
        return self.group.evidence

    @property
    def label(self) -> str:
        """The category as a sentence says it ("JSON parse", "foreign-key")."""
        if self.category == "parse" and "json" in self.rule.id:
            return "JSON parse"
        return CATEGORY_LABELS.get(self.category, self.category.replace("_", " "))

    @property
    def noun(self) -> str:
        """`warning` when the occurrences were logged below error level (or, with no level,
        the rule calls it a warning), else `error`."""
        if self.blocking:
            return "error"
        levels = [o.level for o in self.evidence if o.level is not None]
        if levels:
            return "warning" if max(levels) < LEVEL_ERROR else "error"
        return "warning" if self.severity == "warning" else "error"


@dataclass(frozen=True, slots=True)
class FailedTest:
    """A failed or errored test (or a failed setup step or suite) and the findings behind it."""

    key: TestKey
    kind: BlockKind
    message: str
    findings: tuple[str, ...]
    status: TestStatus | None = None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What a run's state means, ready for any front end to show."""

    state: RunState
    findings: tuple[Finding, ...]
    """Blocking findings first, then noise, then unknown noise; each group in id order."""
    failed: tuple[FailedTest, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def noise(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.blocking)

    def by_id(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)


def diagnose(state: RunState) -> Diagnosis:
    """Number the findings, decide which block, and link each failure to its causes."""
    # Numbered in the order they appear in the sources (not the order they were folded: a
    # failure's errors wait for the end of its block), so F1 is the first one a reader meets.
    source_order = {name: n for n, name in enumerate(state.sources)}
    groups = sorted(
        state.groups.values(),
        key=lambda g: (source_order.get(g.first.source, len(source_order)), g.first.line, g.order),
    )
    specific_at: set[TestKey] = {
        key
        for group in groups
        if group.rule.category not in GENERIC_CATEGORIES
        for key in group.linked
    }
    visible: list[tuple[FindingGroup, tuple[TestKey, ...]]] = []
    for group in groups:
        tests = tuple(group.linked)
        if group.rule.category in GENERIC_CATEGORIES:
            # A symptom ("expected 500 to be 200") of a test whose specific cause is known.
            tests = tuple(key for key in tests if key not in specific_at)
            if not tests and not group.noise_count and group.linked:
                continue
        visible.append((group, tests))
    ids = {group.fingerprint: f"F{n}" for n, (group, _) in enumerate(visible, 1)}
    findings = [_finding(state, group, tests, ids[group.fingerprint]) for group, tests in visible]
    findings = _link_surfaces(findings)
    findings.sort(key=lambda f: (not f.blocking, f.category == "unknown", int(f.id[1:])))
    return Diagnosis(state=state, findings=tuple(findings), failed=_failed(state, findings))


def _finding(state: RunState, group: FindingGroup, tests: tuple[TestKey, ...], id_: str) -> Finding:
    fields = dict(group.fields)
    if group.rule is OVERFLOW_RULE or group.rule.id == OVERFLOW_RULE.id:
        fields["count"] = str(group.count)
    blocking = bool(tests) and any(
        key in state.failures or _failed_test(state, key) for key in tests
    )
    affected: list[TestKey] = []
    for key in tests:
        info = state.failures.get(key)
        if info is not None and info.kind in (BlockKind.SUITE, BlockKind.SETUP):
            affected.extend(_taken_down(state, info))
    return Finding(
        id=id_,
        group=group,
        title=render_template(group.rule.title, fields),
        fix=render_template(group.rule.fix, {k: markdown_field(v) for k, v in fields.items()}),
        blocking=blocking,
        tests=tests if blocking else (),
        affected=tuple(dict.fromkeys(affected)),
    )


_MARKDOWN_UNSAFE = str.maketrans({"`": "'", "[": "(", "]": ")", "<": "‹", ">": "›", "\n": " "})


def markdown_field(value: str) -> str:
    """A log-derived value made inert inside the Markdown of a fix (no links, no code breaks)."""
    return neutralize(value).translate(_MARKDOWN_UNSAFE)


def _failed_test(state: RunState, key: TestKey) -> bool:
    result = state.tests.get(key)
    return result is not None and (
        result.status in (TestStatus.FAILED, TestStatus.ERROR) or result.teardown_error
    )


def _taken_down(state: RunState, info: FailureInfo) -> list[TestKey]:
    """Tests of the suite or file whose setup failed, that did not pass."""
    scope = info.key.file or info.key.name
    prefix = info.key.name + " > " if info.key.file and info.key.name else ""
    return [
        key
        for key, result in state.tests.items()
        if result.status in _TAKEN_DOWN
        and key != info.key
        and (key.file == scope or (key.file == info.key.file and key.name.startswith(prefix)))
    ]


SURFACE_WINDOW = 300
"""Lines within which a database error and the auth error wrapping it are linked."""


def _link_surfaces(findings: list[Finding]) -> list[Finding]:
    """Point an error that only surfaces another (an auth API wrapping a database error) at the
    findings of the categories it names, logged near it. When the surface fails tests, the
    error behind it is their cause too: it is blocking, not noise."""
    related: dict[str, tuple[str, ...]] = {}
    for finding in findings:
        if not finding.rule.surface_of:
            continue
        ids = tuple(
            other.id
            for other in findings
            if other is not finding
            and other.category in finding.rule.surface_of
            and _near(other.first, finding.first)
        )
        if ids:
            related[finding.id] = ids
    causes: dict[str, Finding] = {}
    for finding in findings:
        if finding.blocking:
            for cause_id in related.get(finding.id, ()):
                causes[cause_id] = finding
    linked: list[Finding] = []
    for finding in findings:
        surface = causes.get(finding.id)
        if surface is not None:
            finding = replace(
                finding,
                blocking=True,
                tests=tuple(dict.fromkeys((*finding.tests, *surface.tests))),
                affected=tuple(dict.fromkeys((*finding.affected, *surface.affected))),
            )
        linked.append(replace(finding, related=related.get(finding.id, ())))
    return linked


def _near(a: Location, b: Location) -> bool:
    return a.source == b.source and abs(a.line - b.line) <= SURFACE_WINDOW


def _failed(state: RunState, findings: list[Finding]) -> tuple[FailedTest, ...]:
    causes: dict[TestKey, list[Finding]] = {}
    for finding in findings:
        for key in finding.tests:
            causes.setdefault(key, []).append(finding)
    failed: list[FailedTest] = []
    seen: set[TestKey] = set()
    for key, result in state.tests.items():
        if not _failed_test(state, key):
            continue
        seen.add(key)
        info = state.failures.get(key)
        kind = info.kind if info is not None else BlockKind.TEST
        if result.status is TestStatus.ERROR and kind is BlockKind.TEST:
            kind = BlockKind.SETUP
        message = result.message or (info.message if info else "")
        failed.append(FailedTest(key, kind, message, _ids(causes.get(key, [])), result.status))
    for key, info in state.failures.items():
        if key in seen or key in state.tests:
            continue
        failed.append(FailedTest(key, info.kind, info.message, _ids(causes.get(key, []))))
    return tuple(failed)


def _ids(findings: list[Finding]) -> tuple[str, ...]:
    ordered = sorted(findings, key=lambda f: (f.category in GENERIC_CATEGORIES, int(f.id[1:])))
    return tuple(f.id for f in ordered)
