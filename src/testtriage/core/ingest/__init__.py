"""Ingest: turning files, pipes and commands into ordered blocks of whole lines and notices."""

from testtriage.core.ingest.chunks import (
    MAX_LINE_BYTES,
    Chunk,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
)
from testtriage.core.ingest.command import CommandError, CommandRun
from testtriage.core.ingest.follow import follow_sources
from testtriage.core.ingest.follower import FileFollower, looks_binary
from testtriage.core.ingest.lines import LineSplitter
from testtriage.core.ingest.read import read_sources
from testtriage.core.ingest.sources import SourceError, expand_sources
from testtriage.core.ingest.stdin import PipeFollower, read_pipe

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
