"""Reading a log file back by line number: a sparse line index and a cached `pread` reader."""

from __future__ import annotations

import contextlib
import os
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from testtriage.core.ingest.chunks import MAX_LINE_BYTES, Chunk
from testtriage.core.ingest.lines import LineSplitter
from testtriage.core.records import decode_line

CHECKPOINT_SPACING = 64 * 1024
"""Least distance in bytes between two index checkpoints: 1 GB needs at most ~16 k of them."""

SPAN_LINES = 128
"""Lines decoded and cached together by `LogReader`."""

_SEEK_BLOCK = 256 * 1024
_READ_BLOCK = 64 * 1024
_MAX_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    """Where a chunk's lines are in their file, without the bytes: what the Log tab indexes."""

    source: str
    first_line: int
    line_count: int
    offset: int
    """Byte offset of the chunk's first line in the file; -1 for a pipe (nothing to read back)."""
    size: int
    """Bytes of the chunk as ingest handed them over (an overlong line counts its kept part)."""

    @classmethod
    def of(cls, chunk: Chunk) -> ChunkInfo:
        """The record of `chunk`, counted cheaply (one pass of `bytes.count`)."""
        data = chunk.data
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        return cls(chunk.source, chunk.first_line, lines, chunk.offset, len(data))


class LineIndex:
    """Where lines start in one file: a few (line, offset) checkpoints and the number of lines.

    Line 1 always starts at offset 0, so any line can be found by reading forward from the
    checkpoint before it. Checkpoints come from chunk starts and from what readers learn while
    they read (`learn`), never closer than `spacing` bytes, so memory grows with the file size
    divided by `spacing` (16 bytes a checkpoint), not with the number of lines. Safe to share
    between the UI thread and a scanning thread.
    """

    __slots__ = ("_lock", "_lines", "_offsets", "_spacing", "end_offset", "epoch", "readable",
                 "total_lines")  # fmt: skip

    def __init__(self, spacing: int = CHECKPOINT_SPACING) -> None:
        self._spacing = spacing
        self._lock = threading.Lock()
        self._lines = array("q", [1])
        self._offsets = array("q", [0])
        self.total_lines = 0
        """Number of the last line known to exist (lines 1..total_lines can be read)."""
        self.end_offset = 0
        """Where the last known chunk ends, as far as its size says."""
        self.readable = True
        """False for a pipe: its lines are counted but cannot be read back."""
        self.epoch = 0
        """Changes whenever known lines are forgotten, so caches and scans built on them can
        tell that they are stale."""

    def reset(self) -> None:
        """Forget everything: the file was truncated (a new run) or replaced (rotation)."""
        with self._lock:
            self._lines = array("q", [1])
            self._offsets = array("q", [0])
            self.total_lines = 0
            self.end_offset = 0
            self.readable = True
            self.epoch += 1

    def add(self, first_line: int, line_count: int, offset: int, size: int) -> None:
        """Record a chunk of `line_count` lines starting at line `first_line`, byte `offset`.

        A chunk that starts at or before a known line means the file was read again from
        there (a restart the caller did not announce): what followed it is forgotten.
        """
        if line_count <= 0 or first_line < 1:
            return
        with self._lock:
            if offset < 0:
                self.readable = False
                self.total_lines = max(self.total_lines, first_line + line_count - 1)
                return
            if first_line <= self.total_lines:
                self._rewind(first_line)
            if first_line > self._lines[-1] and offset - self._offsets[-1] >= self._spacing:
                self._lines.append(first_line)
                self._offsets.append(offset)
            self.total_lines = first_line + line_count - 1
            self.end_offset = offset + size

    def _rewind(self, first_line: int) -> None:
        keep = max(1, bisect_right(self._lines, first_line - 1))
        del self._lines[keep:]
        del self._offsets[keep:]
        self.total_lines = first_line - 1
        self.epoch += 1

    def learn(self, line: int, offset: int, epoch: int) -> None:
        """Add a checkpoint a reader found (line `line` starts at `offset`), if it is far enough
        from its neighbours and was found in the current epoch."""
        with self._lock:
            if epoch != self.epoch or line > self.total_lines:
                return
            at = bisect_right(self._lines, line)
            if self._lines[at - 1] == line or offset - self._offsets[at - 1] < self._spacing:
                return
            if at < len(self._lines) and self._offsets[at] - offset < self._spacing:
                return
            self._lines.insert(at, line)
            self._offsets.insert(at, offset)

    def locate(self, line: int) -> tuple[int, int]:
        """The checkpoint at or before `line`: (byte offset, number of the line starting there)."""
        with self._lock:
            at = max(1, bisect_right(self._lines, line)) - 1
            return self._offsets[at], self._lines[at]

    @property
    def checkpoints(self) -> int:
        return len(self._lines)

    def memory_bytes(self) -> int:
        """Bytes held by the checkpoints (the index's only part that grows)."""
        with self._lock:
            return (len(self._lines) + len(self._offsets)) * self._lines.itemsize


class LogReader:
    """Lines of one file by number, read with `os.pread` from the checkpoint before them.

    Never maps the file and never reads it whole: a request reads from the nearest checkpoint
    to the lines wanted. Decoded lines are cached in spans of `SPAN_LINES`, bounded in count and
    in characters. A file that shrank, vanished or cannot be opened gives fewer lines (maybe
    none) and sets `problem`; nothing is raised. Overlong lines come back cut the way ingest cuts
    them, so line numbers and text agree with what the rest of the app saw. One reader belongs
    to one thread.
    """

    def __init__(
        self,
        path: str,
        *,
        max_line: int = MAX_LINE_BYTES,
        cache_spans: int = 64,
        cache_chars: int = 4_000_000,
    ) -> None:
        self.path = path
        self.max_line = max_line
        self._cache_spans = cache_spans
        self._cache_chars = cache_chars
        self._fd: int | None = None
        self._epoch = -1
        self._spans: OrderedDict[int, list[str]] = OrderedDict()
        self._chars = 0
        self.problem = ""
        """Why the last read came back short, if it did (for the status bar)."""

    def close(self) -> None:
        """Close the file and drop the cache (the next read opens the path again)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        self._spans.clear()
        self._chars = 0

    def read_lines(self, index: LineIndex, first: int, count: int) -> list[str]:
        """Up to `count` decoded lines from line `first` on (fewer at the end or on trouble)."""
        last = min(first + count - 1, index.total_lines)
        first = max(first, 1)
        if first > last or not index.readable:
            return []
        out: list[str] = []
        span = (first - 1) // SPAN_LINES
        while first <= last:
            base = span * SPAN_LINES + 1
            lines = self._span(index, span)
            wanted = min(last, base + SPAN_LINES - 1) - first + 1
            got = lines[first - base : first - base + wanted]
            out.extend(got)
            if len(got) < wanted:
                break
            first += wanted
            span += 1
        return out

    def line(self, index: LineIndex, number: int) -> str | None:
        """Line `number`, or None when it cannot be read."""
        lines = self.read_lines(index, number, 1)
        return lines[0] if lines else None

    def _sync(self, index: LineIndex) -> None:
        """Drop what was read in an earlier epoch, and reopen the path (it may name a new file)."""
        if index.epoch != self._epoch:
            self.close()
            self._epoch = index.epoch

    def _span(self, index: LineIndex, span: int) -> list[str]:
        self._sync(index)
        base = span * SPAN_LINES + 1
        wanted = min(SPAN_LINES, index.total_lines - base + 1)
        cached = self._spans.get(span)
        if cached is not None and len(cached) >= wanted:
            self._spans.move_to_end(span)
            return cached
        lines = [decode_line(raw) for raw in self.read_raw(index, base, wanted)]
        if len(lines) == wanted:
            if cached is not None:
                self._chars -= sum(map(len, cached))
            self._spans[span] = lines
            self._spans.move_to_end(span)
            self._chars += sum(map(len, lines))
            while len(self._spans) > 1 and (
                len(self._spans) > self._cache_spans or self._chars > self._cache_chars
            ):
                _, dropped = self._spans.popitem(last=False)
                self._chars -= sum(map(len, dropped))
        return lines

    def read_raw(self, index: LineIndex, first: int, count: int) -> list[bytes]:
        """Up to `count` lines' bytes from line `first` on, without newlines, cut like ingest."""
        offset = self.seek_line(index, first)
        if offset is None:
            return []
        splitter = LineSplitter(first_line=first, offset=offset, max_line=self.max_line)
        out: list[bytes] = []
        block = _READ_BLOCK
        while len(out) < count:
            data = self.read_at(offset, block)
            if not data:
                tail = splitter.flush()
                if tail:
                    out.append(tail)
                break
            offset += len(data)
            whole = splitter.feed(data)
            if whole:
                need = count - len(out)
                parts = whole.split(b"\n", need)  # split no further than the lines wanted
                if len(parts) > need:
                    del parts[need:]
                else:
                    parts.pop()  # what follows the block's last newline: nothing
                out.extend(parts)
            block = min(block * 2, _MAX_READ_BLOCK)
        return out

    def seek_line(self, index: LineIndex, line: int) -> int | None:
        """Byte offset where `line` starts, read forward from the checkpoint before it; None
        when the file ends first. Checkpoints found on the way are given to the index."""
        self._sync(index)
        epoch = index.epoch
        position, at = index.locate(line)
        while at < line:
            data = self.read_at(position, _SEEK_BLOCK)
            if not data:
                return None
            newlines = data.count(b"\n")
            if at + newlines < line:
                if newlines:
                    at += newlines
                    index.learn(at, position + data.rfind(b"\n") + 1, epoch)
                position += len(data)
                continue
            end = -1
            for _ in range(line - at):
                end = data.find(b"\n", end + 1)
            position += end + 1
            at = line
            index.learn(line, position, epoch)
        return position

    def read_at(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset`; empty at the end of the file or on any error."""
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                self.problem = f"{self.path}: {(exc.strerror or str(exc)).lower()}"
                return b""
        try:
            data = os.pread(self._fd, size, offset)
        except OSError as exc:
            self.problem = f"{self.path}: {(exc.strerror or str(exc)).lower()}"
            self.close()
            return b""
        if data:
            self.problem = ""
        return data
