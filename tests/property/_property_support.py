"""Shared settings and strategies of the property tests.

Every property runs derandomized (the same examples on every run, so a failure reproduces),
without an example database, and without Hypothesis' per-example deadline (file and event
loop work varies with machine load; each test stays within a few seconds in total).
"""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def property_settings(max_examples: int = 200) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MARKER_LINES = [
    " RUN  v3.2.4 /repo",
    " ✓ a > b 3ms",
    " ✓ src/a.test.ts > suite > passes 3ms",
    " × src/a.test.ts > suite > fails 4ms",
    "   → expected 1 to be 2",
    " ↓ src/a.test.ts > suite > skipped",
    " FAIL  x > y",
    " FAIL  src/a.test.ts > suite > fails",
    "⎯⎯⎯",
    "⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯",
    " Test Files  1 failed (1)",
    "      Tests  1 failed | 1 passed (2)",
    "   Duration  1.2s",
    "FAILED a.py::t - x",
    "FAILED tests/test_a.py::TestC::test_d[p1] - AssertionError: assert 1 == 2",
    "tests/test_a.py::test_b PASSED                                   [ 50%]",
    "=== 1 failed in 0.1s ===",
    "=================================== FAILURES ===================================",
    "___________________________________ test_b ____________________________________",
    "E       assert 1 == 2",
    "tests/test_a.py:12: AssertionError",
    "● a › b",
    "PASS src/a.test.js",
    "FAIL src/a.test.js",
    "Tests:       1 failed, 1 passed, 2 total",
    '<testsuite name="s" tests="1" failures="1">',
    '<testcase name="t" classname="c" time="0.1">',
    '<failure message="boom">trace</failure>',
    "</testcase>",
    "TAP version 13",
    "1..2",
    "ok 1 - first",
    "not ok 1",
    "not ok 2 - second # TODO",
    "  ---",
    "  ...",
    "=== RUN   TestX",
    "--- FAIL: TestX (0.00s)",
    "--- PASS: TestY/sub (0.01s)",
    "FAIL\tgithub.com/a/b\t0.01s",
    "ok  \tgithub.com/a/b\t0.01s",
    "  1) suite",
    "       fails:",
    "  2 passing (3ms)",
    "  1 failing",
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in <module>',
    "ValueError: boom",
    "panic: runtime error: index out of range",
    'ERROR:  relation "users" does not exist',
    "DETAIL:  Key (id)=(1) already exists.",
    "Error: connect ECONNREFUSED 127.0.0.1:5432",
    '{"level":50,"time":1762101210001,"msg":"boom","err":{"type":"Error","message":"x",'
    '"stack":"Error: x\\n    at f (a.js:1:1)"}}',
    '{"level":"error","message":"structlog style","exception":"Traceback (most recent call '
    'last):\\n  File \\"a.py\\"\\nValueError: v"}',
    '{"level":30,"msg":"info line"}',
    "\x1b[31m ✓ src/a.test.ts > coloured 1ms\x1b[39m",
]
"""Lines every runner parser or the level scan reacts to."""


def mutate(line: str, data: st.DataObject) -> str:
    """The line with a random cut, insertion or deletion (parsers must survive near-misses)."""
    if not line:
        return line
    at = data.draw(st.integers(0, len(line)))
    action = data.draw(st.sampled_from(["cut", "insert", "delete", "keep"]))
    if action == "cut":
        return line[:at]
    if action == "insert":
        return line[:at] + data.draw(st.text(max_size=8)) + line[at:]
    if action == "delete":
        return line[:at] + line[at + 1 :]
    return line


log_text_lines = st.one_of(
    st.sampled_from(MARKER_LINES),
    st.text(max_size=60).map(lambda text: text.replace("\n", " ")),
    st.builds(
        lambda marker, noise: marker + " " + noise,
        st.sampled_from(MARKER_LINES),
        st.text(max_size=20).map(lambda text: text.replace("\n", " ")),
    ),
)
"""Text lines (no newline inside): real markers, random text, and markers with noise."""

BYTE_NOISE = [b"\xff", b"\xc3", b"\x00", b"\r", b"\x1b[31m", b"\x1b[0m", b"\x9b", b"\xe2\x8e"]


def line_bytes(text_lines: st.SearchStrategy[str] = log_text_lines) -> st.SearchStrategy[bytes]:
    """Encoded log lines, some with bad bytes spliced in (never a newline)."""
    plain = text_lines.map(lambda text: text.encode("utf-8"))
    spliced = st.builds(
        lambda head, noise, tail: head + noise + tail,
        plain,
        st.sampled_from(BYTE_NOISE),
        plain,
    )
    return st.one_of(plain, spliced, st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ")))


JSON_KEYS = [
    "level", "levelname", "severity", "lvl", "@l", "time", "timestamp", "ts", "@t", "msg",
    "message", "event", "@m", "err", "error", "exception", "stack", "code", "detail", "type",
    "name", "label", "value", "x",
]  # fmt: skip

LEVEL_LIKE = ["error", "ERROR", "warn", "50", "60", "fatal", "2026-01-01T00:00:00Z", ""]
LEVEL_LIKE += ["²", "٣", "５０", " 40 "]
"""Level and time values, including digits that `str.isdigit` accepts and `int` may not."""

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(LEVEL_LIKE),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(JSON_KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.sampled_from(JSON_KEYS), json_values, max_size=8)

JSON_FRAGMENTS = [
    b"{", b"}", b"[", b"]", b",", b":", b'"level":', b'"msg":', b'"err":', b'"time":', b"50",
    b"1e999", b"-1e999", b"9" * 400, b"0.5e-400", b'"\\ud800"', b'"\\u0000"', b"NaN", b"true",
    b'"error"', b"ERROR ", b"\x1b[31m", b"\xff", b"\x00", b'"', b"\\", b" ",
]  # fmt: skip

jsonish_bytes = st.one_of(
    json_objects.map(lambda obj: orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)),
    st.builds(
        lambda prefix, obj: prefix.encode() + orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS),
        st.sampled_from(["", "stderr | ", "2026-01-01 12:00:00 ", "\x1b[2m"]),
        json_objects,
    ),
    st.lists(st.sampled_from(JSON_FRAGMENTS), max_size=40).map(b"".join),
    st.integers(1, 300).map(lambda depth: b'{"level":50,"a":' + b"[" * depth + b"]" * depth + b"}"),
    st.binary(max_size=200),
)
"""JSON log lines, JSON-ish fragments and raw bytes (newlines included: build_record must cope
with whatever a caller gives it)."""
