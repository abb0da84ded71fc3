"""A one-line live status on stderr while a long read or a follow runs."""

from __future__ import annotations

import sys
import time

from testtriage.core.state import RunState

REFRESH_SECONDS = 0.2


def human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class StatusLine:
    """Rewrites one stderr line at most five times a second; silent when stderr is not a TTY."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._started = time.monotonic()
        self._last = 0.0
        self._shown = False

    def update(self, state: RunState) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < REFRESH_SECONDS:
            return
        self._last = now
        counts = state.counts()
        elapsed = max(now - self._started, 1e-6)
        rate = state.lines / elapsed
        blocking = sum(1 for g in state.groups.values() if g.linked)
        text = (
            f"{state.lines:,} lines, {human_bytes(state.bytes_read)} ({rate:,.0f} lines/s) · "
            f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped · "
            f"{len(state.groups)} findings ({blocking} in failures)"
        )
        sys.stderr.write("\r\x1b[2K" + text[:200])
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
            self._shown = False
