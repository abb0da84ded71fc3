"""The ingest worker's parts on their own: throttling, coalescing, slicing, notices, stopping."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from tui_harness import seed_lines

from testtriage.core.ingest.chunks import Chunk, NoticeKind, SourceNotice, SourceSpec
from testtriage.core.logfile import ChunkInfo
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.session import Session
from testtriage.core.state import RunState
from testtriage.tui.ingest_worker import (
    IngestControl,
    IngestPlan,
    UpdatePublisher,
    run_ingest,
    snapshot_of,
)
from testtriage.tui.messages import IngestStopped, RunUpdated
from testtriage.tui.notices import alert_for, deliver_log_items


def info(first_line: int, lines: int = 1) -> ChunkInfo:
    return ChunkInfo("test.log", first_line, lines, 0, 10)


def test_a_superseded_update_hands_its_log_items_to_the_next() -> None:
    snapshot = snapshot_of(RunState(), None)
    older = RunUpdated(snapshot, [info(1), SourceNotice("test.log", NoticeKind.TRUNCATED)])
    newer = RunUpdated(snapshot, [info(1, 2)])
    assert older.can_replace(newer)
    assert newer.log_items == [
        info(1),
        SourceNotice("test.log", NoticeKind.TRUNCATED),
        info(1, 2),
    ]
    assert newer.notices == [SourceNotice("test.log", NoticeKind.TRUNCATED)]


class FakeLog:
    """Records what the Log tab is asked to do, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def add_chunks(self, infos: list[ChunkInfo]) -> None:
        self.calls.append(("add", [i.first_line for i in infos]))

    def reset_source(self, name: str, reason: str) -> None:
        self.calls.append(("reset", name))


def test_log_items_reach_the_log_tab_in_order_with_resets_between() -> None:
    log = FakeLog()
    items = [
        info(1),
        info(2),
        SourceNotice("test.log", NoticeKind.OPENED),
        SourceNotice("test.log", NoticeKind.TRUNCATED),
        info(1),
    ]
    deliver_log_items(items, log)  # type: ignore[arg-type]
    assert log.calls == [("add", [1, 2]), ("reset", "test.log"), ("add", [1])]


def test_notices_become_one_line_alerts_and_waiting_stays_in_the_header() -> None:
    error = alert_for(SourceNotice("a.log", NoticeKind.ERROR, "a.log: permission denied"))
    assert error is not None and error.severity == "error"
    assert error.text == "a.log: permission denied"
    binary = alert_for(SourceNotice("b.log", NoticeKind.BINARY))
    assert binary is not None and "binary" in binary.text
    loss = alert_for(SourceNotice("c.log", NoticeKind.LOSS, "12 bytes lost"))
    assert loss is not None and loss.severity == "warning"
    assert alert_for(SourceNotice("d.log", NoticeKind.WAITING, "waiting")) is None
    assert alert_for(SourceNotice("d.log", NoticeKind.OPENED)) is None


async def test_updates_are_throttled_and_the_last_one_is_flushed(engine: RuleEngine) -> None:
    posted: list[RunUpdated] = []
    loop = asyncio.get_running_loop()
    session = Session(engine, [SourceSpec("test.log")], following=True)
    publisher = UpdatePublisher(
        session,
        lambda m: posted.append(m),  # type: ignore[arg-type,func-returns-value]
        claim=None,
        interval=0.2,
        loop=loop,
    )
    lines = seed_lines()
    offset = 0
    for number, line in enumerate(lines[:50], 1):
        chunk = Chunk("test.log", line, number, offset)
        offset += len(line)
        session.feed([chunk])
        publisher.collect([chunk])
    # The first batch goes out at once; the other 49 wait for the interval.
    assert len(posted) == 1
    await asyncio.sleep(0.3)
    assert len(posted) == 2
    assert sum(i.line_count for m in posted for i in m.log_items if isinstance(i, ChunkInfo)) == 50
    assert posted[-1].snapshot.state.lines == 50


def test_the_worker_stops_promptly_when_asked(tmp_path: Path, engine: RuleEngine) -> None:
    log = tmp_path / "test.log"
    log.write_bytes(b"".join(seed_lines()))
    control = IngestControl()
    posted: list[object] = []
    plan = IngestPlan(specs=[SourceSpec(str(log))], engine=engine)
    thread = threading.Thread(target=run_ingest, args=(plan, control, posted.append))
    thread.start()
    deadline = threading.Event()
    for _ in range(200):
        if any(isinstance(m, RunUpdated) for m in posted):
            break
        deadline.wait(0.02)
    control.stop()
    assert control.finished.wait(2.0)
    thread.join(1.0)
    assert not thread.is_alive()
    assert not any(isinstance(m, IngestStopped) and m.error for m in posted)


def test_a_stop_before_the_worker_starts_is_kept(engine: RuleEngine, tmp_path: Path) -> None:
    control = IngestControl()
    control.stop()
    plan = IngestPlan(specs=[SourceSpec(str(tmp_path / "none.log"))], engine=engine)
    run_ingest(plan, control, lambda m: None)
    assert control.finished.is_set()


def test_the_writer_being_done_ends_the_run(tmp_path: Path, engine: RuleEngine) -> None:
    log = tmp_path / "test.log"
    lines = seed_lines()
    # Without the runner's summary the run never finishes by itself.
    log.write_bytes(b"".join(lines[:100]))
    done = threading.Event()
    done.set()
    posted: list[object] = []
    plan = IngestPlan(specs=[SourceSpec(str(log))], engine=engine, input_done=done)
    run_ingest(plan, IngestControl(), posted.append)
    updates = [m for m in posted if isinstance(m, RunUpdated)]
    assert updates[-1].snapshot.state.ended
    assert updates[-1].snapshot.state.lines == 100
    assert isinstance(posted[-1], IngestStopped) and not posted[-1].error
