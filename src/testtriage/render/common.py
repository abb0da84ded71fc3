"""Pieces every rich rendering shares: styles, the header, locations, evidence lines."""

from __future__ import annotations

from rich.text import Text

from testtriage.core.diagnosis import Finding
from testtriage.core.findings import Occurrence
from testtriage.core.safety import safe
from testtriage.core.state import RunState

CATEGORY_STYLE = {
    "auth": "bright_blue",
    "fk_timing": "yellow",
    "parse": "bright_red",
    "enum": "bright_magenta",
    "constraint": "dark_orange",
    "connection": "cyan",
    "timeout": "bright_cyan",
    "assertion": "red",
    "runtime": "red",
    "unknown": "magenta",
}
EVIDENCE_WIDTH = 400


def plain(value: str, redact: bool = True) -> Text:
    """Log-derived text as an inert Text: no markup, no escapes, secrets redacted."""
    return Text(safe(value, redact_secrets=redact))


def header_text(state: RunState, *, redact: bool = True) -> Text:
    """Sources, runner, run state and test counts, in two lines."""
    counts = state.counts()
    names = ", ".join(
        f"{status.name} ({status.lines:,} lines)" for status in state.sources.values()
    )
    header = Text.assemble(("testtriage", "bold"), " · ")
    header.append_text(plain(names or "no sources", redact))
    header.append(f" · {state.runner} · {state.phase.value}")
    if state.generation > 1:
        header.append(f" · run {state.generation}")
    tests = Text("\nTests    ", style="bold")
    tests.append(f"{counts.failed} failed", style="bold red" if counts.failed else "")
    tests.append(f" · {counts.passed} passed", style="green" if counts.passed else "")
    tests.append(f" · {counts.skipped} skipped · ")
    tests.append(f"{counts.errors} errors", style="bold red" if counts.errors else "")
    tests.append(f"  ({counts.total} total)")
    header.append_text(tests)
    return header


def location_text(finding: Finding) -> str:
    first, last = finding.first, finding.last
    if first == last or not last.source:
        return f"{first.source}:{first.line}"
    if first.source == last.source:
        return f"{first.source}:{first.line}–{last.line}"
    return f"{first.source}:{first.line} … {last.source}:{last.line}"


def tests_text(finding: Finding, limit: int, redact: bool) -> Text | None:
    """The tests a finding fails (or takes down with a failed setup), abbreviated."""
    keys = list(finding.tests)
    if not keys:
        return None
    text = Text("breaks: ", style="bold")
    names = [str(key) for key in keys[:limit]]
    text.append_text(plain("; ".join(names), redact))
    if len(keys) > limit:
        text.append(f" (+{len(keys) - limit} more)")
    if finding.affected:
        text.append(f" — took down {len(finding.affected)} test(s)", style="bold")
    return text


def evidence_line(occurrence: Occurrence, redact: bool) -> Text:
    where = f"{occurrence.location.source}:{occurrence.location.line}"
    text = Text(f"{where}  ", style="dim")
    line = safe(occurrence.text, redact_secrets=redact)
    if len(line) > EVIDENCE_WIDTH:
        line = line[:EVIDENCE_WIDTH] + "…"
    body = Text(line)
    matched = safe(occurrence.matched, redact_secrets=redact) if occurrence.matched else ""
    if matched:
        start = line.find(matched)
        if start != -1:
            body.stylize("bold", start, start + len(matched))
    text.append_text(body)
    return text


def evidence_lines(finding: Finding, *, limit: int | None, redact: bool) -> list[Text]:
    occurrences = finding.evidence if limit is None else finding.evidence[:limit]
    lines = [Text("evidence:", style="bold")]
    lines.extend(evidence_line(o, redact) for o in occurrences)
    hidden = finding.count - len(occurrences)
    if hidden > 0:
        lines.append(Text(f"… {hidden} more occurrence(s)", style="dim"))
    return lines
