"""The app's cycle collector settings: fewer, smaller collections while it runs, restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_harness import SIZE, app_for

from testtriage.core.rules.engine import RuleEngine
from testtriage.tui.collector import OLDER_PASSES, YOUNG_OBJECTS, QuietCollector


@pytest.fixture
def collector_as_found() -> Iterator[tuple[int, int, int]]:
    """Python's settings before the test, checked to be back after it."""
    before = gc.get_threshold()
    yield before
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_start_freezes_what_lives_long_and_stop_restores(
    collector_as_found: tuple[int, int, int],
) -> None:
    collector = QuietCollector()
    collector.start()
    collector.start()  # a second start changes nothing, and one stop undoes both
    try:
        assert gc.get_threshold() == (YOUNG_OBJECTS, OLDER_PASSES, OLDER_PASSES)
        assert gc.get_freeze_count() > 0
    finally:
        collector.stop()
    collector.stop()
    assert gc.get_threshold() == collector_as_found


async def test_the_app_quiets_the_collector_while_it_runs(
    collector_as_found: tuple[int, int, int], seed_log: Path, engine: RuleEngine
) -> None:
    app = app_for(seed_log, engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert gc.get_threshold()[0] == YOUNG_OBJECTS
        assert gc.get_freeze_count() > 0


def test_what_another_part_froze_stays_frozen(
    collector_as_found: tuple[int, int, int],
) -> None:
    gc.freeze()
    try:
        collector = QuietCollector()
        collector.start()
        collector.stop()
        # Still frozen (the count itself drops as frozen objects are freed by reference).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
