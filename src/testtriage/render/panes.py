"""Rich renderables for the TUI's panes: header, status and verdict lines, evidence, the fix."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from testtriage.core.diagnosis import Diagnosis, Finding, markdown_field
from testtriage.core.findings import EVIDENCE_FIRST, Occurrence
from testtriage.core.records import LogFields
from testtriage.core.results import TestKey, Zone
from testtriage.core.safety import safe
from testtriage.core.state import Counts, RunState
from testtriage.core.verdict import Verdict, plural
from testtriage.render.common import CATEGORY_STYLE

MARKERS = {
    "blocking": ("●", "bold red"),
    "noise": ("○", "yellow"),
    "unknown": ("?", "bold magenta"),
}
"""The marker of each kind of finding: blocking, noise (a rule knows it), unknown noise."""

LEVEL_NAMES = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
LEVEL_STYLES = {"trace": "dim", "debug": "dim", "info": "green", "warn": "yellow"}
CONTEXT_WIDTH = 240
"""Characters of a context line kept (they are shown on one line, cut at the pane's edge)."""
FIELD_WIDTH = 400
STACK_FRAMES = 3
ERROR_FIELDS = ("type", "message", "code", "detail", "hint", "constraint", "table", "column")
"""The parts of a JSON log's error shown, in this order (the stack comes after them)."""
CLAIM_STYLES = {"supported": "bold red", "partly_supported": "bold yellow"}

STATE_SYMBOLS = {"live": "● ", "paused": "⏸ ", "stalled": "◌ ", "waiting": "… "}
STATE_STYLES = {"waiting": "bold yellow", "live": "bold green", "paused": "bold cyan",
                "stalled": "bold yellow", "stopped": "bold red"}  # fmt: skip


def finding_kind(finding: Finding) -> str:
    """`blocking`, `unknown` (noise no rule knows) or `noise`."""
    if finding.blocking:
        return "blocking"
    return "unknown" if finding.category == "unknown" else "noise"


def marker(finding: Finding) -> Text:
    symbol, style = MARKERS[finding_kind(finding)]
    return Text(symbol, style=style)


def clean(value: str, limit: int | None = None) -> str:
    """Log-derived text made inert and redacted, optionally clipped."""
    text = safe(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return text


def one_line(value: str, style: str = "") -> Text:
    """An inert Text that never wraps: cut with an ellipsis at the edge of its pane."""
    return Text(clean(value, CONTEXT_WIDTH), style=style, no_wrap=True, overflow="ellipsis")


# --- header, status and verdict lines ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activity:
    """What the header says about the run besides the state itself."""

    label: str
    """waiting, live, paused, stalled, finished, ended or stopped."""
    elapsed: float
    rate: float | None = None
    """Lines per second lately, while lines are coming in."""
    detail: str = ""
    """Why it waits or stopped ("waiting for test.log…")."""
    command: str = ""
    exit_code: int | None = None


def header_line(state: RunState, activity: Activity) -> Text:
    """`testtriage ▸ test.log · ● live · 0:12 · 4,312 lines · 310 lines/s · vitest · run 2`,
    then the command, last because it can be long."""
    line = Text.assemble(("testtriage", "bold"), " ▸ ")
    line.append_text(one_line(", ".join(state.sources) or "no sources"))
    line.append(" · ")
    symbol = STATE_SYMBOLS.get(activity.label, "")
    line.append(symbol + activity.label, style=STATE_STYLES.get(activity.label, "bold"))
    if activity.detail:
        line.append(" ")
        line.append_text(one_line(activity.detail, "italic"))
    if activity.exit_code is not None:
        style = "bold green" if activity.exit_code == 0 else "bold red"
        line.append(f" · exited {activity.exit_code}", style=style)
    line.append(f" · {elapsed_text(activity.elapsed)} · {state.lines:,} lines")
    if activity.rate is not None:
        line.append(f" · {activity.rate:,.0f} lines/s")
    if state.runner != "unknown":
        line.append(f" · {state.runner}")
    if state.generation > 1:
        line.append(f" · run {state.generation}", style="bold cyan")
    if activity.command:
        line.append(" · ")
        line.append_text(one_line("$ " + activity.command, "dim"))
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def elapsed_text(seconds: float) -> str:
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def counts_line(counts: Counts) -> Text:
    """`Tests  18 passed · 2 failed · 0 skipped · 0 errors  of 20`."""
    parts = (
        (counts.passed, "passed", "green"),
        (counts.failed, "failed", "bold red"),
        (counts.skipped, "skipped", "yellow"),
        (counts.errors, "errors", "bold red"),
    )
    line = Text("Tests  ", style="bold")
    line.append_text(
        Text(" · ").join(Text(f"{n} {label}", style if n else "dim") for n, label, style in parts)
    )
    line.append(f"  of {counts.total}" if counts.total else "  none yet", style="bold")
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def known_total(state: RunState) -> int | None:
    """The number of tests the runners announced, when every source announced one."""
    runs = [run for source in state.sources for run in state.runner_totals(source)]
    if not runs or any(run.total is None for run in runs):
        return None
    return sum(run.total or 0 for run in runs)


def verdict_line(diagnosis: Diagnosis, verdict: Verdict) -> Text:
    """`2 blocking: parse, enum · 7 noise: fk_timing · claim auth: not supported`."""
    counts = diagnosis.state.counts()
    parts: list[Text] = []
    blocking = diagnosis.blocking
    failing = counts.failed + counts.errors
    if blocking:
        parts.append(Text(f"{len(blocking)} blocking: {_categories(blocking)}", style="bold red"))
    elif failing:
        parts.append(Text(f"{plural(failing, 'failed test')}, no cause found", style="bold red"))
    elif diagnosis.state.lines:
        parts.append(Text("nothing blocking", style="bold green"))
    else:
        parts.append(Text("nothing read yet", style="dim"))
    noise = diagnosis.noise
    if noise:
        occurrences = sum(f.group.noise_count or f.count for f in noise)
        parts.append(Text(f"{occurrences} noise: {_categories(noise)}", style="yellow"))
    if verdict.claim is not None:
        claim = verdict.claim
        style = CLAIM_STYLES.get(claim.verdict.value, "bold green")
        parts.append(
            Text(f"claim {claim.category}: {claim.verdict.value.replace('_', ' ')}", style=style)
        )
    if verdict.baseline is not None:
        base = verdict.baseline
        text = f"vs previous run: {base.tests_before} → {base.tests_now}"
        if base.resolved:
            text += f", {len(base.resolved)} resolved"
        if base.new:
            text += f", {len(base.new)} new"
        parts.append(Text(text, style="cyan"))
    return Text(" · ").join(parts)


def next_step_line(diagnosis: Diagnosis, verdict: Verdict) -> Text:
    text = Text("next  ", style="bold dim")
    step = verdict.next_step
    if not diagnosis.state.lines:
        step = "wait for the first lines: findings appear here as the log is written."
    text.append(clean(step), style="italic")
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def _categories(findings: Iterable[Finding]) -> str:
    return ", ".join(dict.fromkeys(f.category for f in findings))


# --- evidence ------------------------------------------------------------------------------------


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


def display_name(key: TestKey) -> str:
    return key.name or key.file


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


# --- the fix (Markdown) --------------------------------------------------------------------------


def fix_markdown(finding: Finding, diagnosis: Diagnosis) -> str:
    """The Fix pane: the rule's fix, why, the extracted fields and the tests it breaks.

    The fix is Markdown already made inert by the core; every other log-derived value goes
    through `markdown_field` so it cannot add links, code or tables of its own.
    """
    lines: list[str] = []
    if finding.related:
        links = ", ".join(f"[{related}](finding:{related})" for related in finding.related)
        lines += [f"> {SURFACE_OF} {links}: {FIX_FIRST}", ""]
    return "\n".join(lines) + fix_body_markdown(finding, diagnosis)


SURFACE_OF = "Only the surface of"
FIX_FIRST = "fix the error behind it first."


def fix_body_markdown(finding: Finding, diagnosis: Diagnosis) -> str:
    """The Fix pane without the line that names the findings this one is the surface of."""
    lines = [finding.fix.strip(), "", f"**Why.** {finding.rule.why.strip()}", ""]
    if finding.fields:
        lines += ["| field | value |", "|---|---|"]
        for name, value in finding.fields.items():
            lines.append(f"| {_cell(name)} | {_cell(value)} |")
        lines.append("")
    lines += _tests_section(finding, diagnosis)
    lines += ["", f"*{finding.id} · rule {markdown_field(finding.rule.id)}*"]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return markdown_field(value)[:200].replace("|", "\\|") or " "


def _tests_section(finding: Finding, diagnosis: Diagnosis) -> list[str]:
    lines = [f"- breaks {markdown_field(str(key))}" for key in finding.tests[:10]]
    if len(finding.tests) > 10:
        lines.append(f"- … and {len(finding.tests) - 10} more")
    if finding.affected:
        lines.append(f"- took down {plural(len(finding.affected), 'more test')} with it")
    captured = finding.group.captured_in
    if captured and not finding.blocking:
        lines.append(
            f"- printed in the output of {plural(len(captured), 'failed test')}, not its cause"
        )
    if not lines and diagnosis.failed and not finding.blocking:
        lines.append("- no failed test is linked to it: the tests around it passed")
    return lines
