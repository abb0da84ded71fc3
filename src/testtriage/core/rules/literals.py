"""The literal text a pattern cannot match without: the cheap prefilter of the block scan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

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


def _run_need(run: list[str], ignore_case: bool) -> Need | None:
    """The best JSON-safe piece of a literal run."""
    pieces: list[str] = []
    current: list[str] = []
    for char in run:
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
    return frozenset({Literal(best, ignore_case)})


def _sequence(items: list[tuple[Any, Any]], ignore_case: bool) -> Need | None:
    best: Need | None = None
    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if op is sre.AT:
            continue  # zero width: the run's characters are still contiguous
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            inner_case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not (
                del_flags & re.IGNORECASE
            )
            exact = _exact(list(sub))
            if exact is not None and inner_case == ignore_case:
                run.extend(exact)
                continue
            best = _better(best, _run_need(run, ignore_case)) if run else best
            run = []
            best = _better(best, _sequence(list(sub), inner_case))
            continue
        best = _better(best, _run_need(run, ignore_case)) if run else best
        run = []
        best = _better(best, _node(op, av, ignore_case))
    if run:
        best = _better(best, _run_need(run, ignore_case))
    return best


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


def _exact(items: list[tuple[Any, Any]]) -> list[str] | None:
    """The characters a sequence matches when it can match only one string."""
    chars: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.AT:
            continue
        elif op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None
            inner = _exact(list(sub))
            if inner is None:
                return None
            chars.extend(inner)
        else:
            return None
    return chars
