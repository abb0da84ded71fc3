"""Following logs while something else writes, rotates, truncates and swaps them.

Every scenario writes numbered, checksummed lines and proves through the real follow path
(`follow_sources`, and a `Session` fed from it where that adds value) that each line written
is read exactly once, intact and in order, or that what could not be read is reported as a
LOSS notice with its byte count.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

import pytest
from _fault_support import (
    LiveFollow,
    WriterThread,
    assert_exactly_once,
    assert_numbering_restarts_per_file,
    chunk_lines,
    decode_numbers,
    notices,
    numbered,
    numbered_block,
    shared_engine,
    wait_in_thread,
)

from testtriage.core.ingest import Chunk, FileFollower, IngestItem, NoticeKind, SourceSpec
from testtriage.core.ingest import follower as follower_module
from testtriage.core.session import Session


def drain(follower: FileFollower) -> list[IngestItem]:
    """Poll until nothing more is ready now."""
    items: list[IngestItem] = []
    while batch := follower.poll():
        items.extend(batch)
    return items


def assert_no_trouble(items: list[IngestItem]) -> None:
    for kind in (NoticeKind.LOSS, NoticeKind.ERROR, NoticeKind.BINARY, NoticeKind.TRUNCATED):
        assert notices(items, kind) == [], f"unexpected {kind} notice"


async def test_rotation_mid_stream_reads_every_line_exactly_once(tmp_path: Path) -> None:
    """Rename + create, eight times, while lines keep coming: the lines written to a file just
    before it was renamed are still read (from the renamed file), each new file is read from
    its first line, and the session counts every test once.

    The only coordination is the one any path follower needs: a file is opened before the next
    rotation (logrotate's interval is long next to a poll). Writes are never waited for.
    """
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    rotations, per_file = 8, 400

    def opened(files: int) -> bool:
        return follow.noticed(NoticeKind.OPENED) + follow.noticed(NoticeKind.ROTATED) >= files

    def write() -> None:
        number = 0
        for generation in range(rotations + 1):
            with log.open("ab", buffering=0) as out:
                for _ in range(per_file):
                    out.write(numbered(number, style="vitest"))
                    number += 1
            if generation == rotations:
                return
            wait_in_thread(lambda g=generation: opened(g + 1), "the current file is opened")
            os.rename(log, tmp_path / f"test.log.{generation + 1}")
            log.write_bytes(b"")

    writer = WriterThread(write)
    total = (rotations + 1) * per_file
    await follow.until(lambda: follow.lines(str(log)) >= total, "every line is read")
    await writer.join()
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(total))
    assert len(notices(follow.items, NoticeKind.ROTATED)) == rotations
    assert assert_numbering_restarts_per_file(follow.items, str(log)) == rotations + 1
    assert_no_trouble(follow.items)
    state = session.state
    assert state.counts().passed == total
    assert state.lines == per_file, "after a rotation, lines count the current file"
    assert state.generation == 1, "a rotation is not a new run"


async def test_copytruncate_rotation_reads_every_line_exactly_once_and_starts_new_runs(
    tmp_path: Path,
) -> None:
    """copytruncate (copy the file, then truncate it in place while the writer keeps its
    O_APPEND descriptor), five times. After each truncation the writer at once writes more than
    the old size, so the follower often finds the file already longer than its read offset
    and must tell the rewrite from an append by content; either way the new lines are read
    from line 1, each exactly once, and the session starts a new run (`generation` up,
    `previous` the run before).

    Lines written after the follower's last read but before the copy exist only in the copy,
    which no path follower can see; so, as logrotate does at a quiet moment, each copy happens
    once the lines so far were read.
    """
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    rotations = 5
    sizes = [300 + 150 * generation for generation in range(rotations + 1)]
    starts = [sum(sizes[:generation]) for generation in range(rotations + 1)]
    total = sum(sizes)

    def write() -> None:
        with log.open("ab", buffering=0) as out:
            for generation, size in enumerate(sizes):
                start = starts[generation]
                out.write(numbered_block(range(start, start + size), style="vitest"))
                if generation == rotations:
                    return
                wait_in_thread(
                    lambda end=start + size: follow.lines(str(log)) >= end, "lines so far read"
                )
                shutil.copyfile(log, tmp_path / f"test.log.{generation + 1}")
                os.truncate(log, 0)

    writer = WriterThread(write)
    await follow.until(lambda: follow.lines(str(log)) >= total, "every line is read")
    await writer.join()
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(total))
    assert len(notices(follow.items, NoticeKind.TRUNCATED)) == rotations
    assert notices(follow.items, NoticeKind.LOSS) == []
    assert assert_numbering_restarts_per_file(follow.items, str(log)) == rotations + 1
    state = session.state
    assert state.generation == rotations + 1
    assert state.counts().passed == sizes[-1]
    assert state.lines == sizes[-1]
    assert state.previous is not None
    assert state.previous.counts().passed == sizes[-2]
    assert state.previous.previous is None, "only the run before is kept"


def test_lines_written_to_the_renamed_file_after_the_switch_are_read_or_reported(
    tmp_path: Path,
) -> None:
    """Rename + create while the writer keeps its descriptor on the renamed file for a while:
    what it writes there before the follower switches is read (that part holds today); what it
    writes after must be read too, or reported as lost."""
    log = tmp_path / "test.log"
    log.write_bytes(numbered_block(range(100)))
    follower = FileFollower(SourceSpec(str(log)))
    items = drain(follower)
    with log.open("ab", buffering=0) as old_descriptor:
        os.rename(log, tmp_path / "test.log.1")
        log.write_bytes(b"")
        old_descriptor.write(numbered_block(range(100, 150)))
        items += drain(follower)
        assert notices(items, NoticeKind.ROTATED), "the switch happened"
        old_descriptor.write(numbered_block(range(150, 200)))
        items += drain(follower)
    with log.open("ab", buffering=0) as reopened:
        reopened.write(numbered_block(range(200, 250)))
    items += drain(follower)
    follower.close()

    numbers = decode_numbers(chunk_lines(items))
    assert numbers[:150] == list(range(150))
    assert numbers == list(range(250)) or notices(items, NoticeKind.LOSS), (
        f"{250 - len(numbers)} lines lost silently"
    )


async def test_delete_and_recreate_reads_every_line_exactly_once(tmp_path: Path) -> None:
    """The log is deleted and created again, four times, while it is written: the deleted
    file is read to its end through the open descriptor, the new one from its first line."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    follow = LiveFollow([spec])
    recreations, per_file = 4, 500

    def opened(files: int) -> bool:
        return follow.noticed(NoticeKind.OPENED) + follow.noticed(NoticeKind.ROTATED) >= files

    def write() -> None:
        number = 0
        for generation in range(recreations + 1):
            with log.open("ab", buffering=0) as out:
                for _ in range(per_file):
                    out.write(numbered(number, style="padded"))
                    number += 1
            if generation == recreations:
                return
            wait_in_thread(lambda g=generation: opened(g + 1), "the current file is opened")
            log.unlink()
            log.write_bytes(b"")

    writer = WriterThread(write)
    total = (recreations + 1) * per_file
    await follow.until(lambda: follow.lines(str(log)) >= total, "every line is read")
    await writer.join()
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(total))
    assert len(notices(follow.items, NoticeKind.ROTATED)) == recreations
    assert assert_numbering_restarts_per_file(follow.items, str(log)) == recreations + 1
    assert_no_trouble(follow.items)


async def test_truncation_to_zero_and_regrowth_starts_a_new_run_keeping_the_old_one(
    tmp_path: Path,
) -> None:
    """`> test.log` and a shorter new run: TRUNCATED, no loss, the new run's lines from line 1,
    and the session's `generation` goes to 2 with `previous` holding the first run's counts."""
    log = tmp_path / "test.log"
    log.write_bytes(numbered_block(range(600), style="vitest"))
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    await follow.until(lambda: follow.lines(str(log)) >= 600, "the first run is read")

    log.write_bytes(b"")
    await follow.until(lambda: follow.noticed(NoticeKind.TRUNCATED) == 1, "truncation noticed")
    with log.open("ab", buffering=0) as out:
        for number in range(600, 850):
            out.write(numbered(number, style="vitest"))
    await follow.until(lambda: follow.lines(str(log)) >= 850, "the second run is read")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(850))
    assert notices(follow.items, NoticeKind.LOSS) == []
    assert assert_numbering_restarts_per_file(follow.items, str(log)) == 2
    state = session.state
    assert state.generation == 2
    assert (state.lines, state.counts().passed) == (250, 250)
    assert state.previous is not None
    assert (state.previous.lines, state.previous.counts().passed) == (600, 600)


def test_truncation_regrown_past_the_read_offset_between_polls_is_still_a_new_run(
    tmp_path: Path,
) -> None:
    """Truncated and rewritten with MORE bytes than were read, all before the next poll: the
    size alone looks like an append; the changed first bytes give the rewrite away, so the new
    content is read from its first byte (not from the old offset, which would lose its start)."""
    log = tmp_path / "test.log"
    log.write_bytes(numbered_block(range(100)))
    follower = FileFollower(SourceSpec(str(log)))
    first = drain(follower)
    log.write_bytes(numbered_block(range(100, 400)))
    second = drain(follower)
    follower.close()

    assert decode_numbers(chunk_lines(first)) == list(range(100))
    assert [n.kind for n in notices(second)] == [NoticeKind.TRUNCATED]
    assert_exactly_once(decode_numbers(chunk_lines(second)), range(100, 400))
    assert assert_numbering_restarts_per_file(first + second, str(log)) == 2


def test_truncation_while_a_read_is_unfinished_reports_the_unread_bytes_as_loss(
    tmp_path: Path,
) -> None:
    """A poll reads at most its byte budget. If the file is truncated before the rest was read,
    that rest is gone: a LOSS notice says exactly how many bytes, and what was read plus what
    was lost is the whole old file. The new run is then read from line 1."""
    log = tmp_path / "test.log"
    old = numbered_block(range(2_000), style="padded")
    log.write_bytes(old)
    follower = FileFollower(SourceSpec(str(log)), chunk_size=4096, max_bytes=4096)
    first = follower.poll()
    assert follower.pending, "the budget stopped the first read"
    log.write_bytes(numbered_block(range(5)))
    second = drain(follower)
    follower.close()

    truncated_at = notices_index(second, NoticeKind.TRUNCATED)
    before, after = first + second[:truncated_at], second[truncated_at:]
    assert [n.kind for n in notices(second)] == [NoticeKind.LOSS, NoticeKind.TRUNCATED]
    loss = notices(second, NoticeKind.LOSS)[0]
    assert loss.message == f"{len(old) - 4096} bytes written before the truncation were not read"
    read = b"".join(item.data for item in before if isinstance(item, Chunk))
    assert len(read) == 4096 and old.startswith(read), "read + lost is the whole old file"
    whole = decode_numbers(chunk_lines(first))
    assert whole == list(range(len(whole)))
    assert decode_numbers(chunk_lines(after)) == [0, 1, 2, 3, 4]


def notices_index(items: list[IngestItem], kind: NoticeKind) -> int:
    return next(i for i, item in enumerate(items) if getattr(item, "kind", None) is kind)


async def test_a_file_replaced_by_a_directory_then_restored_loses_no_line(tmp_path: Path) -> None:
    """The log's path becomes a directory mid-run (one ERROR notice naming it), then a file
    again: the lines written before the swap are read from the old file, those of the new file
    from its first line, and the session shows the source reading again."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    await follow.until(lambda: follow.noticed(NoticeKind.OPENED) == 1, "the log is opened")

    with log.open("ab", buffering=0) as out:
        for number in range(300):
            out.write(numbered(number))
        log.unlink()
        log.mkdir()
        for number in range(300, 400):  # the writer's open descriptor still writes the old file
            out.write(numbered(number))
    await follow.until(lambda: follow.noticed(NoticeKind.ERROR) == 1, "the directory is noticed")
    await follow.until(lambda: follow.lines(str(log)) >= 400, "the old file is read to its end")
    assert session.state.sources[str(log)].status == "error"

    log.rmdir()
    log.write_bytes(numbered_block(range(400, 700)))
    await follow.until(lambda: follow.lines(str(log)) >= 700, "the restored file is read")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(700))
    errors = notices(follow.items, NoticeKind.ERROR)
    assert [e.message for e in errors] == [f"{log}: is a directory now"]
    assert len(notices(follow.items, NoticeKind.ROTATED)) == 1
    assert notices(follow.items, NoticeKind.LOSS) == []
    assert session.state.sources[str(log)].status == "reading"


async def test_a_file_that_cannot_be_opened_mid_run_is_reported_once_then_read_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log is rotated to a new file the follower may not open (permission denied: `os.open`
    refuses it, as root cannot be refused by mode bits). The old file is read to its end, one
    ERROR notice says why however many times the open is retried, and once the file can be
    opened it is read from its first line: nothing lost, nothing read twice."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    real_open = os.open
    denied = {"on": False, "attempts": 0}

    def guarded_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if denied["on"] and os.fspath(path) == str(log):  # type: ignore[call-overload]
            denied["attempts"] += 1
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(follower_module.os, "open", guarded_open)
    spec = SourceSpec(str(log))
    follow = LiveFollow([spec], poll_interval=0.02)
    await follow.until(lambda: follow.noticed(NoticeKind.OPENED) == 1, "the log is opened")

    with log.open("ab", buffering=0) as out:
        for number in range(200):
            out.write(numbered(number))
    denied["on"] = True
    os.rename(log, tmp_path / "test.log.1")
    log.write_bytes(numbered_block(range(200, 300)))
    await follow.until(lambda: follow.noticed(NoticeKind.ERROR) == 1, "the refusal is reported")
    attempts = denied["attempts"]
    await follow.until(lambda: denied["attempts"] >= attempts + 3, "three more open attempts")
    with log.open("ab", buffering=0) as out:
        for number in range(300, 400):
            out.write(numbered(number))
    assert follow.noticed(NoticeKind.ERROR) == 1, "reported once, not on every retry"
    assert follow.lines(str(log)) == 200

    denied["on"] = False
    await follow.until(lambda: follow.lines(str(log)) >= 400, "the new file is read")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(400))
    [error] = notices(follow.items, NoticeKind.ERROR)
    assert error.message == f"{log}: permission denied"
    assert len(notices(follow.items, NoticeKind.ROTATED)) == 1
    assert notices(follow.items, NoticeKind.LOSS) == []


async def test_a_path_swapped_for_a_symlink_loop_is_reported_and_the_old_file_read_on(
    tmp_path: Path,
) -> None:
    """The path becomes unusable (a symbolic link to itself: ELOOP) while the old file is still
    being written through its open descriptor: one ERROR, the old file read on to its end,
    then, once a real file is back, that file from line 1."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    follow = LiveFollow([SourceSpec(str(log))], poll_interval=0.02)
    await follow.until(lambda: follow.noticed(NoticeKind.OPENED) == 1, "the log is opened")

    with log.open("ab", buffering=0) as out:
        out.write(numbered_block(range(100)))
        log.unlink()
        log.symlink_to(log)
        await follow.until(lambda: follow.noticed(NoticeKind.ERROR) == 1, "the loop is noticed")
        out.write(numbered_block(range(100, 250)))
        await follow.until(lambda: follow.lines(str(log)) >= 250, "the old file is read on")
    log.unlink()
    log.write_bytes(numbered_block(range(250, 300)))
    await follow.until(lambda: follow.lines(str(log)) >= 300, "the new file is read")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(300))
    [error] = notices(follow.items, NoticeKind.ERROR)
    assert error.message == f"{log}: too many levels of symbolic links"
    assert len(notices(follow.items, NoticeKind.ROTATED)) == 1


async def test_a_writer_pausing_mid_line_has_its_partial_line_held_until_the_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer stops in the middle of each line; the follower polls at least twice while the
    line is unfinished (counted, not slept for) and emits nothing of it; once the newline comes
    the line arrives whole. Every chunk a follow yields ends with a newline."""
    polls = {"count": 0}
    real_poll = FileFollower.poll

    def counting_poll(self: FileFollower) -> list[IngestItem]:
        polls["count"] += 1
        return real_poll(self)

    monkeypatch.setattr(FileFollower, "poll", counting_poll)
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    follow = LiveFollow([SourceSpec(str(log))], poll_interval=0.01)
    with log.open("ab", buffering=0) as out:
        for number in range(20):
            line = numbered(number, style="padded")
            cut = 1 + number * 5 % (len(line) - 2)
            out.write(line[:cut])
            seen = polls["count"]
            await follow.until(lambda s=seen: polls["count"] >= s + 2, "two polls mid-line")
            assert follow.lines(str(log)) == number, "a partial line was emitted"
            out.write(line[cut:])
            await follow.until(lambda n=number: follow.lines(str(log)) == n + 1, "the line")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(20))
    chunks = [item for item in follow.items if isinstance(item, Chunk)]
    assert all(chunk.data.endswith(b"\n") for chunk in chunks)


async def test_lines_written_one_byte_at_a_time_arrive_whole_and_exactly_once(
    tmp_path: Path,
) -> None:
    """A writer that writes every byte with its own `write(2)` (an unbuffered logger, a tty
    relay): 300 lines of varied length, read back whole, in order, each exactly once."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    follow = LiveFollow([SourceSpec(str(log))], poll_interval=0.02)
    data = numbered_block(range(300), style="padded")

    def write() -> None:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        try:
            for index in range(len(data)):
                os.write(fd, data[index : index + 1])
        finally:
            os.close(fd)

    writer = WriterThread(write)
    await follow.until(lambda: follow.lines(str(log)) >= 300, "every line is read")
    await writer.join()
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(300))
    assert all(item.data.endswith(b"\n") for item in follow.items if isinstance(item, Chunk)), (
        "no partial line is ever emitted while following"
    )
    assert_numbering_restarts_per_file(follow.items, str(log))


async def test_a_burst_of_100_000_lines_is_read_exactly_once_and_caught_up_quickly(
    tmp_path: Path,
) -> None:
    """100 000 lines written as fast as one `write(2)` per line allows, while the follower and
    a session run: every line read exactly once, no LOSS, and the follower has caught up
    within a few seconds of the writer stopping (measured; the bound is generous)."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    total = 100_000
    lines = [numbered(number) for number in range(total)]

    def write() -> None:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        try:
            for line in lines:
                os.write(fd, line)
        finally:
            os.close(fd)

    writer = WriterThread(write)
    await writer.join()
    stopped = time.monotonic()
    await follow.until(lambda: follow.lines(str(log)) >= total, "the burst is read", timeout=20)
    catch_up = time.monotonic() - stopped
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(total))
    assert_no_trouble(follow.items)
    assert catch_up < 5.0, f"caught up {catch_up:.2f} s after the writer stopped"
    assert session.state.lines == total
    assert session.state.bytes_read == log.stat().st_size


async def test_while_following_a_failing_source_is_a_notice_and_the_others_go_on(
    tmp_path: Path,
) -> None:
    """Four sources followed together: a growing log, a missing one (WAITING, then read when
    it appears), a binary file (one BINARY notice, then ignored) and a directory (one ERROR).
    The good logs are read exactly once all along; every failing one is named."""
    good, late = tmp_path / "good.log", tmp_path / "late.log"
    binary, directory = tmp_path / "core.bin", tmp_path / "logs"
    good.write_bytes(b"")
    binary.write_bytes(bytes(range(256)) * 64)
    directory.mkdir()
    specs = [SourceSpec(str(path)) for path in (good, late, binary, directory)]
    session = Session(shared_engine(), specs, following=True)
    follow = LiveFollow(specs, session=session)
    await follow.until(lambda: follow.noticed(NoticeKind.WAITING) == 1, "the missing one waits")

    with good.open("ab", buffering=0) as out:
        for number in range(500):
            out.write(numbered(number))
            if number == 250:
                late.write_bytes(numbered_block(range(50), "late"))
    await follow.until(lambda: follow.lines(str(good)) >= 500, "the good log is read")
    await follow.until(lambda: follow.lines(str(late)) >= 50, "the late log is read")
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items, str(good))), range(500))
    assert_exactly_once(decode_numbers(chunk_lines(follow.items, str(late)), "late"), range(50))
    assert [n.source for n in notices(follow.items, NoticeKind.WAITING)] == [str(late)]
    [binary_notice] = notices(follow.items, NoticeKind.BINARY)
    assert binary_notice.source == str(binary)
    assert "binary" in binary_notice.message
    [error] = notices(follow.items, NoticeKind.ERROR)
    assert (error.source, error.message) == (str(directory), f"{directory}: is a directory")
    statuses = {name: status.status for name, status in session.state.sources.items()}
    assert statuses == {
        str(good): "reading",
        str(late): "reading",
        str(binary): "binary",
        str(directory): "error",
    }


async def test_a_pipe_burst_ending_in_a_partial_line_is_read_exactly_once() -> None:
    """Standard input (here a pipe on another fd) written as fast as possible and closed
    after a last line without a newline: every line once, in order and consecutively
    numbered, the unfinished last line delivered as a line of its own, then EOF."""
    read_end, write_end = os.pipe()
    spec = SourceSpec("-", fd=read_end)
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    total = 50_000

    def write() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for number in range(total):
                pipe.write(numbered(number))
            pipe.write(b"last words without a newline")

    writer = WriterThread(write)
    try:
        await writer.join()
        await follow.until(lambda: follow.noticed(NoticeKind.EOF) == 1, "the pipe's end")
        await follow.close()
    finally:
        os.close(read_end)

    lines = chunk_lines(follow.items)
    assert lines[-1] == b"last words without a newline"
    assert_exactly_once(decode_numbers(lines[:-1]), range(total))
    chunks = [item for item in follow.items if isinstance(item, Chunk)]
    expected_first = 1
    for chunk in chunks:
        assert (chunk.source, chunk.first_line, chunk.offset) == ("stdin", expected_first, -1)
        expected_first += chunk.data.count(b"\n") + (0 if chunk.data.endswith(b"\n") else 1)
    assert session.state.lines == total + 1
    assert notices(follow.items, NoticeKind.ERROR) == []


@pytest.mark.soak
async def test_soak_a_million_lines_rotated_every_100_000_are_read_exactly_once(
    tmp_path: Path,
) -> None:
    """The long variant: 1 000 000 lines, renamed away and recreated every 100 000 lines
    while being written as fast as possible."""
    log = tmp_path / "test.log"
    log.write_bytes(b"")
    spec = SourceSpec(str(log))
    session = Session(shared_engine(), [spec], following=True)
    follow = LiveFollow([spec], session=session)
    files, per_file = 10, 100_000

    def opened(count: int) -> bool:
        return follow.noticed(NoticeKind.OPENED) + follow.noticed(NoticeKind.ROTATED) >= count

    def write() -> None:
        for generation in range(files):
            start = generation * per_file
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
            try:
                for number in range(start, start + per_file):
                    os.write(fd, numbered(number, style="padded"))
            finally:
                os.close(fd)
            if generation < files - 1:
                wait_in_thread(lambda g=generation: opened(g + 1), "the current file is opened")
                os.rename(log, tmp_path / f"test.log.{generation + 1}")
                log.write_bytes(b"")

    writer = WriterThread(write)
    await writer.join(timeout=300)
    total = files * per_file
    await follow.until(lambda: follow.lines(str(log)) >= total, "every line", timeout=120)
    await follow.close()

    assert_exactly_once(decode_numbers(chunk_lines(follow.items)), range(total))
    assert len(notices(follow.items, NoticeKind.ROTATED)) == files - 1
    assert_no_trouble(follow.items)
    assert session.state.lines == per_file
