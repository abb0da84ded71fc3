"""Read rule packs (TOML data, never code) into validated rules, one clear error per problem."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import re2

from testtriage.core.cache import cached
from testtriage.core.records import LEVEL_NAMES
from testtriage.core.rules.model import (
    ALL_KINDS,
    CATEGORIES,
    SEVERITIES,
    Derivation,
    Example,
    RecordKind,
    Rule,
    template_fields,
)

BUILTIN_PACKS = (
    "database.toml",
    "enum.toml",
    "auth.toml",
    "parse.toml",
    "network.toml",
    "timeout.toml",
    "runtime.toml",
    "assertion.toml",
)
"""Built-in packs in matching order: specific causes before generic symptoms."""

_KIND_NAMES = frozenset(kind.value for kind in RecordKind)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_RULE_KEYS = {
    "id", "category", "severity", "title", "patterns", "why", "fix", "examples", "exclude",
    "enrich", "derive", "applies_to", "min_level", "codes", "key_fields", "attach", "surface_of",
}  # fmt: skip
_REQUIRED = ("id", "category", "title", "patterns", "why", "fix")


class RuleFileError(Exception):
    """A rules file cannot be used. The message names the file, the rule and the problem."""

    def __init__(self, path: str, problem: str, rule_id: str = "") -> None:
        where = f"{path}: rule {rule_id!r}" if rule_id else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.rule_id = rule_id
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """What a user configured: extra rule files (tried first) and built-in rules switched off."""

    rule_files: tuple[str, ...] = ()
    disabled: frozenset[str] = frozenset()
    inline_rules: tuple[Rule, ...] = ()


_COMPILED: dict[str, Any] = {}


def compile_pattern(pattern: str, *, keep: bool = True) -> Any:
    """Compile an RE2 pattern (linear time, so no user pattern can hang a run), once: the
    loader checks every pattern and the engine then uses the same compiled object. Patterns
    built from log values (`keep=False`) are not kept, so memory does not grow with a log."""
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        options = re2.Options()
        options.max_mem = 32 << 20
        compiled = re2.compile(pattern, options)
        if keep:
            _COMPILED[pattern] = compiled
    return compiled


def check_pattern(pattern: object, path: str, rule_id: str, what: str) -> str:
    """Return the pattern if it compiles under RE2, else raise a RuleFileError saying why."""
    if not isinstance(pattern, str) or not pattern:
        raise RuleFileError(path, f"{what} must be a non-empty string", rule_id)
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        hint = ""
        if "(?=" in pattern or "(?!" in pattern or "(?<" in pattern.replace("(?P<", ""):
            hint = " (look-around is not supported: use `exclude` patterns instead)"
        elif re.search(r"\\[1-9]", pattern):
            hint = " (back-references are not supported)"
        problem = f"invalid regex in {what}: {exc}{hint}: {pattern!r}"
        raise RuleFileError(path, problem, rule_id) from None
    return pattern


def load_builtin_rules() -> list[Rule]:
    """The rules shipped with testtriage, in matching order."""
    rules: list[Rule] = []
    package = resources.files("testtriage.core.rules") / "packs"
    for name in BUILTIN_PACKS:
        text = (package / name).read_text(encoding="utf-8")
        rules.extend(parse_rules_text(text, f"builtin:{name}", origin="builtin"))
    _check_unique(rules, "builtin")
    return rules


def load_rules_file(path: str | Path) -> list[Rule]:
    """Read a user rules file (a `[[rule]]` array, as in the built-in packs)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), f"cannot read: {exc}") from None
    rules = parse_rules_text(text, str(path), origin=str(path))
    _check_unique(rules, str(path))
    return rules


def parse_rules_text(text: str, path: str, origin: str) -> list[Rule]:
    """Parse the text of a rules file."""
    try:
        # Python's TOML parser takes longer over the packs than the rest of a small
        # summary's start-up: the parsed table is remembered, by the text it came from.
        data = cached("toml", [text], lambda: tomllib.loads(text), lambda d: isinstance(d, dict))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(path, f"not valid TOML: {exc}") from None
    return parse_rules_data(data, path, origin)


def parse_rules_data(data: Mapping[str, Any], path: str, origin: str) -> list[Rule]:
    """Validate the `rule` array (and any `categories` it declares) of a parsed rules table."""
    extra = data.get("categories", [])
    if not isinstance(extra, list) or not all(isinstance(c, str) and c for c in extra):
        raise RuleFileError(path, "`categories` must be a list of names")
    known = set(CATEGORIES) | set(extra)
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleFileError(path, "`rule` must be an array of tables ([[rule]])")
    return [_parse_rule(entry, path, origin, known) for entry in entries]


def _parse_rule(entry: object, path: str, origin: str, known: set[str]) -> Rule:
    if not isinstance(entry, dict):
        raise RuleFileError(path, "each [[rule]] must be a table")
    rule_id = entry.get("id", "")
    if not isinstance(rule_id, str) or not _ID_RE.match(rule_id):
        raise RuleFileError(path, f"missing or malformed id {rule_id!r} (use lower-case-words)")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise RuleFileError(path, f"unknown field(s): {', '.join(sorted(unknown))}", rule_id)
    for key in _REQUIRED:
        if key not in entry:
            raise RuleFileError(path, f"missing field `{key}`", rule_id)
    category = entry["category"]
    if not isinstance(category, str) or category not in known:
        raise RuleFileError(
            path,
            f"unknown category {category!r} (known: {', '.join(sorted(known))}; "
            "declare new ones with `categories = [...]`)",
            rule_id,
        )
    severity = entry.get("severity", "error")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise RuleFileError(path, f"severity must be one of {', '.join(SEVERITIES)}", rule_id)
    patterns = _pattern_list(entry, "patterns", path, rule_id, required=True)
    fields = _group_names(patterns + _pattern_list(entry, "enrich", path, rule_id))
    derive = tuple(_parse_derivation(item, path, rule_id) for item in _list(entry, "derive"))
    for item in derive:
        fields |= _group_names((item.pattern,))
    for key in ("title", "why", "fix"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise RuleFileError(path, f"`{key}` must be a non-empty string", rule_id)
    examples = entry.get("examples", {})
    if not isinstance(examples, dict):
        raise RuleFileError(path, "`examples` must be a table with `match` and `no_match`", rule_id)
    return Rule(
        id=rule_id,
        category=category,
        severity=severity,
        title=entry["title"].strip(),
        patterns=patterns,
        why=entry["why"].strip(),
        fix=entry["fix"].strip(),
        examples_match=_examples(examples.get("match", []), path, rule_id),
        examples_no_match=_examples(examples.get("no_match", []), path, rule_id),
        exclude=_pattern_list(entry, "exclude", path, rule_id),
        enrich=_pattern_list(entry, "enrich", path, rule_id),
        derive=derive,
        applies_to=_kinds(entry, path, rule_id),
        min_level=_level(entry, path, rule_id),
        codes=tuple(str(code) for code in _list(entry, "codes")),
        key_fields=_key_fields(entry, fields, path, rule_id),
        attach=_bool(entry, "attach", path, rule_id),
        surface_of=tuple(_strings(entry, "surface_of", path, rule_id)),
        origin=origin,
    )


def _list(entry: Mapping[str, Any], key: str) -> list[Any]:
    value = entry.get(key, [])
    return value if isinstance(value, list) else [value]


def _strings(entry: Mapping[str, Any], key: str, path: str, rule_id: str) -> list[str]:
    values = _list(entry, key)
    if not all(isinstance(v, str) for v in values):
        raise RuleFileError(path, f"`{key}` must be a list of strings", rule_id)
    return values


def _bool(entry: Mapping[str, Any], key: str, path: str, rule_id: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise RuleFileError(path, f"`{key}` must be true or false", rule_id)
    return value


def _pattern_list(
    entry: Mapping[str, Any], key: str, path: str, rule_id: str, required: bool = False
) -> tuple[str, ...]:
    values = _list(entry, key)
    if required and not values:
        raise RuleFileError(path, f"`{key}` needs at least one pattern", rule_id)
    return tuple(check_pattern(v, path, rule_id, f"`{key}`") for v in values)


def _group_names(patterns: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        names.update(re.findall(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>", pattern))
    return names


def _parse_derivation(item: object, path: str, rule_id: str) -> Derivation:
    if not isinstance(item, dict) or set(item) != {"from", "pattern"}:
        raise RuleFileError(path, "each `derive` entry needs exactly `from` and `pattern`", rule_id)
    source, pattern = item["from"], item["pattern"]
    if not isinstance(source, str) or not isinstance(pattern, str):
        raise RuleFileError(path, "`derive` entries take strings", rule_id)
    probe = re.sub(r"\{[A-Za-z_][A-Za-z0-9_]*\}", "x", pattern)
    check_pattern(probe, path, rule_id, "`derive` pattern")
    return Derivation(source=source, pattern=pattern)


def _examples(items: object, path: str, rule_id: str) -> tuple[Example, ...]:
    if not isinstance(items, list):
        raise RuleFileError(path, "examples must be lists", rule_id)
    examples: list[Example] = []
    for item in items:
        if isinstance(item, str):
            examples.append(Example(line=item))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("line"), str):
            raise RuleFileError(path, "an example is a string or a table with `line`", rule_id)
        fields = item.get("fields", {})
        kind = item.get("kind")
        bad_kind = kind is not None and (not isinstance(kind, str) or kind not in _KIND_NAMES)
        if not isinstance(fields, dict) or bad_kind:
            raise RuleFileError(
                path, "example `fields` is a table; `kind` log|text|failure", rule_id
            )
        examples.append(
            Example(
                line=item["line"],
                fields={str(k): str(v) for k, v in fields.items()},
                kind=RecordKind(kind) if kind else None,
            )
        )
    return tuple(examples)


def _kinds(entry: Mapping[str, Any], path: str, rule_id: str) -> frozenset[RecordKind]:
    if "applies_to" not in entry:
        return ALL_KINDS
    values = _strings(entry, "applies_to", path, rule_id)
    bad = [v for v in values if v not in _KIND_NAMES]
    if bad or not values:
        raise RuleFileError(path, "`applies_to` takes log, text and/or failure", rule_id)
    return frozenset(RecordKind(v) for v in values)


def _level(entry: Mapping[str, Any], path: str, rule_id: str) -> int | None:
    value = entry.get("min_level")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in LEVEL_NAMES:
        return LEVEL_NAMES[value.lower()]
    raise RuleFileError(path, "`min_level` is a level name (warn, error...) or number", rule_id)


def _key_fields(
    entry: Mapping[str, Any], fields: set[str], path: str, rule_id: str
) -> tuple[str, ...]:
    keys = _strings(entry, "key_fields", path, rule_id)
    missing = [key for key in keys if key not in fields]
    if missing:
        raise RuleFileError(
            path, f"key_fields {missing} are not named groups of the patterns", rule_id
        )
    used = template_fields(entry["title"]) | template_fields(entry["fix"])
    unknown = sorted(name for name in used if name not in fields and name not in _CONTEXT_FIELDS)
    if unknown:
        raise RuleFileError(path, f"templates use unknown field(s): {', '.join(unknown)}", rule_id)
    return tuple(keys)


_CONTEXT_FIELDS = frozenset({"test", "file", "source", "message", "level", "code"})
"""Fields every occurrence has, besides those its patterns extract."""


def _check_unique(rules: list[Rule], path: str) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleFileError(path, "duplicate rule id", rule.id)
        seen.add(rule.id)


def assemble_rules(builtin: list[Rule], config: RuleConfig) -> list[Rule]:
    """User rules first (inline, then files), then the built-ins that are not disabled."""
    user: list[Rule] = list(config.inline_rules)
    for path in config.rule_files:
        user.extend(load_rules_file(path))
    ids = {rule.id for rule in builtin} | {rule.id for rule in user}
    unknown = sorted(config.disabled - ids)
    if unknown:
        raise RuleFileError(
            "configuration", f"cannot disable unknown rule(s): {', '.join(unknown)}"
        )
    user_ids = {rule.id for rule in user}
    return user + [r for r in builtin if r.id not in config.disabled and r.id not in user_ids]
