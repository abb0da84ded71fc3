"""`summary --follow` reads a log while it is written and ends by itself with the run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from headless_harness import SEED

FOLLOW_TIMEOUT = 30.0


def summary_process(path: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "testtriage", "summary", path.name, "--format", "json"]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen(
        [*command, *args],
        cwd=path.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """What a followed and a whole read of the same file must agree on."""
    return {key: report[key] for key in ("run", "tests", "findings", "verdict")}


def test_a_follow_ends_on_the_runners_summary_and_matches_a_whole_read(tmp_path: Path) -> None:
    log = tmp_path / "live.log"
    log.write_bytes(b"")
    process = summary_process(log, "--follow")
    lines = SEED.read_bytes().splitlines(keepends=True)
    with log.open("ab") as handle:
        for index, line in enumerate(lines):
            handle.write(line)
            handle.flush()
            if index % 20 == 0:
                time.sleep(0.01)
    out, err = process.communicate(timeout=FOLLOW_TIMEOUT)
    followed = orjson.loads(out)
    assert followed["run"]["state"] == "finished", err.decode()
    assert process.returncode == 1

    whole = subprocess.run(
        [sys.executable, "-m", "testtriage", "summary", log.name, "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert comparable(followed) == comparable(orjson.loads(whole.stdout))


def test_the_idle_timeout_ends_a_follow_that_never_finishes(tmp_path: Path) -> None:
    log = tmp_path / "stuck.log"
    seed = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(seed[:120]), encoding="utf-8")
    started = time.monotonic()
    process = summary_process(log, "--follow", "--idle-timeout", "0.5")
    out, err = process.communicate(timeout=FOLLOW_TIMEOUT)
    assert time.monotonic() - started < FOLLOW_TIMEOUT
    report = orjson.loads(out)
    assert report["run"]["state"] != "finished", err.decode()
    assert report["sources"][0]["lines"] == 120
    assert process.returncode in (0, 1)
