"""Live-follow measurements, each in its own process: append-to-finding latency, sustained load."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from testtriage.core.ingest import SourceSpec, follow_sources
from testtriage.core.session import Session, build_engine

_FK = (
    'insert or update on table "job_status" violates foreign key constraint '
    '"job_status_course_id_fkey"'
)
_JSON = "Unexpected token 'H', \"Here is th\"... is not valid JSON"


def error_line(number: int) -> bytes:
    """Line `number` of the latency log: one error of FK, auth, JSON parse, enum or network, in
    turn, each giving one finding."""
    head = {"level": 50, "time": 1_762_101_214_062 + number, "pid": 73418, "hostname": "ci"}
    kind = number % 5
    if kind == 0:
        record = {**head, "module": "worker", "jobId": str(number), "err": _FK}
        text = orjson.dumps({**record, "msg": "Failed to create job status"}).decode()
    elif kind == 1:
        text = f"Error creating auth user test-{number}@megacampus.com: AuthApiError: "
        text += "Invalid login credentials"
    elif kind == 2:
        record = {**head, "module": "analysis-orchestrator", "jobId": str(number)}
        record["err"] = {"type": "SyntaxError", "message": _JSON}
        text = orjson.dumps({**record, "msg": "Failed to parse model output"}).decode()
    elif kind == 3:
        cause = 'invalid input value for enum job_status_enum: "done"'
        text = f"Failed to mark job {number} completed: {cause}"
    else:
        error = {"type": "Error", "message": "connect ECONNREFUSED 127.0.0.1:6379"}
        record = {**head, "module": "worker", "err": {**error, "code": "ECONNREFUSED"}}
        text = orjson.dumps({**record, "msg": "Queue connection failed"}).decode()
    return (text + "\n").encode()


def memory_mb() -> tuple[float, float]:
    """This process's resident set now and at its peak (VmRSS, VmHWM), in MB."""
    now = peak = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of `values` (0 < share <= 1)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- latency -------------------------------------------------------------------------------------


async def measure_latency(path: Path, appends: int, seed: int) -> dict[str, Any]:
    """A writer thread appends one error line at a time (5-30 ms apart) while the core follow API
    feeds a Session; for each line, the time from just before its write() to the fold of the
    batch holding its occurrence."""
    path.write_bytes(b"")
    spec = SourceSpec(str(path))
    session = Session(build_engine(), [spec], following=True)
    sent = [0.0] * (appends + 1)
    seen: dict[int, float] = {}
    go = threading.Event()

    def write() -> None:
        go.wait()
        rng = random.Random(seed)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            for number in range(1, appends + 1):
                time.sleep(rng.uniform(0.005, 0.030))
                data = error_line(number)
                sent[number] = time.perf_counter()
                os.write(fd, data)
        finally:
            os.close(fd)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    stop = asyncio.Event()

    async def watchdog() -> None:
        await asyncio.to_thread(writer.join)
        for _ in range(300):
            if len(seen) >= appends:
                break
            await asyncio.sleep(0.01)
        stop.set()

    guard = asyncio.create_task(watchdog())
    loop = asyncio.get_running_loop()
    async with contextlib.aclosing(follow_sources([spec], stop=stop)) as batches:
        async for items in batches:
            for batch in session.triage.feed(items):
                session.state = session.state.apply(batch)
                now = time.perf_counter()
                for occurrence in batch.occurrences:
                    seen.setdefault(occurrence.location.line, now)
            if not go.is_set():
                loop.call_later(0.5, go.set)  # the watch is up: start writing
            if len(seen) >= appends:
                break
    guard.cancel()
    latencies = [(seen[n] - sent[n]) * 1000 for n in range(1, appends + 1) if n in seen]
    return {
        "appends": appends,
        "found": len(latencies),
        "p50_ms": percentile(latencies, 0.50) if latencies else None,
        "p95_ms": percentile(latencies, 0.95) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "min_ms": min(latencies) if latencies else None,
    }


# --- sustained load ------------------------------------------------------------------------------


def _cycle_batches(source: Path, size: int) -> Iterator[bytes]:
    """`size` lines at a time from `source`, starting over at its end, forever."""
    with source.open("rb") as handle:
        while True:
            lines = list(itertools.islice(handle, size))
            if len(lines) < size:
                handle.seek(0)
                lines += itertools.islice(handle, size - len(lines))
            yield b"".join(lines)


def run_writer(
    source: Path, path: Path, seconds: float, rate: int, interval: float, report: Path
) -> None:
    """Append `rate` lines/s of `source` to `path` in one write every `interval` seconds, on a
    fixed schedule (catching up without sleeping when late); write what was written, when,
    to `report`."""
    per_write = max(1, round(rate * interval))
    batches = _cycle_batches(source, per_write)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    log: list[tuple[float, int]] = []
    total = written_bytes = 0
    started = time.monotonic()
    try:
        for step in itertools.count():
            due = started + step * interval
            if due >= started + seconds:
                break
            data = next(batches)
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            at = time.monotonic()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            total += per_write
            written_bytes += len(data)
            log.append((at, total))
    finally:
        os.close(fd)
    ended = time.monotonic()
    result = {
        "lines": total,
        "bytes": written_bytes,
        "started": started,
        "ended": ended,
        "log": log,
    }
    report.write_text(json.dumps(result))


async def measure_load(source: Path, path: Path, seconds: float, rate: int) -> dict[str, Any]:
    """Follow `path` with the core follow API + Session while a writer process appends `rate`
    lines/s for `seconds`; report lines written vs read, lag, backlog and memory."""
    path.write_bytes(b"")
    spec = SourceSpec(str(path))
    session = Session(build_engine(), [spec], following=True)
    samples: list[tuple[float, int, int]] = []
    memory: list[tuple[float, float]] = []
    stop = asyncio.Event()
    writer: subprocess.Popen[bytes] | None = None
    report: dict[str, Any] = {}

    writer_report = path.with_name(path.name + ".writer.json")

    def start_writer() -> subprocess.Popen[bytes]:
        command = [sys.executable, __file__, "write", str(source), str(path)]
        command += ["--seconds", str(seconds), "--rate", str(rate)]
        return subprocess.Popen([*command, "--report", str(writer_report)])

    async def watch() -> None:
        nonlocal report
        try:
            while writer is None:
                await asyncio.sleep(0.01)
            while writer.poll() is None:
                memory.append((time.monotonic(), memory_mb()[0]))
                await asyncio.sleep(0.25)
            if writer.returncode != 0:
                raise RuntimeError(f"the writer failed (exit {writer.returncode})")
            report = json.loads(writer_report.read_text())
            writer_report.unlink()
            give_up = time.monotonic() + 30
            while session.state.lines < report["lines"] and time.monotonic() < give_up:
                await asyncio.sleep(0.01)
        finally:
            stop.set()  # whatever happened, the follow ends

    guard = asyncio.create_task(watch())
    async with contextlib.aclosing(follow_sources([spec], stop=stop)) as batches:
        async for items in batches:
            before = session.state.lines
            session.feed(items)
            after = session.state.lines
            if after != before:
                samples.append((time.monotonic(), before, after))
            if writer is None:
                await asyncio.sleep(0.3)
                writer = start_writer()
    await guard
    now_mb, peak_mb = memory_mb()
    return _load_report(report, samples, memory, session.state.lines, now_mb, peak_mb, rate)


def _load_report(
    writer: dict[str, Any],
    samples: list[tuple[float, int, int]],
    memory: list[tuple[float, float]],
    lines_read: int,
    end_mb: float,
    peak_mb: float,
    rate: int,
) -> dict[str, Any]:
    times: list[float] = [at for at, _ in writer["log"]]
    totals: list[int] = [total for _, total in writer["log"]]

    def written_at(line: int) -> float:
        return times[min(len(times) - 1, bisect_left(totals, line))]

    def written_by(moment: float) -> int:
        index = bisect_right(times, moment) - 1
        return totals[index] if index >= 0 else 0

    lags = [at - written_at(before + 1) for at, before, _ in samples]
    caught = next((at for at, _, after in samples if after >= writer["lines"]), None)
    started, ended = writer["started"], writer["ended"]
    quarters: list[list[int]] = [[], [], [], []]
    for at, _, after in samples:
        if started <= at < ended:
            share = (at - started) / max(1e-9, ended - started)
            quarters[min(3, int(share * 4))].append(max(0, written_by(at) - after))
    warm = [mb for at, mb in memory if at >= started + 1.0] or [mb for _, mb in memory]
    return {
        "seconds": round(ended - started, 2),
        "rate_target": rate,
        "lines_written": writer["lines"],
        "bytes_written": writer["bytes"],
        "rate_achieved": round(writer["lines"] / max(1e-9, ended - started)),
        "lines_read": lines_read,
        "max_lag_s": round(max(lags), 3) if lags else None,
        "p95_lag_s": round(percentile(lags, 0.95), 3) if lags else None,
        "behind_at_stop_s": round(caught - ended, 3) if caught is not None else None,
        "backlog_by_quarter": [round(sum(q) / len(q)) if q else 0 for q in quarters],
        "rss_start_mb": round(warm[0], 1) if warm else None,
        "rss_end_mb": round(end_mb, 1),
        "rss_peak_mb": round(peak_mb, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    modes = parser.add_subparsers(dest="mode", required=True)
    latency = modes.add_parser("latency")
    latency.add_argument("path", type=Path)
    latency.add_argument("--appends", type=int, default=200)
    latency.add_argument("--seed", type=int, default=7)
    load = modes.add_parser("load")
    load.add_argument("source", type=Path)
    load.add_argument("path", type=Path)
    load.add_argument("--seconds", type=float, default=30)
    load.add_argument("--rate", type=int, default=100_000)
    write = modes.add_parser("write")
    write.add_argument("source", type=Path)
    write.add_argument("path", type=Path)
    write.add_argument("--seconds", type=float, default=30)
    write.add_argument("--rate", type=int, default=100_000)
    write.add_argument("--interval", type=float, default=0.01)
    write.add_argument("--report", type=Path, required=True, help="where to write the log")
    args = parser.parse_args(argv)
    if args.mode == "write":
        run_writer(args.source, args.path, args.seconds, args.rate, args.interval, args.report)
        return 0
    if args.mode == "latency":
        result = asyncio.run(measure_latency(args.path, args.appends, args.seed))
    else:
        result = asyncio.run(measure_load(args.source, args.path, args.seconds, args.rate))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
