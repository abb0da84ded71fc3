"""A line is never attributed to the wrong source or line, reading or following two files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time

from _property_support import (
    MARKER_LINES,
    property_settings,
)
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.findings import Occurrence, clip
from testtriage.core.ingest import (
    Chunk,
    IngestItem,
    SourceSpec,
    follow_sources,
    read_sources,
)
from testtriage.core.records import decode_line, strip_ansi
from testtriage.core.session import build_engine
from testtriage.core.triage import Triage

TRIAGE = Triage(build_engine())
"""One long-lived pipeline; every example reads files of its own (unique paths)."""

error_lines = st.builds(
    lambda word, number: f"ERROR: {word} failed at step {number}".encode(),
    st.sampled_from(["payment", "login", "upload", "sync"]),
    st.integers(0, 10**6),
)
file_lines = st.lists(
    st.one_of(
        error_lines,
        st.sampled_from(MARKER_LINES).map(str.encode),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.encode),
        st.sampled_from([b"", b"\x1b[31mERROR: coloured\x1b[0m", b"ERROR: caf\xc3 \xff", b"\r"]),
    ),
    max_size=40,
)


def file_text(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def check_chunks(items: list[IngestItem], files: dict[str, list[bytes]]) -> None:
    """Each chunk's lines are the lines of the file it names, at the numbers it gives."""
    for item in items:
        if not isinstance(item, Chunk):
            continue
        parts = item.data.split(b"\n")
        if item.data.endswith(b"\n"):
            parts.pop()
        for number, line in enumerate(parts, item.first_line):
            assert files[item.source][number - 1] == line, (item.source, number)


def check_occurrences(occurrences: list[Occurrence], files: dict[str, list[bytes]]) -> None:
    """Every tagged error points at the file and line whose text it shows."""
    for occurrence in occurrences:
        location = occurrence.location
        if not location.source:
            continue  # a failure with no error line of its own has no location
        assert location.source in files, location
        lines = files[location.source]
        assert 1 <= location.line <= len(lines), location
        shown = clip(strip_ansi(decode_line(lines[location.line - 1])))
        if occurrence.text == shown:
            continue
        # A failure with no error line of its own points at the line its block began on,
        # which names the failing test, and shows a message made for it.
        assert occurrence.rule.id == "unknown", (location, occurrence.text, shown)
        key = occurrence.context.key if occurrence.context else None
        assert key is not None, location
        assert key.name.split(" > ")[-1] in shown, (location, key, shown)
        assert occurrence.text == f"{key} failed with no error output", occurrence.text


def occurrences_of(items: list[IngestItem]) -> list[Occurrence]:
    found = [o for batch in TRIAGE.feed(items) for o in batch.occurrences]
    found += list(TRIAGE.finish().occurrences)
    return found


@property_settings(150)
@given(first=file_lines, second=file_lines, chunk_size=st.integers(1, 64))
def test_reading_two_files_together_attributes_every_line_and_error_to_its_file(
    first: list[bytes], second: list[bytes], chunk_size: int
) -> None:
    """`read_sources` over two files (reads of a few bytes, so chunks are small and many):
    chunks and every occurrence the pipeline tags name the right file and line."""
    with tempfile.TemporaryDirectory() as directory:
        paths = [os.path.join(directory, name) for name in ("a.log", "b.log")]
        files = dict(zip(paths, (first, second), strict=True))
        for path, lines in files.items():
            with open(path, "wb") as out:
                out.write(file_text(lines))
        items = list(read_sources([SourceSpec(p) for p in paths], chunk_size=chunk_size))
        check_chunks(items, files)
        check_occurrences(occurrences_of(items), files)


async def follow_while_writing(files: dict[str, list[bytes]], order: list[int]) -> list[IngestItem]:
    """Follow both files while their lines are appended in the interleaving `order`."""
    items: list[IngestItem] = []
    stop = asyncio.Event()
    paths = list(files)
    wanted = {path: len(lines) for path, lines in files.items()}
    got = dict.fromkeys(paths, 0)

    async def collect() -> None:
        batches = follow_sources([SourceSpec(p) for p in paths], stop=stop, poll_interval=0.01)
        async with contextlib.aclosing(batches):
            async for batch in batches:
                items.extend(batch)
                for item in batch:
                    if isinstance(item, Chunk):
                        got[item.source] += item.data.count(b"\n")

    task = asyncio.create_task(collect())
    handles = {path: open(path, "ab", buffering=0) for path in paths}  # noqa: SIM115
    try:
        cursor = dict.fromkeys(paths, 0)
        for pick in order:
            path = paths[pick % 2]
            if cursor[path] < len(files[path]):
                handles[path].write(files[path][cursor[path]] + b"\n")
                cursor[path] += 1
            await asyncio.sleep(0)
        for path in paths:
            handles[path].write(file_text(files[path][cursor[path] :]))
        deadline = time.monotonic() + 10
        while got != wanted:
            assert time.monotonic() < deadline, (got, wanted)
            await asyncio.sleep(0.005)
    finally:
        for handle in handles.values():
            handle.close()
        stop.set()
        await asyncio.wait_for(task, 10)
    return items


@property_settings(25)
@given(
    first=file_lines,
    second=file_lines,
    order=st.lists(st.integers(0, 1), max_size=80),
)
def test_following_two_files_written_in_turns_attributes_every_line_to_its_file(
    first: list[bytes], second: list[bytes], order: list[int]
) -> None:
    """`follow_sources` over two files appended line by line in a random interleaving: every
    chunk's lines, and every occurrence tagged from them, name the file and line they are on."""
    with tempfile.TemporaryDirectory() as directory:
        files = {
            os.path.join(directory, "a.log"): first,
            os.path.join(directory, "b.log"): second,
        }
        for path in files:
            open(path, "wb").close()
        items = asyncio.run(follow_while_writing(files, order))
        check_chunks(items, files)
        assert sum(item.data.count(b"\n") for item in items if isinstance(item, Chunk)) == len(
            first
        ) + len(second)
        check_occurrences(occurrences_of(items), files)
