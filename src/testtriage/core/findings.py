"""Occurrences of tagged errors, and the bounded groups (findings) they fold into."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from testtriage.core.records import LogFields, decode_line, strip_ansi
from testtriage.core.results import LineContext, TestKey, Zone
from testtriage.core.rules.model import Rule

EVIDENCE_FIRST = 3
"""Occurrences kept from the start of a finding; the latest one is kept too."""
MAX_LINKED_TESTS = 200
"""Tests remembered per finding; beyond that only the count grows."""
MAX_EVIDENCE_CHARS = 2_000

UNKNOWN_RULE = Rule(
    id="unknown",
    category="unknown",
    severity="error",
    title="{message}",
    patterns=(".",),
    why="No rule knows this error, so it is shown as it is: nothing is hidden because no rule "
    "knows it.",
    fix="Read the evidence: the first line usually names the failing call. If this error comes "
    "back, describe it in a rules file (`testtriage rules explain` shows the shape) so the next "
    "run tags it and says what to do.",
)
"""The pseudo-rule of errors no rule matched: error-level log lines and unexplained failures."""

OVERFLOW_RULE = Rule(
    id="overflow",
    category="unknown",
    severity="error",
    title="{count} more distinct errors of rule {rule}",
    patterns=(".",),
    why="A rule matched more distinct errors than a report can list; the rest are counted here "
    "so memory stays bounded and none is dropped silently.",
    fix="Look at the first findings of the same rule: errors this many usually share one cause "
    "(a loop, a retry storm, a data set).",
)

_NORMALIZERS = (
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
     "<uuid>"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{12,}\b"), "<hex>"),
    (re.compile(r"'[^'\n]{0,120}'|\"[^\"\n]{0,120}\"|`[^`\n]{0,120}`"), "<str>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
)  # fmt: skip


MAX_CONTEXT_BYTES = 400


def _context_line(line: bytes) -> str:
    return clip(strip_ansi(decode_line(line[:MAX_CONTEXT_BYTES])), MAX_CONTEXT_BYTES)


@lru_cache(maxsize=4096)
def normalize_message(text: str) -> str:
    """The shape of a message: ids, numbers, e-mails, times and quoted values made generic
    (cached: a log repeats its messages far more often than it invents new ones)."""
    text = text.strip()[:400]
    for pattern, token in _NORMALIZERS:
        text = pattern.sub(token, text)
    return " ".join(text.split())[:240]


def fingerprint(rule: Rule, fields: Mapping[str, str], message: str) -> str:
    """Identify a finding: the rule and its key fields, or the rule and the message's shape."""
    if rule.key_fields and any(fields.get(key) for key in rule.key_fields):
        basis = "\x1f".join(fields.get(key, "") for key in rule.key_fields)
    else:
        basis = normalize_message(message)
    digest = hashlib.blake2b(basis.encode(), digest_size=8).hexdigest()
    return f"{rule.id}:{digest}"


@dataclass(frozen=True, slots=True)
class Location:
    """A line of a source."""

    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One tagged error, once, with the evidence to show for it."""

    rule: Rule
    fields: Mapping[str, str]
    fingerprint: str
    location: Location
    text: str
    """The line as written, without ANSI escapes (still untrusted: render layers neutralize it)."""
    matched: str = ""
    """The part the rule matched, to highlight."""
    log: LogFields | None = None
    before_raw: tuple[bytes, ...] = ()
    """The lines just above, as read (decoded only when shown: most occurrences never are)."""
    after_raw: tuple[bytes, ...] = ()
    context: LineContext | None = None
    level: int | None = None

    @property
    def before(self) -> tuple[str, ...]:
        """The lines just above, without escapes, bounded."""
        return tuple(_context_line(line) for line in self.before_raw)

    @property
    def after(self) -> tuple[str, ...]:
        """The lines just below, without escapes, bounded."""
        return tuple(_context_line(line) for line in self.after_raw)

    @property
    def in_failure(self) -> bool:
        """Inside the error of a failed test, setup step or suite (not just its captured output)."""
        return self.context is not None and self.context.zone is Zone.ERROR


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """All occurrences of one fingerprint, folded with bounded memory."""

    fingerprint: str
    rule: Rule
    fields: Mapping[str, str]
    order: int
    """Creation order in the run: report ids follow it."""
    count: int
    first: Location
    last: Location
    evidence: tuple[Occurrence, ...]
    linked: Mapping[TestKey, int] = field(default_factory=lambda: MappingProxyType({}))
    """Failed tests (or setup steps, suites) whose error holds this finding, with counts."""
    linked_total: int = 0
    """Occurrences inside failures, including those of tests beyond `MAX_LINKED_TESTS`."""
    captured_in: tuple[TestKey, ...] = ()
    """Failed tests whose captured output shows it (not, by itself, their cause)."""
    noise_count: int = 0
    """Occurrences outside any failure."""

    @classmethod
    def start(cls, occurrence: Occurrence, order: int) -> FindingGroup:
        group = cls(
            fingerprint=occurrence.fingerprint,
            rule=occurrence.rule,
            fields=MappingProxyType(dict(occurrence.fields)),
            order=order,
            count=0,
            first=occurrence.location,
            last=occurrence.location,
            evidence=(),
        )
        return group.add(occurrence)

    def add(self, occurrence: Occurrence) -> FindingGroup:
        """This group with one more occurrence (a repeat inside the same test's failure counts
        once, as runners print one error in several places)."""
        context = occurrence.context
        linked = self.linked
        linked_total = self.linked_total
        captured = self.captured_in
        noise = self.noise_count
        if context is not None and context.zone is Zone.ERROR:
            if context.key in linked:
                # The same failure printed again (a `→` line, then its FAIL block): counted
                # once, shown once, by the occurrence that extracted most.
                return self._better_evidence(occurrence)
            if len(linked) < MAX_LINKED_TESTS:
                linked = MappingProxyType({**linked, context.key: 1})
            linked_total += 1
        elif context is not None:
            if context.key not in captured and len(captured) < MAX_LINKED_TESTS:
                captured = (*captured, context.key)
            noise += 1
        else:
            noise += 1
        fields = self.fields
        missing = {k: v for k, v in occurrence.fields.items() if k not in fields}
        if missing:
            fields = MappingProxyType({**fields, **missing})
        evidence = self.evidence
        if len(evidence) < EVIDENCE_FIRST:
            evidence = (*evidence, occurrence)
        else:
            evidence = (*evidence[:EVIDENCE_FIRST], occurrence)
        here = occurrence.location
        first, last = self.first, self.last
        if here.source == first.source and here.line < first.line:
            first = here  # a failure's errors are folded at its end, after later log lines
        if here.source != last.source or here.line > last.line:
            last = here
        return replace(
            self,
            fields=fields,
            count=self.count + 1,
            first=first,
            last=last,
            evidence=evidence,
            linked=linked,
            linked_total=linked_total,
            captured_in=captured,
            noise_count=noise,
        )

    def _better_evidence(self, occurrence: Occurrence) -> FindingGroup:
        key = occurrence.context.key if occurrence.context is not None else None
        for index, kept in enumerate(self.evidence):
            if kept.context is None or kept.context.key != key:
                continue
            if _informative(occurrence) <= _informative(kept):
                return self
            evidence = (*self.evidence[:index], occurrence, *self.evidence[index + 1 :])
            fields = MappingProxyType({**occurrence.fields, **self.fields})
            return replace(self, evidence=evidence, fields=fields)
        return self


def _informative(occurrence: Occurrence) -> int:
    """How much an occurrence tells: the fields it extracted (on a tie the first one printed
    stays: the error itself usually comes before the runner's summary repeats it)."""
    return len(occurrence.fields)


def clip(text: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    """Bound a text kept as evidence."""
    return text if len(text) <= limit else text[:limit] + "…"
