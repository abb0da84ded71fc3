"""The top of the screen: the run's sources and state, elapsed time, lines read and their rate."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from textual.widgets import Static

from testtriage.core.state import RunPhase, RunState
from testtriage.render.panes import Activity, header_line

Clock = Callable[[], float]

STALL_SECONDS = 10.0
"""No new output for this long, while the run is unfinished, shows as stalled."""
BROKEN = ("error", "binary")
"""Source states that the header names, whatever the run's state."""
RATE_WINDOW = 5.0
"""Seconds of history the lines-per-second rate is taken over."""


class RunHeader(Static):
    """One line saying what is read and how it is going; it ticks every second on its own."""

    def __init__(
        self,
        clock: Clock,
        *,
        command: str = "",
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        """Args:
        clock: Monotonic seconds (injected so pictures of the app are deterministic).
        command: The command whose output is read, if the app started one.
        id: The widget's id.
        """
        super().__init__(id=id, markup=False)
        self._clock = clock
        self._command = command
        self._started = clock()
        self._finished_at: float | None = None
        self._last_growth = self._started
        self._samples: deque[tuple[float, int]] = deque()
        self._state = RunState()
        self.paused = False
        """The display is paused (input is still read)."""
        self.problem = ""
        """Why reading stopped, when it failed."""
        self.exit_code: int | None = None
        """The command's exit status once it ended."""

    def on_mount(self) -> None:
        self.set_interval(1.0, self.redraw)
        self.redraw()

    def show(self, state: RunState) -> None:
        now = self._clock()
        if state.lines != self._state.lines or state.generation != self._state.generation:
            self._last_growth = now
        if state.generation != self._state.generation:
            self._samples.clear()
        self._samples.append((now, state.lines))
        self._state = state
        if self._finished_at is None and self._done(state):
            self._finished_at = now
        elif self._finished_at is not None and not self._done(state):
            self._finished_at = None
        self.redraw()

    @property
    def label(self) -> str:
        """waiting, live, paused, stalled, finished, ended or stopped."""
        return self._activity(self._clock()).label

    def redraw(self) -> None:
        # One line whatever it says: no layout (which would redraw the whole screen).
        self.update(header_line(self._state, self._activity(self._clock())), layout=False)

    def _done(self, state: RunState) -> bool:
        return state.phase is RunPhase.FINISHED or state.ended

    def _activity(self, now: float) -> Activity:
        state = self._state
        end = self._finished_at if self._finished_at is not None else now
        waiting = [s.name for s in state.sources.values() if s.status == "waiting"]
        detail = ""
        rate = None
        if self.problem:
            label, detail = "stopped", self.problem
        elif self.paused:
            label = "paused"
        elif state.phase is RunPhase.FINISHED:
            label = "finished"
        elif state.ended:
            label = "ended"
        elif waiting and not state.lines:
            # The header names the sources already; with one, "the file" is enough.
            names = ", ".join(waiting) if len(state.sources) > 1 else "the file to appear"
            label, detail = "waiting", f"for {names}…"
        elif now - self._last_growth >= STALL_SECONDS:
            label = "stalled"
            detail = f"no new output for {int(now - self._last_growth)} s"
        else:
            label = "live"
            rate = self._rate(now)
        broken = [s.message or s.name for s in state.sources.values() if s.status in BROKEN]
        if broken and not detail:
            detail = "; ".join(broken)
        return Activity(
            label=label,
            elapsed=end - self._started,
            rate=rate,
            detail=detail,
            command=self._command,
            exit_code=self.exit_code,
        )

    def _rate(self, now: float) -> float | None:
        """Lines per second over the last few seconds (falling when the input pauses)."""
        while len(self._samples) > 1 and now - self._samples[1][0] >= RATE_WINDOW:
            self._samples.popleft()
        if not self._samples:
            return None
        first_time, first_lines = self._samples[0]
        if now - first_time < 1.0:
            return None
        return (self._state.lines - first_lines) / (now - first_time)
