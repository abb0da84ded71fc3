"""The contract every test-runner parser fulfils."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from testtriage.core.records import Record
from testtriage.core.results import LineContext, RunEvent


class RunnerParser(ABC):
    """Reads one source's records in order and turns a runner's output into events.

    A parser only sees the lines the scanner hands it. Outside a failure block that is the
    candidate lines: lines matched by the union of every parser's `MARKERS` and the rules'
    patterns. While `dense` is true it sees every line, so it can keep whole failure blocks.
    Records of JSON log lines are fed too; parsers ignore what is not theirs.
    """

    name: ClassVar[str]
    """The runner's name as the JSON contract spells it: vitest, jest, pytest, mocha, go, junit,
    tap."""

    MARKERS: ClassVar[tuple[str, ...]] = ()
    """RE2 patterns (no capture groups needed) that make a line a candidate for this parser.

    They run in multi-line mode over blocks of ANSI-free text, so `^` and `$` are line bounds.
    They must cover every line the parser needs outside a dense block: test lines, block
    headers, summary lines. Keep them specific: every match costs a parse.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.dense = False
        """True while the parser needs every line (inside a failure block)."""
        self.own_line = False
        """Set by `feed` when the record is the runner's own output (a suite or file line, a
        heading, a banner): it names things, it reports no error, so rules never see it. The
        mux clears it before each record."""

    @abstractmethod
    def claims(self, record: Record) -> bool:
        """Whether this record proves the source is this runner's output (before detection)."""

    def starts_run(self, record: Record) -> bool:
        """Whether this record starts a new run of this runner (its banner), for switching."""
        return False

    @abstractmethod
    def feed(self, record: Record, out: list[RunEvent]) -> LineContext | None:
        """Read one record, append any events to `out`, and say where the record sits."""

    def finish(self, out: list[RunEvent]) -> None:  # noqa: B027 - optional hook
        """The source ended: emit what a still-open block implies."""
