"""Rich renderables for the TUI's panes: header, status and verdict lines, and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text

from testtriage.core.diagnosis import Diagnosis, Finding, markdown_field
from testtriage.core.results import TestKey
from testtriage.core.safety import safe
from testtriage.core.state import Counts, RunState
from testtriage.core.verdict import Verdict, plural

MARKERS = {
    "blocking": ("●", "bold red"),
    "noise": ("○", "yellow"),
    "unknown": ("?", "bold magenta"),
}
"""The marker of each kind of finding: blocking, noise (a rule knows it), unknown noise."""

CONTEXT_WIDTH = 240
"""Characters of a context line kept (they are shown on one line, cut at the pane's edge)."""

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


def display_name(key: TestKey) -> str:
    return key.name or key.file


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
