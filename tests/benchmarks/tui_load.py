"""The whole TUI under a fast writer: key latency, lines read == written, lag at the end.

Another process replays the mixed benchmark corpus at a fixed rate (default 100 000 lines/s) into a
file the app follows (headless, `App.run_test`). Meanwhile a key is sent as a terminal would
send it, every `--every` seconds, and timed until it took effect:

- `rows` (default): down, then up, in the findings table: the key a triage presses most; timed
  until the cursor moved;
- `tabs`: `2`, then `1`: the heaviest common key (the whole screen is laid out and drawn again,
  about 50 ms of UI time here); timed until the tab it names is active.

Not a test; run it directly (after `run.py` made the corpus):

    python tests/benchmarks/tui_load.py [--seconds 10] [--rate 100000] [--probe rows|tabs]
                                        [--every 0.2] [--corpus FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from live import run_writer  # the writer process of the core's live-load measurement
from textual import events
from textual.widgets import TabbedContent

from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.session import build_engine
from testtriage.tui.app import TriageApp, make_app
from testtriage.tui.widgets.row_table import RowTable


def send_key(app: TriageApp, key: str) -> None:
    driver = app._driver
    assert driver is not None
    event = events.Key(key, None)
    event.set_sender(app)
    driver.send_message(event)


async def timed(app: TriageApp, key: str, done: Callable[[], bool]) -> float:
    """Seconds from sending `key` until `done()` holds (5 s at most)."""
    started = time.perf_counter()
    send_key(app, key)
    while not done() and time.perf_counter() - started < 5:
        await asyncio.sleep(0.0005)
    return time.perf_counter() - started


async def probe_tabs(app: TriageApp, turn: int) -> float:
    tabs = app.query_one("#tabs", TabbedContent)
    key, tab = [("2", "tests"), ("1", "findings")][turn % 2]
    return await timed(app, key, lambda: tabs.active == tab)


async def probe_rows(app: TriageApp, turn: int) -> float:
    table = app.query_one("#findings-table", RowTable)
    if table.row_count < 2:
        return await timed(app, "down", lambda: True)
    if turn % 2 == 0 and table.cursor_row == table.row_count - 1:
        turn += 1  # at the bottom: go up first
    key = ["down", "up"][turn % 2]
    before = table.cursor_row
    return await timed(app, key, lambda: table.cursor_row != before)


PROBES: dict[str, Callable[[TriageApp, int], Awaitable[float]]] = {
    "rows": probe_rows,
    "tabs": probe_tabs,
}


async def run(
    seconds: float, rate: int, corpus: Path, probe: str = "rows", every: float = 0.2
) -> dict[str, Any]:
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
        turn = 0
        while writer.is_alive():
            latencies.append(await PROBES[probe](app, turn))
            turn += 1
            await asyncio.sleep(every)
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
    return {
        "probe": probe,
        "every_s": every,
        "seconds": seconds,
        "rate_target": rate,
        "lines_written": written,
        "lines_read": read,
        "behind_at_stop_s": round(caught_up, 2),
        "presses": len(ordered),
        "key_p50_ms": round(statistics.median(ordered) * 1000, 1),
        "key_p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
        "key_max_ms": round(ordered[-1] * 1000, 1),
    }


def report(found: dict[str, Any]) -> str:
    return (
        f"writer: {found['lines_written']:,} lines in {found['seconds']:g} s "
        f"({found['rate_target']:,}/s target)\n"
        f"read by the app: {found['lines_read']:,} lines; every line folded "
        f"{found['behind_at_stop_s']:.2f} s after the stop\n"
        f"{found['probe']} key -> effect, one every {found['every_s']:g} s, "
        f"{found['presses']} presses: p50 {found['key_p50_ms']:.0f} ms, "
        f"p95 {found['key_p95_ms']:.0f} ms, max {found['key_max_ms']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--probe", choices=sorted(PROBES), default="rows")
    parser.add_argument("--every", type=float, default=0.2)
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).parent / "corpus" / "mixed-20M.log"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    found = asyncio.run(run(args.seconds, args.rate, args.corpus, args.probe, args.every))
    print(json.dumps(found) if args.json else report(found))


if __name__ == "__main__":
    main()
