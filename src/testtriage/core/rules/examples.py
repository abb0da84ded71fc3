"""Check rules against their own examples: what must match (with which fields) and what must not."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from testtriage.core.records import build_record
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.model import Example, RecordKind, Rule

MIN_EXAMPLES = 2
"""Each built-in rule shows at least this many lines it matches and near-misses it does not."""


@dataclass(frozen=True, slots=True)
class ExampleProblem:
    """One example that does not behave as its rule says."""

    rule_id: str
    line: str
    problem: str

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.problem}: {self.line[:160]!r}"


def example_kind(example: Example, is_json: bool) -> RecordKind:
    if example.kind is not None:
        return example.kind
    return RecordKind.LOG if is_json else RecordKind.TEXT


def check_examples(
    engine: RuleEngine, rules: Iterable[Rule] | None = None, *, require: int = 0
) -> list[ExampleProblem]:
    """Run the examples of `rules` (default: all) through the whole ordered engine.

    A `match` example must be tagged by its own rule (so an earlier rule that steals it is
    caught) with at least the fields it lists; a `no_match` example must not be tagged by it.
    An attach-rule's examples are checked against the rule alone, as it never tags by itself.
    """
    problems: list[ExampleProblem] = []
    for rule in engine.rules if rules is None else rules:
        if require and len(rule.examples_match) < require:
            problems.append(
                ExampleProblem(rule.id, "", f"needs at least {require} `match` examples")
            )
        if require and len(rule.examples_no_match) < require:
            problems.append(
                ExampleProblem(rule.id, "", f"needs at least {require} `no_match` examples")
            )
        for example in rule.examples_match:
            problems.extend(_check_match(engine, rule, example))
        for example in rule.examples_no_match:
            problems.extend(_check_no_match(engine, rule, example))
    return problems


def _check_match(engine: RuleEngine, rule: Rule, example: Example) -> list[ExampleProblem]:
    record = build_record("example", 1, example.line.encode())
    kind = example_kind(example, record.is_json)
    if rule.attach:
        fields: dict[str, str] = {}
        if not engine.enrich_fields(rule, record.text, fields):
            return [ExampleProblem(rule.id, example.line, "attach example does not match")]
        return _check_fields(rule, example, fields)
    found = engine.match(record, kind)
    if found is None:
        return [ExampleProblem(rule.id, example.line, "does not match")]
    if found.rule.id != rule.id:
        return [ExampleProblem(rule.id, example.line, f"tagged by earlier rule {found.rule.id}")]
    return _check_fields(rule, example, dict(found.fields))


def _check_fields(rule: Rule, example: Example, fields: dict[str, str]) -> list[ExampleProblem]:
    problems = []
    for key, expected in example.fields.items():
        got = fields.get(key)
        if got != expected:
            problems.append(
                ExampleProblem(rule.id, example.line, f"field {key}={got!r}, expected {expected!r}")
            )
    return problems


def _check_no_match(engine: RuleEngine, rule: Rule, example: Example) -> list[ExampleProblem]:
    record = build_record("example", 1, example.line.encode())
    kind = example_kind(example, record.is_json)
    if rule.attach:
        if engine.enrich_fields(rule, record.text, {}):
            return [ExampleProblem(rule.id, example.line, "near-miss matches the attach rule")]
        return []
    found = engine.match(record, kind)
    if found is not None and found.rule.id == rule.id:
        return [ExampleProblem(rule.id, example.line, "near-miss is tagged by this rule")]
    return []
