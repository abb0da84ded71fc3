"""Odd input never crashes a parser, markers stay RE2-safe and cheap, memory stays bounded."""

from __future__ import annotations

import random

import pytest
import re2
from harness import FIXTURES, drive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testtriage.core.records import build_record
from testtriage.core.results import RunEvent, TestReported
from testtriage.core.runners import PARSERS, RUNNER_MARKERS, RunnerMux
from testtriage.core.runners.common import MAX_REMEMBERED
from testtriage.core.runners.vitest import VitestParser
from testtriage.core.scan import compile_candidates

FRAGMENTS = [
    " ✓ ", " × ", " ❯ ", "   → ", " FAIL  ", "FAIL ", "PASS ", " > ", " › ", "  ● ", "⎯⎯⎯ ",
    "=== ", "___ ", "--- ", "E   ", "[gw1] [ 50%] ", "::", ".py", ".test.ts",
    "(3 tests | 1 failed)",
    " [ a.ts ]", "ok 1 - ", "not ok 2 ", "    ---", "    ...", "1..3", "# Subtest: ", " {", "}",
    "--- FAIL: T (0.00s)", "=== RUN   T/x", "panic: ", "ok  \tpkg\t0.1s", "  3 passing (2ms)",
    "  1) ", "<testcase name=\"a\">", "</testcase>", "<failure message=\"m\">", "</failure>",
    "<?xml ", "<testsuites>", "</testsuites>", "Tests  ", "Test Suites: ", "Tests:       ",
    "1 failed, 2 passed in 0.1s", "{\"level\":50,\"err\":\"x\"}", "\x1b[31m", "\t", "  ", "(",
    ")", "[", "]", "ms", "s", "0", "42", ":", "\"", "'", "&gt;", "\u00a0", "\ufffd",
    "  duration_ms: ", "  error: |-", "  message: ", "  name: ", "# tests ", "# pass ",
    "collected 3 items", "E       ", "_ _ _", "-- Captured log call --", "   Duration  ",
    "Time:        ", "Ran all test suites.", " RERUN  ", " RUN  v1.6.0 /x", "TAP version 14",
]  # fmt: skip


def random_stream(seed: int, lines: int = 400) -> bytes:
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        line = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 7)))
        out.append(line.encode("utf-8", "replace"))
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("seed", range(40))
def test_random_streams_never_crash_the_mux(seed: int) -> None:
    drive(random_stream(seed))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
@pytest.mark.parametrize("seed", range(10))
def test_random_lines_never_crash_a_parser_fed_directly(parser: type, seed: int) -> None:
    rng = random.Random(seed)
    instance = parser("fuzz")
    out: list[RunEvent] = []
    for number in range(1, 600):
        line = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 6)))
        record = build_record("fuzz", number, line.encode())
        instance.claims(record)
        instance.starts_run(record)
        instance.feed(record, out)
    instance.finish(out)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.text(max_size=120), max_size=40))
def test_arbitrary_text_never_crashes(lines: list[str]) -> None:
    mux = RunnerMux("fuzz")
    out: list[RunEvent] = []
    # Detect a runner first, so the text reaches a parser rather than only `claims`.
    for number, line in enumerate([" RUN  v1.6.0 /x", *lines], 1):
        mux.feed(build_record("fuzz", number, line.encode("utf-8", "surrogatepass")), out)
    mux.finish(out)


@pytest.mark.parametrize("name", ["pytest-rA.log", "jest.log", "go-test.log", "mocha.log"])
def test_fixtures_mangled_line_by_line_never_crash(name: str) -> None:
    rng = random.Random(name)
    lines = (FIXTURES / name).read_bytes().split(b"\n")
    for _ in range(30):
        mangled = list(lines)
        for _ in range(10):
            index = rng.randrange(len(mangled))
            line = mangled[index]
            cut = rng.randint(0, len(line))
            mangled[index] = line[:cut] + rng.choice([b"", b" ", b"\x1b[2m", b"\xff", b"]"])
        drive(b"\n".join(mangled))


@pytest.mark.parametrize("marker", RUNNER_MARKERS)
def test_each_marker_is_re2_and_never_spans_lines(marker: str) -> None:
    options = re2.Options()
    options.never_capture = True
    re2.compile(("(?m)" + marker).encode(), options)
    assert not marker.startswith(("^\\s", "\\s")), "use [ \\t] at line starts"
    assert "(?=" not in marker and "(?!" not in marker and "(?<" not in marker


def test_the_marker_union_compiles() -> None:
    compile_candidates(RUNNER_MARKERS)


def test_markers_leave_ordinary_app_logs_unselected() -> None:
    """Passing runs are mostly app logs: none of these lines may be a runner candidate."""
    regex = compile_candidates(RUNNER_MARKERS)
    quiet = [
        '{"level":30,"time":1762101215102,"msg":"Analysis start request received"}',
        "2025-11-02 16:35:15 [info     ] job status updated             job_id=17",
        "INFO     course_service.db:db.py:40 connected to postgres at localhost:5432",
        "Setting up test fixtures...",
        "Test tRPC server started on port 46377",
        "    at Object.<anonymous> (src/server.ts:12:3)",
        "GET /api/courses 200 12.3 ms - 512",
        "  console.log",
    ]
    for line in quiet:
        assert regex.search(line.encode()) is None, line


def test_remembered_outcomes_are_bounded() -> None:
    parser = VitestParser("big")
    out: list[RunEvent] = []
    for number in range(MAX_REMEMBERED + 500):
        text = f" ✓ src/a.test.ts > suite > test number {number} 1ms"
        parser.feed(build_record("big", number + 1, text.encode()), out)
    assert len(parser.results) == MAX_REMEMBERED
    assert sum(isinstance(e, TestReported) for e in out) == MAX_REMEMBERED + 500


def test_a_large_passing_log_stays_sparse() -> None:
    """Thousands of passing files and info logs: only the runner's own lines are fed."""
    lines = [b"", b" RUN  v1.6.0 /home/ci/app", b""]
    for index in range(3000):
        lines.append(b'{"level":30,"time":1762101215102,"msg":"request handled","n":%d}' % index)
        lines.append(b"Server listening on port 4000")
        if index % 10 == 0:
            lines.append(b" \xe2\x9c\x93 tests/unit/file%d.test.ts  (12 tests) 31ms" % index)
    lines += [b" Test Files  300 passed (300)", b"      Tests  3600 passed (3600)"]
    run = drive(b"\n".join(lines) + b"\n")
    assert run.dense_lines == 0
    assert len(run.records) == 300 + 3
    totals = run.totals
    assert totals is not None and totals.passed == 3600
