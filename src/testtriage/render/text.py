"""The text report of `summary`: the verdict first, then blocking findings, noise and unknowns."""

from __future__ import annotations

import os
import sys

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.padding import Padding
from rich.text import Text

from testtriage.core.diagnosis import Diagnosis, Finding
from testtriage.core.safety import safe
from testtriage.core.verdict import Verdict
from testtriage.render.common import (
    CATEGORY_STYLE,
    evidence_lines,
    header_text,
    location_text,
    plain,
    tests_text,
)

MAX_WIDTH = 100
EVIDENCE_SHORT = 2
MAX_TESTS_SHOWN = 5


def report_console(file: object = None) -> Console:
    """A console for the report: colour only on a terminal without NO_COLOR; plain in pipes."""
    stream = file or sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    no_color = "NO_COLOR" in os.environ
    width = None if is_tty else 80
    console = Console(
        file=stream,  # type: ignore[arg-type]
        force_terminal=is_tty and not no_color,
        no_color=no_color or not is_tty,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=width,
    )
    if console.width > MAX_WIDTH:
        console.width = MAX_WIDTH
    return console


def print_text_report(
    console: Console,
    diagnosis: Diagnosis,
    verdict: Verdict,
    *,
    verbose: bool = False,
    redact: bool = True,
) -> None:
    """Print the whole report. Log text goes through `safe` and is never read as markup."""
    for renderable in text_report(diagnosis, verdict, verbose=verbose, redact=redact):
        console.print(renderable)


def text_report(
    diagnosis: Diagnosis, verdict: Verdict, *, verbose: bool = False, redact: bool = True
) -> list[RenderableType]:
    """The report as a list of renderables (for golden tests and the TUI's export)."""
    parts: list[RenderableType] = [header_text(diagnosis.state, redact=redact), Text()]
    parts.append(_labelled("Verdict", Text(verdict.summary, style="bold")))
    parts.append(_labelled("Next", Text(safe(verdict.next_step, redact_secrets=redact))))
    if verdict.claim is not None:
        claim = verdict.claim
        style = {"supported": "bold red", "partly_supported": "bold yellow"}.get(
            claim.verdict.value, "bold green"
        )
        line = Text.assemble(
            (claim.verdict.value.replace("_", " ").upper(), style),
            f" ({claim.category}) — ",
            safe(claim.reason, redact_secrets=redact),
        )
        parts.append(_labelled("Claim", line))
    if verdict.baseline is not None:
        parts.append(
            _labelled("Baseline", Text(safe(verdict.baseline.summary, redact_secrets=redact)))
        )

    blocking = [f for f in diagnosis.findings if f.blocking]
    noise = [f for f in diagnosis.findings if not f.blocking and f.category != "unknown"]
    unknown = [f for f in diagnosis.findings if not f.blocking and f.category == "unknown"]
    if blocking:
        parts += [Text(), Text("BLOCKING — these fail tests", style="bold red")]
        for finding in blocking:
            parts.append(_full_finding(finding, verbose=verbose, redact=redact))
    if noise:
        parts += [Text(), Text("NOISE — logged, but no failed test is linked", style="bold yellow")]
        for finding in noise:
            parts.append(_short_finding(finding, verbose=verbose, redact=redact))
    if unknown:
        parts += [Text(), Text("UNKNOWN ERRORS — logged, no rule knows them", style="bold magenta")]
        for finding in unknown:
            parts.append(_short_finding(finding, verbose=verbose, redact=redact))
    if not diagnosis.findings:
        parts += [Text(), Text("No errors found.", style="green")]
    return parts


def _labelled(label: str, body: Text) -> Text:
    text = Text(f"{label:<9}", style="bold")
    text.append_text(body)
    return text


def _title_line(finding: Finding, redact: bool) -> Text:
    style = CATEGORY_STYLE.get(finding.category, "cyan")
    line = Text.assemble(
        (f"{finding.id:<4}", "bold"),
        (f"{finding.category:<11}", style),
        plain(finding.title, redact),
        (f"  {finding.count}×", "dim"),
    )
    return line


def _full_finding(finding: Finding, *, verbose: bool, redact: bool) -> RenderableType:
    rows: list[RenderableType] = [_title_line(finding, redact)]
    body: list[RenderableType] = []
    tests = tests_text(finding, MAX_TESTS_SHOWN, redact)
    if tests is not None:
        body.append(tests)
    if finding.group.noise_count:
        body.append(Text(f"also logged {finding.group.noise_count}× outside failures", style="dim"))
    if finding.related:
        body.append(Text(f"surface of: {', '.join(finding.related)} (the error behind it)"))
    limit = None if verbose else EVIDENCE_SHORT
    body.extend(evidence_lines(finding, limit=limit, redact=redact))
    body.append(Text("fix:", style="bold"))
    body.append(Padding(Markdown(finding.fix), (0, 0, 0, 2)))
    rows.append(Padding(Group(*body), (0, 0, 0, 4)))
    return Group(*rows)


def _short_finding(finding: Finding, *, verbose: bool, redact: bool) -> RenderableType:
    rows: list[RenderableType] = [_title_line(finding, redact)]
    detail = Text(location_text(finding), style="dim")
    if finding.group.captured_in:
        detail.append(f" · in the output of {len(finding.group.captured_in)} failed test(s)")
    if finding.related:
        detail.append(f" · surface of {', '.join(finding.related)}")
    body: list[RenderableType] = [detail]
    why = finding.rule.why.split(". ")[0].rstrip(".") + "."
    body.append(Text(why, style="italic"))
    if verbose:
        body.extend(evidence_lines(finding, limit=None, redact=redact))
    rows.append(Padding(Group(*body), (0, 0, 0, 4)))
    return Group(*rows)
