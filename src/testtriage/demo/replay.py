"""Replay the bundled seed run into a file, line by line, at the pace of a live test run."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

SEED_LOG_NAME = "seed-run.log"
"""The bundled run, shipped as package data next to this module."""

DEMO_LOG_NAME = "test-run.log"
"""Name of the replayed file when the demo makes its own directory; it is what the UI shows."""

TARGET_SECONDS = 15.0
"""Length of a whole replay at speed 1: long enough to watch, short enough to wait for."""

PREAMBLE_LINE_DELAY = 0.04
"""Before each line that precedes the run (the package manager's echo, the runner banner)."""

STARTUP_PAUSE = 1.0
"""Before the first line of the run: the runner transforming and collecting the test file."""

RUN_TEXT_LINE_DELAY = 0.02
"""Before each text line during the run (console blocks, runner text between log lines)."""

REPORT_LINE_DELAY = 0.012
"""Before each line after the last log line: the result tree, failures and summary print at once."""

MAX_LOG_GAP_MS = 600
"""Longest pause a single gap between log timestamps may cause, before scaling (milliseconds)."""

POLL_INTERVAL = 0.05
"""Longest single sleep, so that a stop request is noticed within this many seconds."""

Clock = Callable[[], float]
Sleep = Callable[[float], object]


def seed_log_path() -> Path:
    """The bundled seed run as a file on disk, whether installed as files or imported from a zip."""
    resource = _seed_resource()
    if isinstance(resource, Path):
        return resource
    return _extracted_seed_log()


def _seed_resource() -> Traversable:
    return resources.files("testtriage.demo").joinpath(SEED_LOG_NAME)


@functools.cache
def _extracted_seed_log() -> Path:
    # A zip import has no path to hand out; tailing needs a real file, so copy it once per process.
    path = Path(tempfile.mkdtemp(prefix="testtriage-seed-")) / SEED_LOG_NAME
    path.write_bytes(_seed_resource().read_bytes())
    return path


def log_time_ms(line: bytes) -> float | None:
    """The `time` of a JSON log line (epoch milliseconds, as pino writes it), or None."""
    text = line.strip()
    if not text.startswith(b"{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    value = record.get("time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def line_delays(lines: Sequence[bytes], target_seconds: float = TARGET_SECONDS) -> list[float]:
    """Seconds to wait before each line at speed 1; they add up to about `target_seconds`.

    The schedule is read from the content. Lines before the run (the package manager's echo and
    the runner banner) come in a quick burst, then a pause while the runner collects the test
    file. During the run, each JSON log line waits for the gap between its `time` and the
    previous log line's (capped at `MAX_LOG_GAP_MS`) and every other text line waits a short
    fixed delay. After the last log line, the result tree, failures and summary follow quickly.
    The fixed delays are kept as they are and the log gaps are scaled so that the whole replay
    lasts `target_seconds`; a log without timestamps simply replays in its fixed delays.
    """
    times = [log_time_ms(line) for line in lines]
    timed = [index for index, value in enumerate(times) if value is not None]
    run_start = next(
        (
            index
            for index, line in enumerate(lines)
            if times[index] is not None or _is_console(line)
        ),
        len(lines),
    )
    run_end = timed[-1] if timed else len(lines) - 1

    fixed = [0.0] * len(lines)
    gaps = [0.0] * len(lines)
    previous_ms: float | None = None
    for index, line in enumerate(lines):
        blank = not line.strip()
        moment = times[index]
        if index < run_start:
            fixed[index] = 0.0 if blank else PREAMBLE_LINE_DELAY
        elif index > run_end:
            fixed[index] = 0.0 if blank else REPORT_LINE_DELAY
        elif moment is not None:
            if previous_ms is not None:
                gaps[index] = min(max(moment - previous_ms, 0.0), MAX_LOG_GAP_MS)
            previous_ms = moment
        elif not blank:
            fixed[index] = RUN_TEXT_LINE_DELAY
        if index == run_start:
            fixed[index] += STARTUP_PAUSE

    gap_total = sum(gaps)
    budget = target_seconds - sum(fixed)
    scale = budget / gap_total if gap_total > 0 and budget > 0 else 0.0
    return [pause + gap * scale for pause, gap in zip(fixed, gaps, strict=True)]


def _is_console(line: bytes) -> bool:
    # Vitest's header for captured console output: "stdout | file > test" or "stderr | file".
    return line.startswith((b"stdout | ", b"stderr | "))


def replay(
    source: Path,
    dest: Path,
    *,
    speed: float = 1.0,
    stop: threading.Event | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> None:
    """Append `source` to `dest` line by line, flushing each, on the schedule of `line_delays`.

    `speed` divides every delay. Setting `stop` ends the replay within `POLL_INTERVAL` seconds.
    If `dest` cannot be opened, is removed or replaced, or a write fails, the replay ends
    quietly: whoever was reading it has gone.
    """
    if not speed > 0:
        raise ValueError(f"speed must be positive, not {speed!r}")
    lines = source.read_bytes().splitlines(keepends=True)
    delays = line_delays(lines)
    try:
        out = dest.open("ab")
    except OSError:
        return
    try:
        identity = _file_identity(os.fstat(out.fileno()))
        started = clock()
        due = 0.0
        for line, delay in zip(lines, delays, strict=True):
            due += delay / speed
            if not _wait_until(started + due, stop, clock, sleep):
                return
            if not _still_at(dest, identity):
                return
            out.write(line)
            out.flush()
    except (OSError, ValueError):
        return
    finally:
        with contextlib.suppress(OSError):
            out.close()


def _wait_until(deadline: float, stop: threading.Event | None, clock: Clock, sleep: Sleep) -> bool:
    """Sleep until `deadline` on `clock`; False as soon as `stop` is set."""
    while True:
        if stop is not None and stop.is_set():
            return False
        remaining = deadline - clock()
        if not remaining > 0:
            return True
        sleep(min(remaining, POLL_INTERVAL))


def _file_identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _still_at(path: Path, identity: tuple[int, int]) -> bool:
    """Whether the file opened for the replay is still the one at `path`."""
    try:
        return _file_identity(path.stat()) == identity
    except OSError:
        return False


def demo_run(
    speed: float, workdir: Path | None = None
) -> tuple[Path, threading.Thread, threading.Event]:
    """Start replaying the seed run into a new file on a daemon thread.

    The file is created empty before the thread starts, so it can be watched at once. With no
    `workdir` it is `test-run.log` in a fresh temporary directory; otherwise a uniquely named
    file in `workdir`. Removing the file, or setting the returned event, ends the replay; the
    caller owns the file and its directory afterwards.
    """
    if not speed > 0:
        raise ValueError(f"speed must be positive, not {speed!r}")
    source = seed_log_path()
    if workdir is None:
        path = Path(tempfile.mkdtemp(prefix="testtriage-demo-")) / DEMO_LOG_NAME
        path.touch()
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="test-run-", suffix=".log", dir=workdir)
        os.close(handle)
        path = Path(name)
    stop = threading.Event()
    thread = threading.Thread(
        target=replay,
        args=(source, path),
        kwargs={"speed": speed, "stop": stop},
        name="testtriage-demo-replay",
        daemon=True,
    )
    thread.start()
    return path, thread, stop
