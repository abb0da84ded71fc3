"""The list of findings: one row per finding, updated in place as the run grows."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events

from testtriage.core.diagnosis import Finding
from testtriage.render.common import CATEGORY_STYLE
from testtriage.render.panes import clean, display_name, marker
from testtriage.tui.widgets.row_table import Column, RowTable

NARROW = 110
"""Below this width the title takes nearly all the room left; above, the tests get some."""
ID_WIDTH = 4
"""`● F1`: the id column widens as the ids grow (`● F10`)."""


def columns(tests_share: float, id_width: int = ID_WIDTH) -> tuple[Column, ...]:
    """The columns; the title and the tests share whatever width the others leave."""
    return (
        Column("id", "", id_width),
        Column("category", "category", 10),
        Column("title", "finding", 30, share=1.0 - tests_share),
        Column("count", "count", 5),
        Column("tests", "breaks", 10, share=tests_share),
    )


class FindingsTable(RowTable):
    """Findings, blocking first. Rows are keyed by fingerprint so they update in place: the
    selection stays on its finding while counts grow and rows move."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(columns(0.3), id=id)
        self._tests_share = 0.3
        self._id_width = ID_WIDTH
        self.border_title = "Findings"
        self._shown: dict[str, tuple[str, ...]] = {}
        """Fingerprint -> the plain text and style of its cells, to touch only changed rows."""
        self.pinned = False
        """The user chose a row: the cursor stays on its finding. Until then it stays on top,
        on the finding that matters most so far."""

    @property
    def selected_key(self) -> str | None:
        """The fingerprint of the finding under the cursor."""
        return self.cursor_key

    def show(self, findings: Sequence[Finding]) -> None:
        """Make the rows match `findings`, in their order, changing only what changed."""
        selected = self.selected_key
        wanted = {finding.group.fingerprint: finding for finding in findings}
        for key in [key for key in self._shown if key not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        id_width = max([ID_WIDTH, *(len(finding.id) + 2 for finding in findings)])
        if id_width != self._id_width:
            self._id_width = id_width
            self.set_columns(columns(self._tests_share, id_width))
        for key, finding in wanted.items():
            cells = _cells(finding)
            plain = tuple(cell.plain + str(cell.style) for cell in cells)
            known = self._shown.get(key)
            if known is None:
                self.add_row(key, cells)
            elif known != plain:
                self.update_row(key, cells)
            self._shown[key] = plain
        if list(self.row_keys) != list(wanted):
            self.reorder(wanted)
        if not self.pinned:
            if self.row_count and self.cursor_row != 0:
                self.move_cursor(row=0, scroll=True)
        elif selected in wanted:
            index = self.get_row_index(selected)
            if index != self.cursor_row:
                self.move_cursor(row=index, scroll=True)

    def select(self, fingerprint: str) -> bool:
        """Put the cursor on a finding (and keep it there); False if it is not shown."""
        if fingerprint not in self._shown:
            return False
        self.pinned = True
        self.move_cursor(row=self.get_row_index(fingerprint), scroll=True)
        return True

    # Moving the cursor by hand pins the selection to the chosen finding.

    def action_cursor_up(self) -> None:
        self.pinned = True
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self.pinned = True
        super().action_cursor_down()

    def action_page_up(self) -> None:
        self.pinned = True
        super().action_page_up()

    def action_page_down(self) -> None:
        self.pinned = True
        super().action_page_down()

    def action_scroll_top(self) -> None:
        self.pinned = True
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        self.pinned = True
        super().action_scroll_bottom()

    def on_click(self, event: events.Click) -> None:
        # Textual calls RowTable's own click handler after this one.
        self.pinned = True

    def on_resize(self, event: events.Resize) -> None:
        # The title takes most of the room; wide screens leave some for the test names.
        self._tests_share = 0.05 if event.size.width < NARROW else 0.3
        self.set_columns(columns(self._tests_share, self._id_width))


def _cells(finding: Finding) -> tuple[Text, ...]:
    return (
        Text.assemble(marker(finding), " ", (finding.id, "bold")),
        Text(finding.category, style=CATEGORY_STYLE.get(finding.category, "cyan")),
        Text(clean(finding.title, 200), no_wrap=True, overflow="ellipsis"),
        Text(f"{finding.count}×", justify="right"),
        _tests_cell(finding),
    )


def _tests_cell(finding: Finding) -> Text:
    tests = finding.tests
    if len(tests) == 1:
        name = display_name(tests[0]).split(" > ")[-1]
        return Text(clean(name, 80), style="red", no_wrap=True, overflow="ellipsis")
    if tests:
        return Text(f"{len(tests)} tests", style="red")
    return Text("—", style="dim")
