"""A table of one-line rows drawn through the Line API: each row is rendered once, then reused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

MIN_WIDTH = 8
"""The narrowest a flexible column gets."""
PADDING = 1
"""Blank cells on each side of every cell."""
CACHED_ROWS = 2048
"""Rendered rows kept (a screenful is drawn again on every layout: a tab switch, a resize)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, its header, and its width (fixed, or a share of what is left)."""

    key: str
    label: str
    width: int
    """The width of a fixed column (a flexible one's comes from its share)."""
    share: float = 0.0
    """When above 0, the column takes this share of the width the fixed columns leave."""


def fit_widths(columns: Sequence[Column], width: int) -> tuple[int, ...]:
    """The width of each column in a table `width` cells wide: fixed columns keep theirs, the
    flexible ones share the rest (each at least `MIN_WIDTH`), so nothing scrolls sideways."""
    flexible = [column for column in columns if column.share > 0]
    fixed = sum(column.width for column in columns if column.share <= 0)
    spare = max(0, width - fixed - 2 * PADDING * len(columns) - MIN_WIDTH * len(flexible))
    total = sum(column.share for column in flexible) or 1.0
    return tuple(
        MIN_WIDTH + int(spare * column.share / total) if column.share > 0 else column.width
        for column in columns
    )


class RowTable(ScrollView, can_focus=True):
    """Rows keyed by a string, a header that stays on top, and a row cursor.

    A live run changes a few rows per update; only those are rendered again (a DataTable
    renders every visible cell again after any change, and after every layout)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_top", "Top", show=False),
        Binding("end", "scroll_bottom", "Bottom", show=False),
        Binding("enter", "select_cursor", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-table--header", "row-table--cursor"}
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
    }
    RowTable:focus { background-tint: $foreground 5%; }
    RowTable > .row-table--header { text-style: bold; background: $panel; color: $foreground; }
    RowTable > .row-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    RowTable:focus > .row-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    @dataclass
    class RowMessage(Message):
        """Something happened to the row under the cursor."""

        table: RowTable
        cursor_row: int
        row_key: str

        @property
        def control(self) -> RowTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor moved to another row."""

    class RowSelected(RowMessage):
        """The row under the cursor was chosen (enter, or a click on it)."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._keys: list[str] = []
        self._index: dict[str, int] | None = {}
        """Row key -> position; None after a removal or a reorder, until asked for again."""
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._cursor = 0
        self._widths = fit_widths(self.columns, 0)
        self._strips: LRUCache[str, Strip] = LRUCache(CACHED_ROWS)
        self._header: Strip | None = None
        self._styles: tuple[Style, Style] | None = None
        """The table's style and its cursor's, for the frame being drawn."""

    # --- rows --------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> Sequence[str]:
        """The keys of the rows, top to bottom."""
        return tuple(self._keys)

    def get_row_index(self, key: str) -> int:
        """The position of row `key` (KeyError if there is none)."""
        if self._index is None:
            self._index = {row: index for index, row in enumerate(self._keys)}
        return self._index[key]

    def get_cell(self, key: str, column: str) -> Text:
        return self._cells[key][self._column_index(column)]

    def add_row(self, key: str, cells: Sequence[Text]) -> None:
        """Add a row at the bottom (replacing the cells of an existing row with the same key)."""
        if key in self._cells:
            self.update_row(key, cells)
            return
        self._check(cells)
        self._cells[key] = tuple(cells)
        if self._index is not None:
            self._index[key] = len(self._keys)
        self._keys.append(key)
        self._resized()
        self._refresh_row(len(self._keys) - 1)
        if len(self._keys) == 1:
            self._highlighted()

    def update_row(self, key: str, cells: Sequence[Text]) -> None:
        index = self.get_row_index(key)
        self._check(cells)
        self._cells[key] = tuple(cells)
        self._strips.discard(key)
        self._refresh_row(index)

    def remove_row(self, key: str) -> None:
        index = self.get_row_index(key)
        under_cursor = self.cursor_key
        del self._keys[index]
        del self._cells[key]
        self._strips.discard(key)
        self._index = None
        self._cursor = min(self._cursor, max(0, len(self._keys) - 1))
        self._resized()
        self.refresh()
        self._highlight_if_moved(under_cursor)

    def reorder(self, keys: Iterable[str]) -> None:
        """Put the rows in the order of `keys` (which names every row once)."""
        ordered = list(keys)
        if sorted(ordered) != sorted(self._keys):
            raise ValueError("reorder needs every row's key once")
        under_cursor = self.cursor_key
        self._keys = ordered
        self._index = None
        self.refresh()
        self._highlight_if_moved(under_cursor)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Change the columns' widths or shares (the same columns, in the same order)."""
        columns = tuple(columns)
        if [column.key for column in columns] != [column.key for column in self.columns]:
            raise ValueError("set_columns changes widths, not which columns there are")
        if columns != self.columns:
            self.columns = columns
            self._header = None
            self._resized()
            self.refresh()

    def clear(self) -> None:
        self._keys.clear()
        self._cells.clear()
        self._index = {}
        self._strips.clear()
        self._cursor = 0
        self._resized()
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def _check(self, cells: Sequence[Text]) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")

    def _column_index(self, column: str) -> int:
        for index, known in enumerate(self.columns):
            if known.key == column:
                return index
        raise KeyError(column)

    # --- the cursor --------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None when there is no row)."""
        return self._keys[self._cursor] if self._keys else None

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        """Put the cursor on `row` (clamped to the rows there are)."""
        row = max(0, min(row, len(self._keys) - 1))
        if row == self._cursor or not self._keys:
            if scroll:
                self._scroll_to_cursor()
            return
        self._refresh_row(self._cursor)
        self._cursor = row
        self._refresh_row(row)
        if scroll:
            self._scroll_to_cursor()
        self._highlighted()

    def _highlight_if_moved(self, before: str | None) -> None:
        """Say so when another row came under the cursor (its row went, or rows moved)."""
        if self.cursor_key != before:
            self._highlighted()

    def _highlighted(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowHighlighted(self, self._cursor, key))

    def _scroll_to_cursor(self) -> None:
        shown = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + shown:
            self.scroll_to(y=self._cursor - shown + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        """Turn a page: the view and the cursor move by a screenful less a row."""
        step = direction * max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=round(self.scroll_y) + step, animate=False, immediate=True)
        self.move_cursor(row=self._cursor + step)

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, self._cursor, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self._keys):
            return
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row, scroll=False)

    # --- drawing -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._resized()

    def watch_show_vertical_scrollbar(self) -> None:
        # The scrollbar takes its width from the rows without resizing the table.
        self._resized()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    def _resized(self) -> None:
        width = self.scrollable_content_region.width
        widths = fit_widths(self.columns, width)
        if widths != self._widths:
            self._widths = widths
            self._strips.clear()
            self._header = None
        total = sum(widths) + 2 * PADDING * len(widths)
        size = Size(total, len(self._keys) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
            # Textual clamps the scroll at its next layout only if the sizes it compares
            # differ; rows removed can leave the view past the end, drawing nothing.
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index + 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._styles = None  # looked up once per frame: each lookup walks up the DOM
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("row-table--cursor"))
        base, cursor = self._styles
        if y == 0:
            if self._header is None:
                header = self.get_component_rich_style("row-table--header")
                labels = [Text(column.label) for column in self.columns]
                self._header = self._draw(labels).apply_style(header)
            return self._header.crop_extend(0, width, base)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._keys):
            return Strip.blank(width, base)
        key = self._keys[index]
        strip = self._strips.get(key)
        if strip is None:
            strip = self._draw(self._cells[key])
            self._strips[key] = strip
        if index == self._cursor:
            return Strip(
                Segment.apply_style(iter(strip), base, cursor), strip.cell_length
            ).crop_extend(0, width, base + cursor)
        return strip.apply_style(base).crop_extend(0, width, base)

    def _draw(self, cells: Sequence[Text]) -> Strip:
        """One row, unstyled by the table: each cell cut (with an ellipsis) or padded to its
        column, right-aligned when the cell asks for it."""
        console = self.app.console
        segments: list[Segment] = []
        pad = Segment(" " * PADDING)
        for cell, width in zip(cells, self._widths, strict=True):
            text = cell.split("\n")[0] if "\n" in cell.plain else cell.copy()
            text.expand_tabs()
            text.truncate(width, overflow="ellipsis")
            room = width - text.cell_len
            if room > 0:
                if cell.justify == "right":
                    text.pad_left(room)
                else:
                    text.pad_right(room)
            segments.append(pad)
            if text.spans:
                segments.extend(text.render(console))
            else:  # rendering a Text without spans leaves out its own style
                style = console.get_style(text.style) if text.style else None
                segments.append(Segment(text.plain, style))
            segments.append(pad)
        return Strip(segments, sum(self._widths) + 2 * PADDING * len(self._widths))
