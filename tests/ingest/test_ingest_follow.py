"""follow_sources: files and pipes followed together, live, until stopped or ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from testtriage.core.ingest import IngestItem, NoticeKind, SourceNotice, SourceSpec, follow_sources

if TYPE_CHECKING:
    from conftest import Helpers


class Collector:
    """Runs `follow_sources` in a task and keeps everything it yields."""

    def __init__(self, specs: Iterable[SourceSpec], **options: object) -> None:
        self.items: list[IngestItem] = []
        self.batches = 0
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self._run(list(specs), options))

    async def _run(self, specs: list[SourceSpec], options: dict[str, object]) -> None:
        async with contextlib.aclosing(
            follow_sources(specs, stop=self.stop, **options)  # type: ignore[arg-type]
        ) as batches:
            async for batch in batches:
                assert batch
                self.items.extend(batch)
                self.batches += 1

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 5)


def start_pipe_writer(lines: list[bytes]) -> tuple[int, threading.Thread]:
    """A pipe whose write end a thread fills with `lines`, then closes; returns the read end."""
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for line in lines:
                pipe.write(line)

    writer = threading.Thread(target=write)
    writer.start()
    return read_end, writer


async def test_appended_lines_are_yielded_while_a_writer_runs_until_stop(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"line 0\n")
    collector = Collector([SourceSpec(str(log))])
    with log.open("ab", buffering=0) as writer:
        for number in range(1, 200):
            writer.write(b"line %d\n" % number)
            if number % 20 == 0:
                await asyncio.sleep(0.002)
    await helpers.eventually(lambda: len(helpers.texts(collector.items)) == 200)
    await collector.finish()
    assert helpers.numbered_lines(collector.items) == [
        (str(log), number + 1, b"line %d" % number) for number in range(200)
    ]
    assert helpers.kinds(collector.items) == [NoticeKind.OPENED]


async def test_rotation_and_a_directory_created_late_are_followed(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "ci" / "shard-1" / "test.log"
    collector = Collector([SourceSpec(str(log))])
    await helpers.eventually(lambda: NoticeKind.WAITING in helpers.kinds(collector.items))
    log.parent.mkdir(parents=True)
    log.write_bytes(b"first file\n")
    await helpers.eventually(lambda: b"first file" in helpers.texts(collector.items))
    with log.open("ab") as writer:
        os.rename(log, log.with_suffix(".log.1"))
        log.write_bytes(b"second file\n")
        writer.write(b"first file, last line\n")
    await helpers.eventually(lambda: b"second file" in helpers.texts(collector.items))
    await collector.finish()
    assert helpers.texts(collector.items) == [
        b"first file",
        b"first file, last line",
        b"second file",
    ]
    assert helpers.kinds(collector.items) == [
        NoticeKind.WAITING,
        NoticeKind.OPENED,
        NoticeKind.ROTATED,
    ]


async def test_change_events_alone_deliver_appends_even_under_node_modules(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "node_modules" / ".cache" / "vitest.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(b"")
    # The periodic poll is pushed out of the test's time, so only the watcher can wake it.
    collector = Collector([SourceSpec(str(log))], poll_interval=60)
    await helpers.eventually(lambda: collector.items)

    async def append_and_see(line: bytes) -> None:
        with log.open("ab") as writer:
            writer.write(line + b"\n")
        await helpers.eventually(lambda: line in helpers.texts(collector.items))

    for number in range(3):
        await append_and_see(b"event %d" % number)
    await collector.finish()
    assert helpers.texts(collector.items) == [b"event 0", b"event 1", b"event 2"]


async def test_a_pipe_alone_ends_the_follow_at_its_end(helpers: type[Helpers]) -> None:
    read_end, writer = start_pipe_writer([b"line %d\n" % n for n in range(500)] + [b"tail"])
    try:
        items = [
            item async for batch in follow_sources([SourceSpec("-", fd=read_end)]) for item in batch
        ]
    finally:
        writer.join()
        os.close(read_end)
    assert helpers.kinds(items) == [NoticeKind.OPENED, NoticeKind.EOF]
    lines = helpers.numbered_lines(items)
    assert [number for _, number, _ in lines] == list(range(1, 502))
    assert lines[-1] == ("stdin", 501, b"tail")


async def test_missing_and_binary_sources_do_not_hold_up_the_others(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(b"")
    blob = tmp_path / "blob.log"
    blob.write_bytes(bytes(range(256)) * 40)
    missing = tmp_path / "missing.log"
    read_end, writer = start_pipe_writer([b"from the pipe\n"])
    specs = [SourceSpec(str(missing)), SourceSpec(str(blob)), SourceSpec("-", fd=read_end)]
    collector = Collector([*specs, SourceSpec(str(good))])
    good.write_bytes(b"from the file\n")
    await helpers.eventually(lambda: len(helpers.texts(collector.items)) == 2)
    await collector.finish()
    writer.join()
    os.close(read_end)
    assert sorted(helpers.texts(collector.items)) == [b"from the file", b"from the pipe"]
    notices = {
        (item.source, item.kind) for item in collector.items if isinstance(item, SourceNotice)
    }
    assert (str(missing), NoticeKind.WAITING) in notices
    assert (str(blob), NoticeKind.BINARY) in notices
    assert ("stdin", NoticeKind.EOF) in notices


async def test_from_end_skips_what_was_there_before(tmp_path: Path, helpers: type[Helpers]) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"old\n" * 10)
    collector = Collector([SourceSpec(str(log))], from_end=True)
    await helpers.eventually(lambda: collector.items)
    with log.open("ab") as writer:
        writer.write(b"new\n")
    await helpers.eventually(lambda: helpers.texts(collector.items))
    await collector.finish()
    assert helpers.numbered_lines(collector.items) == [(str(log), 11, b"new")]


async def test_cancelling_the_consumer_stops_the_watcher_and_reader_threads(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    before = set(threading.enumerate())
    log = tmp_path / "test.log"
    log.write_bytes(b"x\n")
    read_end, write_end = os.pipe()
    collector = Collector([SourceSpec(str(log)), SourceSpec("-", fd=read_end)])
    await helpers.eventually(lambda: helpers.texts(collector.items))
    collector.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await collector.task
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("testtriage")]
    os.close(write_end)
    os.close(read_end)
    await helpers.eventually(lambda: set(threading.enumerate()) <= before | _idle_pool_threads())


def _idle_pool_threads() -> set[threading.Thread]:
    """Worker threads an event loop keeps for later `to_thread` calls; they are not leaks."""
    return {thread for thread in threading.enumerate() if thread.name.startswith("AnyIO worker")}


def test_it_runs_in_an_event_loop_of_a_worker_thread(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    before = set(threading.enumerate())
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    read_end, writer = start_pipe_writer([b"piped\n"])
    seen: list[IngestItem] = []
    failures: list[BaseException] = []

    async def follow() -> None:
        stop = asyncio.Event()
        async for batch in follow_sources(
            [SourceSpec(str(log)), SourceSpec("-", fd=read_end)], stop=stop
        ):
            seen.extend(batch)
            if len(helpers.texts(seen)) == 2:
                stop.set()

    def run() -> None:
        try:
            asyncio.run(follow())
        except BaseException as exc:  # handed to the test thread
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    helpers.wait_for(lambda: NoticeKind.OPENED in helpers.kinds(seen))
    with log.open("ab") as handle:
        handle.write(b"written\n")
    worker.join(timeout=10)
    writer.join()
    os.close(read_end)
    assert not worker.is_alive() and not failures
    assert sorted(helpers.texts(seen)) == [b"piped", b"written"]
    helpers.wait_for(lambda: set(threading.enumerate()) <= before)
