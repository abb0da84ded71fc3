"""Make log text safe to show: terminal escapes made inert, secrets redacted."""

from __future__ import annotations

import re
from collections.abc import Callable

from testtriage.core.records import strip_ansi

_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_KEEP_NL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture" of the character
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def neutralize(text: str, *, keep_newlines: bool = False) -> str:
    """Remove escape sequences and show other control characters as visible symbols, so a log
    line can neither move the cursor, retitle the window, write the clipboard nor reorder text."""
    pattern = _CONTROL_KEEP_NL_RE if keep_newlines else _CONTROL_RE
    return pattern.sub(_picture, strip_ansi(text))


REDACTED = "[REDACTED]"

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Private key blocks.
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
                re.S), f"-----{REDACTED} PRIVATE KEY-----"),
    # JSON Web Tokens (three base64url parts, the first two JSON objects).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
     "[REDACTED:jwt]"),
    # Credentials in URLs and DSNs: scheme://user:password@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"']*:)[^\s@/\"']+(@)"), rf"\1{REDACTED}\2"),
    # Authorization headers and bearer tokens.
    (re.compile(r"(?i)(\b(?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]{12,}"), rf"\1{REDACTED}"),
    # key=value / "key": "value" for secret-named keys.
    (re.compile(
        r"(?i)((?:\"|')?\b[\w.-]*(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|"
        r"access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|"
        r"service[_-]?role[_-]?key|session[_-]?token)(?:\"|')?\s*[:=]\s*)"
        r"(?:(\")(?!\[REDACTED)[^\"\n]{3,}\"|(')(?!\[REDACTED)[^'\n]{3,}'"
        r"|(?!\[REDACTED)[^\s\"',;&}]{3,})"),
     lambda m: _keep_quotes(m)),
    # Cloud and service keys with recognizable shapes.
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), "[REDACTED:aws-key]"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"),
     "[REDACTED:github-token]"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "[REDACTED:slack-token]"),
    (re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"), "[REDACTED:stripe-key]"),
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"), "[REDACTED:api-key]"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "[REDACTED:google-key]"),
    (re.compile(r"\bsbp_[0-9a-f]{40}\b"), "[REDACTED:supabase-token]"),
)  # fmt: skip


def _keep_quotes(match: re.Match[str]) -> str:
    """`"password": "x y"` becomes `"password": "[REDACTED]"`: the quotes stay, the shape holds."""
    quote = match.group(2) or match.group(3) or ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


_HINTS = re.compile(
    r"(?i)eyJ|://|bearer|token|basic|pass|pwd|secret|key|AKIA|ASIA|AGPA|AIDA|AROA|gh[pousr]_|"
    r"github_pat|xox|sk_|rk_|sk-|AIza|sbp_|PRIVATE"
)


def redact(text: str) -> str:
    """Replace secrets (tokens, keys, passwords) with a marker. UUIDs, commit hashes and
    ordinary base64 payloads are left alone."""
    if not _HINTS.search(text):
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def safe(text: str, *, redact_secrets: bool = True, keep_newlines: bool = False) -> str:
    """Neutralized, and redacted unless asked not to: the form of log text in every report."""
    text = neutralize(text, keep_newlines=keep_newlines)
    return redact(text) if redact_secrets else text
