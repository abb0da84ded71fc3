"""Required literals: the prefilter may only ever select more lines than the rule, never fewer."""

from __future__ import annotations

from pathlib import Path

import pytest
import re2

from testtriage.core.rules import loader
from testtriage.core.rules.literals import (
    Literal,
    cached_prefilter,
    literal_pattern,
    required_literals,
)
from testtriage.core.rules.loader import RuleFileError, parse_rules_text


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # A plain run of text is its own requirement.
        ("violates foreign key constraint", {Literal("violates foreign key constraint", False)}),
        # Quotes are cut out: raw JSON lines escape them.
        (
            r'on table "(?P<t>[^"]+)" violates foreign key',
            {Literal(" violates foreign key", False)},
        ),
        # Small alternations are multiplied out with the text around them.
        (
            r"(?:insert or update|update or delete) on table",
            {
                Literal("insert or update on table", False),
                Literal("update or delete on table", False),
            },
        ),
        # Case-insensitive patterns give case-insensitive literals.
        ("(?i)invalid login credentials", {Literal("invalid login credentials", True)}),
        # An optional part doubles the strings a run may be.
        (
            r"(?:JWT )?expired token",
            {Literal("JWT expired token", False), Literal("expired token", False)},
        ),
        # Nothing long enough: the pattern is scanned whole.
        (r"\d+ms", None),
        (r"^\s*(?:ok|no)\b", None),
    ],
)
def test_required_literals_are_what_every_match_must_contain(
    pattern: str, expected: set[Literal] | None
) -> None:
    need = required_literals(pattern)
    if expected is None:
        if need is not None:
            # Any answer is acceptable as long as it is sound (checked below); most give None.
            assert all(len(item.text) >= 4 for item in need)
        return
    assert need == frozenset(expected)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (
            r'(?:insert or update|update or delete) on table "(?P<t>[^"]+)" violates',
            'update or delete on table "a" violates',
        ),
        (
            r"(?i)database error (?:creating|saving) new user",
            "AuthApiError: DATABASE ERROR saving new user",
        ),
        (
            r"Unexpected token (?P<t>.{1,3}) in JSON at position \d+",
            "Unexpected token < in JSON at position 0",
        ),
        (r"\bECONN(?:REFUSED|RESET)\b", "connect ECONNRESET 127.0.0.1:5432"),
        (
            r"Key \((?P<c>[^)]+)\)=\((?P<v>[^)]*)\) is not present",
            "Key (course_id)=(42) is not present",
        ),
    ],
)
def test_the_literal_prefilter_selects_every_text_the_pattern_matches(
    pattern: str, text: str
) -> None:
    assert re2.search(pattern, text) is not None
    need = required_literals(pattern)
    if need is None:
        return
    assert re2.search(literal_pattern(need), text) is not None


def test_the_prefilter_is_cached_by_content_and_a_broken_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls: list[list[str]] = []

    def build(patterns: list[str]) -> list[str]:
        calls.append(patterns)
        return [p.upper() for p in patterns]

    assert cached_prefilter(["abc", "def"], build) == ["ABC", "DEF"]
    assert cached_prefilter(["abc", "def"], build) == ["ABC", "DEF"]
    assert len(calls) == 1, "the second start-up reads the cache"
    assert cached_prefilter(["abc", "xyz"], build) == ["ABC", "XYZ"]
    assert len(calls) == 2, "other patterns, another cache entry"
    for cache in (tmp_path / "testtriage").iterdir():
        cache.write_text("{not json")
    assert cached_prefilter(["abc", "def"], build) == ["ABC", "DEF"]
    assert len(calls) == 3, "a broken cache file is ignored and rebuilt"


def test_an_unwritable_cache_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file, so no directory can be made
    assert cached_prefilter(["abc"], lambda p: ["x"]) == ["x"]


RULES_TEXT = """
[[rule]]
id = "cache-probe"
category = "parse"
title = "Probe"
patterns = ['Unexpected token \\S+ in JSON']
why = "A probe."
fix = "None."
examples.match = ["SyntaxError: Unexpected token < in JSON at position 0"]
examples.no_match = ["all good"]
"""


def test_a_rules_file_parsed_from_its_cached_table_gives_the_same_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parsed TOML is remembered by the text: the second read comes from the cache and
    yields equal rules; a broken cache entry is parsed again; bad TOML is still an error."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = parse_rules_text(RULES_TEXT, "probe.toml", origin="probe.toml")
    cached_tables = list((tmp_path / "testtriage").glob("toml-*.json"))
    assert len(cached_tables) == 1
    with monkeypatch.context() as patched:
        patched.setattr(loader.tomllib, "loads", lambda text: pytest.fail("not read from cache"))
        assert parse_rules_text(RULES_TEXT, "probe.toml", origin="probe.toml") == first
    cached_tables[0].write_text("[1, 2")
    assert parse_rules_text(RULES_TEXT, "probe.toml", origin="probe.toml") == first
    with pytest.raises(RuleFileError, match="not valid TOML"):
        parse_rules_text(RULES_TEXT + "\n[[rule]\n", "probe.toml", origin="probe.toml")
