"""The run state: immutable, folded from batches of events and occurrences by `apply`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from testtriage.core.findings import OVERFLOW_RULE, FindingGroup, Occurrence
from testtriage.core.ingest.chunks import NoticeKind, SourceNotice
from testtriage.core.results import (
    BlockKind,
    FailureReported,
    RunEvent,
    RunFinished,
    RunnerDetected,
    TestKey,
    TestReported,
    TestResult,
    TestStatus,
    TotalsReported,
)

MAX_GROUPS_PER_RULE = 100
"""Distinct findings one rule may open; more fold into one overflow finding per rule."""
MAX_GROUPS = 2_000
MAX_NOTICES = 50


def _frozen(mapping: dict[Any, Any] | None = None) -> Mapping[Any, Any]:
    """A read-only view of a dict this module built and no longer touches (no copy)."""
    return MappingProxyType(mapping if mapping is not None else {})


class RunPhase(StrEnum):
    """Whether the run is still being written."""

    RUNNING = "running"
    FINISHED = "finished"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How far a source has been read, and what happened to it."""

    name: str
    lines: int = 0
    bytes: int = 0
    runner: str | None = None
    finished: bool = False
    """The runner printed its end-of-run marker in this source."""
    status: str = "reading"
    """reading, waiting, ended, error or binary."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class FailureInfo:
    """A failure block seen for a test, a setup/teardown step or a suite."""

    key: TestKey
    kind: BlockKind
    source: str
    line: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class Counts:
    """Test counts of the run."""

    total: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    from_runner: bool = False
    """True when every count comes from the runners' own totals."""


@dataclass(frozen=True, slots=True)
class Batch:
    """What the pipeline produced from some input, to fold into the state in one step."""

    events: tuple[RunEvent, ...] = ()
    occurrences: tuple[Occurrence, ...] = ()
    notices: tuple[SourceNotice, ...] = ()
    progress: tuple[tuple[str, int, int], ...] = ()
    """(source, lines read, bytes read) after this batch."""
    new_run: bool = False
    """A source was truncated: this batch starts a new run (the state resets first)."""

    def __bool__(self) -> bool:
        return bool(self.events or self.occurrences or self.notices or self.progress)


@dataclass(frozen=True, slots=True)
class RunState:
    """Everything known about the run so far. Never mutated: `apply` returns a new state."""

    generation: int = 1
    """1 for the first run read; +1 each time a source is truncated and rewritten."""
    following: bool = False
    """Sources are being followed live (so an unfinished run is running, not unknown)."""
    sources: Mapping[str, SourceStatus] = field(default_factory=_frozen)
    tests: Mapping[TestKey, TestResult] = field(default_factory=_frozen)
    failures: Mapping[TestKey, FailureInfo] = field(default_factory=_frozen)
    totals: Mapping[str, TotalsReported] = field(default_factory=_frozen)
    """Each source's latest totals, of the run its runner is printing now."""
    earlier_totals: Mapping[str, tuple[TotalsReported, ...]] = field(default_factory=_frozen)
    """Totals of the runs a source printed before (a monorepo prints one run per package)."""
    groups: Mapping[str, FindingGroup] = field(default_factory=_frozen)
    per_rule: Mapping[str, int] = field(default_factory=_frozen)
    notices: tuple[SourceNotice, ...] = ()
    previous: RunState | None = None
    """The state of the run before the last truncation, for comparison."""
    ended: bool = False
    """Input ended (non-following read done, or the followed command exited)."""

    @classmethod
    def start(cls, source_names: Iterable[str] = (), *, following: bool = False) -> RunState:
        sources = {name: SourceStatus(name=name) for name in source_names}
        return cls(following=following, sources=_frozen(sources))

    # --- folding ---------------------------------------------------------------------------

    def apply(self, *batches: Batch) -> RunState:
        """This state with `batches` folded in, in order, copying its mappings once (not once
        per batch: a live follow folds many small batches)."""
        state = self
        start = 0
        for index, batch in enumerate(batches):
            if batch.new_run and index > start:
                state = state._fold(batches[start:index])
                start = index
        return state._fold(batches[start:]) if start < len(batches) else state

    def _fold(self, batches: tuple[Batch, ...]) -> RunState:
        """Fold batches of which only the first may start a new run."""
        state = self.new_run() if batches and batches[0].new_run else self
        sources = dict(state.sources)
        tests, failures, totals = dict(state.tests), dict(state.failures), dict(state.totals)
        earlier = dict(state.earlier_totals)
        groups, per_rule = dict(state.groups), dict(state.per_rule)
        notices = state.notices
        for batch in batches:
            for notice in batch.notices:
                sources[notice.source] = _noticed(sources.get(notice.source), notice)
            for name, lines, size in batch.progress:
                status = sources.get(name) or SourceStatus(name=name)
                if status.status == "waiting":
                    status = replace(status, status="reading")
                sources[name] = replace(status, lines=lines, bytes=size)
            for event in batch.events:
                if isinstance(event, RunnerDetected) and event.source in totals:
                    # A new run in the same source: the totals printed so far were another's.
                    done = totals.pop(event.source)
                    earlier[event.source] = (*earlier.get(event.source, ()), done)
                _fold_event(event, tests, failures, totals, sources)
            for occurrence in batch.occurrences:
                _fold_occurrence(occurrence, groups, per_rule)
            if batch.notices:
                notices = (*notices, *batch.notices)[-MAX_NOTICES:]
        return replace(
            state,
            sources=_frozen(sources),
            tests=_frozen(tests),
            failures=_frozen(failures),
            totals=_frozen(totals),
            earlier_totals=_frozen(earlier),
            groups=_frozen(groups),
            per_rule=_frozen(per_rule),
            notices=notices,
        )

    def new_run(self) -> RunState:
        """A fresh run over the same sources, keeping this one as `previous`."""
        sources = {
            name: SourceStatus(name=name, status=status.status, message=status.message)
            for name, status in self.sources.items()
        }
        return RunState(
            generation=self.generation + 1,
            following=self.following,
            sources=_frozen(sources),
            previous=replace(self, previous=None),
        )

    def finish_input(self) -> RunState:
        """Input is over: an unfinished run is now of unknown outcome rather than running."""
        return replace(self, ended=True)

    # --- views -----------------------------------------------------------------------------

    @property
    def phase(self) -> RunPhase:
        with_runner = [s for s in self.sources.values() if s.runner]
        if with_runner and all(s.finished for s in with_runner):
            return RunPhase.FINISHED
        if self.following and not self.ended:
            return RunPhase.RUNNING
        return RunPhase.UNKNOWN

    @property
    def runner(self) -> str:
        names = {s.runner for s in self.sources.values() if s.runner}
        if not names:
            return "unknown"
        return names.pop() if len(names) == 1 else sorted(names)[0]

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sources.values())

    @property
    def bytes_read(self) -> int:
        return sum(s.bytes for s in self.sources.values())

    def counts(self) -> Counts:
        """Test counts: each source's runner totals when it printed them, else counted tests."""
        by_source: dict[str, list[TestResult]] = {}
        for result in self.tests.values():
            by_source.setdefault(result.source, []).append(result)
        passed = failed = skipped = errors = total = 0
        from_runner = bool(self.totals or self.earlier_totals)
        for source in set(by_source) | set(self.totals) | set(self.earlier_totals):
            results = by_source.get(source, [])
            runs = self.runner_totals(source)
            if not runs:
                from_runner = False
                counted = _count(results)
                passed, failed = passed + counted.passed, failed + counted.failed
                skipped, errors = skipped + counted.skipped, errors + counted.errors
                total += counted.total
                continue
            teardown_only = sum(
                1 for r in results if r.teardown_error and r.status is not TestStatus.ERROR
            )
            for reported in runs:
                passed, failed = passed + reported.passed, failed + reported.failed
                skipped, errors = skipped + reported.skipped, errors + reported.errors
                if reported.total is not None:
                    total += reported.total
                else:
                    total += reported.passed + reported.failed + reported.skipped
                    total += max(0, reported.errors - teardown_only)
                    teardown_only = 0
        return Counts(total, passed, failed, skipped, errors, from_runner)

    def runner_totals(self, source: str) -> tuple[TotalsReported, ...]:
        """Every run's totals a source printed, in order (one per run, the last maybe partial)."""
        current = self.totals.get(source)
        return (*self.earlier_totals.get(source, ()), *((current,) if current else ()))


def _count(results: list[TestResult]) -> Counts:
    passed = sum(1 for r in results if r.status is TestStatus.PASSED)
    failed = sum(1 for r in results if r.status is TestStatus.FAILED)
    skipped = sum(1 for r in results if r.status is TestStatus.SKIPPED)
    errors = sum(1 for r in results if r.status is TestStatus.ERROR or r.teardown_error)
    return Counts(len(results), passed, failed, skipped, errors)


def _noticed(status: SourceStatus | None, notice: SourceNotice) -> SourceStatus:
    status = status or SourceStatus(name=notice.source)
    kind = notice.kind
    if kind is NoticeKind.WAITING:
        return replace(status, status="waiting", message=notice.message)
    if kind in (NoticeKind.ERROR, NoticeKind.BINARY):
        return replace(status, status=kind.value, message=notice.message)
    if kind is NoticeKind.EOF:
        return replace(status, status="ended")
    if kind in (NoticeKind.OPENED, NoticeKind.ROTATED, NoticeKind.TRUNCATED):
        return replace(status, status="reading", message="")
    return replace(status, message=notice.message)


def _fold_event(
    event: RunEvent,
    tests: dict[TestKey, TestResult],
    failures: dict[TestKey, FailureInfo],
    totals: dict[str, TotalsReported],
    sources: dict[str, SourceStatus],
) -> None:
    if isinstance(event, TestReported):
        result = event.result
        known = tests.get(result.key)
        if known is not None:
            result = _merge_results(known, result)
        tests[result.key] = result
    elif isinstance(event, FailureReported):
        known_failure = failures.get(event.key)
        message = event.message or (known_failure.message if known_failure else "")
        kind = event.kind
        if known_failure is not None and known_failure.kind is not BlockKind.TEST:
            kind = known_failure.kind if event.kind is BlockKind.TEST else event.kind
        failures[event.key] = FailureInfo(event.key, kind, event.source, event.line, message)
        if (
            event.key in tests
            and message
            and (not tests[event.key].message or message.startswith(tests[event.key].message))
        ):
            tests[event.key] = replace(tests[event.key], message=message)
    elif isinstance(event, TotalsReported):
        totals[event.source] = event
    elif isinstance(event, RunnerDetected):
        status = sources.get(event.source) or SourceStatus(name=event.source)
        sources[event.source] = replace(status, runner=event.runner, finished=False)
    elif isinstance(event, RunFinished):
        status = sources.get(event.source) or SourceStatus(name=event.source)
        sources[event.source] = replace(status, runner=status.runner or event.runner, finished=True)


_STATUS_WEIGHT = {
    TestStatus.SKIPPED: 0,
    TestStatus.PASSED: 1,
    TestStatus.FAILED: 2,
    TestStatus.ERROR: 3,
}


def _merge_results(known: TestResult, new: TestResult) -> TestResult:
    """Two reports of one test: keep the graver status (a summary line repeats a tree line),
    and any detail either of them had."""
    status = new.status
    if _STATUS_WEIGHT[known.status] > _STATUS_WEIGHT[new.status] and not new.teardown_error:
        status = known.status
    return TestResult(
        key=new.key,
        status=status,
        source=known.source or new.source,
        line=known.line or new.line,
        duration_ms=new.duration_ms if new.duration_ms is not None else known.duration_ms,
        message=known.message or new.message,
        teardown_error=known.teardown_error or new.teardown_error,
    )


def _fold_occurrence(
    occurrence: Occurrence, groups: dict[str, FindingGroup], per_rule: dict[str, int]
) -> None:
    key = occurrence.fingerprint
    group = groups.get(key)
    if group is not None:
        groups[key] = group.add(occurrence)
        return
    rule_id = occurrence.rule.id
    if per_rule.get(rule_id, 0) >= MAX_GROUPS_PER_RULE or len(groups) >= MAX_GROUPS:
        key = f"overflow:{rule_id}"
        occurrence = replace(
            occurrence,
            rule=replace(OVERFLOW_RULE, category=occurrence.rule.category),
            fingerprint=key,
            fields={"rule": rule_id},
        )
        group = groups.get(key)
        if group is not None:
            groups[key] = group.add(occurrence)
            return
    else:
        per_rule[rule_id] = per_rule.get(rule_id, 0) + 1
    groups[key] = FindingGroup.start(occurrence, order=len(groups))
