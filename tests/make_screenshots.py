"""Make the README screenshots: the app on the seed run at 120×36, saved to screenshots/.

Run it from the repository: `python tests/make_screenshots.py`.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from testtriage.core.ingest.chunks import SourceSpec
from testtriage.core.session import build_engine
from testtriage.core.state import RunPhase
from testtriage.demo.replay import seed_log_path
from testtriage.tui.app import TriageApp, make_app

SIZE = (120, 36)
OUT = Path(__file__).resolve().parent.parent / "screenshots"
Scene = Callable[[Pilot[int]], Awaitable[None]]


def frozen_clock() -> float:
    return 0.0


async def until_finished(pilot: Pilot[int], timeout: float = 20.0) -> None:
    app = pilot.app
    assert isinstance(app, TriageApp)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.snapshot is None or app.snapshot.state.phase is not RunPhase.FINISHED:
        if loop.time() > deadline:
            raise SystemExit("the seed run did not finish in time")
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def findings(pilot: Pilot[int]) -> None:
    """The first blocking finding selected, with its evidence and fix."""


async def tests(pilot: Pilot[int]) -> None:
    await pilot.press("2")


async def log_filter(pilot: Pilot[int]) -> None:
    await pilot.press("3", "f", *"job_status", "enter")


async def help_screen(pilot: Pilot[int]) -> None:
    await pilot.press("question_mark")


SCENES: dict[str, Scene] = {
    "main.svg": findings,
    "tests.svg": tests,
    "log-filter.svg": log_filter,
    "help.svg": help_screen,
}


async def shoot(name: str, scene: Scene, log: Path) -> Path:
    spec = SourceSpec(str(log), label="test.log")
    app = make_app(
        [spec], build_engine(), claim="auth user creation is failing", clock=frozen_clock
    )
    app.title = "testtriage demo"
    async with app.run_test(size=SIZE) as pilot:
        await until_finished(pilot)
        await scene(pilot)
        await pilot.pause(0.5)
        return Path(app.save_screenshot(name, str(OUT)))


async def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="testtriage-shots-") as workdir:
        log = Path(workdir) / "test.log"
        shutil.copyfile(seed_log_path(), log)
        for name, scene in SCENES.items():
            print(f"saved {await shoot(name, scene, log)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
