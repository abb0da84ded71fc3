"""Reading a pipe or standard input as a source: in one blocking pass, or on a thread for a loop."""

from __future__ import annotations

import errno
import os
import select
import threading
from collections.abc import Callable, Iterator

from testtriage.core.ingest.chunks import Chunk, IngestItem, NoticeKind, SourceNotice, SourceSpec
from testtriage.core.ingest.lines import LineSplitter


def source_fd(spec: SourceSpec) -> int:
    """The file descriptor a `-` source reads: its own `fd`, else standard input."""
    return spec.fd if spec.fd is not None else 0


class _PipeLines:
    """Turns reads of a pipe into chunks (offset -1), and its end into a last line and a notice."""

    __slots__ = ("_name", "_splitter")

    def __init__(self, name: str) -> None:
        self._name = name
        self._splitter = LineSplitter()

    def take(self, data: bytes) -> list[IngestItem]:
        first_line, start = self._splitter.next_line, self._splitter.next_offset
        lines = self._splitter.feed(data)
        consumed = self._splitter.next_offset - start
        return [Chunk(self._name, lines, first_line, -1, consumed)] if lines else []

    def finish(self, error: OSError | None = None) -> list[IngestItem]:
        """The partial last line as a line, then EOF, or ERROR for a read that failed."""
        first_line, start = self._splitter.next_line, self._splitter.next_offset
        line = self._splitter.flush()
        consumed = self._splitter.next_offset - start
        items: list[IngestItem] = []
        if line:
            items.append(Chunk(self._name, line, first_line, -1, consumed))
        # EIO is how a terminal or pseudo-terminal says its other side has gone: an ordinary end.
        if error is None or error.errno == errno.EIO:
            items.append(SourceNotice(self._name, NoticeKind.EOF))
        else:
            reason = (error.strerror or str(error)).lower()
            items.append(SourceNotice(self._name, NoticeKind.ERROR, f"{self._name}: {reason}"))
        return items


def read_pipe(spec: SourceSpec, *, chunk_size: int = 1 << 20) -> Iterator[IngestItem]:
    """Read a pipe (or any fd) to its end, blocking: OPENED, chunks, then EOF.

    The fd is not closed: standard input belongs to the process.
    """
    fd = source_fd(spec)
    lines = _PipeLines(spec.name)
    yield SourceNotice(spec.name, NoticeKind.OPENED, spec.name)
    while True:
        try:
            data = os.read(fd, chunk_size)
        except OSError as exc:
            yield from lines.finish(exc)
            return
        if not data:
            yield from lines.finish()
            return
        yield from lines.take(data)


class PipeFollower:
    """Reads a pipe on its own thread, so that an event loop in any thread can follow it.

    The thread waits in `poll(2)` on the pipe and on a wake-up pipe of its own, so `close()`
    stops it at once even while no data comes. Items queue up to `max_buffered` bytes; beyond
    that the thread stops reading until `take()` drains them, and the writer feels the pipe's
    back-pressure instead of this process growing without bound.
    """

    def __init__(
        self, spec: SourceSpec, *, chunk_size: int = 1 << 20, max_buffered: int = 16 << 20
    ) -> None:
        self.spec = spec
        self._fd = source_fd(spec)
        self._chunk_size = chunk_size
        self._max_buffered = max_buffered
        self._lines = _PipeLines(spec.name)
        self._queue: list[IngestItem] = []
        self._queued_bytes = 0
        self._finished = False
        self._closing = False
        self._room = threading.Condition()
        self._wake_read, self._wake_write = os.pipe()
        self._notify: Callable[[], None] = _nothing
        self._thread = threading.Thread(
            target=self._run, name=f"testtriage-pipe-{spec.name}", daemon=True
        )

    @property
    def ended(self) -> bool:
        """The pipe ended and everything read from it was taken."""
        with self._room:
            return self._finished and not self._queue

    def start(self, notify: Callable[[], None]) -> None:
        """Start reading; `notify` is called from the reader thread whenever items are ready."""
        self._notify = notify
        self._thread.start()

    def take(self) -> list[IngestItem]:
        """The items read since the last call, in order."""
        with self._room:
            items, self._queue = self._queue, []
            self._queued_bytes = 0
            self._room.notify_all()
        return items

    def close(self) -> None:
        """Stop the reader thread and wait for it; the pipe's fd itself is left open."""
        with self._room:
            self._closing = True
            self._room.notify_all()
        if self._thread.is_alive():
            os.write(self._wake_write, b"x")
            self._thread.join(timeout=5)
        if self._wake_read >= 0 and not self._thread.is_alive():
            os.close(self._wake_read)
            os.close(self._wake_write)
            self._wake_read = self._wake_write = -1

    def _run(self) -> None:
        self._deliver([SourceNotice(self.spec.name, NoticeKind.OPENED, self.spec.name)])
        waiter = select.poll()
        waiter.register(self._fd, select.POLLIN)
        waiter.register(self._wake_read, select.POLLIN)
        while self._wait_for_room():
            ready = {fd for fd, _ in waiter.poll()}
            if self._wake_read in ready:
                return
            try:
                data = os.read(self._fd, self._chunk_size)
            except OSError as exc:
                self._deliver(self._lines.finish(exc), last=True)
                return
            if not data:
                self._deliver(self._lines.finish(), last=True)
                return
            self._deliver(self._lines.take(data))

    def _wait_for_room(self) -> bool:
        with self._room:
            while self._queued_bytes > self._max_buffered and not self._closing:
                self._room.wait()
            return not self._closing

    def _deliver(self, items: list[IngestItem], *, last: bool = False) -> None:
        if not items and not last:
            return
        with self._room:
            self._queue.extend(items)
            self._queued_bytes += sum(len(item.data) for item in items if isinstance(item, Chunk))
            self._finished = self._finished or last
        self._notify()


def _nothing() -> None:
    pass
