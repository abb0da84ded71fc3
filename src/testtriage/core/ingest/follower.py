"""Following one log file by its path: appends, truncation, rewrites, rotation and late arrival."""

from __future__ import annotations

import errno
import os
import stat
import time

from testtriage.core.ingest.chunks import (
    MAX_LINE_BYTES,
    Chunk,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
)
from testtriage.core.ingest.lines import LineSplitter

SNIFF_BYTES = 8192
"""How much of a file's start is looked at to tell text from binary."""
SAMPLE_BYTES = 64
"""Bytes remembered at the file's start and just before the read offset, to notice rewrites."""
_NON_TEXT = bytes(sorted(set(range(0x20)) - set(b"\t\n\v\f\r\b\x1b"))) + b"\x7f"
"""Control bytes that text logs do not contain (ESC is not one: it starts ANSI colour codes)."""
_MISSING = (errno.ENOENT, errno.ENOTDIR)


def looks_binary(sample: bytes) -> bool:
    """Whether the first bytes of a file say it is not a text log.

    Binary means NULs or other control bytes that text does not use, in 5 % of the sample or
    more and more than a stray few (random or compressed data has about 10 %). UTF-16 text (a
    BOM, or NULs on every other byte) is not binary; nor are isolated NULs or invalid UTF-8 in
    a text log (the record layer replaces them), nor legacy 8-bit encodings.
    """
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(sample):
        return False
    non_text = len(sample) - len(sample.translate(None, _NON_TEXT))
    return non_text > 3 and non_text * 20 >= len(sample)


def _looks_utf16(sample: bytes) -> bool:
    """NULs almost only at even or only at odd positions: UTF-16 text of mostly ASCII."""
    half = len(sample) // 2
    if half == 0:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    mostly, hardly = half * 0.6, half * 0.05
    return (odd >= mostly and even <= hardly) or (even >= mostly and odd <= hardly)


RETIRED_GRACE = 30.0
"""Seconds a rotated file is watched for late writes after it last grew."""


class FileFollower:
    """Reads one file source by path, a bounded amount per `poll()`.

    Following (the default), the path is checked on every poll, like `tail -F`:

    - a missing path gives one WAITING notice, and the file is opened when it appears;
    - a file that shrank below the read offset gives TRUNCATED, and reading restarts at 0 with
      line 1. A file rewritten in place (copytruncate, or `> log` before the next poll read the
      old size) is noticed when its first bytes, or the bytes just before the read offset,
      changed. A rewrite that reproduces both exactly (a deterministic run repeating the same
      output) cannot be told from an append and is read on as one;
    - when the path names another file (rename + create, delete + recreate), the old file is
      read to its end, its partial last line is given as a line, then ROTATED and the new file
      from offset 0 with line 1. A deleted path keeps the old file being read until a new one
      appears;
    - a path that turns into a directory or something unreadable gives one ERROR, and polling
      goes on in case it comes back.

    Not following, the file is read once from the start to its end: OPENED, chunks, EOF (or one
    ERROR/BINARY), and `ended` becomes true.

    With `from_end`, a file that exists at the first poll is read from after its last whole
    line. Line numbers stay true to the file: the lines skipped are counted once at open, which
    reads the skipped part sequentially (about a second per few GB from the page cache).
    """

    def __init__(
        self,
        spec: SourceSpec,
        *,
        follow: bool = True,
        from_end: bool = False,
        chunk_size: int = 1 << 20,
        max_bytes: int = 8 << 20,
    ) -> None:
        self.spec = spec
        self.path = os.path.abspath(spec.path)
        """Absolute path, the way file-change events name it."""
        self._name = spec.name
        self._follow = follow
        self._from_end = from_end
        self._chunk_size = chunk_size
        self._max_bytes = max_bytes
        self._fd: int | None = None
        self._identity = (0, 0)
        self._offset = 0
        self._seen_size = 0
        self._splitter = LineSplitter()
        self._sniffed = False
        self._head = b""
        self._tail = b""
        self._replaced = False
        self._opened_before = False
        self._problem: str | None = None
        """The path trouble last reported, so that it is reported once, not on every poll."""
        self._retired: tuple[int, int, float] | None = None
        """The file the path named before a rotation: (fd, size read, last growth time)."""
        self.pending = False
        """The last poll stopped at its byte budget: more is ready to be read now."""
        self.ended = False
        """Nothing more will come from this source."""

    def poll(self) -> list[IngestItem]:
        """Read what is new, up to about `max_bytes`; return chunks and notices in order.

        An empty list means nothing more is ready now; otherwise `pending` tells whether more
        was left for the next call.
        """
        items: list[IngestItem] = []
        if self.ended:
            return items
        self.pending = False
        try:
            if self._fd is None:
                self._open(items)
                self._from_end = False
            elif self._follow:
                self._check_path(items)
            self._read_all(items)
            if self._retired is not None:
                self._check_retired(items)
        except OSError as exc:
            self._report_os_error(items, "read", exc)
        return items

    def close(self) -> None:
        """Release the file; the follower reads nothing more."""
        self._close_fd()
        self._drop_retired()
        self.ended = True

    def _check_retired(self, items: list[IngestItem]) -> None:
        """A writer may keep appending to the rotated file until it reopens its log (logrotate's
        `create` then a late SIGHUP): those bytes belong before the new file's, where they can
        no longer go, so they are reported as a loss rather than dropped in silence."""
        assert self._retired is not None
        fd, known, since = self._retired
        size = os.fstat(fd).st_size
        now = time.monotonic()
        if size > known:
            message = (
                f"{size - known} bytes were written to the rotated file after the switch to the "
                "new one and were not read"
            )
            items.append(SourceNotice(self._name, NoticeKind.LOSS, message))
            self._retired = (fd, size, now)
        elif now - since > RETIRED_GRACE:
            self._drop_retired()

    def _drop_retired(self) -> None:
        if self._retired is not None:
            os.close(self._retired[0])
            self._retired = None

    def _open(self, items: list[IngestItem]) -> None:
        try:
            fd = os.open(self.spec.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno in _MISSING:
                if self._follow:
                    message = f"waiting for {self.spec.path}"
                    self._report(items, "missing", NoticeKind.WAITING, message)
                else:
                    message = f"no such file: {self.spec.path}"
                    self._report(items, "missing", NoticeKind.ERROR, message)
            else:
                self._report_os_error(items, "open", exc)
            return
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            self._report_not_regular(items, info.st_mode)
            return
        self._fd = fd
        self._identity = (info.st_dev, info.st_ino)
        self._problem = None
        self._replaced = False
        self._sniffed = False
        self._restart_at(0, first_line=1)
        self._seen_size = info.st_size
        if self._opened_before:
            items.append(SourceNotice(self._name, NoticeKind.ROTATED, "reading the new file"))
        else:
            items.append(SourceNotice(self._name, NoticeKind.OPENED, self.spec.path))
        self._opened_before = True
        if self._from_end and info.st_size:
            self._start_after_last_line(fd, info.st_size)

    def _start_after_last_line(self, fd: int, size: int) -> None:
        window = min(size, MAX_LINE_BYTES)
        last_newline = os.pread(fd, window, size - window).rfind(b"\n")
        start = size - window + last_newline + 1 if last_newline >= 0 else size
        lines_before = 0
        position = 0
        while position < start:
            block = os.pread(fd, min(self._chunk_size, start - position), position)
            if not block:
                break
            lines_before += block.count(b"\n")
            position += len(block)
        self._restart_at(start, first_line=lines_before + 1)
        self._tail = os.pread(fd, min(start, SAMPLE_BYTES), start - min(start, SAMPLE_BYTES))

    def _restart_at(self, offset: int, *, first_line: int) -> None:
        self._offset = offset
        self._splitter = LineSplitter(first_line=first_line, offset=offset)
        self._head = b""
        self._tail = b""

    def _check_path(self, items: list[IngestItem]) -> None:
        """Compare the path with the open file: replaced, gone, or the same file (maybe cut)."""
        try:
            info = os.stat(self.spec.path)
        except OSError as exc:
            if exc.errno not in _MISSING:
                self._report_os_error(items, "stat", exc)
            # Gone (deleted or renamed away): keep reading the old file until a new one appears.
            self._check_content(items)
            return
        if not stat.S_ISREG(info.st_mode):
            self._report_not_regular(items, info.st_mode, now=True)
            self._check_content(items)
        elif (info.st_dev, info.st_ino) != self._identity:
            self._replaced = True
        else:
            self._problem = None
            self._check_content(items)

    def _check_content(self, items: list[IngestItem]) -> None:
        """Notice a truncation, or a rewrite in place, of the open file."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        if size < self._offset:
            self._restart_run(items, "truncated; reading it again from line 1")
        elif size > self._offset and self._rewritten():
            self._restart_run(items, "rewritten in place; reading it again from line 1")
        self._seen_size = size

    def _rewritten(self) -> bool:
        assert self._fd is not None
        head, tail = self._head, self._tail
        if head and os.pread(self._fd, len(head), 0) != head:
            return True
        return bool(tail) and os.pread(self._fd, len(tail), self._offset - len(tail)) != tail

    def _restart_run(self, items: list[IngestItem], message: str) -> None:
        self._flush(items)
        unread = self._seen_size - self._offset
        if unread > 0:
            lost = f"{unread} bytes written before the truncation were not read"
            items.append(SourceNotice(self._name, NoticeKind.LOSS, lost))
        items.append(SourceNotice(self._name, NoticeKind.TRUNCATED, message))
        self._restart_at(0, first_line=1)

    def _read_all(self, items: list[IngestItem]) -> None:
        budget = self._max_bytes
        while self._fd is not None:
            used, at_end = self._read(items, budget)
            budget -= used
            if self.ended:
                return
            if not at_end:
                if items:
                    self.pending = True
                    return
                # Only skipped bytes of an overlong line so far: an empty answer would read as
                # "nothing new", so read on (memory stays bounded while skipping).
                budget = self._max_bytes
                continue
            if self._replaced:
                self._flush(items)
                self._retire_fd()
                self._open(items)
                continue
            if not self._follow:
                self._flush(items)
                items.append(SourceNotice(self._name, NoticeKind.EOF))
                self.close()
            return

    def _read(self, items: list[IngestItem], budget: int) -> tuple[int, bool]:
        """Read from the offset until the end of the file or of `budget`: (bytes read, at end)."""
        fd = self._fd
        assert fd is not None
        if not self._sniffed:
            sample = os.pread(fd, SNIFF_BYTES, 0)
            if not sample:
                return 0, True
            self._sniffed = True
            if looks_binary(sample):
                message = f"{self._name}: looks like a binary file, not a text log; not read"
                items.append(SourceNotice(self._name, NoticeKind.BINARY, message))
                self.close()
                return 0, True
            if self._offset > 0:
                self._head = sample[:SAMPLE_BYTES]
        used = 0
        while used < budget:
            wanted = min(self._chunk_size, budget - used)
            data = os.pread(fd, wanted, self._offset)
            if data:
                self._take(items, data)
            used += len(data)
            if len(data) < wanted:
                return used, True
        return used, False

    def _take(self, items: list[IngestItem], data: bytes) -> None:
        start = self._offset
        self._offset += len(data)
        known = len(self._head)
        if start <= known < SAMPLE_BYTES:
            self._head += data[known - start : SAMPLE_BYTES - start]
        self._tail = (self._tail + data[-SAMPLE_BYTES:])[-SAMPLE_BYTES:]
        splitter = self._splitter
        first_line, offset = splitter.next_line, splitter.next_offset
        lines = splitter.feed(data)
        if lines:
            consumed = splitter.next_offset - offset
            items.append(Chunk(self._name, lines, first_line, offset, consumed))

    def _flush(self, items: list[IngestItem]) -> None:
        splitter = self._splitter
        first_line, offset = splitter.next_line, splitter.next_offset
        line = splitter.flush()
        if line:
            items.append(Chunk(self._name, line, first_line, offset, splitter.next_offset - offset))

    def _report(self, items: list[IngestItem], key: str, kind: NoticeKind, message: str) -> None:
        """Say what is wrong with the source: once while following, then end if not following."""
        if not self._follow:
            self._flush(items)
            items.append(SourceNotice(self._name, kind, message))
            self.close()
        elif key != self._problem:
            self._problem = key
            items.append(SourceNotice(self._name, kind, message))

    def _report_os_error(self, items: list[IngestItem], step: str, exc: OSError) -> None:
        reason = (exc.strerror or str(exc)).lower()
        self._report(items, f"{step}:{exc.errno}", NoticeKind.ERROR, f"{self._name}: {reason}")

    def _report_not_regular(self, items: list[IngestItem], mode: int, *, now: bool = False) -> None:
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        message = f"{self._name}: is {what}{' now' if now else ''}"
        self._report(items, f"mode:{stat.S_IFMT(mode)}", NoticeKind.ERROR, message)

    def _retire_fd(self) -> None:
        """Stop reading the rotated file, but watch it a while for late writes."""
        if self._fd is None or not self._follow:
            self._close_fd()
            return
        self._drop_retired()
        self._retired = (self._fd, self._offset, time.monotonic())
        self._fd = None

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
