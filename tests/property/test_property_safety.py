"""What reports show of log text: never a terminal control, and redaction that is stable."""

from __future__ import annotations

import re

from _property_support import property_settings
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.safety import neutralize, redact, safe

FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

ESCAPE_PIECES = [
    "\x1b", "\x1b[", "\x1b[31m", "\x1b[2J", "\x1b[?2004h", "\x1b]", "\x1b]0;title\x07",
    "\x1b]8;;https://evil\x1b\\", "\x1b]52;c;AAAA\x07", "\x1bP", "\x1b\\", "\x1b_", "\x1b^",
    "\x1bX", "\x07", "\x9b", "\x9b2J", "\x9d", "\x90", "\x85", "\u202e", "\u2066", "\u2069",
    "\r", "\n", "\t", "\x00", "\x7f", "[bold]", "[/]",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(ESCAPE_PIECES), st.text(max_size=8)), max_size=30
).map("".join)

SECRET_PIECES = [
    "password", "passwd", "pwd", "secret", "api_key", "apiKey", "access_token", "token",
    "Bearer ", "Basic ", "bearer", "=", ": ", ":", '"', "'", " ", ",", ";", "&", "}", "@", "/",
    "://", "postgres://", "redis://:", "user:", "[REDACTED]", "[REDACTED", "REDACTED]",
    "eyJhbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiIxIn0", "abcdefghijklmnop", "AKIA",
    "IOSFODNN7EXAMPLE", "ghp_", "github_pat_", "xoxb-", "sk_live_", "sk-proj-", "sk-", "AIza",
    "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "\n", "0123456789",
    "s3cr3t", "hunter2", "x" * 40,
]  # fmt: skip
secretish_text = st.lists(
    st.one_of(st.sampled_from(SECRET_PIECES), st.text(max_size=6)), max_size=25
).map("".join)


@property_settings(300)
@given(text=hostile_text | st.text(max_size=200))
def test_neutralize_output_never_holds_esc_bel_c1_or_bidi_overrides(text: str) -> None:
    """Whatever the input (escape fragments, C0 and C1 controls, bidi overrides, random
    text), the output cannot drive a terminal, and is a single line."""
    out = neutralize(text)
    assert FORBIDDEN.search(out) is None, repr(out)
    assert CONTROLS.search(out) is None, repr(out)
    assert "\n" not in out


@property_settings(300)
@given(text=hostile_text, redact_secrets=st.booleans())
def test_safe_output_never_holds_terminal_controls_even_keeping_newlines(
    text: str, redact_secrets: bool
) -> None:
    """`safe`, with or without redaction, keeping newlines or not: newlines are the only
    control that may be left, and only when asked for."""
    for keep in (False, True):
        out = safe(text, redact_secrets=redact_secrets, keep_newlines=keep)
        assert FORBIDDEN.search(out) is None, repr(out)
        assert CONTROLS.search(out) is None, repr(out)
        assert keep or "\n" not in out


@property_settings(300)
@given(text=secretish_text | st.text(max_size=100))
def test_redact_is_idempotent(text: str) -> None:
    """Redacting twice changes nothing more than redacting once (reports redact text that
    may already have been redacted, e.g. a saved report read back as a baseline)."""
    once = redact(text)
    assert redact(once) == once, (text, once)


@property_settings(200)
@given(text=secretish_text)
def test_redact_only_ever_replaces_with_markers(text: str) -> None:
    """Redaction never invents text: what it removes is replaced by a `[REDACTED` marker."""
    out = redact(text)
    if out != text:
        assert "[REDACTED" in out


def test_redacting_a_typed_marker_followed_by_a_long_word_again_changes_nothing() -> None:
    """A typed marker must not read as `token <word>` on a second pass (the marker once ended
    in `:github-token`, and the word after it was then redacted too)."""
    once = redact("push rejected ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 authentication-failed")
    assert "authentication-failed" in once
    assert redact(once) == once
