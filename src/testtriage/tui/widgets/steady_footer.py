"""The key bar: Textual's footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """A footer that keeps its keys while focus moves between widgets that show the same ones.

    Textual's footer composes its keys again on every change of focus; switching tabs moves the
    focus, and rebuilding the bar each time costs more than drawing the tab itself.
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.key == screen.app.COMMAND_PALETTE_BINDING
        )
        if shown == self._shown and self.children:
            return
        self._shown = shown
        super().bindings_changed(screen)
