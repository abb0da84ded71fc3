"""Reading every source once, in turn, from its start to its end (the non-following mode)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from testtriage.core.ingest.chunks import IngestItem, SourceSpec
from testtriage.core.ingest.follower import FileFollower
from testtriage.core.ingest.stdin import read_pipe


def read_sources(
    specs: Iterable[SourceSpec], *, from_end: bool = False, chunk_size: int = 1 << 20
) -> Iterator[IngestItem]:
    """Read each source to its end: OPENED, chunks, then EOF, or a single ERROR or BINARY.

    A source that fails does not stop the next ones. A partial last line comes as a line of
    its own, without a newline.
    """
    for spec in specs:
        if spec.is_stdin:
            yield from read_pipe(spec, chunk_size=chunk_size)
            continue
        follower = FileFollower(spec, follow=False, from_end=from_end, chunk_size=chunk_size)
        try:
            while not follower.ended:
                yield from follower.poll()
        finally:
            follower.close()
