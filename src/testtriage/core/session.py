"""Drive the pipeline over sources: a whole read for summaries, or a live follow."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass

from testtriage.core.ingest.chunks import IngestItem, NoticeKind, SourceNotice, SourceSpec
from testtriage.core.prescan import Prescanner, helper_wanted, prescanned
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import RuleConfig, assemble_rules, load_builtin_rules
from testtriage.core.runners.reports import ReportError, parse_json_report, sniff_report
from testtriage.core.state import Batch, RunPhase, RunState
from testtriage.core.triage import Triage

MAX_UNFOLDED = 1_000
"""Occurrences held before they are folded, however rarely the state is asked for."""
FEED_BYTES = 8 << 20
"""Bytes of input handed to the pipeline at once during a whole read (the pipeline itself
hands occurrences on in bounded batches, so this only sets how often the state is folded)."""


def build_engine(config: RuleConfig | None = None) -> RuleEngine:
    """The rule engine: user rules first, then the built-in packs (minus disabled ones)."""
    return RuleEngine(assemble_rules(load_builtin_rules(), config or RuleConfig()))


class Session:
    """One run being triaged: the pipeline and the state it folds into."""

    def __init__(
        self, engine: RuleEngine, specs: Iterable[SourceSpec], *, following: bool = False
    ) -> None:
        self.specs = tuple(specs)
        self.triage = Triage(engine)
        self._state = RunState.start([spec.name for spec in self.specs], following=following)
        self._pending: list[Batch] = []
        self._pending_occurrences = 0
        self._prescanner: Prescanner | None = None

    @property
    def state(self) -> RunState:
        """The state with everything fed so far folded in (folded when asked for, so that a
        fast live follow folds many small batches at once, not each on its own)."""
        self._fold_pending()
        return self._state

    @state.setter
    def state(self, state: RunState) -> None:
        self._pending = []
        self._pending_occurrences = 0
        self._state = state

    def _fold_pending(self) -> None:
        if self._pending:
            self._state = self._state.apply(*self._pending)
            self._pending = []
            self._pending_occurrences = 0

    def read_reports(self, specs: Iterable[SourceSpec]) -> list[SourceSpec]:
        """Read the JSON test reports among `specs` whole; return the specs left to stream.

        A vitest/jest `--json` report is one document, often one huge line: it is parsed as a
        whole rather than streamed. A report that cannot be read is an error of that source.
        """
        streamed: list[SourceSpec] = []
        for spec in specs:
            if spec.is_stdin or sniff_report(spec.path) != "jest-json":
                streamed.append(spec)
                continue
            try:
                events, lines = parse_json_report(spec.path, spec.name)
            except ReportError as exc:
                notice = SourceNotice(spec.name, NoticeKind.ERROR, str(exc))
                self.state = self.state.apply(Batch(notices=(notice,)))
                continue
            self.state = self.state.apply(self.triage.feed_report(spec.name, events, lines))
            size = os.path.getsize(spec.path)
            ended = SourceNotice(spec.name, NoticeKind.EOF)
            self.state = self.state.apply(Batch(notices=(ended,), progress=((spec.name, 1, size),)))
        return streamed

    def start_helper(self, *, start_after: int | None = None, patience: float = 0.0) -> None:
        """Let a helper process find the candidate lines of what `feed` gets from now on, once
        the input is big enough to be worth it (`core.prescan`); `finish` or `close` ends it."""
        if self._prescanner is None:
            self._prescanner = Prescanner(
                self.triage.candidates, start_after=start_after, patience=patience
            )

    def close(self) -> None:
        """End the helper process, if there is one (the state stays readable)."""
        if self._prescanner is not None:
            self._prescanner.close()
            self._prescanner = None

    def feed(self, items: Iterable[IngestItem]) -> None:
        """Read items; what they hold is folded into `state` when it is next asked for."""
        if self._prescanner is not None:
            items = self._prescanner.items(items)
        for batch in self.triage.feed(items):
            self._pending.append(batch)
            self._pending_occurrences += len(batch.occurrences)
            if self._pending_occurrences >= MAX_UNFOLDED:
                self._fold_pending()  # bounded memory: fold rather than hold more occurrences

    def finish(self) -> RunState:
        """The input ended: close open failure blocks; an unfinished run becomes 'unknown'."""
        self.close()
        self.state = self.state.apply(self.triage.finish()).finish_input()
        return self.state


def analyze(
    session: Session,
    items: Iterable[IngestItem],
    progress: Callable[[RunState], None] | None = None,
    *,
    helper: bool | None = None,
) -> RunState:
    """Read every item to the end and return the final state.

    With `helper` (by default when another CPU is free), a big input's candidate lines are
    found by a helper process one block ahead (`core.prescan`); the state is the same.
    """
    wanted = helper_wanted() if helper is None else helper
    scanned = prescanned(items, session.triage.candidates) if wanted else None
    stream = iter(scanned if scanned is not None else items)
    more = True

    def next_part() -> Iterator[IngestItem]:
        # Lazy, so that the helper's block ahead is sent while this one is parsed.
        nonlocal more
        size = 0
        for item in stream:
            yield item
            size += len(getattr(item, "data", b""))
            if size >= FEED_BYTES:
                return
        more = False

    try:
        while more:
            session.feed(next_part())
            if more and progress is not None:
                progress(session.state)
    finally:
        if scanned is not None:
            scanned.close()  # the helper ends with the read, even an interrupted one
    return session.finish()


@dataclass(frozen=True, slots=True)
class FollowLimits:
    """When a live follow stops on its own."""

    until_finished: bool = True
    """Stop once every runner printed its end-of-run marker."""
    idle_timeout: float | None = None
    """Stop after this many seconds with no new input."""


async def follow(
    session: Session,
    batches: AsyncIterator[list[IngestItem]],
    limits: FollowLimits,
    on_update: Callable[[RunState], None] | None = None,
) -> RunState:
    """Fold live input into the state until the run ends, input stops, or the idle timeout."""
    import asyncio  # only a live follow needs it: a one-pass summary starts faster without

    iterator = batches.__aiter__()
    last_input = time.monotonic()
    try:
        while True:
            timeout = None
            if limits.idle_timeout is not None:
                timeout = max(0.0, limits.idle_timeout - (time.monotonic() - last_input))
            try:
                items = await asyncio.wait_for(iterator.__anext__(), timeout)
            except StopAsyncIteration:
                break
            except TimeoutError:
                break
            last_input = time.monotonic()
            session.feed(items)
            if on_update is not None:
                on_update(session.state)
            if limits.until_finished and session.state.phase is RunPhase.FINISHED:
                break
    finally:
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            await closer()
    return session.finish()
