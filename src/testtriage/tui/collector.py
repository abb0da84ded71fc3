"""Keeping Python's cycle collector from pausing the app: fewer, smaller collections."""

from __future__ import annotations

import gc

YOUNG_OBJECTS = 10_000
"""Allocations between two collections of the youngest objects (Python's default: 700)."""
OLDER_PASSES = 20
"""Collections of one generation between two of the next (Python's default: 10)."""


class QuietCollector:
    """While the app runs, objects that live as long as it does (modules, widgets, rules) are
    frozen out of the collector's sight, and it runs less often.

    A full collection walks every object the process holds: with a run being followed, about
    0.1 s during which no key is answered; with Python's thresholds that happened more than
    once a second under a fast writer. Garbage is still collected, in larger batches."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None
        self._froze = False

    def start(self) -> None:
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        # Objects someone else froze stay theirs: unfreezing would thaw them too.
        self._froze = gc.get_freeze_count() == 0
        if self._froze:
            gc.collect()
            gc.freeze()
        gc.set_threshold(YOUNG_OBJECTS, OLDER_PASSES, OLDER_PASSES)

    def stop(self) -> None:
        """Put the collector back as it was (tests run many apps in one process)."""
        if self._saved is None:
            return
        if self._froze:
            gc.unfreeze()
        gc.set_threshold(*self._saved)
        self._saved = None
