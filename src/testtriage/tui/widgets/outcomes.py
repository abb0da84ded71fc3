"""How a test's outcome reads: its status mark, its duration, and the card of a selected test."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from testtriage.core.diagnosis import Finding
from testtriage.core.results import TestKey
from testtriage.render.common import CATEGORY_STYLE
from testtriage.render.panes import clean, display_name, marker

STATUS_MARKS = {
    "passed": ("✓", "green"),
    "failed": ("×", "bold red"),
    "skipped": ("↓", "dim"),
    "error": ("!", "bold red"),
}


def tail(text: str, width: int) -> str:
    """The end of `text` in `width` cells (a path's file name matters more than its start)."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def status_mark(status: str) -> Text:
    symbol, style = STATUS_MARKS.get(status, ("·", "dim"))
    return Text(symbol, style=style)


def duration_text(duration_ms: float | None) -> Text:
    if duration_ms is None:
        return Text("")
    if duration_ms >= 1000:
        return Text(f"{duration_ms / 1000:.2f}s", justify="right")
    return Text(f"{duration_ms:.0f}ms", justify="right")


def outcome_card(
    key: TestKey,
    status: str,
    message: str,
    findings: Sequence[Finding],
    *,
    duration_ms: float | None = None,
    kind: str = "test",
) -> RenderableType:
    """A test's name, file, status, failure message and the findings behind it."""
    symbol, style = STATUS_MARKS.get(status, ("·", "dim"))
    heading = Text.assemble((f"{symbol} {status}", style))
    if kind != "test":
        heading.append(f" ({kind})", style="dim")
    if duration_ms is not None:
        heading.append("  ")
        heading.append_text(duration_text(duration_ms))
    rows: list[RenderableType] = [heading, Text(clean(display_name(key)), style="bold")]
    if key.file:
        rows.append(Text(clean(key.file), style="dim"))
    if message:
        rows += [Text(), Text("failure", style="bold"), Text(clean(message, 2_000))]
    if findings:
        rows += [Text(), Text("caused by", style="bold")]
        for finding in findings:
            line = Text.assemble(marker(finding), f" {finding.id} ")
            line.append(finding.category, style=CATEGORY_STYLE.get(finding.category, "cyan"))
            line.append("  ")
            line.append_text(Text(clean(finding.title, 200)))
            rows.append(line)
    elif status in ("failed", "error"):
        rows += [Text(), Text("No finding explains this failure: read its output.", style="dim")]
    return Group(*rows)
