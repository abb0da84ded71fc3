"""The built-in rule packs: their examples, templates and the block prefilter built from them."""

from __future__ import annotations

import re

import pytest

from testtriage.core.records import build_record
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.examples import MIN_EXAMPLES, check_examples, example_kind
from testtriage.core.rules.loader import BUILTIN_PACKS, load_builtin_rules
from testtriage.core.rules.model import (
    CATEGORIES,
    GENERIC_CATEGORIES,
    Rule,
    render_template,
    template_fields,
)
from testtriage.core.scan import compile_candidates

RULES = load_builtin_rules()
ENGINE = RuleEngine(RULES)
TITLE_LIMIT = 60
FIELD_CAP = 30
"""Titles are checked with each field cut to this many characters: a long identifier is data."""


def _missing(template: str, rendered: str) -> list[str]:
    return [name for name in template_fields(template) if f"<{name}>" in rendered]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule: Rule) -> None:
    problems = check_examples(ENGINE, [rule], require=MIN_EXAMPLES)
    assert not problems, "\n".join(str(p) for p in problems)


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule_id) for rule_id in ids)


def test_every_pack_has_rules() -> None:
    assert len(BUILTIN_PACKS) == 8
    assert len(RULES) >= 60


def test_categories_are_known_and_texts_present() -> None:
    for rule in RULES:
        assert rule.category in CATEGORIES and rule.category != "unknown", rule.id
        assert rule.why.strip() and rule.fix.strip() and rule.title.strip(), rule.id
        assert rule.origin == "builtin"


def test_generic_rules_come_last() -> None:
    """Generic symptoms (assertions) follow every specific cause in matching order."""
    positions = [i for i, rule in enumerate(RULES) if rule.category in GENERIC_CATEGORIES]
    specific = [i for i, rule in enumerate(RULES) if rule.category not in GENERIC_CATEGORIES]
    assert positions and min(positions) > max(specific)


def test_attach_rules_follow_a_rule_of_their_category() -> None:
    for index, rule in enumerate(RULES):
        if rule.attach:
            earlier = [r for r in RULES[:index] if r.category == rule.category and not r.attach]
            assert earlier, rule.id


def test_auth_surface_points_at_database_causes() -> None:
    rule = ENGINE.by_id["supabase-auth-database-error"]
    assert rule.category == "auth"
    assert set(rule.surface_of) >= {"fk_timing", "constraint", "enum"}
    assert "database" in rule.why.lower() and "credentials" in rule.fix.lower()


def test_fk_fix_weighs_the_three_options() -> None:
    fix = ENGINE.by_id["postgres-fk-violation"].fix.lower()
    for phrase in ("cleanup order", "await", "noise", "non-blocking"):
        assert phrase in fix


@pytest.mark.parametrize("rule", [r for r in RULES if not r.attach], ids=lambda r: r.id)
def test_templates_render_for_match_examples(rule: Rule) -> None:
    for example in rule.examples_match:
        record = build_record("example", 1, example.line.encode())
        found = ENGINE.match(record, example_kind(example, record.is_json))
        assert found is not None and found.rule.id == rule.id, example.line
        assert not _missing(rule.title, found.title), (found.title, example.line)
        fix = render_template(rule.fix, found.fields)
        assert not _missing(rule.fix, fix), example.line
        capped = {key: value[:FIELD_CAP] for key, value in found.fields.items()}
        short = render_template(rule.title, capped)
        assert len(short) <= TITLE_LIMIT, short


def test_prefilter_compiles_and_finds_every_match_example() -> None:
    """The union of all patterns is the block prefilter: it must never drop a known error,
    including JSON log lines whose quotes are escaped in the raw bytes."""
    prefilter = compile_candidates(ENGINE.candidate_patterns())
    missed = []
    json_examples = 0
    for rule in RULES:
        for example in rule.examples_match:
            raw = example.line.encode()
            json_examples += build_record("example", 1, raw).is_json
            if prefilter.search(raw) is None:
                missed.append(f"{rule.id}: {example.line[:100]}")
    assert not missed, "\n".join(missed)
    assert json_examples >= 20


_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\|[^{}]*)?\}")
_GROUP_RE = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


@pytest.mark.parametrize("rule", [r for r in RULES if not r.attach], ids=lambda r: r.id)
def test_title_fields_without_default_come_from_every_pattern(rule: Rule) -> None:
    """A title placeholder without a default must be filled whichever pattern matched."""
    required = {m.group(1) for m in _PLACEHOLDER_RE.finditer(rule.title) if m.group(2) is None}
    for pattern in rule.patterns:
        groups = set(_GROUP_RE.findall(pattern))
        assert required <= groups, f"{sorted(required - groups)} missing from {pattern!r}"


def test_why_is_plain_text() -> None:
    """`why` is not a template: it must read the same whatever was extracted."""
    assert not [rule.id for rule in RULES if template_fields(rule.why)]
