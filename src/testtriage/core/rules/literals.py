"""The literal text a pattern cannot match without: the cheap prefilter of the block scan."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from testtriage.core.cache import cached

MIN_LITERAL = 4
"""Shorter required literals select too many lines; such patterns join the scan whole."""

_BREAKS = frozenset({'"', "\\", "\n", "\r", "\t"})
"""Characters a raw JSON line escapes: a literal is cut at them so it matches there too."""


@dataclass(frozen=True, slots=True)
class Literal:
    text: str
    ignore_case: bool


Need = frozenset[Literal]
"""Alternatives: a string matches the pattern only if it contains one of these."""


def required_literals(pattern: str) -> Need | None:
    """Literals one of which any match of `pattern` must contain, or None when there are no
    useful ones. Conservative: when unsure (syntax Python's parser reads differently from RE2,
    look-around), it says None and the pattern is scanned for whole."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return None
    ignore_case = bool(parsed.state.flags & re.IGNORECASE)
    need = _sequence(list(parsed), ignore_case)
    if need is None or min(len(item.text) for item in need) < MIN_LITERAL:
        return None
    return need


CACHE_VERSION = "1"
"""Bumped whenever the extraction changes, so that no stale prefilter is ever read."""


def cached_prefilter(patterns: list[str], build: Callable[[list[str]], list[str]]) -> list[str]:
    """`build(patterns)`, remembered on disk by the patterns' content: parsing a few hundred
    patterns for their literals costs more than the rest of a small summary's start-up."""
    return cached(
        "prefilter",
        [CACHE_VERSION, *patterns],
        lambda: build(patterns),
        lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
    )


def literal_pattern(need: Need) -> str:
    """An RE2 alternation of the literals (scoped case-insensitivity where needed)."""
    parts = []
    for item in sorted(need, key=lambda lit: (lit.text, lit.ignore_case)):
        escaped = re.escape(item.text)
        parts.append(f"(?i:{escaped})" if item.ignore_case else escaped)
    return "|".join(parts)


def _better(a: Need | None, b: Need | None) -> Need | None:
    """The more selective of two requirements: the one whose weakest literal is longest."""
    if a is None:
        return b
    if b is None:
        return a
    score_a = (min(len(x.text) for x in a), -len(a))
    score_b = (min(len(x.text) for x in b), -len(b))
    return a if score_a >= score_b else b


def _run_need(run: set[str], ignore_case: bool) -> Need | None:
    """The best JSON-safe piece of each string a run may be; None if one has no piece."""
    literals: set[Literal] = set()
    for text in run:
        pieces: list[str] = []
        current: list[str] = []
        for char in text:
            # Python's json escapes non-ASCII (`\u2192`), so such characters split literals too.
            if char in _BREAKS or ord(char) > 127:
                pieces.append("".join(current))
                current = []
            else:
                current.append(char)
        pieces.append("".join(current))
        best = max(pieces, key=len)
        if not best:
            return None
        literals.add(Literal(best, ignore_case))
    return frozenset(literals)


MAX_ALTERNATIVES = 64
"""Largest set of exact strings a run may stand for (`(?:no|missing) (?:auth|bearer) token`
is six): beyond it the run is cut, and the best part of it required instead."""


def _sequence(items: list[tuple[Any, Any]], ignore_case: bool) -> Need | None:
    """Runs of exact text (with small alternations multiplied out: `(?:no|missing) auth`
    is the two strings `no auth`, `missing auth`) and each other part's own requirement:
    the most selective of them."""
    best: Need | None = None
    run: set[str] = {""}
    run_case = ignore_case

    def cut() -> None:
        nonlocal best, run, run_case
        if run != {""}:
            best = _better(best, _run_need(run, run_case))
        run, run_case = {""}, ignore_case

    for op, av in items:
        exact = _exact_set(op, av, ignore_case)
        if exact is not None:
            strings, case = exact
            if len(run) * len(strings) <= MAX_ALTERNATIVES:
                run = {a + b for a in run for b in strings}
                run_case = run_case or case
                continue
        cut()
        if exact is not None:
            run, run_case = exact[0], ignore_case or exact[1]
            continue
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            best = _better(best, _sequence(list(sub), _case(ignore_case, add_flags, del_flags)))
        else:
            best = _better(best, _node(op, av, ignore_case))
    cut()
    return best


def _case(ignore_case: bool, add_flags: int, del_flags: int) -> bool:
    return (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE


def _node(op: Any, av: Any, ignore_case: bool) -> Need | None:
    if op is sre.BRANCH:
        alternatives: set[Literal] = set()
        for branch in av[1]:
            need = _sequence(list(branch), ignore_case)
            if need is None:
                return None
            alternatives |= need
        return frozenset(alternatives)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _sequence(list(sub), ignore_case) if low >= 1 else None
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av), ignore_case)
    return None


def _exact_set(op: Any, av: Any, ignore_case: bool) -> tuple[set[str], bool] | None:
    """The strings a node can match when they are few (and whether any part ignores case)."""
    if op is sre.LITERAL:
        return {chr(av)}, ignore_case
    if op is sre.AT:
        return {""}, ignore_case  # zero width: the characters around it stay contiguous
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _exact_sequence(list(sub), _case(ignore_case, add_flags, del_flags))
    if op is sre.BRANCH:
        strings: set[str] = set()
        case = ignore_case
        for branch in av[1]:
            found = _exact_sequence(list(branch), ignore_case)
            if found is None:
                return None
            strings |= found[0]
            case = case or found[1]
        return (strings, case) if len(strings) <= MAX_ALTERNATIVES else None
    if op is sre.MAX_REPEAT or op is sre.MIN_REPEAT:
        low, high, sub = av
        if (low, high) != (0, 1):
            return None
        found = _exact_sequence(list(sub), ignore_case)
        return ({"", *found[0]}, found[1]) if found is not None else None
    return None


def _exact_sequence(
    items: list[tuple[Any, Any]], ignore_case: bool
) -> tuple[set[str], bool] | None:
    strings: set[str] = {""}
    case = ignore_case
    for op, av in items:
        found = _exact_set(op, av, ignore_case)
        if found is None or len(strings) * len(found[0]) > MAX_ALTERNATIVES:
            return None
        strings = {a + b for a in strings for b in found[0]}
        case = case or found[1]
    return strings, case
