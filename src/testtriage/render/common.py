"""What the report formats share: labels, locations, evidence excerpts, inert Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from testtriage.core.diagnosis import Diagnosis, FailedTest, Finding
from testtriage.core.findings import Location, Occurrence
from testtriage.core.records import LogFields
from testtriage.core.results import BlockKind, TestKey
from testtriage.core.safety import safe
from testtriage.core.state import RunState

CATEGORY_STYLE: Mapping[str, str] = {
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
"""The colour of each category in terminal renderings."""

EXCERPT_CHARS = 220
"""Characters of an evidence line shown by default: about three lines at 80 columns."""
VERBOSE_CHARS = 2_000
"""Characters of an evidence line shown with --verbose (the core keeps no more)."""
PATH_CHARS = 48
"""Paths longer than this are shortened from the left, at a directory boundary."""
WHY_CHARS = 110
"""A one-sentence "why" longer than this loses its asides, then what follows its first colon."""

_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")
_MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|`")
_ASIDE = re.compile(r"\s*\([^()]*\)")
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]<|~&])")
_LINE_START_SPECIAL = re.compile(r"^([#>+=-]|\d+[.)])")
_BACKTICKS = re.compile(r"`+")
_COMMAND_LINE = re.compile(r"^([^\S\n]*)(::)", re.MULTILINE)


def clean(value: str, redact: bool) -> str:
    """Log-derived text made safe to show: escapes inert, secrets redacted unless asked not to."""
    return safe(value, redact_secrets=redact)


def one_line(value: str) -> str:
    """The text with every run of whitespace (newlines included) made one space."""
    return _SPACES.sub(" ", value).strip()


def short_path(path: str, limit: int = PATH_CHARS) -> str:
    """A long path cut from the left at a directory boundary: `…/contract/analysis.test.ts`."""
    if len(path) <= limit:
        return path
    parts = path.replace("\\", "/").split("/")
    kept = parts[-1]
    for part in reversed(parts[:-1]):
        if len(kept) + len(part) + 3 > limit:
            break
        kept = f"{part}/{kept}"
    return "…/" + kept


def where(location: Location) -> str:
    """`source:line`, with a long source path shortened."""
    return f"{short_path(location.source)}:{location.line}"


def location_text(finding: Finding) -> str:
    """Where a finding was seen: one line, a range in one source, or first … last."""
    first, last = finding.first, finding.last
    if first == last or not last.source:
        return where(first)
    if first.source == last.source:
        return f"{where(first)}–{last.line}"
    return f"{where(first)} … {where(last)}"


def sources_text(state: RunState) -> str:
    """The sources read, with their line counts and any problem reading them."""
    parts = []
    for status in state.sources.values():
        part = f"{status.name} ({status.lines:,} lines)"
        if status.status in ("error", "binary"):
            part = f"{status.name} ({status.status}: {status.message or 'not read'})"
        parts.append(part)
    return ", ".join(parts) or "no sources"


def run_text(state: RunState) -> str:
    """`vitest run, finished` (with the run number after a source was rewritten)."""
    runner = "unknown runner" if state.runner == "unknown" else f"{state.runner} run"
    phase = "run state unknown" if state.phase.value == "unknown" else state.phase.value
    text = f"{runner}, {phase}"
    if state.generation > 1:
        text += f" (run {state.generation}: a source was truncated and rewritten)"
    return text


def counts_text(state: RunState) -> str:
    counts = state.counts()
    return (
        f"{counts.failed} failed · {counts.passed} passed · {counts.skipped} skipped · "
        f"{plural(counts.errors, 'error')} · {counts.total} total"
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def failures_by_key(diagnosis: Diagnosis) -> dict[TestKey, FailedTest]:
    return {failed.key: failed for failed in diagnosis.failed}


def shown_name(key: TestKey, failed: FailedTest | None = None) -> str:
    """A test's name as a report shows it; a whole file that failed to run says so."""
    kind = failed.kind if failed is not None else None
    if not key.name:
        return f"{key.file or 'a test file'} (failed to run)"
    if kind is BlockKind.SETUP:
        return f"{key.name} (setup)"
    if kind is BlockKind.TEARDOWN:
        return f"{key.name} (teardown)"
    if kind is BlockKind.SUITE:
        return f"{key.name} (whole suite)"
    return key.name


def shown_file(key: TestKey) -> str:
    """The test's file when it adds something to its name."""
    return short_path(key.file) if key.file and key.name else ""


def plain_markdown(text: str) -> str:
    """Markdown of the rule text (a why, a fix) as plain prose: emphasis and code marks dropped."""
    return _MARKDOWN_EMPHASIS.sub("", text)


def short_why(why: str) -> str:
    """The first sentence of a rule's why; a long one is cut at its first colon."""
    text = one_line(why)
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) > WHY_CHARS:
        sentence = _ASIDE.sub("", sentence)
    if len(sentence) > WHY_CHARS and ": " in sentence:
        sentence = sentence.split(": ", 1)[0].rstrip(".,;") + "."
    return sentence


def behind(diagnosis: Diagnosis, finding: Finding) -> tuple[Finding, ...]:
    """The blocking findings that only surface this one (an auth API hiding a database error)."""
    return tuple(f for f in diagnosis.blocking if finding.id in f.related)


def noise_reason(diagnosis: Diagnosis, finding: Finding) -> str:
    """Why a non-blocking finding fails no test, in a few words."""
    surfaces = behind(diagnosis, finding)
    if surfaces:
        ids = ", ".join(f.id for f in surfaces)
        return f"the error behind {ids}, which fails tests: fixing this one fixes {ids}"
    captured = len(finding.group.captured_in)
    if captured:
        return (
            f"in the output of {plural(captured, 'failed test')}, but not in its error"
            if captured == 1
            else f"in the output of {captured} failed tests, but not in their errors"
        )
    return "no failed test is linked: the tests around it passed"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """An evidence line as shown, with the span of the part the rule matched (if found)."""

    text: str
    start: int = -1
    end: int = -1

    @property
    def has_match(self) -> bool:
        return 0 <= self.start < self.end


def excerpt(occurrence: Occurrence, *, redact: bool, verbose: bool = False) -> Excerpt:
    """The evidence line to show. By default a JSON log line is shown as its level, message and
    error, and a long line as a window around the match; with `verbose`, the line as written."""
    matched = clean(one_line(occurrence.matched), redact) if occurrence.matched else ""
    if verbose:
        return _windowed(clean(occurrence.text, redact).strip(), matched, VERBOSE_CHARS)
    if occurrence.log is not None:
        compact = clean(one_line(_compact_log(occurrence.log)), redact)
        if matched and matched in compact or not matched:
            return _windowed(compact, matched, EXCERPT_CHARS)
        raw = clean(one_line(occurrence.text), redact)
        escaped = orjson.dumps(matched).decode()[1:-1]
        return _windowed(raw, escaped if escaped in raw else matched, EXCERPT_CHARS)
    return _windowed(clean(one_line(occurrence.text), redact), matched, EXCERPT_CHARS)


def pick_evidence(finding: Finding, limit: int | None) -> list[Occurrence]:
    """The evidence to show: all of it without a limit; else the first piece inside a failure,
    then the first logged elsewhere (the two sides of a blocking error), then the rest."""
    evidence = list(finding.evidence)
    if limit is None:
        return evidence
    inside = [o for o in evidence if o.in_failure]
    outside = [o for o in evidence if not o.in_failure]
    chosen = [*inside[:1], *outside[:1]]
    chosen += [o for o in evidence if o not in chosen]
    return chosen[:limit]


def context_lines(lines: tuple[str, ...], redact: bool) -> list[str]:
    """Context lines around a piece of evidence, made safe."""
    return [clean(line, redact).rstrip() for line in lines]


_LEVEL_WORDS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}


def _compact_log(log: LogFields) -> str:
    level = log.level_name
    if (not level or level.isdigit()) and log.level is not None:
        level = _LEVEL_WORDS.get(log.level, level or str(log.level))
    parts = [f"[{level}]" if level else "", log.message]
    error = log.error
    if error is not None and (error.type or error.message):
        head = f"{error.type}: {error.message}" if error.type and error.message else ""
        parts.append("— " + (head or error.type or error.message))
        for label, value in (("code", error.code), ("detail", error.detail)):
            if value:
                parts.append(f"({label} {value})")
    return " ".join(part for part in parts if part)


def _windowed(line: str, matched: str, limit: int) -> Excerpt:
    start = line.find(matched) if matched else -1
    if len(line) <= limit:
        return Excerpt(line, start, start + len(matched) if start >= 0 else -1)
    if start < 0:
        return Excerpt(line[: limit - 1] + "…")
    # Keep a little of what leads up to the match, then as much of the match as fits.
    lead = min(start, max(limit // 5, limit - len(matched) - 1))
    begin = start - lead
    end = min(len(line), begin + limit)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(line) else ""
    text = prefix + line[begin:end] + suffix
    match_start = len(prefix) + start - begin
    match_end = min(match_start + len(matched), len(text) - len(suffix))
    return Excerpt(text, match_start, match_end)


def md_text(value: str, redact: bool = True) -> str:
    """Log-derived text as inert inline Markdown: one line, every character that could start
    a link, an image, HTML, emphasis, code or a table cell escaped."""
    text = _INLINE_SPECIAL.sub(r"\\\1", clean(one_line(value), redact))
    return _LINE_START_SPECIAL.sub(r"\\\1", text)


def md_code(value: str, redact: bool = True, *, in_table: bool = False) -> str:
    """Log-derived text as an inline code span that no backtick inside it can close."""
    text = clean(one_line(value), redact)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fence_for(lines: Iterable[str]) -> str:
    """A code fence longer than any run of backticks in the lines, so none can close it."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    return "`" * max(3, longest + 1)


def guard_commands(text: str) -> str:
    """Put a backslash before any line that would start with `::` (leading spaces aside): CI
    runners read such lines of a job's output as workflow commands."""
    return _COMMAND_LINE.sub(r"\1\\\2", text)
