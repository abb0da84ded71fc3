"""Match records against the ordered rules: one set-match finds candidates, the first rule wins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import re2

from testtriage.core.records import Record
from testtriage.core.rules.literals import cached_prefilter, literal_pattern, required_literals
from testtriage.core.rules.loader import compile_pattern
from testtriage.core.rules.model import RecordKind, Rule, render_template
from testtriage.core.scan import json_tolerant

_DERIVED_CACHE_LIMIT = 512
_FIELD_REF_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule matched a record: the fields it extracted and the text it matched."""

    rule: Rule
    fields: Mapping[str, str]
    matched: str
    """The part of the record's text the pattern matched (for highlighting evidence)."""

    @property
    def title(self) -> str:
        return render_template(self.rule.title, self.fields)


_UNANCHORED = re2._Anchor.UNANCHORED


class _Pattern:
    """An RE2 pattern searched on UTF-8 bytes through RE2's own call: the wrapper's `search`
    on `str` maps every offset back to characters, which costs more than the match itself."""

    __slots__ = ("_groups", "_match")

    def __init__(self, pattern: str, *, keep: bool = True) -> None:
        compiled = compile_pattern(pattern, keep=keep)
        self._match = compiled._regexp.Match
        self._groups = tuple(compiled.groupindex.items())

    def search(self, data: bytes) -> tuple[str, dict[str, str]] | None:
        """The matched text and the named groups that took part, or None."""
        spans = self._match(_UNANCHORED, data, 0, len(data))
        start, end = spans[0]
        if start < 0:
            return None
        fields = {}
        for name, index in self._groups:
            first, last = spans[index]
            if first >= 0 and last > first:
                fields[name] = data[first:last].decode("utf-8", "replace")
        return data[start:end].decode("utf-8", "replace"), fields


def _prefilter(patterns: list[str]) -> list[str]:
    found: dict[str, None] = {}
    for pattern in patterns:
        need = required_literals(pattern)
        found[literal_pattern(need) if need else json_tolerant(pattern)] = None
    return list(found)


class CompiledRule:
    """A rule with its patterns compiled once."""

    __slots__ = ("enrich", "exclude", "patterns", "rule")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.patterns = [_Pattern(p) for p in rule.patterns]
        self.exclude = [_Pattern(p) for p in rule.exclude]
        self.enrich = [_Pattern(p) for p in rule.enrich]

    def __repr__(self) -> str:
        return f"CompiledRule({self.rule.id!r})"


class RuleEngine:
    """Finds the first rule, in order, that matches a record and satisfies its conditions.

    All patterns sit in one RE2 set, so a record costs one linear scan however many rules there
    are; only the rules the set reports are then run with their groups. RE2 runs in time linear
    in the input, so no pattern (a user's included) can backtrack catastrophically.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._compiled = [CompiledRule(rule) for rule in self.rules]
        self._owner: list[int] = []
        options = re2.Options()
        options.max_mem = 128 << 20
        self._set: Any = re2.Set.SearchSet(options)
        for index, rule in enumerate(self.rules):
            for pattern in rule.patterns:
                self._set.Add(pattern)
                self._owner.append(index)
        if self._owner:
            self._set.Compile()
        # RE2's own call, without the wrapper's type test per record (bytes in, indices out).
        self._set_match: Any = self._set._set.Match
        self._derived: dict[str, _Pattern] = {}
        self.by_id = {rule.id: rule for rule in self.rules}

    def candidate_patterns(self) -> list[str]:
        """Patterns for the block scan: the literals each rule pattern cannot match without
        (a literal alternation scans at grep speed), or the pattern itself, made tolerant of
        the escaping inside raw JSON lines, when it has no useful literal."""
        patterns = [p for rule in self.rules for p in rule.patterns]
        return cached_prefilter(patterns, _prefilter)

    def match(self, record: Record, kind: RecordKind) -> RuleMatch | None:
        """The first rule that matches `record` read as `kind`, or None."""
        text = record.text
        if not text or not self._owner:
            return None
        data = text.encode("utf-8", "replace")
        hits = self._set_match(data)
        if not hits:
            return None
        seen = sorted({self._owner[i] for i in hits})
        for index in seen:
            found = self._try(self._compiled[index], record, kind, data)
            if found is not None:
                return found
        return None

    def _try(
        self, compiled: CompiledRule, record: Record, kind: RecordKind, data: bytes
    ) -> RuleMatch | None:
        rule = compiled.rule
        if kind not in rule.applies_to:
            return None
        if (
            rule.min_level is not None
            and record.level is not None
            and record.level < rule.min_level
        ):
            return None
        match = None
        for pattern in compiled.patterns:
            match = pattern.search(data)
            if match is not None:
                break
        if match is None:
            return None
        if any(pattern.search(data) is not None for pattern in compiled.exclude):
            return None
        matched, fields = match
        error = record.log.error if record.log is not None else None
        code = (error.code if error is not None else "") or fields.get("code", "")
        if rule.codes and code and code not in rule.codes:
            return None
        if code:
            fields.setdefault("code", code)
        for pattern in compiled.enrich:
            extra = pattern.search(data)
            if extra is not None:
                for key, value in extra[1].items():
                    fields.setdefault(key, value)
        if error is not None:
            for key in ("constraint", "table", "column"):
                value = getattr(error, key)
                if value and key not in fields:
                    fields[key] = value
        self.derive(rule, fields)
        return RuleMatch(
            rule=rule,
            fields=fields,
            matched=matched,
        )

    def enrich_fields(self, rule: Rule, text: str, fields: dict[str, str]) -> bool:
        """Add the fields an attach-rule finds in `text` to `fields`; True if it matched."""
        compiled = self._compiled[self.rules.index(rule)]
        data = text.encode("utf-8", "replace")
        for pattern in compiled.patterns:
            match = pattern.search(data)
            if match is not None:
                for key, value in match[1].items():
                    fields.setdefault(key, value)
                self.derive(rule, fields)
                return True
        return False

    def derive(self, rule: Rule, fields: dict[str, str]) -> None:
        """Fill fields the rule derives from others (a constraint name's table and column)."""
        for derivation in rule.derive:
            value = fields.get(derivation.source)
            if not value:
                continue
            needed = _FIELD_REF_RE.findall(derivation.pattern)
            if any(not fields.get(name) for name in needed):
                continue
            pattern = _FIELD_REF_RE.sub(
                lambda m: re2.escape(fields[m.group(1)]), derivation.pattern
            )
            compiled = self._derived.get(pattern)
            if compiled is None:
                if len(self._derived) >= _DERIVED_CACHE_LIMIT:
                    self._derived.clear()
                compiled = self._derived[pattern] = _Pattern(pattern, keep=False)
            match = compiled.search(value.encode("utf-8", "replace"))
            if match is None:
                continue
            for key, found in match[1].items():
                if not fields.get(key):
                    fields[key] = found
