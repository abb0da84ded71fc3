"""The help screen: the keys, and what blocking, noise and unknown mean."""

from __future__ import annotations

from importlib import resources
from typing import ClassVar

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def help_text() -> str:
    return resources.files("testtriage.tui").joinpath("help.md").read_text(encoding="utf-8")


class HelpScreen(ModalScreen[None]):
    """Keys and vocabulary; any of `escape`, `q` or `?` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as container:
            container.border_title = "testtriage help"
            container.border_subtitle = "escape closes"
            # Rendered by rich: the help has no links, and it opens at once this way.
            yield Static(Markdown(help_text()))

    def action_close(self) -> None:
        self.dismiss(None)
