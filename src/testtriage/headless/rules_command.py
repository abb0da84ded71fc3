"""`testtriage rules list | explain ID | check FILE | test FILE`."""

from __future__ import annotations

import argparse
import sys

from testtriage.core.rules.engine import RuleEngine
from testtriage.core.rules.examples import check_examples
from testtriage.core.rules.loader import (
    RuleFileError,
    assemble_rules,
    load_builtin_rules,
    load_rules_file,
)
from testtriage.core.rules.model import Rule

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def run_rules(args: argparse.Namespace) -> int:
    try:
        return _ACTIONS[args.rules_command](args)
    except RuleFileError as exc:
        print(f"testtriage: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _engine(args: argparse.Namespace) -> RuleEngine:
    from testtriage.config import load_config

    config = load_config(list(args.rules), discover=not args.no_config)
    return RuleEngine(assemble_rules(load_builtin_rules(), config))


def _list(args: argparse.Namespace) -> int:
    engine = _engine(args)
    rules = [r for r in engine.rules if not args.category or r.category == args.category]
    if not rules:
        print(f"testtriage: no rules in category {args.category!r}", file=sys.stderr)
        return EXIT_USAGE
    width = max(len(rule.id) for rule in rules)
    for rule in rules:
        origin = "" if rule.origin == "builtin" else f"  [{rule.origin}]"
        print(f"{rule.id:<{width}}  {rule.category:<11} {rule.title}{origin}")
    print(f"\n{len(rules)} rules, tried in this order; the first match wins.", file=sys.stderr)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    engine = _engine(args)
    rule = engine.by_id.get(args.rule_id)
    if rule is None:
        close = [r.id for r in engine.rules if args.rule_id in r.id][:5]
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        print(f"testtriage: no rule {args.rule_id!r}{hint}", file=sys.stderr)
        return EXIT_USAGE
    print(explain_text(rule))
    return EXIT_OK


def explain_text(rule: Rule) -> str:
    """A rule described in the order a reader needs: what, why, fix, how it matches."""
    lines = [
        f"{rule.id}  ({rule.category}, {rule.severity}; from {rule.origin})",
        f"title: {rule.title}",
        "",
        "Why",
        f"  {rule.why}",
        "",
        "Fix",
        *(f"  {line}" for line in rule.fix.splitlines()),
        "",
        "Patterns",
        *(f"  {p}" for p in rule.patterns),
    ]
    if rule.key_fields:
        lines += ["", f"Grouped by: {', '.join(rule.key_fields)}"]
    if rule.codes:
        lines += [f"Error codes: {', '.join(rule.codes)}"]
    if rule.examples_match:
        lines += ["", "Matches", *(f"  {e.line}" for e in rule.examples_match)]
    if rule.examples_no_match:
        lines += ["", "Does not match", *(f"  {e.line}" for e in rule.examples_no_match)]
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    rules = load_rules_file(args.file)
    RuleEngine(rules)
    print(f"{args.file}: {len(rules)} rule(s), valid")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    """Run a file's examples against the full ordered rule set it would join."""
    user = load_rules_file(args.file)
    engine = RuleEngine(
        user + [r for r in load_builtin_rules() if r.id not in {u.id for u in user}]
    )
    problems = check_examples(engine, user)
    total = sum(len(r.examples_match) + len(r.examples_no_match) for r in user)
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{args.file}: {total - len(problems)}/{total} examples pass")
    return EXIT_FAILED if problems else EXIT_OK


_ACTIONS = {"list": _list, "explain": _explain, "check": _check, "test": _test}
