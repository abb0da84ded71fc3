"""Translate the scanner's RE2 candidate patterns into POSIX ERE lines for `grep -E -f`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_ERE_SPECIAL = set(".[]()*+?{}|^$\\")
_REPEAT = re.compile(r"\{(\d+)(,\d*)?\}")
_NAMED_CLASS = {"d": "digit", "s": "space", "w": "alnum"}
_CLASS_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v"}


class Untranslatable(ValueError):
    """A construct POSIX ERE has no equivalent for, on one line of text."""


@dataclass
class Translation:
    """The grep side of a pattern list: what was translated, and what was dropped and why."""

    patterns: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    """(RE2 pattern, reason) for each pattern left out of the grep side."""


def translate_all(patterns: Iterable[str]) -> Translation:
    """Translate every pattern that can be; keep the others with the reason they cannot."""
    result = Translation()
    for pattern in patterns:
        try:
            result.patterns.append(to_ere(pattern))
        except Untranslatable as exc:
            result.dropped.append((pattern, str(exc)))
    return result


def to_ere(pattern: str) -> str:
    """One RE2 pattern as a GNU grep ERE that selects the same lines (when run line by line).

    Groups lose their names and flags, lazy quantifiers become greedy (which changes what is
    matched, never whether a line matches), `(?i)` is spelled out as `[aA]` classes, `(?m)` is
    dropped (grep matches `^`/`$` at every line), Perl classes become POSIX classes, and
    non-ASCII members of a class become an alternation so that `LC_ALL=C` sees whole characters.
    """
    return _Translator(pattern).run()


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.fold = False
        self.stack: list[bool] = []

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            char = p[self.i]
            if char == "\\":
                self._escape()
            elif char == "[":
                self._emit_atom(self._bracket())
            elif char == "(":
                self._open_group()
            elif char == ")":
                if not self.stack:
                    raise Untranslatable("unbalanced ')'")
                self.fold = self.stack.pop()
                self.out.append(")")
                self.i += 1
            elif char in "*+?":
                self.out.append(char)
                self.i += 1
                self._skip_lazy()
            elif char == "{":
                match = _REPEAT.match(p, self.i)
                if match is None:
                    self._emit_atom(r"\{")
                    self.i += 1
                else:
                    self.out.append(match.group(0))
                    self.i = match.end()
                    self._skip_lazy()
            elif char in ".^$|":
                self.out.append(char)
                self.i += 1
            else:
                self.i += 1
                self._emit_atom(self._literal(char))
        if self.stack:
            raise Untranslatable("unbalanced '('")
        text = "".join(self.out)
        if "\n" in text or "\r" in text:
            raise Untranslatable("a line break outside a class (never inside one grep line)")
        return text

    # --- pieces -------------------------------------------------------------------------------

    def _skip_lazy(self) -> None:
        if self.p.startswith("?", self.i):
            self.i += 1

    def _emit_atom(self, atom: str) -> None:
        """Emit one atom; a multi-byte one is grouped if a quantifier follows it."""
        nxt = self.p[self.i] if self.i < len(self.p) else ""
        if nxt and nxt in "*+?{" and not atom.isascii() and not atom.startswith("("):
            atom = f"({atom})"
        self.out.append(atom)

    def _literal(self, char: str) -> str:
        if self.fold and char.isalpha() and char.isascii() and char.lower() != char.upper():
            return f"[{char.lower()}{char.upper()}]"
        if char in _ERE_SPECIAL:
            return "\\" + char
        return char

    def _escape(self) -> None:
        p = self.p
        if self.i + 1 >= len(p):
            raise Untranslatable("trailing backslash")
        char = p[self.i + 1]
        self.i += 2
        if char == "d":
            self._emit_atom("[0-9]")
        elif char == "D":
            self._emit_atom("[^0-9]")
        elif char == "s":
            self._emit_atom("[[:space:]]")
        elif char == "S":
            self._emit_atom("[^[:space:]]")
        elif char == "w":
            self._emit_atom("[[:alnum:]_]")
        elif char == "W":
            self._emit_atom("[^[:alnum:]_]")
        elif char in "bB":
            self.out.append("\\" + char)
        elif char in _CLASS_ESCAPES:
            self._emit_atom(_CLASS_ESCAPES[char])
        elif char.isalnum():
            raise Untranslatable(f"escape \\{char}")
        elif char in _ERE_SPECIAL and char not in "]}":
            self._emit_atom("\\" + char)
        else:
            self._emit_atom(self._literal(char))

    def _open_group(self) -> None:
        p = self.p
        i = self.i + 1
        if not p.startswith("?", i):
            self.stack.append(self.fold)
            self.out.append("(")
            self.i = i
            return
        i += 1
        if p.startswith(("P<", "<"), i):
            end = p.index(">", i)
            self.stack.append(self.fold)
            self.out.append("(")
            self.i = end + 1
            return
        match = re.compile(r"([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])").match(p, i)
        if match is None:
            raise Untranslatable(f"group syntax {p[self.i : self.i + 4]!r}")
        on, off, closer = match.group(1), match.group(2) or "", match.group(3)
        unknown = set(on + off) - set("imsU")
        if unknown or "U" in on:
            raise Untranslatable(f"flags {on}-{off}")
        fold = self.fold
        if "i" in on:
            fold = True
        if "i" in off:
            fold = False
        self.i = match.end()
        if closer == ")":
            self.fold = fold  # to the end of the enclosing group
            return
        self.stack.append(self.fold)
        self.fold = fold
        self.out.append("(")

    def _bracket(self) -> str:
        """Parse an RE2 class at `self.i` and return its ERE form."""
        p = self.p
        i = self.i + 1
        negated = p.startswith("^", i)
        if negated:
            i += 1
        singles: list[str] = []
        ranges: list[tuple[str, str]] = []
        named: list[str] = []
        first = True
        while True:
            if i >= len(p):
                raise Untranslatable("unterminated class")
            char = p[i]
            if char == "]" and not first:
                i += 1
                break
            first = False
            if p.startswith("[:", i):
                end = p.index(":]", i)
                named.append(p[i + 2 : end])
                i = end + 2
                continue
            if char == "\\":
                esc = p[i + 1]
                i += 2
                if esc in _NAMED_CLASS:
                    named.append(_NAMED_CLASS[esc])
                    if esc == "w":
                        singles.append("_")
                    continue
                if esc in "DSW":
                    raise Untranslatable(f"\\{esc} inside a class")
                if esc in _CLASS_ESCAPES:
                    member = _CLASS_ESCAPES[esc]
                elif esc.isalnum():
                    raise Untranslatable(f"escape \\{esc} inside a class")
                else:
                    member = esc
            else:
                member = char
                i += 1
            if p.startswith("-", i) and i + 1 < len(p) and p[i + 1] != "]":
                high = p[i + 1]
                i += 2
                if high == "\\":
                    high = p[i]
                    i += 1
                ranges.append((member, high))
            else:
                singles.append(member)
        self.i = i
        return self._build_bracket(negated, singles, ranges, named)

    def _build_bracket(
        self, negated: bool, singles: list[str], ranges: list[tuple[str, str]], named: list[str]
    ) -> str:
        # grep reads one line at a time: a line break can never be there to match or exclude.
        singles = [s for s in singles if s not in "\n\r"]
        if self.fold:
            extra = [s.swapcase() for s in singles if s.isascii() and s.isalpha()]
            singles += extra
            for low, high in list(ranges):
                if low.isalpha() and high.isalpha() and low.islower() == high.islower():
                    ranges.append((low.swapcase(), high.swapcase()))
        wide = [s for s in dict.fromkeys(singles) if not s.isascii()]
        if any(not (a.isascii() and b.isascii()) for a, b in ranges):
            raise Untranslatable("a non-ASCII range in a class")
        if wide and negated:
            raise Untranslatable("a negated class with non-ASCII members")
        narrow = [s for s in dict.fromkeys(singles) if s.isascii()]
        if any(a in "[]^-" or b in "[]^-" for a, b in ranges):
            raise Untranslatable("a class range ending in a bracket metacharacter")
        # POSIX order: `]` first, `^` anywhere but first, `[` not before `:`, `-` last.
        body = "]" if "]" in narrow else ""
        body += "".join(f"[:{name}:]" for name in dict.fromkeys(named))
        body += "".join(s for s in narrow if s not in "]^[-")
        body += "".join(f"{a}-{b}" for a, b in ranges)
        body += "[" if "[" in narrow else ""
        if "^" in narrow:
            if body:
                body += "^"
            elif "-" in narrow:
                body = "-^"
            else:
                body = "^^" if negated else ""
                if not negated:
                    wide = ["\\^", *wide]
        if "-" in narrow and not body.startswith("-"):
            body += "-"
        if not body and not wide:
            if negated:
                return "."
            raise Untranslatable("a class that only holds a line break")
        if negated and body == "^^":
            return "[^^]"
        parts = [f"[{'^' if negated else ''}{body}]"] if body else []
        parts += wide
        return parts[0] if len(parts) == 1 else "(" + "|".join(parts) + ")"
