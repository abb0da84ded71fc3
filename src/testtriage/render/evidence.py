"""The Evidence pane's renderable: each kept occurrence of a finding with its context."""

from __future__ import annotations

import re
import time

import orjson
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from testtriage.core.diagnosis import Finding
from testtriage.core.findings import EVIDENCE_FIRST, Occurrence
from testtriage.core.records import LogFields
from testtriage.core.results import Zone
from testtriage.core.verdict import plural
from testtriage.render.common import CATEGORY_STYLE
from testtriage.render.panes import MARKERS, clean, display_name, finding_kind, one_line

LEVEL_NAMES = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
LEVEL_STYLES = {"trace": "dim", "debug": "dim", "info": "green", "warn": "yellow"}
FIELD_WIDTH = 400
STACK_FRAMES = 3
ERROR_FIELDS = ("type", "message", "code", "detail", "hint", "constraint", "table", "column")
"""The parts of a JSON log's error shown, in this order (the stack comes after them)."""


def evidence_view(finding: Finding) -> RenderableType:
    """Every kept occurrence of a finding: location, context lines dimmed, the line itself with
    its matched part highlighted, JSON log lines shown as their fields."""
    parts: list[RenderableType] = [_finding_heading(finding)]
    shown = finding.evidence
    # For a blocking finding the failure it breaks comes first; the kept order follows.
    order = sorted(range(len(shown)), key=lambda i: (not shown[i].in_failure, i))
    if not finding.blocking:
        order = list(range(len(shown)))
    for index in order:
        occurrence = shown[index]
        if index == EVIDENCE_FIRST and finding.count > len(shown):
            skipped = finding.count - len(shown)
            parts.append(Text(f"⋯ {plural(skipped, 'more occurrence')} not kept", style="dim"))
        parts.append(Text())
        parts.append(occurrence_view(occurrence))
    return Group(*parts)


def _finding_heading(finding: Finding) -> Text:
    kind = finding_kind(finding)
    symbol, style = MARKERS[kind]
    heading = Text.assemble((f"{symbol} {finding.id} ", style), (kind, style), " · ")
    heading.append(finding.category, style=CATEGORY_STYLE.get(finding.category, "cyan"))
    heading.append(f" · {plural(finding.count, 'occurrence')}")
    if finding.group.noise_count and finding.blocking:
        heading.append(f" ({finding.group.noise_count} outside failures)", style="dim")
    return heading


def occurrence_view(occurrence: Occurrence) -> RenderableType:
    location = occurrence.location
    heading = Text(f"{location.source}:{location.line}", style="bold underline")
    where = _where(occurrence)
    if where is not None:
        heading.append("  ")
        heading.append_text(where)
    last = location.line + len(occurrence.after)
    gutter = len(str(last))
    rows: list[RenderableType] = [heading]
    first = location.line - len(occurrence.before)
    for offset, line in enumerate(occurrence.before):
        rows.append(_context_line(first + offset, gutter, line))
    rows.append(_main_line(occurrence, gutter))
    if occurrence.log is not None:
        rows.append(_log_fields(occurrence.log, occurrence.matched, gutter + 3))
    for offset, line in enumerate(occurrence.after, 1):
        rows.append(_context_line(location.line + offset, gutter, line))
    return Group(*rows)


def _where(occurrence: Occurrence) -> Text | None:
    context = occurrence.context
    if context is None:
        return None
    name = display_name(context.key)
    if context.zone is Zone.ERROR:
        label = "setup of " if context.kind.value == "setup" else ""
        text = Text(f"in the failure of {label}", style="red")
    else:
        text = Text("in the captured output of ", style="dim")
    text.append_text(one_line(name))
    return text


def _gutter(number: int, width: int, style: str) -> Text:
    return Text(f"{number:>{width}} │ ", style=style)


def _context_line(number: int, width: int, raw: str) -> Text:
    line = _gutter(number, width, "dim")
    line.append_text(one_line(compact_log_line(raw), "dim"))
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def compact_log_line(raw: str) -> str:
    """A JSON log line as `level  message`, other lines as they are (context stays one line)."""
    stripped = raw.strip()
    try:
        record = orjson.loads(stripped) if stripped.startswith("{") else None
    except orjson.JSONDecodeError:
        record = None
    message = record.get("msg") or record.get("message") if isinstance(record, dict) else None
    if not isinstance(record, dict) or not isinstance(message, str):
        return raw
    level = record.get("level", "")
    name = LEVEL_NAMES.get(level, str(level)) if isinstance(level, int) else str(level)
    return f"{name:<5}  {message}"


def _main_line(occurrence: Occurrence, width: int) -> Text:
    line = _gutter(occurrence.location.line, width, "bold")
    if occurrence.log is not None:
        level = level_name(occurrence.log)
        line.append(f"{level:<5}  ", style=LEVEL_STYLES.get(level, "bold red"))
        line.append_text(highlighted(occurrence.log.message or "(no message)", occurrence.matched))
        return line
    line.append_text(highlighted(occurrence.text, occurrence.matched))
    return line


def highlighted(value: str, matched: str, limit: int = FIELD_WIDTH) -> Text:
    """Inert text with the rule's match in it highlighted."""
    text = Text(clean(value, limit))
    needle = clean(matched) if matched else ""
    if needle:
        start = text.plain.find(needle)
        if start != -1:
            text.stylize("bold reverse", start, start + len(needle))
    return text


def level_name(log: LogFields) -> str:
    if log.level is None:
        return clean(log.level_name) or "log"
    if log.level_name and not log.level_name.isdigit():
        return clean(log.level_name).lower()
    return LEVEL_NAMES.get(log.level, str(log.level))


_LONG_PATH = re.compile(r"(?:/[^/\s():]+){3,}/([^/\s()]+)")


def short_frame(frame: str) -> str:
    """A stack frame with long paths cut to their file name (`…/phase-4.ts:88:15`)."""
    return _LONG_PATH.sub(r"…/\1", frame.strip())


def log_time(seconds: float) -> str:
    """A log timestamp in UTC, to the millisecond (the same on every machine)."""
    millis = int(round(seconds * 1000)) % 1000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{millis:03}Z"


def _log_fields(log: LogFields, matched: str, indent: int) -> Padding:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    error = log.error
    if error is not None:
        for name in ERROR_FIELDS:
            value = getattr(error, name)
            if value:
                grid.add_row(f"err.{name}", highlighted(value, matched))
        frames = [short_frame(f) for f in error.stack.splitlines()[1:] if f.strip()]
        if frames:
            stack = Text("\n".join(clean(f, 160) for f in frames[:STACK_FRAMES]), style="dim")
            if len(frames) > STACK_FRAMES:
                stack.append(f"\n⋯ {len(frames) - STACK_FRAMES} more frames")
            grid.add_row("err.stack", stack)
    for name, value in log.shown():
        grid.add_row(clean(name, 40), Text(clean(value, FIELD_WIDTH)))
    if log.time is not None:
        grid.add_row("time", log_time(log.time))
    return Padding(grid, (0, 0, 0, indent))
