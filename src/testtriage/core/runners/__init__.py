"""Test-runner parsers, and the per-source detection that picks one and feeds it the records.

Conventions every parser keeps:
- `TestKey.file` is the test file as the runner prints it (empty when the runner prints none:
  go, mocha, pytest `-q`), and `TestKey.name` the runner's full test name without the file,
  its parts (suites, classes, then the test) joined with " > ": vitest
  `suite > test`, jest `describe › test` as `describe > test`, pytest `Class::test[p]` as
  `Class > test[p]`, go `TestX/sub` as `TestX > sub`.
- Runners that print counts per file rather than per test (vitest's file lines, pytest's
  progress characters) send those counts as a running `TotalsReported`; the summary's totals
  replace it when they come.
"""

from __future__ import annotations

from testtriage.core.records import Record
from testtriage.core.results import LineContext, RunEvent, RunnerDetected
from testtriage.core.runners.common import RunnerBase
from testtriage.core.runners.gotest import GoTestParser
from testtriage.core.runners.jest import JestParser
from testtriage.core.runners.junit import JUnitParser
from testtriage.core.runners.mocha import MochaParser
from testtriage.core.runners.pytest import PytestParser
from testtriage.core.runners.rspec import RspecParser
from testtriage.core.runners.surefire import SurefireParser
from testtriage.core.runners.tap import TapParser
from testtriage.core.runners.unittest import UnittestParser
from testtriage.core.runners.vitest import VitestParser

PARSERS: tuple[type[RunnerBase], ...] = (
    VitestParser,
    JestParser,
    PytestParser,
    GoTestParser,
    TapParser,
    JUnitParser,
    SurefireParser,
    UnittestParser,
    RspecParser,
    MochaParser,
)
"""In detection order: the first whose `claims` accepts a record wins. Mocha comes last, as its
test lines are the least distinctive."""

RUNNER_MARKERS: tuple[str, ...] = tuple(
    dict.fromkeys(marker for parser in PARSERS for marker in parser.MARKERS)
)
"""Every line any parser needs outside a dense block (RE2, for the candidate scan)."""


class RunnerMux:
    """One source's runner: detected from the records, then fed every record.

    Until a parser claims a record, records go to no one. After that they go to the claimant,
    except when a record starts a new run (a run banner): the old parser finishes and a fresh
    one of the banner's runner takes over, so one stream may hold several runs.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._probes = tuple(parser(source) for parser in PARSERS)
        """Never fed: they only answer `claims` and `starts_run` for their runner."""
        self._banners = tuple(start for probe in self._probes for start in probe.BANNER_STARTS)
        """Every runner's banner starts: one test per line before asking any runner."""
        by_first: dict[str, list[RunnerBase]] = {}
        for probe in self._probes:
            for start in probe.BANNER_STARTS:
                group = by_first.setdefault(start[0], [])
                if probe not in group:
                    group.append(probe)
        self._by_first = {first: tuple(probes) for first, probes in by_first.items()}
        """The runners whose banner can start with a given character."""
        self._active: RunnerBase | None = None

    @property
    def dense(self) -> bool:
        active = self._active
        return active is not None and active.dense

    @property
    def own_line(self) -> bool:
        """The last record fed was the runner's own output, not error text."""
        active = self._active
        return active is not None and active.own_line

    @property
    def runner(self) -> str | None:
        active = self._active
        return active.name if active is not None else None

    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        active = self._active
        if record.log is None:
            if active is None:
                for probe in self._probes:
                    if probe.claims(record):
                        return self._start(type(probe), record, out)
                return None
            text = record.text.lstrip()
            if text.startswith(self._banners):
                if (
                    active.progressed
                    and text.startswith(active.BANNER_STARTS)
                    and active.starts_run(record)
                ):
                    return self._start(type(active), record, out)
                for probe in self._by_first.get(text[0], ()):
                    if (
                        text.startswith(probe.BANNER_STARTS)
                        and type(probe) is not type(active)
                        and probe.starts_run(record)
                    ):
                        return self._start(type(probe), record, out)
        if active is None:
            return None
        active.own_line = False
        return active.feed(record, out)

    def finish(self, out: list[RunEvent]) -> None:
        if self._active is not None:
            self._active.finish(out)

    def _start(
        self, parser: type[RunnerBase], record: Record, out: list[RunEvent]
    ) -> LineContext | None:
        if self._active is not None:
            self._active.finish(out)
        active = self._active = parser(self.source)
        out.append(RunnerDetected(active.name, self.source, record.line))
        return active.feed(record, out)


__all__ = ["PARSERS", "RUNNER_MARKERS", "RunnerMux"]
