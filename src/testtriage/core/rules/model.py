"""A rule: one declarative unit that tags an error by cause and says what to do about it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CATEGORIES = (
    "auth",
    "fk_timing",
    "parse",
    "enum",
    "constraint",
    "connection",
    "timeout",
    "assertion",
    "runtime",
    "unknown",
)
"""The stable category names of the JSON contract; rule files may add others."""

GENERIC_CATEGORIES = frozenset({"assertion", "unknown"})
"""Categories that name a symptom; inside one failure a more specific cause wins over them."""

SEVERITIES = ("error", "warning", "info")


class RecordKind(StrEnum):
    """Which records a rule looks at."""

    LOG = "log"
    """A structured (JSON) log line."""
    TEXT = "text"
    """A plain text line outside any failure block."""
    FAILURE = "failure"
    """A line inside a test's (or setup step's, or suite's) failure block."""


ALL_KINDS = frozenset(RecordKind)


@dataclass(frozen=True, slots=True)
class Derivation:
    """Fill fields from another field: `pattern` runs on `source`'s value.

    `pattern` may name other fields as `{field}`; they are substituted (escaped) first, and the
    derivation is skipped while one of them is unknown. It never overwrites a known field.
    """

    source: str
    pattern: str


@dataclass(frozen=True, slots=True)
class Example:
    """A line a rule must match (with the fields it must extract), or must not match."""

    line: str
    fields: Mapping[str, str] = field(default_factory=dict)
    kind: RecordKind | None = None
    """Treat the line as this kind of record (default: log for JSON lines, else text)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule, as read from a rule pack. Compiled by the engine, never by itself."""

    id: str
    category: str
    severity: str
    title: str
    """A template over the extracted fields: `{constraint}`, or `{table|a table}` with a default."""
    patterns: tuple[str, ...]
    """RE2 regular expressions searched in the record's text; named groups become fields. The
    first pattern that matches is used."""
    why: str
    """What the error means, in a sentence or two."""
    fix: str
    """Markdown template over the fields: the recommended fix."""
    examples_match: tuple[Example, ...] = ()
    examples_no_match: tuple[Example, ...] = ()
    exclude: tuple[str, ...] = ()
    """Patterns that veto a match (RE2 has no look-around; near-misses are excluded here)."""
    enrich: tuple[str, ...] = ()
    """Optional patterns searched in the same text; their named groups add fields."""
    derive: tuple[Derivation, ...] = ()
    applies_to: frozenset[RecordKind] = ALL_KINDS
    min_level: int | None = None
    """Ignore records whose stated level is below this (records with no level still count)."""
    codes: tuple[str, ...] = ()
    """If the record carries an error code (a JSON log's `err.code`, or a `code` group), it
    must be one of these."""
    key_fields: tuple[str, ...] = ()
    """Fields that, with the rule id, identify one finding. Empty: the normalized message does."""
    attach: bool = False
    """The rule enriches the previous occurrence of its category in the same source (a
    `DETAIL:` line under an `ERROR:` line) instead of making an occurrence of its own."""
    surface_of: tuple[str, ...] = ()
    """Categories whose findings this error is only a surface of (Supabase's `Database error
    creating new user` wraps a database error): they are linked as its likely cause."""
    origin: str = "builtin"
    """Where the rule came from: `builtin`, or the path of a user rules file."""


_FIELD_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}]*))?\}")


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill `{name}` and `{name|default}` placeholders; an unknown field without a default
    renders as its name in angle brackets so the gap is visible."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = fields.get(name)
        if value:
            return value
        return default if default is not None else f"<{name}>"

    return _FIELD_RE.sub(replace, template)


def template_fields(template: str) -> set[str]:
    """The field names a template refers to."""
    return {match.group(1) for match in _FIELD_RE.finditer(template)}
