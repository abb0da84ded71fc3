"""The export dialog: which format, and which file."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from testtriage.tui.export import FORMATS, ExportRequest


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Asks for a format (Markdown or JSON) and a path; `enter` exports, `escape` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fmt: str = "markdown") -> None:
        super().__init__()
        self.fmt = fmt if fmt in FORMATS else "markdown"

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static("Export the report", classes="dialog-title")
            with RadioSet(id="export-format"):
                yield RadioButton("Markdown", value=self.fmt == "markdown", id="fmt-markdown")
                yield RadioButton("JSON", value=self.fmt == "json", id="fmt-json")
            yield Static("Save to", classes="dialog-label")
            yield Input(value=FORMATS[self.fmt], id="export-path")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        fmt = "json" if event.pressed.id == "fmt-json" else "markdown"
        path = self.query_one(Input)
        # Follow the format with the default name, unless the user typed a name of their own.
        if path.value in FORMATS.values():
            path.value = FORMATS[fmt]
        self.fmt = fmt

    def on_input_submitted(self) -> None:
        self._export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._export()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _export(self) -> None:
        path = self.query_one(Input).value.strip()
        if not path:
            self.notify("Give a file name to export to.", severity="warning")
            return
        self.dismiss(ExportRequest(self.fmt, path))
