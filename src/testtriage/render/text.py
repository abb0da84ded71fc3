"""The text report of `summary`: the verdict first, then blocking findings, noise and unknowns."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from testtriage.core.diagnosis import Diagnosis, FailedTest, Finding
from testtriage.core.findings import Occurrence
from testtriage.core.results import TestKey
from testtriage.core.state import RunState
from testtriage.core.verdict import Verdict
from testtriage.render.common import (
    CATEGORY_STYLE,
    behind,
    clean,
    context_lines,
    counts_text,
    excerpt,
    failures_by_key,
    location_text,
    noise_reason,
    pick_evidence,
    plain_markdown,
    plural,
    run_text,
    short_why,
    shown_file,
    shown_name,
    sources_text,
    where,
)

MAX_WIDTH = 100
"""The report is not made wider than this, even in a wide terminal."""
PIPE_WIDTH = 80
LABEL = 10
"""Width of the label column (`Verdict`, `Next`, ...)."""
FINDING_INDENT = 4
EVIDENCE_SHORT = 2
MAX_TESTS_SHOWN = 5
TITLE_LINES = 2
"""Lines a finding's title may take (an unknown error's title is its whole message)."""

CLAIM_STYLE = {"supported": "bold red", "partly_supported": "bold yellow"}


def report_console(
    file: IO[str] | None = None, *, width: int | None = None, color: bool | None = None
) -> Console:
    """A console for the report: colour only on a terminal and without NO_COLOR; 80 columns
    (or `width`) when not a terminal, at most 100 columns in one."""
    stream = file if file is not None else sys.stdout
    is_tty = bool(getattr(stream, "isatty", None) and stream.isatty())
    if color is None:
        color = is_tty and not os.environ.get("NO_COLOR")
    if width is None:
        width = None if is_tty else PIPE_WIDTH
    console = Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=width,
    )
    if console.width > MAX_WIDTH:
        console.width = MAX_WIDTH
    return console


class Hanging:
    """A renderable set after an optional label: the first line starts `margin` columns in, the
    body `indent` columns further, and wrapped lines align under the body. No line ends in
    spaces, so the report reads the same in a pipe as on screen."""

    def __init__(
        self,
        body: RenderableType,
        *,
        margin: int = 0,
        indent: int = 0,
        label: str = "",
        label_style: str = "bold",
        max_lines: int | None = None,
    ) -> None:
        self.body = body
        self.margin = margin
        self.indent = max(indent, len(label) + 1) if label else indent
        self.label = label
        self.label_style = label_style
        self.max_lines = max_lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.margin - self.indent, 20)
        lines = console.render_lines(self.body, options.update_width(width), pad=False)
        lines = [_guarded(_rstrip(line)) for line in lines]
        if self.max_lines is not None and len(lines) > self.max_lines:
            lines = lines[: self.max_lines]
            lines[-1] = _ellipsized(lines[-1], width)
        while lines and not lines[-1]:
            lines.pop()
        if not lines and self.label:
            lines = [[]]
        label_style = console.get_style(self.label_style) if self.label_style else None
        for index, line in enumerate(lines):
            if index == 0 and self.label:
                if self.margin:
                    yield Segment(" " * self.margin)
                yield Segment(self.label, label_style)
                if line:
                    yield Segment(" " * (self.indent - len(self.label)))
            elif line:
                yield Segment(" " * (self.margin + self.indent))
            yield from line
            yield Segment.line()


def _rstrip(line: list[Segment]) -> list[Segment]:
    segments = list(line)
    while segments:
        last = segments[-1]
        if last.control:
            break
        text = last.text.rstrip()
        if text:
            segments[-1] = Segment(text, last.style, last.control)
            break
        segments.pop()
    return segments


def _guarded(line: list[Segment]) -> list[Segment]:
    """A line that would start with `::` once its indent is stripped gets a backslash first:
    CI runners read such lines of a job's output as workflow commands."""
    text = "".join(segment.text for segment in line if not segment.control)
    if text.lstrip().startswith("::"):
        return [Segment("\\"), *line]
    return line


def _ellipsized(line: list[Segment], width: int) -> list[Segment]:
    length = Segment.get_line_length(line)
    if length >= width:
        line = Segment.adjust_line_length(line, width - 1)
    return [*_rstrip(line), Segment("…")]


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
    """The report as a list of renderables (for the headless summary and the TUI's export)."""
    parts: list[RenderableType] = [*header(diagnosis.state, redact=redact), Text()]
    parts += verdict_lines(verdict, redact=redact)
    failures = failures_by_key(diagnosis)
    blocking = list(diagnosis.blocking)
    noise = [f for f in diagnosis.noise if f.category != "unknown"]
    unknown = [f for f in diagnosis.noise if f.category == "unknown"]
    if blocking:
        parts += [Text(), Text("BLOCKING — these fail tests", style="bold red")]
        for finding in blocking:
            parts += full_finding(diagnosis, finding, failures, verbose=verbose, redact=redact)
    unexplained = [f for f in diagnosis.failed if not f.findings]
    if unexplained:
        parts += [Text(), Text("FAILED — no error text explains these", style="bold red")]
        for failed in unexplained:
            parts += _unexplained(failed, redact)
    if noise:
        parts += [Text(), Text("NOISE — logged, but no failed test is linked", style="bold yellow")]
        for finding in noise:
            parts += short_finding(diagnosis, finding, verbose=verbose, redact=redact)
    if unknown:
        parts += [Text(), Text("UNKNOWN ERRORS — logged, no rule knows them", style="bold magenta")]
        for finding in unknown:
            parts += short_finding(diagnosis, finding, verbose=verbose, redact=redact)
    if not diagnosis.findings and not diagnosis.failed:
        parts += [Text(), Text("No errors found.", style="green")]
    return parts


def plain(value: str, redact: bool = True, style: str = "") -> Text:
    """Log-derived text as an inert Text: no markup, no escapes, secrets redacted."""
    return Text(clean(value, redact), style=style)


def header(state: RunState, *, redact: bool = True) -> list[RenderableType]:
    """The run in three lines: runner and state, sources, test counts."""
    counts = state.counts()
    title = Text.assemble(("testtriage", "bold"), " · ", run_text(state))
    tests = Text(counts_text(state))
    if counts.failed or counts.errors:
        tests.stylize("bold red", 0, tests.plain.index("·"))
    return [
        Hanging(title),
        Hanging(plain(sources_text(state), redact), indent=LABEL, label="Sources"),
        Hanging(tests, indent=LABEL, label="Tests"),
    ]


def verdict_lines(verdict: Verdict, *, redact: bool = True) -> list[RenderableType]:
    """The verdict sentence, the next step, and the claim and baseline when asked for."""
    lines: list[RenderableType] = [
        Hanging(Text(clean(verdict.summary, redact), style="bold"), indent=LABEL, label="Verdict"),
        Hanging(plain(verdict.next_step, redact), indent=LABEL, label="Next"),
    ]
    claim = verdict.claim
    if claim is not None:
        said = clean(claim.claim, redact)
        body = Text(
            claim.verdict.value.replace("_", " ").upper(),
            style=CLAIM_STYLE.get(claim.verdict.value, "bold green"),
        )
        about = f' "{said}" ({claim.category})' if said and said != claim.category else ""
        body.append(f"{about} — {clean(claim.reason, redact)}")
        lines.append(Hanging(body, indent=LABEL, label="Claim"))
    base = verdict.baseline
    if base is not None:
        lines.append(Hanging(plain(base.summary, redact), indent=LABEL, label="Baseline"))
        if base.new:
            lines.append(Hanging(Text("new: " + ", ".join(base.new)), indent=LABEL))
        for finding_id, title in zip(base.resolved, base.resolved_titles, strict=False):
            resolved = Text(f"resolved: {finding_id} ")
            resolved.append_text(plain(title, redact))
            lines.append(Hanging(resolved, indent=LABEL))
    return lines


def title_line(finding: Finding, redact: bool) -> Hanging:
    """`F2  fk_timing — Foreign key ... violated · 7×`, wrapped under the category."""
    style = CATEGORY_STYLE.get(finding.category, "cyan")
    line = Text.assemble((finding.category, style), " — ")
    line.append_text(plain(finding.title, redact, style="bold"))
    line.append(f" · {finding.count}×", style="dim")
    return Hanging(line, label=finding.id, indent=FINDING_INDENT, max_lines=TITLE_LINES)


def full_finding(
    diagnosis: Diagnosis,
    finding: Finding,
    failures: dict[TestKey, FailedTest],
    *,
    verbose: bool,
    redact: bool,
) -> list[RenderableType]:
    """A blocking finding: the tests it fails, what is behind it, evidence, and the fix."""
    margin = FINDING_INDENT
    rows: list[RenderableType] = [title_line(finding, redact)]

    def labelled(body: Text, label: str = "") -> None:
        rows.append(Hanging(body, margin=margin, indent=LABEL, label=label))

    for index, key in enumerate(finding.tests[:MAX_TESTS_SHOWN]):
        labelled(_test_text(key, failures.get(key), redact), "Fails" if index == 0 else "")
    hidden = len(finding.tests) - MAX_TESTS_SHOWN
    if hidden > 0:
        labelled(Text(f"… and {plural(hidden, 'more test')}"))
    if finding.affected:
        took = f"took down {plural(len(finding.affected), 'test')} with it (skipped or failed)"
        labelled(Text(took), "" if finding.tests else "Fails")
    for related_id in finding.related:
        related = diagnosis.by_id(related_id)
        if related is not None:
            cause = Text(related.id + " ", style="bold")
            cause.append_text(plain(related.title, redact))
            cause.append(": the error this one only surfaces")
            labelled(cause, "Behind it")
    if finding.group.noise_count:
        labelled(Text(f"logged {finding.group.noise_count}× outside any failure"), "Also")
    rows.append(Hanging(Text("Evidence", style="bold"), margin=margin))
    rows += evidence_rows(finding, verbose=verbose, redact=redact, margin=margin + 2)
    rows += fix_rows(finding, redact, margin)
    return rows


def short_finding(
    diagnosis: Diagnosis, finding: Finding, *, verbose: bool, redact: bool
) -> list[RenderableType]:
    """A non-blocking finding in two or three lines: what, how often, where, and why."""
    detail = Text(location_text(finding), style="dim")
    reason = noise_reason(diagnosis, finding)
    if not reason.startswith("no failed test"):
        detail.append(f" · {reason}", style="bold")
    detail.append(" · " + plain_markdown(short_why(finding.rule.why)))
    rows: list[RenderableType] = [
        title_line(finding, redact),
        Hanging(detail, margin=FINDING_INDENT, max_lines=2),
    ]
    if verbose:
        rows += evidence_rows(finding, verbose=True, redact=redact, margin=FINDING_INDENT + 2)
    if behind(diagnosis, finding):
        # The cause behind a blocking error: its fix is the one that matters.
        rows += fix_rows(finding, redact, FINDING_INDENT)
    return rows


def fix_rows(finding: Finding, redact: bool, margin: int) -> list[RenderableType]:
    """The fix, rendered from its Markdown (log-derived values in it are already inert)."""
    fix = "\n".join(clean(line, redact) for line in finding.fix.split("\n"))
    return [
        Hanging(Text("Fix", style="bold"), margin=margin),
        Hanging(Markdown(fix, hyperlinks=False), margin=margin + 2),
    ]


def evidence_rows(
    finding: Finding, *, verbose: bool, redact: bool, margin: int
) -> list[RenderableType]:
    """The evidence: source:line, then the line with the matched part emphasised (and with
    `verbose`, every piece kept, between its context lines)."""
    occurrences = pick_evidence(finding, None if verbose else EVIDENCE_SHORT)
    emphasis = Style(bold=True, underline=True)
    rows: list[RenderableType] = []
    for occurrence in occurrences:
        rows.append(Hanging(_caption(occurrence), margin=margin))
        shown = excerpt(occurrence, redact=redact, verbose=verbose)
        line = Text(shown.text)
        if shown.has_match:
            line.stylize(emphasis, shown.start, shown.end)
        if verbose:
            # The line itself is marked, so it stands out of its context without colour.
            rows += _context(occurrence.before, redact, margin + 4)
            rows.append(Hanging(line, margin=margin + 2, label=">", indent=2))
            rows += _context(occurrence.after, redact, margin + 4)
        else:
            rows.append(Hanging(line, margin=margin + 2))
    hidden = finding.count - len(occurrences)
    if hidden > 0:
        more = "kept" if verbose else "shown"
        note = Text(f"… {plural(hidden, 'more occurrence')} not {more}", style="dim")
        rows.append(Hanging(note, margin=margin))
    return rows


def _caption(occurrence: Occurrence) -> Text:
    if occurrence.in_failure:
        zone = "in the failure"
    elif occurrence.context is not None:
        zone = "in a failed test's output"
    else:
        zone = "logged"
    return Text(f"{where(occurrence.location)} · {zone}", style="dim")


def _context(lines: Iterable[str], redact: bool, margin: int) -> list[RenderableType]:
    return [
        Hanging(Text(line, style="dim", no_wrap=True, overflow="ellipsis"), margin=margin)
        for line in context_lines(tuple(lines), redact)
        if line.strip()
    ]


def _test_text(key: TestKey, failed: FailedTest | None, redact: bool) -> Text:
    text = plain(shown_name(key, failed), redact)
    file = shown_file(key)
    if file:
        text.append_text(plain(f" — {file}", redact, style="dim"))
    return text


def _unexplained(failed: FailedTest, redact: bool) -> list[RenderableType]:
    rows: list[RenderableType] = [Hanging(_test_text(failed.key, failed, redact), margin=2)]
    if failed.message:
        message = plain(failed.message, redact, style="dim")
        rows.append(Hanging(message, margin=4, max_lines=3))
    return rows
