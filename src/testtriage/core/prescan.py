"""Find the candidate lines of the next blocks in a helper process while this one parses."""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
from array import array
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import replace
from typing import IO

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from testtriage.core.ingest.chunks import Chunk, IngestItem
from testtriage.core.scan import Block, candidate_starts, compile_source

START_AFTER = 8 << 20
"""Bytes read before a helper is started: a smaller log is done before one would be ready."""

HELPER_SWITCH = "TESTTRIAGE_SCAN_HELPER"
"""Set to 0 to scan in one process only."""

WAIT_PER_BYTE = 15e-9
"""How long an answer is waited for, per byte of its block (15 ms a megabyte): twice what
scanning the block here takes, since a late answer costs the wait and the scan."""

PIPE_BYTES = 4 << 20
"""The pipe size asked for: a block and its frame header, with room."""

_HEADER = 8


class HelperError(Exception):
    """The helper cannot be used (did not start, died, or answered nonsense)."""


def helper_wanted() -> bool:
    """Whether a helper can run beside this process: another CPU is ours, and the user did
    not switch it off."""
    if os.environ.get(HELPER_SWITCH, "").strip() in ("0", "no", "false", "off"):
        return False
    if not sys.executable:
        return False
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return cpus > 1


def _write_frame(writer: IO[bytes], payload: bytes) -> None:
    writer.write(len(payload).to_bytes(_HEADER, "little"))
    writer.write(payload)
    writer.flush()


def _read_frame(reader: IO[bytes]) -> bytes | None:
    """One frame's payload, or None at a clean end of input."""
    header = reader.read(_HEADER)
    if not header:
        return None
    if len(header) < _HEADER:
        raise EOFError("cut frame header")
    size = int.from_bytes(header, "little")
    payload = reader.read(size)
    if len(payload) < size:
        raise EOFError("cut frame")
    return payload


def _read_exact(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = os.read(fd, min(size, PIPE_BYTES))
        if not part:
            raise EOFError("the helper's answer was cut")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """Let a whole block fit in the pipe, so sending one is one copy, not a dozen wake-ups of
    the helper (Linux; elsewhere the pipe keeps its size)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if stream is None or set_size is None:
        return
    for size in (PIPE_BYTES, PIPE_BYTES // 2, PIPE_BYTES // 4):
        try:
            fcntl.fcntl(stream.fileno(), set_size, size)
            return
        except OSError:
            continue  # above this user's limit (/proc/sys/fs/pipe-max-size)


class ScanHelper:
    """A child process answering each block it is sent with its `candidate_starts`, in order."""

    def __init__(self, source: str) -> None:
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "testtriage.core.prescan"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            raise HelperError(str(exc)) from exc
        self._ready = False
        _widen_pipe(self._proc.stdin)
        self._write(source.encode())

    def ready(self) -> bool:
        """Whether the helper has compiled the pattern (never waits)."""
        if not self._ready:
            reply = self._receive(0)
            if reply is None:
                return False
            if reply != b"":
                raise HelperError(reply.decode("utf-8", "replace"))
            self._ready = True
        return True

    def send(self, data: bytes) -> None:
        self._write(data)

    def receive(self, timeout: float | None = None) -> array[int] | None:
        """The starts of the oldest block sent and not yet answered; None if they do not come
        within `timeout` seconds (None: wait for them)."""
        payload = self._receive(timeout)
        if payload is None:
            return None
        if len(payload) % 8:
            raise HelperError("the helper's answer was cut")
        starts: array[int] = array("q")
        starts.frombytes(payload)
        return starts

    def close(self) -> None:
        # Our end of its output first: a helper blocked writing an answer then ends too.
        for stream in (self._proc.stdout, self._proc.stdin):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _write(self, payload: bytes) -> None:
        try:
            assert self._proc.stdin is not None
            _write_frame(self._proc.stdin, payload)
        except (OSError, ValueError) as exc:
            raise HelperError(str(exc) or type(exc).__name__) from exc

    def _receive(self, timeout: float | None) -> bytes | None:
        """The next frame's payload, or None if it does not start within `timeout` seconds.
        Read from the descriptor itself: a buffered reader's read-ahead would hide a frame
        from `select`."""
        try:
            assert self._proc.stdout is not None
            fd = self._proc.stdout.fileno()
            if timeout is not None:
                readable, _, _ = select.select([fd], [], [], timeout)
                if not readable:
                    return None
            size = int.from_bytes(_read_exact(fd, _HEADER), "little")
            return _read_exact(fd, size)
        except (OSError, EOFError, ValueError) as exc:
            raise HelperError(str(exc) or type(exc).__name__) from exc


class Prescanner:
    """Hands the chunks going by to a helper process, started once `start_after` bytes have
    gone by, and gives each chunk back with the `starts` it found.

    Without a helper (none could start, or it failed) chunks pass as they are and the
    pipeline scans them itself: the result is the same either way.
    """

    def __init__(
        self, source: str, *, start_after: int | None = None, patience: float = 0.0
    ) -> None:
        self._source = source
        self._patience = patience
        """Seconds an answer may always be waited for, however small its block: a process
        whose other threads have work (a UI) gains by waiting, which frees the GIL for them."""
        self._threshold = START_AFTER if start_after is None else start_after
        self._helper: ScanHelper | None = None
        self._failed = False
        self._seen = 0
        self._stale = 0
        """Answers still to come for blocks that were scanned here instead (read, dropped)."""

    def items(self, items: Iterable[IngestItem]) -> Iterator[IngestItem]:
        """`items` in order, one chunk ahead: the helper scans a chunk while the one before it
        is parsed. Every chunk is given back by the time `items` ends, so a live follow's last
        lines never wait for more."""
        pending: deque[Chunk] = deque()
        try:
            for item in items:
                if isinstance(item, Chunk) and self._send(item):
                    pending.append(item)
                    if len(pending) > 1:
                        yield self._answered(pending.popleft())
                    continue
                while pending:
                    yield self._answered(pending.popleft())
                yield item
            while pending:
                yield self._answered(pending.popleft())
        finally:
            if pending:
                self._drop()  # stopped early: its answers would be read as the next blocks'

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None
            self._stale = 0

    def _send(self, chunk: Chunk) -> bool:
        """Hand `chunk` to the helper if there is a ready and idle one; False: scan it here."""
        self._seen += len(chunk.data)
        if self._helper is None and not self._failed and self._seen >= self._threshold:
            try:
                self._helper = ScanHelper(self._source)
            except HelperError:
                self._drop()
        if self._helper is None:
            return False
        try:
            if not self._helper.ready():
                return False
            while self._stale and self._helper.receive(0) is not None:
                self._stale -= 1
            if self._stale:
                # Still busy with blocks scanned here meanwhile: more would keep it behind.
                return False
            self._helper.send(chunk.data)
        except HelperError:
            self._drop()
            return False
        return True

    def _answered(self, chunk: Chunk) -> Chunk:
        """`chunk` with the helper's starts, or as it is (to be scanned here) when the helper
        is slower than scanning here would be: while it starts, or on a busy machine."""
        helper = self._helper
        if helper is None:
            return chunk
        try:
            while self._stale and helper.receive(0) is not None:
                self._stale -= 1
            wait = max(self._patience, len(chunk.data) * WAIT_PER_BYTE)
            starts = None if self._stale else helper.receive(wait)
        except HelperError:
            self._drop()
            return chunk
        if starts is None:
            self._stale += 1
            return chunk
        return replace(chunk, starts=starts)

    def _drop(self) -> None:
        self.close()
        self._failed = True


def prescanned(
    items: Iterable[IngestItem], source: str, *, start_after: int | None = None
) -> Generator[IngestItem, None, None]:
    """`items` through a `Prescanner` of their own, closed at their end."""
    scanner = Prescanner(source, start_after=start_after)
    try:
        yield from scanner.items(items)
    finally:
        scanner.close()


def serve(reader: IO[bytes], writer: IO[bytes]) -> int:
    """The helper's side: read the pattern, then answer every block with its starts.

    Answers are written by a thread of their own, so that input is always read: the parent
    may be writing the next block before it reads an answer, and neither may then wait on
    the other, however large an answer is.
    """
    try:
        source = _read_frame(reader)
        if source is None:
            return 0
        try:
            regex = compile_source(source.decode())
        except Exception as exc:  # told to the parent, which then scans itself
            _write_frame(writer, (str(exc) or "the pattern did not compile").encode())
            return 1
        _write_frame(writer, b"")
    except (OSError, EOFError):
        return 1
    answers: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    gone = threading.Event()

    def write_answers() -> None:
        while (answer := answers.get()) is not None:
            try:
                _write_frame(writer, answer)
            except (OSError, ValueError):
                gone.set()  # the parent went away: it no longer needs answers
                return

    answering = threading.Thread(target=write_answers, daemon=True)
    answering.start()
    try:
        while not gone.is_set() and (data := _read_frame(reader)) is not None:
            answers.put(candidate_starts(regex, Block(data).scan_text).tobytes())
    except (OSError, EOFError):
        gone.set()
    answers.put(None)
    answering.join()
    return 1 if gone.is_set() else 0


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the parent decides, and closes our input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
