"""Which lines of a failure are its cause: one cause per failure, code frames and repeats aside."""

from __future__ import annotations

import re
from dataclasses import replace

from testtriage.core.findings import UNKNOWN_RULE, Occurrence
from testtriage.core.records import Record
from testtriage.core.results import FailureReported, RunEvent, TestReported
from testtriage.core.rules.model import GENERIC_CATEGORIES


def message_only(record: Record, new_events: list[RunEvent]) -> Record | None:
    """A runner's outcome line names a test: rules must see only its error message, if any,
    never the test's name (a test called "rejects a foreign key violation" is not one)."""
    named = False
    text = record.text.strip()
    for event in new_events:
        if isinstance(event, TestReported):
            message = event.result.message
            # Only a message this line prints: a runner may repeat an earlier error when it
            # reports the test again (pytest's `PASSED` line of a test that erred at teardown).
            fresh = message and text and (message in text or message.endswith(text))
        elif isinstance(event, FailureReported):
            # A failure reported here, with the error the runner gathered for it (go prints a
            # test's output before its `--- FAIL`), or completed by this line (`Type:` first).
            message = event.message
            fresh = bool(message)
        else:
            continue
        named = True
        if fresh:
            return replace(record, text=message)
    return None if named else record


HEADLINE_WINDOW = 40
"""Lines a logged error's traceback may span below its message line."""


def absorb_headline(target: list[Occurrence], tagged: Occurrence) -> None:
    """A logging record is a message line (`ERROR ... Internal Server Error: /api/jobs/`) and
    the traceback under it: once the traceback's error is tagged, the message line is not a
    second, unknown error. Only that shape: plain text lines, the unknown one just before."""
    if not target or tagged.log is not None:
        return
    previous = target[-1]
    distance = tagged.location.line - previous.location.line
    if (
        previous.rule is UNKNOWN_RULE
        and previous.context is None
        and previous.log is None
        and previous.location.source == tagged.location.source
        and 0 < distance <= HEADLINE_WINDOW
    ):
        del target[-1]


def _bare(occurrence: Occurrence) -> bool:
    """A line that names only an error's type (`ArgumentError:`); its message is elsewhere."""
    text = occurrence.text.strip().rstrip(":")
    return bool(text) and " " not in text and occurrence.text.strip().endswith(":")


def _weight(occurrence: Occurrence) -> tuple[int, int]:
    """Which of two occurrences of one cause says more: extracted fields, then matched text."""
    return len(occurrence.fields), len(occurrence.matched)


RAISE_LINE = re.compile(r"^\s+(?:raise|throw)\s+(?:new\s+)?[\w.]+\(")
"""A traceback's quoted source line (`    raise JSONDecodeError(...)`), outside any failure."""
CODE_LINE = re.compile(r"^\s*(?:>\s*)?\d+\s*\|(?!\s*\^)|^\s*\|\s*\^|^>\s{2,}\S")
"""Code frames in failures: vitest/jest `  86| code` and `> 88 | code`, pytest's `>   code`."""


def causes_of_one_failure(occurrences: list[Occurrence]) -> list[Occurrence]:
    """One failure prints its error several ways (the message, a `Caused by:`, the crash line
    naming only the exception class): keep one cause per category, the most informative, and
    drop generic symptoms when a specific cause is there."""
    failure = [o for o in occurrences if o.in_failure]
    if not failure:
        return occurrences
    specific = any(o.rule.category not in GENERIC_CATEGORIES for o in failure)
    telling = [o for o in failure if not _bare(o)]
    best: dict[str, Occurrence] = {}
    for occurrence in telling or failure:
        category = occurrence.rule.category
        if specific and category in GENERIC_CATEGORIES:
            continue
        known = best.get(category)
        if known is None or _weight(occurrence) > _weight(known):
            best[category] = occurrence
    kept = {id(o) for o in best.values()}
    return [o for o in occurrences if not o.in_failure or id(o) in kept]
