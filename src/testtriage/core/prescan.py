"""Find the candidate lines of the next blocks in a helper process while this one parses."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
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

AHEAD = 1
"""Blocks handed to the helper before the pipeline needs them."""

HELPER_SWITCH = "TESTTRIAGE_SCAN_HELPER"
"""Set to 0 to scan in one process only."""

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
            stdout = self._proc.stdout
            assert stdout is not None
            waiting, _, _ = select.select([stdout], [], [], 0)
            if not waiting:
                return False
            reply = self._read()
            if reply != b"":
                raise HelperError((reply or b"no answer").decode("utf-8", "replace"))
            self._ready = True
        return True

    def send(self, data: bytes) -> None:
        self._write(data)

    def receive(self) -> array[int]:
        """The starts of the oldest block sent and not yet answered (waits for them)."""
        payload = self._read()
        if payload is None or len(payload) % 8:
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

    def _read(self) -> bytes | None:
        try:
            assert self._proc.stdout is not None
            return _read_frame(self._proc.stdout)
        except (OSError, EOFError, ValueError) as exc:
            raise HelperError(str(exc) or type(exc).__name__) from exc


def prescanned(
    items: Iterable[IngestItem], source: str, *, start_after: int | None = None
) -> Iterator[IngestItem]:
    """`items` in order, their chunks carrying `starts` found by a helper process once
    `start_after` bytes have gone by. Without a helper (none could start, or it failed) the
    chunks pass as they are and the pipeline scans them itself: the result is the same."""
    threshold = START_AFTER if start_after is None else start_after
    helper: ScanHelper | None = None
    failed = False
    pending: deque[Chunk] = deque()
    seen = 0

    def drop_helper() -> None:
        nonlocal helper, failed
        if helper is not None:
            helper.close()
        helper, failed = None, True

    def finish_oldest() -> Chunk:
        chunk = pending.popleft()
        if helper is None:
            return chunk
        try:
            return replace(chunk, starts=helper.receive())
        except HelperError:
            drop_helper()
            return chunk

    try:
        for item in items:
            if isinstance(item, Chunk):
                seen += len(item.data)
                if helper is None and not failed and seen >= threshold:
                    try:
                        helper = ScanHelper(source)
                    except HelperError:
                        drop_helper()
                try:
                    usable = helper is not None and helper.ready()
                    if usable and helper is not None:
                        helper.send(item.data)
                        pending.append(item)
                except HelperError:
                    drop_helper()
                    usable = False
                if usable:
                    if len(pending) > AHEAD:
                        yield finish_oldest()
                    continue
            while pending:
                yield finish_oldest()
            yield item
        while pending:
            yield finish_oldest()
    finally:
        if helper is not None:
            helper.close()


def serve(reader: IO[bytes], writer: IO[bytes]) -> int:
    """The helper's side: read the pattern, then answer every block with its starts."""
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
        while (data := _read_frame(reader)) is not None:
            _write_frame(writer, candidate_starts(regex, Block(data).scan_text).tobytes())
    except (OSError, EOFError):
        return 1  # the parent went away: it no longer needs answers
    return 0


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the parent decides, and closes our input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
