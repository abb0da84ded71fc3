"""The pipeline: chunks of bytes in, batches of test events and tagged occurrences out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from testtriage.core.causes import (
    CODE_LINE,
    RAISE_LINE,
    absorb_headline,
    causes_of_one_failure,
    message_only,
)
from testtriage.core.findings import (
    MAX_CONTEXT_BYTES,
    UNKNOWN_RULE,
    Location,
    Occurrence,
    clip,
    fingerprint,
)
from testtriage.core.ingest.chunks import Chunk, IngestItem, NoticeKind, SourceNotice
from testtriage.core.records import LEVEL_ERROR, Record, build_record, strip_ansi
from testtriage.core.results import (
    FailureReported,
    LineContext,
    RunEvent,
    TestKey,
    Zone,
)
from testtriage.core.rules.engine import RuleEngine, RuleMatch
from testtriage.core.rules.model import RecordKind, Rule
from testtriage.core.runners import RUNNER_MARKERS, RunnerMux
from testtriage.core.scan import LEVEL_MARKERS, Block, candidate_source, compile_source
from testtriage.core.state import Batch

MAX_PENDING = 2_000
"""Occurrences held before they are handed on to be folded into the state."""
CONTEXT_LINES = 2
"""Lines of context kept around each piece of evidence, before and after."""
ATTACH_WINDOW = 5
"""How many lines below an error a detail line (Postgres `DETAIL:`) may follow it."""


@dataclass(slots=True)
class _OpenBlock:
    """The failure block being read in one source, held until it ends so that a specific cause
    can win over a generic symptom printed in the same failure."""

    context: LineContext
    start: Location
    """Where the block began, to point at when no error line of it can be."""
    occurrences: list[Occurrence] = field(default_factory=list)
    first_error: Record | None = None
    message: str = ""


@dataclass(slots=True)
class _SourceScan:
    """Per-source pipeline state."""

    name: str
    mux: RunnerMux
    lines: int = 0
    bytes: int = 0
    block: _OpenBlock | None = None
    last: tuple[list[Occurrence], int] | None = None
    """Where the latest occurrence sits (its list and index), for attach-rules."""
    explained: dict[TestKey, None] = field(default_factory=dict)
    """Tests whose failure already produced an occurrence (a runner may print one failure
    twice, as vitest's `→` line and its FAIL block); bounded, oldest forgotten first."""


class Triage:
    """Turns ingest items into batches. One instance per run; feed sources in any interleaving."""

    def __init__(self, engine: RuleEngine) -> None:
        self.engine = engine
        self.candidates = candidate_source(
            [*engine.candidate_patterns(), *RUNNER_MARKERS, *LEVEL_MARKERS]
        )
        """The one pattern that finds every line worth parsing (see `core.prescan`)."""
        self._regex: Any = compile_source(self.candidates)
        self._sources: dict[str, _SourceScan] = {}

    def feed(self, items: Iterable[IngestItem]) -> Iterator[Batch]:
        """Process items in order, yielding batches as they fill (so memory stays bounded
        however many errors a chunk holds). A truncation starts a new batch marked `new_run`."""
        events: list[RunEvent] = []
        out: list[Occurrence] = []
        notices: list[SourceNotice] = []
        touched: set[str] = set()
        new_run = False

        def take() -> Batch:
            nonlocal new_run
            progress = tuple(
                (name, self._sources[name].lines, self._sources[name].bytes)
                for name in sorted(touched)
            )
            batch = Batch(tuple(events), tuple(out), tuple(notices), progress, new_run)
            # Emptied in place: the chunk being read still appends to these very lists. A
            # detail line can no longer enrich what was handed on.
            for scan in self._sources.values():
                if scan.last is not None and scan.last[0] is out:
                    scan.last = None
            events.clear()
            out.clear()
            notices.clear()
            touched.clear()
            new_run = False
            return batch

        for item in items:
            if isinstance(item, Chunk):
                scan = self._source(item.source)
                touched.add(item.source)
                for _ in self._chunk(scan, item, events, out):
                    yield take()
                    touched.add(item.source)
                continue
            if item.kind is NoticeKind.TRUNCATED:
                self._flush(item.source, events, out)
                batch = take()
                if batch:
                    yield batch
                new_run = True
                self._restart(item.source)
                touched.add(item.source)
            elif item.kind is NoticeKind.ROTATED:
                scan = self._source(item.source)
                self._close_block(scan, out)
                scan.lines = 0
            elif item.kind is NoticeKind.EOF:
                self._flush(item.source, events, out)
            notices.append(item)
        batch = take()
        if batch or batch.new_run:
            yield batch

    def feed_report(
        self, source: str, events: list[RunEvent], lines: list[tuple[LineContext, str]]
    ) -> Batch:
        """A report file read whole (a vitest/jest JSON report): its events, and its failure
        messages classified like the lines of a failure block."""
        scan = self._source(source)
        out: list[Occurrence] = []
        for context, text in lines:
            # A JSON report is one document: its failures point at its first line.
            record = build_record(source, 1, text.encode("utf-8", "replace"))
            self._classify(scan, record, context, [], None, 0, out)
        self._close_block(scan, out)
        return Batch(tuple(events), tuple(out), ())

    def finish(self) -> Batch:
        """The input is over: close every open failure block and let parsers wrap up."""
        events: list[RunEvent] = []
        out: list[Occurrence] = []
        for name in list(self._sources):
            self._flush(name, events, out)
        progress = tuple((s.name, s.lines, s.bytes) for s in self._sources.values())
        return Batch(tuple(events), tuple(out), (), progress)

    # --- internals ---------------------------------------------------------------------------

    def _source(self, name: str) -> _SourceScan:
        scan = self._sources.get(name)
        if scan is None:
            scan = self._sources[name] = _SourceScan(name=name, mux=RunnerMux(name))
        return scan

    def _restart(self, truncated: str) -> None:
        """A new run: every source's parser starts over (a rewritten file has a new banner)."""
        for scan in self._sources.values():
            scan.mux = RunnerMux(scan.name)
            scan.block = None
            scan.last = None
        scan = self._source(truncated)
        scan.lines = scan.bytes = 0

    def _flush(self, name: str, events: list[RunEvent], out: list[Occurrence]) -> None:
        scan = self._sources.get(name)
        if scan is None:
            return
        scan.mux.finish(events)
        self._close_block(scan, out)

    def _chunk(
        self, scan: _SourceScan, chunk: Chunk, events: list[RunEvent], out: list[Occurrence]
    ) -> Iterator[None]:
        """Process one chunk; pause (yield) whenever enough occurrences wait to be folded."""
        block = Block(chunk.data)
        mux = scan.mux
        for index, raw in block.select(self._regex, lambda: mux.dense, chunk.starts):
            record = build_record(scan.name, chunk.first_line + index, raw)
            before = len(events)
            context = mux.feed(record, events)
            self._classify(scan, record, context, events[before:], block, index, out)
            if len(out) >= MAX_PENDING:
                scan.lines = record.line
                yield
        scan.lines = chunk.first_line - 1 + block.line_count()
        scan.bytes += chunk.size

    def _classify(
        self,
        scan: _SourceScan,
        record: Record,
        context: LineContext | None,
        new_events: list[RunEvent],
        block: Block | None,
        index: int,
        out: list[Occurrence],
    ) -> None:
        open_block = scan.block
        if open_block is not None and (context is None or context.key != open_block.context.key):
            self._close_block(scan, out)
            open_block = None
        if context is not None and open_block is None:
            start = Location(record.source, record.line)
            open_block = scan.block = _OpenBlock(context=context, start=start)
        if open_block is not None:
            for event in new_events:
                if isinstance(event, FailureReported) and event.message:
                    open_block.message = event.message

        if scan.mux.own_line:
            return
        matched = message_only(record, new_events)
        if matched is None:
            return
        record = matched
        if CODE_LINE.match(record.text) if context is not None else RAISE_LINE.match(record.text):
            return  # quoted source code: `throw new Error("...")` is not the error itself
        kind = (
            RecordKind.FAILURE
            if context is not None
            else (RecordKind.LOG if record.is_json else RecordKind.TEXT)
        )
        found = self.engine.match(record, kind)
        if found is not None and found.rule.attach:
            self._attach(scan, record, found)
            return
        if found is None:
            in_error = context is not None and context.zone is Zone.ERROR
            if (
                in_error
                and open_block is not None
                and open_block.first_error is None
                and record.text.strip()
            ):
                open_block.first_error = record
            if in_error or (record.level or 0) < LEVEL_ERROR:
                return
        occurrence = self._occurrence(record, found, context, block, index)
        # Only errors in the failure itself wait for the block's end (to pick its cause);
        # captured output is settled at once, so a huge captured log cannot pile up.
        in_block = open_block is not None and occurrence.in_failure
        target = open_block.occurrences if in_block and open_block is not None else out
        if in_block and len(target) >= MAX_PENDING:
            target[:] = causes_of_one_failure(target)
        if found is not None and context is None:
            absorb_headline(target, occurrence)
        target.append(occurrence)
        scan.last = (target, len(target) - 1)

    def _occurrence(
        self,
        record: Record,
        found: RuleMatch | None,
        context: LineContext | None,
        block: Block | None,
        index: int,
    ) -> Occurrence:
        rule: Rule = found.rule if found is not None else UNKNOWN_RULE
        fields = dict(found.fields) if found is not None else {"message": _headline(record)}
        message = found.matched if found is not None else fields["message"]
        before: list[bytes] = []
        after: list[bytes] = []
        if block is not None:
            before, after = block.around(index, CONTEXT_LINES, CONTEXT_LINES)
        return Occurrence(
            rule=rule,
            fields=fields,
            fingerprint=fingerprint(rule, fields, message),
            location=Location(record.source, record.line),
            text=clip(strip_ansi(record.raw)),
            matched=found.matched if found is not None else "",
            # Evidence keeps the fields it shows, bounded, not the whole parsed object.
            log=replace(record.log, extra=record.log.shown(), raw={}) if record.log else None,
            before_raw=tuple(line[:MAX_CONTEXT_BYTES] for line in before),
            after_raw=tuple(line[:MAX_CONTEXT_BYTES] for line in after),
            context=context,
            level=record.level,
        )

    def _attach(self, scan: _SourceScan, record: Record, found: RuleMatch) -> None:
        if scan.last is None:
            return
        target, position = scan.last
        previous = target[position]
        near = record.line - previous.location.line <= ATTACH_WINDOW or (
            previous.context is not None and scan.block is not None
        )
        if previous.rule.category != found.rule.category or not near:
            return
        fields = dict(previous.fields)
        for key, value in found.fields.items():
            fields.setdefault(key, value)
        self.engine.derive(previous.rule, fields)
        detail = record.raw.encode("utf-8", "replace")[:MAX_CONTEXT_BYTES]
        target[position] = replace(
            previous, fields=fields, after_raw=(*previous.after_raw, detail)[:4]
        )

    def _close_block(self, scan: _SourceScan, out: list[Occurrence]) -> None:
        open_block = scan.block
        scan.block = None
        if open_block is None:
            return
        occurrences = causes_of_one_failure(open_block.occurrences)
        key = open_block.context.key
        if any(o.in_failure for o in occurrences):
            _remember(scan.explained, key)
        elif key not in scan.explained:
            occurrences = [*occurrences, self._unexplained(open_block)]
            _remember(scan.explained, key)
        out.extend(occurrences)
        scan.last = None

    def _unexplained(self, open_block: _OpenBlock) -> Occurrence:
        """A failure no rule explains still becomes a finding, from its first error line."""
        context = open_block.context
        if context.zone is not Zone.ERROR:
            context = replace(context, zone=Zone.ERROR)
        first = open_block.first_error
        message = open_block.message or (first.text.strip() if first is not None else "")
        if not message:
            message = f"{context.key} failed with no error output"
        message = message.splitlines()[0][:300] if message else message
        fields = {"message": message}
        location = Location(first.source, first.line) if first is not None else open_block.start
        return Occurrence(
            rule=UNKNOWN_RULE,
            fields=fields,
            fingerprint=fingerprint(UNKNOWN_RULE, fields, message),
            location=location,
            text=clip(strip_ansi(first.raw)) if first is not None else message,
            context=context,
            level=first.level if first is not None else None,
        )


MAX_EXPLAINED = 10_000


def _remember(explained: dict[TestKey, None], key: TestKey) -> None:
    explained[key] = None
    if len(explained) > MAX_EXPLAINED:
        del explained[next(iter(explained))]


def _headline(record: Record) -> str:
    """The line to title an unknown error with: a JSON log's message and error, or the text."""
    text = record.text.strip()
    if record.log is not None:
        parts = [p for p in text.splitlines() if p.strip()]
        text = " — ".join(parts[:2]) if parts else record.raw.strip()
    return text[:300]
