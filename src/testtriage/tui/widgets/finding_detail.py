"""The panes beside the findings: the evidence of the selected finding, and its fix."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Markdown, Static

from testtriage.core.diagnosis import Diagnosis, Finding
from testtriage.render.panes import evidence_view, fix_markdown

NO_FINDING = "No finding selected."


class EvidencePane(VerticalScroll):
    """Where the selected finding was seen: each kept occurrence with its context."""

    BORDER_TITLE = "Evidence"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._shown: tuple[object, ...] | None = None
        self.renderable: RenderableType = Text(NO_FINDING, style="dim")
        """What the pane shows."""

    def compose(self) -> ComposeResult:
        yield Static(Text(NO_FINDING, style="dim"), id="evidence-body", markup=False)

    def show(self, finding: Finding | None) -> None:
        """Show `finding`'s evidence; nothing is redrawn when it did not change."""
        key = None
        if finding is not None:
            group = finding.group
            key = (group.fingerprint, finding.id, group.evidence, group.count)
        if key == self._shown:
            return
        same_finding = key is not None and self._shown is not None and self._shown[0] == key[0]
        self._shown = key
        if finding is None:
            self.renderable = Text(NO_FINDING, style="dim")
        else:
            self.renderable = evidence_view(finding)
        self.query_one("#evidence-body", Static).update(self.renderable)
        if not same_finding:
            self.scroll_home(animate=False)

    @property
    def rendered_text(self) -> str:
        """The pane's text as shown, without styles."""
        return plain_text(self.renderable, self.size.width or 100)


class FixPane(VerticalScroll):
    """The recommended fix of the selected finding, why, its fields and the tests it breaks."""

    BORDER_TITLE = "Fix"
    SETTLE = 0.06
    """Seconds the selection must rest before the Markdown is laid out again: moving fast
    through the list stays fluid, the fix follows once the cursor stops."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.markdown = NO_FINDING
        """The Markdown of the selected finding (what `y` copies), shown once it settles."""
        self._finding_id: str | None = None
        self._shown = NO_FINDING
        self._timer: Timer | None = None
        self._new_finding = False

    def compose(self) -> ComposeResult:
        yield Markdown(NO_FINDING, id="fix-body", open_links=False)

    def show(self, finding: Finding | None, diagnosis: Diagnosis) -> None:
        self.markdown = NO_FINDING if finding is None else fix_markdown(finding, diagnosis)
        finding_id = finding.id if finding is not None else None
        self._new_finding = self._new_finding or finding_id != self._finding_id
        self._finding_id = finding_id
        if self.markdown == self._shown and self._timer is None:
            self._new_finding = False
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.SETTLE, self._lay_out)

    def _lay_out(self) -> None:
        self._timer = None
        if self.markdown == self._shown:
            self._new_finding = False
            return
        self._shown = self.markdown
        self.query_one(Markdown).update(self.markdown)
        if self._new_finding:
            self._new_finding = False
            self.scroll_home(animate=False)


def plain_text(renderable: RenderableType, width: int) -> str:
    """What a renderable looks like at `width` cells, without styles."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()
