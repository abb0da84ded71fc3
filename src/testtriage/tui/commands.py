"""The command palette's commands: jump to a finding, filter, export, follow, copy."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from testtriage.render.panes import clean

if TYPE_CHECKING:
    from testtriage.tui.app import TriageApp

Command = tuple[str, Callable[[], object], str]
"""Title (inert text), what it does, and its help line."""


def inert_highlight(matcher: Matcher, title: str) -> Content:
    """`title` with the matched letters highlighted, never read as markup (titles come from
    logs)."""
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class TriageCommands(Provider):
    """Every finding as a jump target, plus the app's actions."""

    def commands(self) -> list[Command]:
        app = cast("TriageApp", self.app)
        found: list[Command] = []
        findings = app.snapshot.diagnosis.findings if app.snapshot is not None else ()
        for finding in findings:
            title = f"{finding.id} {finding.category}: {clean(finding.title, 80)}"
            kind = "blocking" if finding.blocking else "noise"
            found.append((title, partial(app.jump_to, finding.id), f"Jump to this {kind} finding"))
        for category in dict.fromkeys(f.category for f in findings):
            found.append(
                (
                    f"Filter findings: {category}",
                    partial(app.filter_category, category),
                    f"List only {category} findings",
                )
            )
        found += [
            ("Filter findings: all categories", partial(app.filter_category, None), "Clear it"),
            ("Show only blocking findings", app.action_toggle_blocking, "Toggle (also: b)"),
            ("Export Markdown report", partial(app.action_export, "markdown"), "Also: x"),
            ("Export JSON report", partial(app.action_export, "json"), "The summary JSON"),
            ("Toggle follow in the log", app.action_toggle_follow, "Keep the log at its end"),
            ("Copy the selected fix", app.action_copy_fix, "To the clipboard (also: y)"),
            ("Open the selected finding in the log", app.action_open_in_log, "Also: o, enter"),
            ("Pause or resume the display", app.action_toggle_pause, "Input is still read (p)"),
        ]
        return found

    async def discover(self) -> Hits:
        for title, callback, help_text in self.commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, inert_highlight(matcher, title), callback, text=title, help=help_text
                )
