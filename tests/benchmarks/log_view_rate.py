"""How the Log tab holds up under a fast writer: key-to-render latency, memory, add_chunks cost."""

# Another process appends lines to a file at a fixed rate (default 100 000 lines/s) and reports
# each write; the headless app hands those chunk records to `LogView.add_chunks` ten times a
# second, as the real app does, while keys are pressed (follow, search, next/previous match and
# error, level filter, top/bottom, JSON mode). Not a test; run it directly:
#
#     python tests/benchmarks/log_view_rate.py [--seconds 10] [--rate 100000] [--prefill 0]
#
# `--prefill N` writes N lines before the app starts (a big existing file to filter), `--filter
# TEXT` types a filter before feeding starts, `--trace` lists where memory was allocated.

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import queue
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult

from testtriage.core.logfile import ChunkInfo
from testtriage.tui.widgets.log_lines import LogLines, LogStatus
from testtriage.tui.widgets.log_view import LogView

SOURCE = "bench.log"
KEYS: list[tuple[str, ...]] = [
    ("F",),
    ("e",),
    ("e",),
    ("E",),
    ("n",),
    ("N",),
    ("g",),
    ("e",),
    ("G",),
    ("L",),
    ("up",),
    ("L",),
    ("L",),
    ("j",),
    ("pageup",),
    ("j",),
    ("F",),
]


def line_text(number: int) -> bytes:
    """A mixed test-run line of about 100 bytes: text, pino JSON, warnings, 1 % errors."""
    kind = number % 100
    if kind == 0:
        return b"ERROR insert on table job_status violates foreign key constraint #%d" % number
    if kind % 10 == 3:
        return (
            b'{"level":30,"time":1700000000000,"pid":4242,"msg":"request completed",'
            b'"req":{"id":%d},"responseTime":12}' % number
        )
    if kind == 47:
        return b"WARNING: slow query took 1200ms (timeout soon) at step %d" % number
    return b" \xe2\x9c\x93 src/module_%d.test.ts > suite > case passes quickly (3ms)" % number


def write_lines(
    path: str, rate: int, seconds: float, first_line: int, records: Queue[tuple[int, ...]]
) -> None:
    """In another process (as a test runner would be): append lines at `rate` per second and
    report each write as (first line, line count, offset, size); None when done."""
    step = 0.02  # 50 writes a second, like a busy runner flushing its output
    written = 0
    next_line = first_line
    started = time.perf_counter()
    with open(path, "ab") as handle:
        while (elapsed := time.perf_counter() - started) < seconds:
            count = int((elapsed + step) * rate) - written
            if count > 0:
                data = b"".join(line_text(n) + b"\n" for n in range(next_line, next_line + count))
                offset = handle.tell()
                handle.write(data)
                handle.flush()
                records.put((next_line, count, offset, len(data)))
                next_line += count
                written += count
            time.sleep(step)
    records.put(())


def prefill(path: Path, lines: int) -> tuple[int, list[ChunkInfo]]:
    records: list[ChunkInfo] = []
    number = 1
    with path.open("wb") as handle:
        while number <= lines:
            count = min(10_000, lines - number + 1)
            data = b"".join(line_text(n) + b"\n" for n in range(number, number + count))
            records.append(ChunkInfo(SOURCE, number, count, handle.tell(), len(data)))
            handle.write(data)
            number += count
    return number, records


def rss_kib() -> tuple[int, int]:
    """Resident and peak resident memory of this process, in KiB."""
    values: dict[str, int] = {}
    for row in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = row.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


class Bench(App[None]):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield LogView([(SOURCE, str(self.path))], id="log")


def instrument(draws: list[float], acted: list[float]) -> Callable[[], None]:
    """Record when a key's action has run, and when the lines or the status line are drawn;
    return an undo."""
    originals: list[tuple[type, str, Any]] = []

    def wrap(owner: type, name: str, log: list[float], after: bool) -> None:
        original = getattr(owner, name)

        def timed(self: Any, *args: Any) -> Any:
            if not after:
                log[0] = time.perf_counter()
            result = original(self, *args)
            if after:
                log[0] = time.perf_counter()
            return result

        originals.append((owner, name, original))
        setattr(owner, name, timed)

    wrap(LogLines, "render_line", draws, after=False)
    wrap(LogStatus, "render", draws, after=False)
    for name in dir(LogView):
        if name.startswith("action_"):
            wrap(LogView, name, acted, after=True)
    for name in ("action_scroll_up", "action_page_up"):
        wrap(LogLines, name, acted, after=True)

    def undo() -> None:
        for owner, name, original in originals:
            setattr(owner, name, original)

    return undo


async def key_to_render(
    app: App[None], keys: tuple[str, ...], draws: list[float], acted: list[float]
) -> float:
    """Seconds from sending a key (as a terminal would) until the first frame drawn after its
    action ran. Pilot.press is not used: it waits for the process to go idle, which a busy
    writer never lets happen."""
    started = time.perf_counter()
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        driver.send_message(event)
    deadline = started + 5
    while time.perf_counter() < deadline:
        if acted[0] > started and draws[0] > acted[0]:
            return draws[0] - started
        await asyncio.sleep(0.0005)
    return deadline - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(
    seconds: float, rate: int, prefill_lines: int, filter_text: str, trace: bool
) -> None:
    directory = Path(tempfile.mkdtemp(prefix="log-view-bench-"))
    path = directory / SOURCE
    next_line, prefill_records = prefill(path, prefill_lines) if prefill_lines else (1, [])
    if not prefill_lines:
        path.write_bytes(b"")
    draws, acted = [0.0], [0.0]  # when the last frame was drawn, the last key action ran
    undo = instrument(draws, acted)
    app = Bench(path)
    add_times: list[float] = []
    add_lines: list[int] = []
    latencies: list[float] = []
    per_key: dict[str, list[float]] = {}
    loop_lag: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(LogView)
        if prefill_records:
            view.add_chunks(prefill_records)
        await pilot.press("slash", *"timeout", "enter")
        if filter_text:
            await pilot.press("f", *filter_text, "enter")
        await pilot.pause()
        rss_before, _ = rss_kib()
        if trace:
            tracemalloc.start()
        records: Queue[tuple[int, ...]] = multiprocessing.Queue()
        writer = multiprocessing.Process(
            target=write_lines, args=(str(path), rate, seconds, next_line, records)
        )
        writer.start()

        async def feed() -> None:
            tick = time.perf_counter()
            done = False
            while not done:
                tick += 0.1
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                loop_lag.append(max(0.0, time.perf_counter() - tick))
                batch: list[ChunkInfo] = []
                while True:
                    try:
                        record = records.get_nowait()
                    except queue.Empty:
                        break
                    if not record:
                        done = True
                        break
                    batch.append(ChunkInfo(SOURCE, *record))
                if batch:
                    started = time.perf_counter()
                    view.add_chunks(batch)
                    add_times.append(time.perf_counter() - started)
                    add_lines.append(sum(record.line_count for record in batch))

        feeding = asyncio.create_task(feed())
        index = 0
        while not feeding.done():
            keys = KEYS[index % len(KEYS)]
            latency = await key_to_render(app, keys, draws, acted)
            latencies.append(latency)
            per_key.setdefault(" ".join(keys), []).append(latency)
            index += 1
            await asyncio.sleep(0.15)
        await feeding
        writer.join()
        await pilot.pause()
        rss_after, peak = rss_kib()
        if trace:
            grown = tracemalloc.take_snapshot().statistics("lineno")[:12]
            tracemalloc.stop()
        total = view.last_line
        status = view.status_text().plain
    undo()
    size_mb = path.stat().st_size / 1e6
    for leftover in directory.iterdir():
        leftover.unlink()
    directory.rmdir()
    ms = 1000.0
    print(f"lines written: {total - prefill_lines:,} in {seconds:g} s at {rate:,}/s target")
    print(f"file: {size_mb:.0f} MB, {total:,} lines; status: {status}")
    print(
        f"add_chunks: {len(add_times)} calls, {statistics.mean(add_lines):,.0f} lines/call; "
        f"p50 {percentile(add_times, 0.5) * ms:.2f} ms, p95 {percentile(add_times, 0.95) * ms:.2f} "
        f"ms, max {max(add_times) * ms:.2f} ms"
    )
    print(
        f"key-to-render: {len(latencies)} keys; p50 {percentile(latencies, 0.5) * ms:.1f} ms, "
        f"p95 {percentile(latencies, 0.95) * ms:.1f} ms, max {max(latencies) * ms:.1f} ms"
    )
    slowest = sorted(per_key.items(), key=lambda item: -max(item[1]))[:4]
    print("  slowest keys: " + ", ".join(f"{k} {max(v) * ms:.0f} ms" for k, v in slowest))
    print(
        f"event-loop lag at the 10 Hz feed: p50 {percentile(loop_lag, 0.5) * ms:.1f} ms, "
        f"p95 {percentile(loop_lag, 0.95) * ms:.1f} ms"
    )
    print(
        f"RSS: {rss_before / 1024:.1f} MB before feeding, {rss_after / 1024:.1f} MB after "
        f"(+{(rss_after - rss_before) / 1024:.1f} MB), peak {peak / 1024:.1f} MB"
    )
    if trace:
        for stat in grown:
            print(f"  {stat}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--prefill", type=int, default=0, help="lines written before starting")
    parser.add_argument("--filter", default="", help="a filter typed before feeding starts")
    parser.add_argument("--trace", action="store_true", help="list where memory was allocated")
    options = parser.parse_args()
    asyncio.run(main(options.seconds, options.rate, options.prefill, options.filter, options.trace))
