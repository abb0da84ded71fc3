"""The helper process that finds candidate lines ahead changes how fast, never what is found."""

from __future__ import annotations

import io
import sys
import threading
import time
from array import array
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from testtriage.core import prescan
from testtriage.core import session as session_module
from testtriage.core.ingest import (
    Chunk,
    IngestItem,
    NoticeKind,
    SourceNotice,
    SourceSpec,
    read_sources,
)
from testtriage.core.prescan import (
    HELPER_SWITCH,
    HelperError,
    ScanHelper,
    helper_wanted,
    prescanned,
    serve,
)
from testtriage.core.report import summary_report
from testtriage.core.scan import Block, candidate_starts
from testtriage.core.session import Session, analyze, build_engine
from testtriage.core.state import RunState
from testtriage.core.triage import Triage
from testtriage.headless.summary import conclude

FIXTURES = Path(__file__).parent.parent / "fixtures" / "logs"
ENGINE = build_engine()
CANDIDATES = Triage(ENGINE).candidates


@pytest.fixture(scope="module")
def mixed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every runner's fixture log, twice over, read in small chunks below: many blocks."""
    path = tmp_path_factory.mktemp("prescan") / "mixed.log"
    logs = sorted(p for p in FIXTURES.glob("*.log"))
    path.write_bytes(b"".join(p.read_bytes() for p in logs * 2))
    return path


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The helper is waited for, to start and to answer (a test's items come faster than a
    helper starts, and its blocks are too small to wait for); each answer is counted here."""
    counted: list[int] = []
    ready, receive = ScanHelper.ready, ScanHelper.receive

    def patient_ready(self: ScanHelper) -> bool:
        deadline = time.monotonic() + 30
        while not ready(self):
            assert time.monotonic() < deadline, "the helper did not start"
            time.sleep(0.005)
        return True

    def counted_receive(self: ScanHelper, timeout: float | None = None) -> array[int] | None:
        starts = receive(self, timeout)
        if starts is not None:
            counted.append(len(starts))
        return starts

    monkeypatch.setattr(ScanHelper, "ready", patient_ready)
    monkeypatch.setattr(ScanHelper, "receive", counted_receive)
    monkeypatch.setattr(prescan, "WAIT_PER_BYTE", 30 / 4_096)
    return counted


def chunks_of(path: Path, size: int = 4_096) -> Iterator[IngestItem]:
    return read_sources([SourceSpec(str(path))], chunk_size=size)


def report_of(state: RunState) -> bytes:
    diagnosis, verdict = conclude(state, None, None)
    return orjson.dumps(summary_report(diagnosis, verdict))


def analyzed(path: Path, *, helper: bool, monkeypatch: pytest.MonkeyPatch) -> RunState:
    monkeypatch.setattr(prescan, "START_AFTER", 0)
    spec = SourceSpec(str(path))
    items = read_sources([spec], chunk_size=4_096)
    return analyze(Session(ENGINE, [spec]), items, helper=helper)


def test_the_helper_answers_each_block_with_the_starts_a_local_scan_finds(
    mixed_log: Path, answers: list[int]
) -> None:
    """Chunks out of `prescanned` carry `starts`, equal to `candidate_starts` run here, and
    every item comes out once, in order."""
    items = list(chunks_of(mixed_log))
    out = list(prescanned(iter(items), CANDIDATES, start_after=0))
    assert [type(item) for item in out] == [type(item) for item in items]
    regex = Triage(ENGINE)._regex
    chunks = [item for item in out if isinstance(item, Chunk)]
    assert len(chunks) > 10
    answered = [chunk for chunk in chunks if chunk.starts is not None]
    assert len(answered) == len(chunks) == len(answers)
    for chunk in answered:
        assert list(chunk.starts or ()) == list(
            candidate_starts(regex, Block(chunk.data).scan_text)
        )
    assert [c.data for c in chunks] == [i.data for i in items if isinstance(i, Chunk)]


def test_a_whole_read_with_the_helper_reports_exactly_what_one_without_it_does(
    mixed_log: Path, monkeypatch: pytest.MonkeyPatch, answers: list[int]
) -> None:
    with_helper = analyzed(mixed_log, helper=True, monkeypatch=monkeypatch)
    assert len(answers) > 10 and sum(answers) > 100, "the helper found the candidates"
    alone = analyzed(mixed_log, helper=False, monkeypatch=monkeypatch)
    assert with_helper.groups, "the fixture logs hold findings"
    assert report_of(with_helper) == report_of(alone)
    assert with_helper.tests == alone.tests


def test_answers_too_slow_to_wait_for_are_dropped_and_never_given_to_another_block(
    mixed_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never waited for, the helper answers some blocks in time and others not (those are
    scanned here): whichever chunk carries starts carries its own."""
    monkeypatch.setattr(prescan, "WAIT_PER_BYTE", 0.0)
    regex = Triage(ENGINE)._regex
    items = list(chunks_of(mixed_log, size=1_024)) * 3
    out = []
    for item in prescanned(iter(items), CANDIDATES, start_after=0):
        out.append(item)
        time.sleep(0.002 if len(out) % 3 else 0)  # parsing: some blocks wait longer than others
    chunks = [item for item in out if isinstance(item, Chunk)]
    assert [c.data for c in chunks] == [i.data for i in items if isinstance(i, Chunk)]
    answered = [c for c in chunks if c.starts is not None]
    assert answered, "the helper answered some blocks in time"
    since_ready = chunks[chunks.index(answered[0]) :]
    assert any(c.starts is None for c in since_ready), "and some, once it was ready, not"
    for chunk in answered:
        assert list(chunk.starts or ()) == list(
            candidate_starts(regex, Block(chunk.data).scan_text)
        )


def test_notices_between_chunks_keep_their_place() -> None:
    """A notice (here a source's end) comes out after every chunk read before it."""
    data = b"FAIL  tests/a.test.ts > a > b\nError: boom\n" * 50
    chunks = [Chunk("a.log", data, 1 + 100 * n, -1) for n in range(4)]
    ended = SourceNotice("a.log", NoticeKind.EOF)
    items: list[IngestItem] = [*chunks[:2], ended, *chunks[2:]]
    out = list(prescanned(iter(items), CANDIDATES, start_after=0))
    assert [type(item) for item in out] == [Chunk, Chunk, SourceNotice, Chunk, Chunk]
    assert [item.first_line for item in out if isinstance(item, Chunk)] == [1, 101, 201, 301]


def test_a_helper_that_cannot_start_leaves_the_chunks_to_the_pipeline(
    mixed_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(mixed_log.parent / "no-such-python"))
    out = list(prescanned(chunks_of(mixed_log), CANDIDATES, start_after=0))
    assert all(item.starts is None for item in out if isinstance(item, Chunk))
    state = analyzed(mixed_log, helper=True, monkeypatch=monkeypatch)
    assert report_of(state) == report_of(analyzed(mixed_log, helper=False, monkeypatch=monkeypatch))


def test_a_helper_that_dies_midway_is_dropped_and_no_block_is_lost(
    mixed_log: Path, monkeypatch: pytest.MonkeyPatch, answers: list[int]
) -> None:
    """The helper is killed after answering three blocks: the blocks in flight and the rest
    are scanned here; every chunk comes out once, the report is unchanged."""
    answered = 0
    receive = ScanHelper.receive  # the counting one

    def receive_then_die(self: ScanHelper, timeout: float | None = None) -> array[int] | None:
        nonlocal answered
        answered += 1
        if answered == 4:
            self._proc.kill()
            self._proc.wait()
        return receive(self, timeout)

    monkeypatch.setattr(ScanHelper, "receive", receive_then_die)
    items = list(chunks_of(mixed_log))
    out = list(prescanned(iter(items), CANDIDATES, start_after=0))
    chunks = [item for item in out if isinstance(item, Chunk)]
    assert [c.data for c in chunks] == [i.data for i in items if isinstance(i, Chunk)]
    assert sum(c.starts is not None for c in chunks) == 3
    answered = 0
    state = analyzed(mixed_log, helper=True, monkeypatch=monkeypatch)
    assert answered == 4, "the helper answered three blocks, then died"
    assert report_of(state) == report_of(analyzed(mixed_log, helper=False, monkeypatch=monkeypatch))


def test_a_pattern_the_helper_cannot_compile_is_told_back_not_hung_on() -> None:
    helper = ScanHelper("(unclosed")
    try:
        with pytest.raises(HelperError, match="missing"):
            while not helper.ready():
                pass
    finally:
        helper.close()


def test_the_helper_protocol_round_trip_in_process() -> None:
    """`serve` reads the pattern, says it is ready (an empty frame), then answers each block
    with its starts as 8-byte integers; it ends cleanly at the end of its input."""
    block = b"starting\nERROR: one\nfine\nFAIL  a.test.ts > x\n"

    def frame(payload: bytes) -> bytes:
        return len(payload).to_bytes(8, "little") + payload

    reader = io.BytesIO(frame(CANDIDATES.encode()) + frame(block) + frame(b""))
    writer = io.BytesIO()
    assert serve(reader, writer) == 0
    answer = writer.getvalue()
    assert answer[:8] == (0).to_bytes(8, "little")
    size = int.from_bytes(answer[8:16], "little")
    starts = [int.from_bytes(answer[16 + i : 24 + i], "little") for i in range(0, size, 8)]
    assert [block[s:].split(b"\n", 1)[0] for s in starts] == [b"ERROR: one", b"FAIL  a.test.ts > x"]
    assert answer[16 + size :] == (0).to_bytes(8, "little")  # the empty block: no starts


def test_the_helper_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HELPER_SWITCH, "0")
    assert not helper_wanted()
    monkeypatch.setenv(HELPER_SWITCH, "")
    monkeypatch.setattr(prescan.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    monkeypatch.setattr(prescan.os, "cpu_count", lambda: 1)
    assert not helper_wanted()


def test_a_following_session_with_a_helper_folds_each_batch_as_one_without(
    mixed_log: Path, answers: list[int]
) -> None:
    """Live, items come in small batches: each batch's chunks are answered before `feed`
    returns (none waits for the next batch), and the state matches a session without one."""
    items = list(chunks_of(mixed_log))
    helped = Session(ENGINE, [SourceSpec(str(mixed_log))], following=True)
    helped.start_helper(start_after=0, patience=30)
    alone = Session(ENGINE, [SourceSpec(str(mixed_log))], following=True)
    for item in items:
        before = len(answers)
        helped.feed([item])
        alone.feed([item])
        if isinstance(item, Chunk) and answers:
            assert len(answers) == before + 1, "this batch's chunk was answered in its feed"
    assert len(answers) > 10
    assert report_of(helped.finish()) == report_of(alone.finish())


def test_blocks_whose_answers_outgrow_the_pipe_do_not_deadlock(answers: list[int]) -> None:
    """Blocks of short error lines: each answer (a hundred thousand starts) is far larger
    than a pipe holds, and the next block is sent before it is read. The helper writes its
    answers on a thread of its own and keeps reading, so neither process waits on the other."""
    data = b"ERROR x\n" * 131_072  # 1 MiB, every line a candidate
    chunks = [Chunk("e.log", data, 1 + n * 131_072, -1) for n in range(6)]
    out: list[IngestItem] = []
    reader = threading.Thread(
        target=lambda: out.extend(prescanned(iter(chunks), CANDIDATES, start_after=0)),
        daemon=True,
    )
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "the helper and this process wait on each other"
    assert len(out) == 6
    assert answers and min(answers) == 131_072


def helper_processes() -> list[str]:
    """This process's children that are scan helpers (read from /proc)."""
    found = []
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"testtriage.core.prescan" in command:
                found.append(pid)
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_an_interrupted_read_leaves_no_helper_behind(
    mixed_log: Path, monkeypatch: pytest.MonkeyPatch, answers: list[int]
) -> None:
    """Ctrl-C in the middle of a whole read (here while progress is shown, between two parts
    of the input): the helper process ends with the read."""
    monkeypatch.setattr(prescan, "START_AFTER", 0)
    monkeypatch.setattr(session_module, "FEED_BYTES", 32_768)

    def interrupt(_state: RunState) -> None:
        raise KeyboardInterrupt

    session = Session(ENGINE, [SourceSpec(str(mixed_log))])
    with pytest.raises(KeyboardInterrupt) as caught:
        analyze(session, chunks_of(mixed_log), interrupt, helper=True)
    assert answers, "the helper was running when the read stopped"
    # `caught` keeps the interrupted frames alive, as an interrupt handler up the stack
    # would: the helper must end with the read, not when they are collected.
    assert helper_processes() == [], caught.typename
