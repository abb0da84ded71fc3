"""The TUI's live latency: a line appended to a followed file, until its finding is on screen.

Run directly (`python tests/benchmarks/tui_latency.py [--appends N]`) or through `run.py`. The
app runs headless (`App.run_test`) on a file a writer appends error lines to; each append is
stamped just before `write()`, and ends when the findings table shows the finding's new count
(the table is what the screen draws; the next frame paints it, at most one refresh later).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.session import build_engine
from testtriage.tui.app import make_app
from testtriage.tui.widgets.findings_table import FindingsTable

LINE = (
    '{{"level":50,"time":{time},"pid":4242,"hostname":"ci-7","jobId":"{n}",'
    '"err":"insert or update on table \\"job_status\\" violates foreign key constraint '
    '\\"job_status_course_id_fkey\\"","msg":"Failed to create job status"}}\n'
)


async def measure(appends: int, seed: int = 7) -> list[float]:
    """Milliseconds from each append to its count on screen."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "live.log"
        path.write_text("")
        app = make_app([SourceSpec(str(path))], build_engine())
        latencies: list[float] = []
        async with app.run_test(size=(120, 36)):
            table = app.query_one("#findings-table", FindingsTable)
            await asyncio.sleep(0.3)  # let the follower start
            with path.open("a") as log:
                for n in range(1, appends + 1):
                    started = time.perf_counter()
                    log.write(LINE.format(time=1762101220134 + n, n=n))
                    log.flush()
                    while _shown_count(table) < n:
                        await asyncio.sleep(0.001)
                    latencies.append((time.perf_counter() - started) * 1000)
                    await asyncio.sleep(rng.uniform(0.005, 0.03))
    return latencies


def _shown_count(table: FindingsTable) -> int:
    """The count the table shows for the (only) finding."""
    if not table.row_count:
        return 0
    cell = table.get_cell(table.row_keys[0], "count")
    return int(cell.plain.rstrip("×") or 0)


def summarize(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(len(ordered) * 0.95) - 1],
        "max": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = summarize(asyncio.run(measure(args.appends)))
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"TUI append -> on screen, {args.appends} appends: p50 {result['p50']:.1f} ms, "
        f"p95 {result['p95']:.1f} ms, max {result['max']:.1f} ms"
    )


if __name__ == "__main__":
    main()
