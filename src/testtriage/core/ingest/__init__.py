"""Ingest: turning files, pipes and commands into ordered blocks of whole lines and notices."""

import importlib
from typing import TYPE_CHECKING, Any

from testtriage.core.ingest.chunks import (
    MAX_LINE_BYTES,
    Chunk,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
)
from testtriage.core.ingest.follower import FileFollower, looks_binary
from testtriage.core.ingest.lines import LineSplitter
from testtriage.core.ingest.read import read_sources
from testtriage.core.ingest.sources import SourceError, expand_sources
from testtriage.core.ingest.stdin import PipeFollower, read_pipe

if TYPE_CHECKING:
    from testtriage.core.ingest.command import CommandError, CommandRun
    from testtriage.core.ingest.follow import follow_sources

_LAZY = {
    "CommandError": "testtriage.core.ingest.command",
    "CommandRun": "testtriage.core.ingest.command",
    "follow_sources": "testtriage.core.ingest.follow",
}
"""Loaded on first use: following needs asyncio and watchfiles, running a command pty and
subprocess, and a one-pass summary needs none of them (start-up time)."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "MAX_LINE_BYTES",
    "Chunk",
    "CommandError",
    "CommandRun",
    "FileFollower",
    "IngestItem",
    "LineSplitter",
    "NoticeKind",
    "PipeFollower",
    "SourceError",
    "SourceNotice",
    "SourceSpec",
    "expand_sources",
    "follow_sources",
    "looks_binary",
    "read_pipe",
    "read_sources",
]
