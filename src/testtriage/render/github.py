"""GitHub Actions output: workflow-command annotations, and Markdown for the job summary."""

from __future__ import annotations

import re
from collections.abc import Iterable

from testtriage.core.diagnosis import Diagnosis, FailedTest, Finding
from testtriage.core.findings import Location, Occurrence
from testtriage.core.results import TestKey
from testtriage.core.verdict import Verdict
from testtriage.render.common import (
    clean,
    excerpt,
    failures_by_key,
    noise_reason,
    one_line,
    plain_markdown,
    plural,
    short_why,
    shown_file,
    shown_name,
    where,
)
from testtriage.render.markdown import markdown_report

MAX_PER_LEVEL = 10
"""GitHub shows at most 10 error and 10 warning annotations of a step; the rest are summarized."""
TITLE_CHARS = 200
FIX_CHARS = 400
MAX_TESTS_NAMED = 3

# Line breaks the runner or a later reader could split on, beyond \r and \n.
_OTHER_BREAKS = re.compile("[\u2028\u2029\u0085\x0b\x0c]")
# A stack frame or pytest location naming a file and line: `❯ tests/x.test.ts:251:22`,
# `at fn (/abs/tests/x.test.ts:12:5)`, `tests/test_api.py:12: AssertionError`.
_CODE_LOCATION = re.compile(
    r"(?:^|[\s(])(?P<path>(?:[\w.@~+-]+/|/)*[\w.@+-]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|rs|php))"
    r":(?P<line>\d+)(?::\d+)?(?=$|[\s):,])"
)
_PLAUSIBLE_FILE = re.compile(r"^[^\s<>|*?\"]+$")


def escape_data(value: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped, so it stays on its own line."""
    value = _OTHER_BREAKS.sub(" ", value)
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value: also `:` and `,` escaped."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, properties: Iterable[tuple[str, str | int | None]]) -> str:
    """One workflow command line, `::kind name=value,...::message`, every part escaped."""
    props = ",".join(
        f"{name}={escape_property(str(value))}"
        for name, value in properties
        if value is not None and value != ""
    )
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def github_report(
    diagnosis: Diagnosis, verdict: Verdict, *, redact: bool = True
) -> tuple[str, str]:
    """Annotations for stdout (errors for what fails tests, warnings for noise, one notice with
    the verdict) and the Markdown report for `$GITHUB_STEP_SUMMARY`."""
    failures = failures_by_key(diagnosis)
    errors = [_blocking(finding, failures, redact) for finding in diagnosis.blocking]
    errors += [_unexplained(failed, redact) for failed in diagnosis.failed if not failed.findings]
    warnings = [_noise(diagnosis, finding, redact) for finding in diagnosis.noise]
    lines = errors[:MAX_PER_LEVEL] + warnings[:MAX_PER_LEVEL]
    notice = "testtriage: " + clean(verdict.summary, redact)
    more_errors = max(0, len(errors) - MAX_PER_LEVEL)
    more_warnings = max(0, len(warnings) - MAX_PER_LEVEL)
    if more_errors or more_warnings:
        notice += (
            f" {plural(more_errors, 'more error')} and {plural(more_warnings, 'more warning')} "
            "are summarized in the job summary (GitHub shows 10 of each per step)."
        )
    lines.append(command("notice", notice, [("title", "testtriage verdict")]))
    summary = markdown_report(diagnosis, verdict, verbose=False, redact=redact)
    return "\n".join(lines) + "\n", summary


def _blocking(finding: Finding, failures: dict[TestKey, FailedTest], redact: bool) -> str:
    names = [_test_ref(key, failures.get(key), redact) for key in finding.tests[:MAX_TESTS_NAMED]]
    more = len(finding.tests) - len(names)
    fails = "; ".join(names) + (f"; and {more} more" if more > 0 else "")
    parts = [f"Fails {fails}." if fails else "Fails the run."]
    if finding.affected:
        parts[0] += f" It took down {plural(len(finding.affected), 'test')} with it."
    occurrence = _first_in_failure(finding)
    if occurrence is not None:
        shown = excerpt(occurrence, redact=redact).text
        parts.append(f"Evidence ({where(occurrence.location)}): {shown}")
    fix = _first_paragraph("\n".join(clean(line, redact) for line in finding.fix.split("\n")))
    if fix:
        parts.append(f"Fix: {fix}")
    file, line = _pointer(finding, occurrence)
    return command(
        "error",
        "\n".join(parts),
        [("file", file), ("line", line), ("title", _title(finding, redact))],
    )


def _noise(diagnosis: Diagnosis, finding: Finding, redact: bool) -> str:
    message = (
        f"Non-blocking, {finding.count}×: {noise_reason(diagnosis, finding)}. "
        f"{plain_markdown(short_why(finding.rule.why))}"
    )
    file, line = _log_location(finding.first)
    return command(
        "warning", message, [("file", file), ("line", line), ("title", _title(finding, redact))]
    )


def _unexplained(failed: FailedTest, redact: bool) -> str:
    title = f"Failed: {clean(shown_name(failed.key, failed), redact)}"
    message = clean(failed.message, redact) or "No error text was captured for this failure."
    file = failed.key.file if _PLAUSIBLE_FILE.match(failed.key.file or "") else ""
    return command("error", message, [("file", clean(file, redact)), ("title", _clip(title))])


def _title(finding: Finding, redact: bool) -> str:
    return _clip(f"{finding.id} {finding.category}: {clean(one_line(finding.title), redact)}")


def _clip(text: str, limit: int = TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _test_ref(key: TestKey, failed: FailedTest | None, redact: bool) -> str:
    name = clean(shown_name(key, failed), redact)
    file = shown_file(key)
    return f"{name} ({clean(file, redact)})" if file else name


def _first_in_failure(finding: Finding) -> Occurrence | None:
    inside = [o for o in finding.evidence if o.in_failure]
    return inside[0] if inside else (finding.evidence[0] if finding.evidence else None)


def _first_paragraph(markdown: str) -> str:
    paragraph = one_line(plain_markdown(markdown.strip().split("\n\n", 1)[0]))
    return _clip(paragraph, FIX_CHARS)


def _pointer(finding: Finding, occurrence: Occurrence | None) -> tuple[str, int | None]:
    """Where the annotation points: a line of a failing test's file named in the evidence
    (a stack frame, a pytest location) when there is one, else the evidence in the log."""
    test_files = {key.file for key in finding.tests if key.file}
    for candidate in finding.evidence:
        # Stack frames follow an error inside its failure; lines before it belong to others.
        after = candidate.after if candidate.in_failure else ()
        for text in (candidate.text, *after):
            for match in _CODE_LOCATION.finditer(text):
                path = match.group("path")
                for test_file in test_files:
                    if path == test_file or path.endswith("/" + test_file):
                        return test_file, int(match.group("line"))
    return _log_location(occurrence.location if occurrence is not None else finding.first)


def _log_location(location: Location) -> tuple[str, int | None]:
    """The log file and line, when the source is a file (not stdin or a command)."""
    source = location.source
    if source in ("-", "") or not _PLAUSIBLE_FILE.match(source):
        return "", None
    return source.removeprefix("./"), location.line
