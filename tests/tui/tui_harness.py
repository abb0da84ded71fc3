"""Helpers of the TUI tests: the app on the seed run, a fixed clock, waiting with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.state import RunPhase
from testtriage.demo.replay import seed_log_path
from testtriage.tui.app import TriageApp, make_app

SIZE = (120, 36)
"""The terminal size of most tests (the size of the README screenshots)."""
LABEL = "test.log"
"""What the sources are called on screen, whatever the temporary path."""


def fixed_clock() -> float:
    """A clock that never moves: elapsed time and rates stay the same in every picture."""
    return 1_000.0


def seed_lines() -> list[bytes]:
    return seed_log_path().read_bytes().splitlines(keepends=True)


def app_for(path: Path, engine: RuleEngine, *, claim: str | None = None) -> TriageApp:
    """The app following `path`, named `test.log`, on the fixed clock."""
    return make_app([SourceSpec(str(path), label=LABEL)], engine, claim=claim, clock=fixed_clock)


async def eventually(
    pilot: Pilot[int], condition: Callable[[], object], timeout: float = 10.0, what: str = ""
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what or condition}")
        await pilot.pause(0.02)
    await pilot.pause()


def finished(app: TriageApp) -> bool:
    snapshot = app.snapshot
    return snapshot is not None and snapshot.state.phase is RunPhase.FINISHED


async def until_finished(pilot: Pilot[int]) -> None:
    """Wait until the whole seed run is read and shown."""
    app = pilot.app
    assert isinstance(app, TriageApp)
    await eventually(pilot, lambda: finished(app), what="the run to finish")
    # Let the table and panes take the last update in.
    await pilot.pause()
    await asyncio.sleep(0)
