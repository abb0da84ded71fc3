"""Find the user's configuration: `testtriage.toml`, or `[tool.testtriage]` in `pyproject.toml`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from testtriage.core.rules.loader import RuleConfig, RuleFileError, parse_rules_data

CONFIG_NAMES = ("testtriage.toml", "pyproject.toml")
_KEYS = {"rules", "disable", "rule", "categories"}


def search_directories(start: Path | None = None) -> list[Path]:
    """The working directory and its parents: where configuration is looked for, nearest first."""
    here = (start or Path.cwd()).resolve()
    return [here, *here.parents]


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file and its testtriage table, if there is one."""
    for directory in search_directories(start):
        for name in CONFIG_NAMES:
            path = directory / name
            if not path.is_file():
                continue
            table = _read_table(path)
            if table is not None:
                return path, table
    return None


def _read_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), f"not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("testtriage")
        return table if isinstance(table, dict) else None
    return data


def load_config(
    extra_rule_files: list[str] | None = None, start: Path | None = None, *, discover: bool = True
) -> RuleConfig:
    """The rule configuration: `--rules` files first, then the configuration file's rules."""
    files = list(extra_rule_files or [])
    found = find_config(start) if discover else None
    if found is None:
        return RuleConfig(rule_files=tuple(files))
    path, table = found
    unknown = set(table) - _KEYS
    if unknown:
        raise RuleFileError(str(path), f"unknown setting(s): {', '.join(sorted(unknown))}")
    listed = table.get("rules", [])
    disable = table.get("disable", [])
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise RuleFileError(str(path), "`rules` must be a list of rules-file paths")
    if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
        raise RuleFileError(str(path), "`disable` must be a list of rule ids")
    files.extend(str((path.parent / p).resolve()) for p in listed)
    inline = parse_rules_data(table, str(path), origin=str(path))
    return RuleConfig(
        rule_files=tuple(files), disabled=frozenset(disable), inline_rules=tuple(inline)
    )
