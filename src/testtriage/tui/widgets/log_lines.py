"""The virtual line area of the Log tab: draws only the visible lines, read back from the file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from testtriage.core.logscan import LineMatcher, classify
from testtriage.core.records import LEVEL_DEBUG, LEVEL_WARN, LogFields
from testtriage.core.safety import neutralize

QueryMode = Literal["search", "filter"]
_LEVEL_LABELS = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL"}
_MAX_SPANS = 64
MAX_SHOWN_CHARS = 4096
"""Characters of a line kept for drawing (and horizontal scrolling); the rest shows as `…`."""
_TONES = ("error", "warn", "debug")


class LineSource(Protocol):
    """What the line area asks of the widget that owns the rows."""

    @property
    def row_count(self) -> int: ...

    @property
    def last_line(self) -> int: ...

    @property
    def cursor_line(self) -> int | None: ...

    def line_at_row(self, row: int) -> int | None: ...

    def read_line(self, line: int) -> str | None: ...

    def user_scrolled_up(self) -> None: ...

    def click_line(self, line: int) -> None: ...

    def lines_resized(self) -> None: ...

    def action_top(self) -> None: ...

    def action_bottom(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LineLook:
    """How one line is drawn: its safe text, its tone, and the highlighted spans."""

    text: str
    tone: str
    """"error", "warn", "debug" or "" (default colour)."""
    spans: tuple[tuple[int, int], ...] = ()


def compact_json(log: LogFields, prefix: str) -> str:
    """A JSON log as `LEVEL msg  err.type: err.message` (empty when it has nothing to say)."""
    label = _LEVEL_LABELS.get(log.level or 0) or (log.level_name.upper()[:5] or "-")
    parts = [f"{label:<5} {prefix}{log.message}".rstrip()]
    error = log.error
    if error is not None and (error.type or error.message):
        parts.append(": ".join(part for part in (error.type, error.message) if part))
    return "  ".join(parts) if (log.message or len(parts) > 1) else ""


def line_look(text: str, *, compact: bool, highlight: LineMatcher | None) -> LineLook:
    """The look of a decoded line: escapes made inert, tabs expanded, coloured by level."""
    line_class = classify(text)
    log = line_class.log
    level = line_class.level
    if line_class.error:
        tone = "error"
    elif level is not None and level >= LEVEL_WARN:
        tone = "warn"
    elif log is not None and level is not None and level <= LEVEL_DEBUG:
        tone = "debug"
    else:
        tone = ""
    shown = (compact_json(log, line_class.prefix) if compact and log is not None else "") or text
    safe = neutralize(shown)
    if len(safe) > MAX_SHOWN_CHARS:  # looks are cached: keep them small whatever the line
        safe = safe[:MAX_SHOWN_CHARS] + "…"
    safe = safe.expandtabs(8)
    spans = tuple(highlight.spans(safe)[:_MAX_SPANS]) if highlight is not None else ()
    return LineLook(safe, tone, spans)


@dataclass(frozen=True, slots=True)
class _Palette:
    """The styles of one frame's rows."""

    base: Style
    cursor: Style
    gutter: Style
    match: Style
    tones: dict[str, Style]


class LogLines(ScrollView, can_focus=True):
    """Rows of a log drawn on demand through `render_line`; nothing per line is kept but a
    bounded cache of the looks of recently drawn lines."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-lines--gutter",
        "log-lines--cursor",
        "log-lines--match",
        "log-lines--error",
        "log-lines--warn",
        "log-lines--debug",
    }
    DEFAULT_CSS = """
    LogLines {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        background: $surface;
        color: $foreground;
    }
    LogLines > .log-lines--gutter { color: $text-muted; }
    LogLines > .log-lines--cursor { background: $primary 45%; }
    LogLines > .log-lines--match { background: $warning 55%; color: $text; }
    LogLines > .log-lines--error { color: $text-error; }
    LogLines > .log-lines--warn { color: $text-warning; }
    LogLines > .log-lines--debug { color: $text-muted; }
    """
    H_STEP = 8

    def __init__(self, source: LineSource) -> None:
        super().__init__(id="log-lines")
        self._source = source
        self._looks: LRUCache[int, LineLook] = LRUCache(1024)
        self.h_offset = 0
        """Characters of every line scrolled out on the left (left/right keys)."""
        self.compact_json = False
        self.highlight: LineMatcher | None = None
        self._palette: _Palette | None = None

    def forget_looks(self) -> None:
        """Draw every line afresh (the search, the JSON mode or the source changed)."""
        self._looks.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._palette = None  # styles are looked up once per frame, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        palette = self._palette or self._make_palette()
        line = self._source.line_at_row(self.scroll_offset.y + y)
        if line is None or width <= 0:
            return Strip.blank(width, palette.base)
        look = self._looks.get(line)
        if look is None:
            text = self._source.read_line(line)
            look = (
                LineLook("(line not available: the file changed or cannot be read)", "debug")
                if text is None
                else line_look(text, compact=self.compact_json, highlight=self.highlight)
            )
            if text is not None:
                self._looks[line] = look
        base = palette.cursor if line == self._source.cursor_line else palette.base
        return self._draw(line, look, width, base, palette)

    def _make_palette(self) -> _Palette:
        base = self.rich_style
        cursor = Style(bgcolor=self.get_component_rich_style("log-lines--cursor").bgcolor)
        tones = {tone: self._foreground(f"log-lines--{tone}") for tone in _TONES}
        self._palette = _Palette(
            base=base,
            cursor=base + cursor,
            gutter=self._foreground("log-lines--gutter"),
            match=self.get_component_rich_style("log-lines--match"),
            tones={"": Style(), **tones},
        )
        return self._palette

    def _foreground(self, component: str) -> Style:
        """A component's colour and text style without its background, so that the row's
        background (the current line's, say) shows through. The full style is asked for, as
        colours with transparency only resolve against a background."""
        style = self.get_component_rich_style(component)
        return Style(color=style.color, bold=style.bold, italic=style.italic, dim=style.dim)

    def _draw(self, line: int, look: LineLook, width: int, base: Style, palette: _Palette) -> Strip:
        """One row: gutter, the visible part of the text with its highlights, an ellipsis
        where the text goes on, padding. Built as one strip (this runs for every row drawn)."""
        gutter_width = max(4, len(str(self._source.last_line)) + 1)
        room = max(1, width - gutter_width)
        text, shift = look.text, self.h_offset
        visible = text[shift : shift + room]
        if cell_len(visible) != len(visible):
            return self._draw_wide(line, look, width, base, palette, gutter_width)
        cut_right = len(text) > shift + room
        cut_left = shift > 0 and bool(text)
        if cut_right:
            visible = visible[: room - 1]
        tone = base + palette.tones[look.tone]
        match = tone + palette.match
        segments = [Segment(f"{line:>{gutter_width - 1}} ", base + palette.gutter)]
        position = 1 if cut_left else 0
        if cut_left:
            segments.append(Segment("…", tone))
        for start, end in look.spans:
            start, end = max(start - shift, position), min(end - shift, len(visible))
            if end <= start:
                continue
            if start > position:
                segments.append(Segment(visible[position:start], tone))
            segments.append(Segment(visible[start:end], match))
            position = end
        if position < len(visible):
            segments.append(Segment(visible[position:], tone))
        if cut_right:
            segments.append(Segment("…", tone))
        used = gutter_width + len(visible) + cut_right
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width)

    def _draw_wide(
        self, line: int, look: LineLook, width: int, base: Style, palette: _Palette, gutter: int
    ) -> Strip:
        """A row holding wide characters (CJK, emoji): cut by cells rather than characters."""
        tone = palette.tones[look.tone]
        shift = self.h_offset
        visible = look.text[shift : shift + width]
        segments = [Segment(f"{line:>{gutter - 1}} ", palette.gutter)]
        position = 0
        for start, end in look.spans:
            start, end = max(start - shift, position), min(end - shift, len(visible))
            if end > start:
                segments.append(Segment(visible[position:start], tone))
                segments.append(Segment(visible[start:end], tone + palette.match))
                position = end
        segments.append(Segment(visible[position:], tone))
        strip = Strip(segments)
        if len(look.text) > shift + len(visible) or strip.cell_length > width:
            strip = strip.crop(0, width - 1) + Strip([Segment("…", tone)])
        return strip.adjust_cell_length(width).apply_style(base)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and round(new_value) < self.max_scroll_y:
            self._source.user_scrolled_up()

    def on_resize(self, event: events.Resize) -> None:
        self._source.lines_resized()

    def on_click(self, event: events.Click) -> None:
        line = self._source.line_at_row(self.scroll_offset.y + event.y)
        if line is not None:
            self._source.click_line(line)

    def action_scroll_home(self) -> None:
        self._source.action_top()

    def action_scroll_end(self) -> None:
        self._source.action_bottom()

    def action_scroll_left(self) -> None:
        if self.h_offset:
            self.h_offset = max(0, self.h_offset - self.H_STEP)
            self.refresh()

    def action_scroll_right(self) -> None:
        self.h_offset += self.H_STEP
        self.refresh()


class LogStatus(Widget):
    """The one-line state of the Log tab under its lines (source, follow, filter, search)."""

    DEFAULT_CSS = "LogStatus { height: 1; background: $panel; color: $text; }"

    def __init__(self, describe: Callable[[], Text]) -> None:
        super().__init__()
        self._describe = describe

    def render(self) -> Text:
        return self._describe()


class LogQueryInput(Input):
    """The one-line bar under the log where a search or a filter is typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", show=False),
        Binding("ctrl+r", "toggle_regex", "Regex", show=False),
    ]

    @dataclass
    class Cancelled(Message):
        """Escape was pressed in the bar."""

        mode: QueryMode

    def __init__(self) -> None:
        super().__init__(compact=True, id="log-query")
        self.mode: QueryMode = "search"
        self.regex = False

    def open(self, mode: QueryMode, value: str, *, regex: bool) -> None:
        """Show the bar for `mode`, holding `value`, and give it the focus."""
        self.mode = mode
        self.regex = regex
        self.value = value
        self.cursor_position = len(value)
        self._describe()
        self.display = True
        self.focus()

    def close(self) -> None:
        self.display = False

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled(self.mode))

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self._describe()
        self.post_message(self.Changed(self, self.value))

    def _describe(self) -> None:
        self.placeholder = f"{self.mode}: {'a regex' if self.regex else 'text, or /a regex/'}"
