"""What ingest hands to the rest of the core: blocks of whole lines, and notices about sources."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MAX_LINE_BYTES = 65_536
"""Bytes of one line kept; the rest of a longer line is skipped (counted, never held)."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source to read: a file path, or `-` for standard input (optionally from another fd)."""

    path: str
    label: str = ""
    """How reports name it; defaults to the path as given."""
    fd: int | None = None
    """For `-`: the file descriptor to read instead of 0 (the TUI moves the pipe off stdin)."""

    @property
    def name(self) -> str:
        """The label reports and screens show: a file name is log-controlled text too, so its
        control characters (an escape sequence in a name) are made visible, never sent."""
        name = self.label or ("stdin" if self.path == "-" else self.path)
        return _CONTROL_RE.sub("?", name) if _CONTROL_RE.search(name) else name

    @property
    def is_stdin(self) -> bool:
        return self.path == "-"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines read from one source, in order.

    `data` holds complete lines, each ending in `\\n`, except the last line of a source that
    ended without one (flushed at the end of a non-following read). A line longer than
    `MAX_LINE_BYTES` arrives cut, with `TRUNCATION_MARKER` (UTF-8) appended.
    """

    source: str
    data: bytes
    first_line: int
    """1-based number of the first line of `data` in its file."""
    offset: int
    """Byte offset of `data` in the file (for reading lines back on demand); -1 for a pipe."""
    consumed: int = -1
    """Bytes of the source this chunk accounts for, the skipped rest of a cut line included
    (-1: just `len(data)`)."""
    starts: Sequence[int] | None = None
    """Where candidate lines start in `data`, when a helper found them ahead of time (see
    `core.prescan`); None: the pipeline scans `data` itself."""

    @property
    def size(self) -> int:
        """How far this chunk advanced through the source, in bytes."""
        return self.consumed if self.consumed >= 0 else len(self.data)


class NoticeKind(StrEnum):
    """What happened to a source."""

    OPENED = "opened"
    WAITING = "waiting"
    """The path does not exist yet; it is being waited for."""
    TRUNCATED = "truncated"
    """The file shrank below what was read: a new run is being written. Reading restarts at 0."""
    ROTATED = "rotated"
    """The path now names another file (rename + create, delete + recreate). The old file was
    read to its end; the new one is read from its start, line numbers restarting at 1."""
    ERROR = "error"
    """The source cannot be read (missing, a directory, no permission, vanished). `message` says
    why in one line. What was read before stays valid."""
    BINARY = "binary"
    """The file looks binary; it is not read further."""
    LOSS = "loss"
    """Bytes could not be read (e.g. the file was truncated and regrown between two reads);
    `message` says how many, so the user is told rather than misled."""
    EOF = "eof"
    """The source ended (a pipe closed, or a non-following read reached the end)."""


@dataclass(frozen=True, slots=True)
class SourceNotice:
    """An event in a source's life that the user should see."""

    source: str
    kind: NoticeKind
    message: str = ""


IngestItem = Chunk | SourceNotice
