"""The ingest loop the app runs on a worker thread: follow, fold, and post throttled updates."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from textual.message import Message

from testtriage.core.baseline import BaselineData, compare
from testtriage.core.claim import check_claim
from testtriage.core.diagnosis import diagnose
from testtriage.core.ingest import follow_sources
from testtriage.core.ingest.chunks import Chunk, IngestItem, SourceNotice, SourceSpec
from testtriage.core.logfile import ChunkInfo
from testtriage.core.prescan import helper_wanted
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.session import Session
from testtriage.core.state import RunState
from testtriage.core.verdict import verdict_of
from testtriage.tui.messages import IngestStopped, LogItem, RunSnapshot, RunUpdated

UPDATE_INTERVAL = 0.1
"""Shortest time between two updates: the screen changes at most ten times a second."""
HELPER_PATIENCE = 0.05
"""Seconds the reader may wait for the scan helper's answer before scanning a block itself."""
INPUT_POLL = 0.1
"""How often the loop checks whether the writer (a command, a pipe) is done."""

Post = Callable[[Message], object]


@dataclass(frozen=True, slots=True)
class IngestPlan:
    """What to read and how to judge it."""

    specs: Sequence[SourceSpec]
    engine: RuleEngine
    claim: str | None = None
    input_done: threading.Event | None = None
    """Set when the writer is done (a command exited, a pipe closed): read what is left, stop."""
    from_end: bool = False
    """Start at the end of each file (only what is written from now on)."""
    baseline: BaselineData | None = None
    """An earlier run to compare with, until the log is rewritten (then the previous run is)."""
    interval: float = UPDATE_INTERVAL


class IngestControl:
    """Lets the UI thread stop the worker's event loop, whenever it asks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._quit: asyncio.Event | None = None
        self._stopping = False
        self.finished = threading.Event()
        """Set once the worker has returned (its reader threads are stopped)."""

    def attach(self, loop: asyncio.AbstractEventLoop, quit_event: asyncio.Event) -> bool:
        """Called by the worker as it starts; False if a stop came first."""
        with self._lock:
            if self._stopping:
                return False
            self._loop, self._quit = loop, quit_event
            return True

    def detach(self) -> None:
        with self._lock:
            self._loop = self._quit = None

    def stop(self) -> None:
        """Ask the worker to stop now (without reading what is left)."""
        with self._lock:
            self._stopping = True
            loop, quit_event = self._loop, self._quit
        if loop is not None and quit_event is not None:
            # The loop may close between the check and the call; then it has stopped anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(quit_event.set)


def snapshot_of(
    state: RunState, claim: str | None, previous: BaselineData | None = None
) -> RunSnapshot:
    """The state with its diagnosis and verdict (against the previous run, if any)."""
    diagnosis = diagnose(state)
    claim_check = check_claim(diagnosis, claim) if claim else None
    comparison = compare(diagnosis, previous) if previous is not None else None
    return RunSnapshot(state, diagnosis, verdict_of(diagnosis, claim_check, comparison))


class UpdatePublisher:
    """Collects what was read and posts it at most once per interval, with a trailing flush
    so that the last lines read always reach the screen."""

    def __init__(
        self,
        session: Session,
        post: Post,
        *,
        claim: str | None,
        interval: float,
        loop: asyncio.AbstractEventLoop,
        baseline: BaselineData | None = None,
    ) -> None:
        self._session = session
        self._post = post
        self._claim = claim
        self._interval = interval
        self._loop = loop
        self._items: list[LogItem] = []
        self._dirty = False
        self._last_post = -interval
        self._timer: asyncio.TimerHandle | None = None
        self._given_baseline = baseline
        self._baseline: tuple[int, BaselineData] | None = None
        self.posted = 0

    def collect(self, items: Iterable[IngestItem]) -> None:
        for item in items:
            if isinstance(item, Chunk):
                self._items.append(ChunkInfo.of(item))
            elif isinstance(item, SourceNotice):
                self._items.append(item)
        self._dirty = True
        wait = self._last_post + self._interval - self._loop.time()
        if wait <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(wait, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._dirty:
            return
        state = self._session.state
        items, self._items, self._dirty = self._items, [], False
        self._post(RunUpdated(snapshot_of(state, self._claim, self._previous(state)), items))
        self._last_post = self._loop.time()
        self.posted += 1

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _previous(self, state: RunState) -> BaselineData | None:
        """The previous run's diagnosis as a baseline, computed once per run."""
        if state.previous is None:
            return self._given_baseline
        if self._baseline is None or self._baseline[0] != state.generation:
            previous = diagnose(state.previous)
            self._baseline = (state.generation, BaselineData.from_diagnosis(previous))
        return self._baseline[1]


def run_ingest(plan: IngestPlan, control: IngestControl, post: Post) -> None:
    """Follow the sources until the input ends or `control.stop()`; blocks (run it on a thread)."""
    try:
        asyncio.run(_main(plan, control, post))
    except Exception as exc:  # whatever broke, the UI says so instead of dying
        post(IngestStopped(error=f"reading stopped: {type(exc).__name__}: {exc}"))
    finally:
        control.detach()
        control.finished.set()


async def _main(plan: IngestPlan, control: IngestControl, post: Post) -> None:
    loop = asyncio.get_running_loop()
    quit_event = asyncio.Event()
    if not control.attach(loop, quit_event):
        return
    session = Session(plan.engine, plan.specs, following=True)
    if helper_wanted():
        # A fast writer's lines are then scanned off this process, and waiting for the
        # helper's answer leaves the interpreter to the UI: keys stay quick.
        session.start_helper(patience=HELPER_PATIENCE)
    publisher = UpdatePublisher(
        session, post, claim=plan.claim, interval=plan.interval, loop=loop, baseline=plan.baseline
    )
    following = asyncio.create_task(_follow(plan, session, publisher))
    quitting = asyncio.create_task(quit_event.wait())
    try:
        await asyncio.wait({following, quitting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        publisher.close()
        session.close()
        for task in (following, quitting):
            task.cancel()
        await asyncio.gather(following, quitting, return_exceptions=True)
    error = following.exception() if following.done() and not following.cancelled() else None
    if error is not None:
        raise error
    if not quit_event.is_set():
        post(IngestStopped())


async def _follow(plan: IngestPlan, session: Session, publisher: UpdatePublisher) -> None:
    ended = asyncio.Event()
    watcher = None
    if plan.input_done is not None:
        watcher = asyncio.create_task(_set_when_done(plan.input_done, ended))
    try:
        follow = follow_sources(plan.specs, from_end=plan.from_end, stop=ended, drain_on_stop=True)
        async with contextlib.aclosing(follow) as batches:
            async for items in batches:
                # No explicit yields to the UI thread: the interpreter hands the GIL over every
                # few milliseconds anyway, and a yield after each small piece let a busy UI
                # keep it for a whole switch interval each time, starving this thread.
                session.feed(items)
                publisher.collect(items)
    finally:
        if watcher is not None:
            watcher.cancel()
    session.finish()
    publisher.collect(())
    publisher.flush()


async def _set_when_done(done: threading.Event, ended: asyncio.Event) -> None:
    # Polled rather than waited on in a thread: a blocked thread could not be cancelled on quit.
    while not done.is_set():
        await asyncio.sleep(INPUT_POLL)
    ended.set()
