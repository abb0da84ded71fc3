"""User rule files: every problem is one clear RuleFileError naming file, rule and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from testtriage.core.records import build_record
from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.loader import (
    RuleConfig,
    RuleFileError,
    assemble_rules,
    load_builtin_rules,
    load_rules_file,
)
from testtriage.core.rules.model import RecordKind

GOOD_RULE = """
[[rule]]
id = "{id}"
category = "{category}"
title = "Stale fixture {{fixture}}"
patterns = ['''{pattern}''']
key_fields = {key_fields}
why = "A fixture file is older than the schema."
fix = "Regenerate `{{fixture}}`."
{extra}
"""


def rule_text(
    *,
    rule_id: str = "stale-fixture",
    category: str = "runtime",
    pattern: str = r"stale fixture (?P<fixture>\S+)",
    key_fields: str = '["fixture"]',
    extra: str = "",
) -> str:
    return GOOD_RULE.format(
        id=rule_id, category=category, pattern=pattern, key_fields=key_fields, extra=extra
    )


def write(tmp_path: Path, text: str, name: str = "team-rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> RuleFileError:
    with pytest.raises(RuleFileError) as info:
        load_rules_file(path)
    return info.value


def assert_names(error: RuleFileError, path: Path, rule_id: str, *problem: str) -> None:
    message = str(error)
    assert str(path) in message
    assert error.path == str(path)
    if rule_id:
        assert error.rule_id == rule_id
        assert repr(rule_id) in message
    for part in problem:
        assert part in message, message


def test_a_good_file_loads(tmp_path: Path) -> None:
    rules = load_rules_file(write(tmp_path, rule_text()))
    assert [rule.id for rule in rules] == ["stale-fixture"]
    assert rules[0].origin.endswith("team-rules.toml")
    assert rules[0].key_fields == ("fixture",)


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rule]\nid = "x"\n')
    assert_names(load_error(path), path, "", "not valid TOML")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert_names(load_error(path), path, "", "no such file")


def test_invalid_regex_with_look_around_hint(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(pattern=r"stale fixture (?P<fixture>\S+)(?!\.bak)"))
    assert_names(load_error(path), path, "stale-fixture", "invalid regex", "look-around", "exclude")


def test_invalid_regex_with_back_reference_hint(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(pattern=r"stale fixture (?P<fixture>\S+) \1"))
    assert_names(load_error(path), path, "stale-fixture", "invalid regex", "back-references")


def test_unknown_category(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(category="flaky"))
    assert_names(load_error(path), path, "stale-fixture", "unknown category 'flaky'", "categories")


def test_declared_extra_category_works(tmp_path: Path) -> None:
    path = write(tmp_path, 'categories = ["flaky"]\n' + rule_text(category="flaky"))
    (rule,) = load_rules_file(path)
    assert rule.category == "flaky"
    engine = RuleEngine([rule])
    found = engine.match(build_record("t", 1, b"stale fixture users.json"), RecordKind.TEXT)
    assert found is not None and found.title == "Stale fixture users.json"


def test_missing_field(tmp_path: Path) -> None:
    text = rule_text().replace('fix = "Regenerate `{fixture}`."', "")
    path = write(tmp_path, text)
    assert_names(load_error(path), path, "stale-fixture", "missing field `fix`")


def test_unknown_field(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(extra="patern = 'typo'"))
    assert_names(load_error(path), path, "stale-fixture", "unknown field(s): patern")


def test_duplicate_id(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text() + rule_text())
    assert_names(load_error(path), path, "stale-fixture", "duplicate rule id")


def test_key_fields_not_a_group(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(key_fields='["table"]'))
    assert_names(load_error(path), path, "stale-fixture", "key_fields", "table", "named groups")


def test_template_field_not_a_group(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(pattern=r"stale fixture \S+", key_fields="[]"))
    assert_names(load_error(path), path, "stale-fixture", "unknown field(s): fixture")


def test_bad_severity_and_min_level(tmp_path: Path) -> None:
    path = write(tmp_path, rule_text(extra='severity = "fatal"'))
    assert_names(load_error(path), path, "stale-fixture", "severity")
    path = write(tmp_path, rule_text(extra='min_level = "loud"'))
    assert_names(load_error(path), path, "stale-fixture", "min_level")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_applies_to_and_example_kind_are_accepted(tmp_path: Path) -> None:
    extra = (
        'applies_to = ["failure"]\n[rule.examples]\n'
        "match = [{ line = 'stale fixture a.json', kind = \"failure\" }]"
    )
    (rule,) = load_rules_file(write(tmp_path, rule_text(extra=extra)))
    assert rule.applies_to == frozenset({RecordKind.FAILURE})
    assert rule.examples_match[0].kind is RecordKind.FAILURE


def test_assemble_puts_user_rules_first_and_honours_disabled(tmp_path: Path) -> None:
    builtin = load_builtin_rules()
    path = write(tmp_path, rule_text())
    config = RuleConfig(rule_files=(str(path),), disabled=frozenset({"sqlite-fk-violation"}))
    rules = assemble_rules(builtin, config)
    assert rules[0].id == "stale-fixture"
    ids = [rule.id for rule in rules]
    assert "sqlite-fk-violation" not in ids
    assert len(rules) == len(builtin)  # one added, one disabled
    # Disabled means untagged by it, not by a later rule by accident.
    engine = RuleEngine(rules)
    record = build_record("t", 1, b"django.db.utils.IntegrityError: FOREIGN KEY constraint failed")
    found = engine.match(record, RecordKind.TEXT)
    assert found is None or found.rule.id != "sqlite-fk-violation"


def test_a_user_rule_overrides_the_builtin_with_its_id(tmp_path: Path) -> None:
    builtin = load_builtin_rules()
    text = rule_text(
        rule_id="postgres-fk-violation",
        category="fk_timing",
        pattern=r"violates foreign key constraint \"(?P<fixture>[^\"]+)\"",
    )
    rules = assemble_rules(builtin, RuleConfig(rule_files=(str(write(tmp_path, text)),)))
    assert [rule.id for rule in rules].count("postgres-fk-violation") == 1
    assert rules[0].origin != "builtin"


def test_disabling_an_unknown_rule_is_an_error() -> None:
    with pytest.raises(RuleFileError, match="no-such-rule"):
        assemble_rules(load_builtin_rules(), RuleConfig(disabled=frozenset({"no-such-rule"})))
