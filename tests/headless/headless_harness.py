"""Helpers of the headless tests: the scenario logs, running the CLI in-process, golden files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from testtriage.cli import main
from testtriage.demo.replay import seed_log_path

SCENARIOS = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED = seed_log_path()
UPDATE_GOLDEN = os.environ.get("TESTTRIAGE_UPDATE_GOLDEN") == "1"
"""`TESTTRIAGE_UPDATE_GOLDEN=1 pytest tests/headless` rewrites the golden files from the code."""


def scenario(name: str) -> Path:
    """A scenario log by file name; `seed-run.log` is the bundled seed run."""
    return SEED if name == SEED.name else SCENARIOS / name


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        report = orjson.loads(self.out)
        assert isinstance(report, dict)
        return report


class Cli:
    """Runs `testtriage summary` in-process, from the directory of the logs so that sources
    are named by their file name alone (stable in golden files)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def summary(self, log: str | Path, *args: str, cwd: Path | None = None) -> CliRun:
        path = scenario(log) if isinstance(log, str) else log
        self.monkeypatch.chdir(cwd or path.parent)
        self.capsys.readouterr()
        code = main(["summary", path.name if cwd is None else str(path), *args])
        captured = self.capsys.readouterr()
        return CliRun(code, captured.out, captured.err)


def check_golden(name: str, actual: str) -> None:
    """Compare with `golden/<name>` exactly (or rewrite it when updating golden files)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with TESTTRIAGE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (TESTTRIAGE_UPDATE_GOLDEN=1)"
