"""Splitting successive byte reads of one stream into whole lines, with overlong lines cut short."""

from __future__ import annotations

from testtriage.core.ingest.chunks import MAX_LINE_BYTES
from testtriage.core.records import TRUNCATION_MARKER

_MARKER = TRUNCATION_MARKER.encode()


class LineSplitter:
    """Turns successive reads of one stream into blocks of whole lines.

    A trailing partial line is held until its newline arrives. A line longer than `max_line`
    bytes keeps its first `max_line` bytes plus the truncation marker; the rest of it is counted
    in `skipped_bytes` and dropped as it arrives, so memory stays bounded whatever the input.
    Line endings are kept as they are (`\\r\\n` included).
    """

    __slots__ = (
        "_fed",
        "_held",
        "_max_line",
        "_skipping",
        "next_line",
        "next_offset",
        "skipped_bytes",
    )

    def __init__(
        self, *, first_line: int = 1, offset: int = 0, max_line: int = MAX_LINE_BYTES
    ) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self._max_line = max_line
        self._held = b""
        self._skipping = False
        """The held line already passed `max_line`: its remaining bytes are being dropped."""
        self._fed = offset
        self.next_line = first_line
        """Number of the line that the next returned bytes start with."""
        self.next_offset = offset
        """Input offset where that line starts (cut lines still count their full length)."""
        self.skipped_bytes = 0
        """Bytes dropped from overlong lines so far."""

    @property
    def holding(self) -> bool:
        """Whether a partial line is being held."""
        return bool(self._held)

    def feed(self, data: bytes) -> bytes:
        """Add one read; return the whole lines it completes (maybe none), each ending in `\\n`."""
        base = self._fed
        self._fed += len(data)
        parts: list[bytes | memoryview] = []
        start = self._complete_held(data, parts)
        if start < 0:
            return b""
        tail_start = self._split(data, start, parts)
        self.next_offset = base + tail_start
        lines = data if len(parts) == 1 and parts[0] is data else b"".join(parts)
        self.next_line += lines.count(b"\n")
        return lines

    def flush(self) -> bytes:
        """Return the held partial line (marked if it was cut), without a newline, and forget it."""
        if not self._held:
            return b""
        line = self._held + _MARKER if self._skipping else self._held
        self._held = b""
        self._skipping = False
        self.next_line += 1
        self.next_offset = self._fed
        return line

    def _complete_held(self, data: bytes, parts: list[bytes | memoryview]) -> int:
        """Extend the held line with `data`; return where in `data` the next line starts, or -1."""
        held = self._held
        if not held:
            return 0
        if self._skipping:
            newline = data.find(b"\n")
            if newline < 0:
                self.skipped_bytes += len(data)
                return -1
            self.skipped_bytes += newline
            parts.append(held + _MARKER + b"\n")
        else:
            room = self._max_line - len(held)
            newline = data.find(b"\n", 0, room + 1)
            if newline >= 0:
                parts.append(held + data[: newline + 1])
            elif len(data) <= room:
                self._held = held + data
                return -1
            else:
                self._held = held + data[:room]
                self._skipping = True
                newline = data.find(b"\n", room)
                if newline < 0:
                    self.skipped_bytes += len(data) - room
                    return -1
                self.skipped_bytes += newline - room
                parts.append(self._held + _MARKER + b"\n")
        self._held = b""
        self._skipping = False
        return newline + 1

    def _split(self, data: bytes, pos: int, parts: list[bytes | memoryview]) -> int:
        """Append the whole lines of `data[pos:]` to `parts`, hold the rest; return where it starts.

        Jumps from newline to newline with `rfind` over windows of `max_line + 1` bytes, so a
        block of short lines costs a few scans per window instead of one step per line.
        """
        limit = self._max_line
        size = len(data)
        view = memoryview(data)
        run_start = pos
        while size - pos > limit + 1:
            newline = data.rfind(b"\n", pos, pos + limit + 1)
            if newline >= 0:
                pos = newline + 1
                continue
            # The line at `pos` is longer than the limit: keep its head, drop the rest.
            if pos > run_start:
                parts.append(view[run_start:pos])
            cut_end = pos + limit
            newline = data.find(b"\n", cut_end)
            if newline < 0:
                self._held = data[pos:cut_end]
                self._skipping = True
                self.skipped_bytes += size - cut_end
                return pos
            parts.append(data[pos:cut_end] + _MARKER + b"\n")
            self.skipped_bytes += newline - cut_end
            pos = run_start = newline + 1
        # At most `limit + 1` bytes remain: only the last line among them can be open or too long.
        newline = data.rfind(b"\n", pos)
        end = newline + 1 if newline >= 0 else pos
        if run_start == 0 and end == size:
            parts.append(data)
        elif end > run_start:
            parts.append(view[run_start:end])
        tail = data[end:]
        if len(tail) > limit:
            self._held = tail[:limit]
            self._skipping = True
            self.skipped_bytes += len(tail) - limit
        else:
            self._held = tail
        return end
