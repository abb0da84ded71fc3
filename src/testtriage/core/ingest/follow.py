"""Following every source at once: file-change events wake it, a periodic poll backs them up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections.abc import AsyncGenerator, Iterable

from testtriage.core.ingest.chunks import IngestItem, SourceSpec
from testtriage.core.ingest.follower import FileFollower
from testtriage.core.ingest.stdin import PipeFollower

DEBOUNCE_MS = 30
"""Longest a still-growing batch of change events is held back (only many files keep it growing)."""


async def follow_sources(
    specs: Iterable[SourceSpec],
    *,
    from_end: bool = False,
    stop: asyncio.Event | None = None,
    poll_interval: float = 0.25,
    step_ms: int = 10,
    drain_on_stop: bool = False,
) -> AsyncGenerator[list[IngestItem], None]:
    """Follow every source, yielding the items of each wake-up as one non-empty list.

    Files are watched through their parent directories (so rotation and late creation are
    seen) and, as a fallback for missed events and network filesystems, polled every
    `poll_interval` seconds. Pipes are read on threads. It ends when `stop` is set or every
    source has ended (files never end, except one found binary). Close it with `aclose()` (or
    `contextlib.aclosing`) when leaving early: that stops the watcher and the reader threads.
    Works in any thread's event loop. With `drain_on_stop`, setting `stop` means "the writer is
    done": what is already written is read and yielded before the end (a command that exited).
    """
    specs = list(specs)
    files = [FileFollower(spec, from_end=from_end) for spec in specs if not spec.is_stdin]
    pipes = [PipeFollower(spec) for spec in specs if spec.is_stdin]
    if not files and not pipes:
        return
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def wake_from_thread() -> None:
        # A reader thread may still report after the loop has closed; nobody is waiting then.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(wake.set)

    watch = _DirectoryWatch([file.path for file in files], step_ms, wake)
    relay = asyncio.create_task(_set_when(stop, wake)) if stop is not None else None
    for pipe in pipes:
        pipe.start(wake_from_thread)
    try:
        next_sweep = loop.time()
        while stop is None or not stop.is_set():
            changed, rescan = watch.take_changes()
            sweep = rescan or loop.time() >= next_sweep
            if sweep:
                next_sweep = loop.time() + poll_interval
                await watch.refresh()
            batch: list[IngestItem] = []
            for pipe in pipes:
                batch.extend(pipe.take())
            for file in files:
                if sweep or file.pending or file.path in changed:
                    batch.extend(file.poll())
            if batch:
                yield batch
            if all(file.ended for file in files) and all(pipe.ended for pipe in pipes):
                return
            if any(file.pending for file in files):
                await asyncio.sleep(0)
                continue
            # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that arrives
            # just as the wake-up does, and the follow would never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, next_sweep - loop.time())):
                    await wake.wait()
            wake.clear()
        if drain_on_stop:
            for items in _drain(files, pipes):
                yield items
    finally:
        if relay is not None:
            relay.cancel()
        await watch.close()
        for pipe in pipes:
            pipe.close()
        for file in files:
            file.close()


def _drain(files: list[FileFollower], pipes: list[PipeFollower]) -> list[list[IngestItem]]:
    """Everything already written, read to the end."""
    batches: list[list[IngestItem]] = []
    for pipe in pipes:
        if items := pipe.take():
            batches.append(items)
    for file in files:
        while items := file.poll():
            batches.append(items)
            if not file.pending:
                break
    return batches


async def _set_when(stop: asyncio.Event, wake: asyncio.Event) -> None:
    await stop.wait()
    wake.set()


class _DirectoryWatch:
    """One `watchfiles.awatch` over the nearest existing directory of every followed file.

    Watching directories, not files, keeps working across rotation and recreation. A directory
    that does not exist yet is stood in for by its nearest existing ancestor; its creation is
    reported as a rescan, after which the watch moves down to it. If the watcher fails (e.g.
    the inotify watch limit), following carries on with the periodic poll alone.
    """

    def __init__(self, paths: list[str], step_ms: int, wake: asyncio.Event) -> None:
        self._paths = paths
        self._step_ms = step_ms
        self._wake = wake
        self._roots: dict[str, tuple[int, int]] = {}
        self._wanted: dict[str, str | None] = {}
        """Event path -> followed file it concerns, or None for a directory on the way to one."""
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._changed: set[str] = set()
        self._rescan = False

    def take_changes(self) -> tuple[set[str], bool]:
        """The followed files changed since the last call, and whether a directory changed."""
        changed, rescan = self._changed, self._rescan
        self._changed, self._rescan = set(), False
        return changed, rescan

    async def refresh(self) -> None:
        """Move the watch to the directories that exist now, if they changed."""
        wanted: dict[str, str | None] = {}
        roots: dict[str, tuple[int, int]] = {}
        for path in self._paths:
            for name in dict.fromkeys((path, os.path.realpath(path))):
                root, identity, on_the_way = _nearest_directory(name)
                wanted[name] = path
                wanted.update(dict.fromkeys(on_the_way))
                if root:
                    roots[root] = identity
        if roots == self._roots and wanted == self._wanted:
            return
        await self.close()
        self._roots, self._wanted = roots, wanted
        if roots:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._run(list(roots), self._stop))
            # One step of the task sets up the OS watches (before its first real wait), so a
            # change made after the poll that follows cannot slip in before the watch exists.
            await asyncio.sleep(0)

    async def close(self) -> None:
        """Stop the watcher and wait for its thread to finish."""
        task, self._task = self._task, None
        if task is not None:
            self._stop.set()
            await asyncio.wait({task})

    async def _run(self, roots: list[str], stop: asyncio.Event) -> None:
        # Imported here: it takes ~50 ms to load, and a one-pass read never needs it.
        from watchfiles import awatch

        try:
            async for changes in awatch(
                *roots,
                watch_filter=lambda _change, path: path in self._wanted,
                debounce=DEBOUNCE_MS,
                step=self._step_ms,
                stop_event=stop,
                recursive=False,
                ignore_permission_denied=True,
            ):
                for _change, path in changes:
                    followed = self._wanted.get(path)
                    if followed is None:
                        self._rescan = True
                    else:
                        self._changed.add(followed)
                self._wake.set()
        except Exception:
            # Whatever failed (no such directory any more, the inotify watch limit), the
            # periodic poll keeps following; refresh() starts a watcher when the roots change.
            return


def _nearest_directory(path: str) -> tuple[str, tuple[int, int], list[str]]:
    """The nearest existing directory above `path`, its identity, and the missing ones between."""
    on_the_way: list[str] = []
    directory = os.path.dirname(path)
    while True:
        try:
            info = os.stat(directory)
        except OSError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            return directory, (info.st_dev, info.st_ino), on_the_way
        parent = os.path.dirname(directory)
        if parent == directory:
            return "", (0, 0), on_the_way
        on_the_way.append(directory)
        directory = parent
