"""The panes beside the findings: the evidence of the selected finding, and its fix."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from testtriage.core.diagnosis import Diagnosis, Finding
from testtriage.render.evidence import evidence_view
from testtriage.render.panes import FIX_FIRST, SURFACE_OF, fix_body_markdown, fix_markdown

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

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.markdown = NO_FINDING
        """The Markdown of the selected finding (what `y` copies)."""
        self._finding_id: str | None = None
        self._shown = NO_FINDING

    def compose(self) -> ComposeResult:
        yield Static(Text(NO_FINDING, style="dim"), id="fix-body", markup=False)

    def show(self, finding: Finding | None, diagnosis: Diagnosis) -> None:
        # One Static drawing rich's Markdown: the pane changes with every move of the cursor,
        # and a widget per Markdown block would be laid out anew each time.
        self.markdown = NO_FINDING if finding is None else fix_markdown(finding, diagnosis)
        if self.markdown == self._shown:
            return
        self._shown = self.markdown
        body = self.query_one("#fix-body", Static)
        body.update(
            Text(NO_FINDING, style="dim") if finding is None else fix_view(finding, diagnosis)
        )
        finding_id = finding.id if finding is not None else None
        if finding_id != self._finding_id:
            self._finding_id = finding_id
            self.scroll_home(animate=False)


def fix_view(finding: Finding, diagnosis: Diagnosis) -> RenderableType:
    """The fix as shown: the findings this one is the surface of (each a link), then the rest."""
    body = RichMarkdown(fix_body_markdown(finding, diagnosis), hyperlinks=False)
    if not finding.related:
        return body
    line = Text(f"▌ {SURFACE_OF} ", style="italic")
    for index, related in enumerate(finding.related):
        if index:
            line.append(", ")
        action = f"app.jump_to({related!r})"
        line.append(related, style=Style(bold=True, underline=True, meta={"@click": action}))
    line.append(f": {FIX_FIRST}")
    return Group(line, Text(), body)


def plain_text(renderable: RenderableType, width: int) -> str:
    """What a renderable looks like at `width` cells, without styles."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()
