"""The whole TUI under a fast writer: key latency, lines read == written, lag at the end.

Another process replays the mixed benchmark corpus at a fixed rate (default 100 000 lines/s) into a
file the app follows (headless, `App.run_test`); every 200 ms a tab key (`2`, then `1`) is sent
as a terminal would send it, and timed until the tab it names is active. Not a test; run it
directly (after `run.py` made the corpus):

    python tests/benchmarks/tui_load.py [--seconds 10] [--rate 100000] [--corpus FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from live import run_writer  # the writer process of the core's live-load measurement
from textual import events
from textual.widgets import TabbedContent

from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.session import build_engine
from testtriage.tui.app import TriageApp, make_app


async def press_and_wait(app: TriageApp, key: str, tab: str) -> float:
    """Seconds from sending `key` until the tab `tab` is the active one."""
    tabs = app.query_one("#tabs", TabbedContent)
    started = time.perf_counter()
    driver = app._driver
    assert driver is not None
    event = events.Key(key, key)
    event.set_sender(app)
    driver.send_message(event)
    while tabs.active != tab:
        if time.perf_counter() - started > 5:
            break
        await asyncio.sleep(0.0005)
    return time.perf_counter() - started


async def run(seconds: float, rate: int, corpus: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="tui-load-"))
    path = work / "load.log"
    report = work / "writer.json"
    path.write_bytes(b"")
    app = make_app([SourceSpec(str(path))], build_engine())
    latencies: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        writer = multiprocessing.Process(
            target=run_writer, args=(corpus, path, seconds, rate, 0.01, report)
        )
        writer.start()
        keys = [("2", "tests"), ("1", "findings")]
        turn = 0
        while writer.is_alive():
            key, tab = keys[turn % 2]
            latencies.append(await press_and_wait(app, key, tab))
            turn += 1
            await asyncio.sleep(0.2)
        writer.join()
        written = int(json.loads(report.read_text())["lines"])
        stopped = time.perf_counter()
        while app.snapshot is None or app.snapshot.state.lines < written:
            if time.perf_counter() - stopped > 30:
                break
            await asyncio.sleep(0.005)
        caught_up = time.perf_counter() - stopped
        read = app.snapshot.state.lines if app.snapshot is not None else 0
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"writer: {written:,} lines in {seconds:.0f} s ({rate:,}/s target)")
    print(f"read by the app: {read:,} lines; every line folded {caught_up:.2f} s after the stop")
    print(
        f"tab key -> tab shown, {len(latencies)} presses: p50 "
        f"{statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).parent / "corpus" / "mixed-20M.log"
    )
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.rate, args.corpus))


if __name__ == "__main__":
    main()
