"""Each parser's finer points, on short outputs written the way the runners print them."""

from __future__ import annotations

import pytest
from harness import Run, drive

from testtriage.core.results import BlockKind, FailureReported, LineContext, TestKey, TestStatus
from testtriage.core.results import Zone as Z

SNIPPET_INDENT = 8


def run_text(text: str) -> Run:
    """Drive a snippet written indented in a test body; its own leading spaces are kept
    (vitest's lines start with one)."""
    lines = text.lstrip("\n").splitlines()
    return drive(("\n".join(line[SNIPPET_INDENT:] for line in lines) + "\n").encode())


def statuses(run: Run) -> dict[str, TestStatus]:
    return {str(key): result.status for key, result in run.results.items()}


# --- vitest -----------------------------------------------------------------------------------


def test_vitest_merged_errors_link_every_test_that_shares_them() -> None:
    run = run_text(
        """
         RUN  v2.1.8 /app

        ⎯⎯⎯⎯⎯⎯⎯ Failed Tests 2 ⎯⎯⎯⎯⎯⎯⎯

         FAIL  src/a.test.ts > db > writes a row
         FAIL  src/a.test.ts > db > reads it back
        Error: connect ECONNREFUSED 127.0.0.1:5432
         ❯ src/a.test.ts:9:11

        ⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯
        """
    )
    keys = {
        TestKey("src/a.test.ts", "db > writes a row"),
        TestKey("src/a.test.ts", "db > reads it back"),
    }
    assert {k for k, f in run.failures.items() if f.message.startswith("Error: connect")} == keys
    assert statuses(run) == {str(k): TestStatus.FAILED for k in keys}
    assert run.contexts[run.line_of("ECONNREFUSED")].key in keys


def test_vitest_whole_file_failure_and_project_prefix() -> None:
    run = run_text(
        """
         RUN  v3.2.4 /app

        ⎯⎯⎯⎯⎯⎯ Failed Suites 1 ⎯⎯⎯⎯⎯⎯⎯

         FAIL  |chromium| src/b.test.ts [ src/b.test.ts ]
        SyntaxError: Unexpected token '<'
        ⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯

         FAIL  Tests failed. Watching for file changes...
        """
    )
    ((key, failure),) = run.failures.items()
    assert (key, failure.kind, failure.message) == (
        TestKey("src/b.test.ts", ""),
        BlockKind.SUITE,
        "SyntaxError: Unexpected token '<'",
    )
    assert run.finished


def test_vitest_tree_with_suites_names_tests_by_their_path() -> None:
    run = run_text(
        """
         RUN  v2.1.8 /app

         ❯ src/jobs.test.ts (13 tests | 1 failed) 412ms
           ✓ jobs passed (6)
           ❯ jobs failed (7)
             ✓ creates a job 3ms
             × marks it done 12ms (retry x2)
               → expected 'failed' to be 'completed'
             ↓ retries it [skipped]
        """
    )
    assert statuses(run) == {
        "src/jobs.test.ts > jobs failed > creates a job": TestStatus.PASSED,
        "src/jobs.test.ts > jobs failed > marks it done": TestStatus.FAILED,
        "src/jobs.test.ts > jobs failed > retries it": TestStatus.SKIPPED,
    }
    result = run.results[TestKey("src/jobs.test.ts", "jobs failed > marks it done")]
    assert result.duration_ms == 12.0
    arrow = run.line_of("→ expected")
    assert run.contexts[arrow] == LineContext(result.key, BlockKind.TEST, Z.ERROR)
    totals = run.totals
    assert totals is not None and (totals.passed, totals.failed, totals.total) == (12, 1, 13)


def test_vitest_watch_rerun_starts_a_new_run() -> None:
    run = run_text(
        """
         DEV  v1.6.0 /app

         ✓ src/a.test.ts  (2 tests) 4ms

         Test Files  1 passed (1)
              Tests  2 passed (2)
           Start at  10:01:02
           Duration  310ms

         PASS  Waiting for file changes...
               press h to show help, press q to quit

         RERUN  src/a.test.ts x1

         ✓ src/a.test.ts  (2 tests) 3ms
        """
    )
    assert run.runners == ["vitest", "vitest"]


# --- jest -------------------------------------------------------------------------------------


def test_jest_display_names_and_nested_describes() -> None:
    run = run_text(
        """
        FAIL Turbopack test/e2e/rewrite.test.ts (14.785 s)
          middleware rewrite
            static
              ✓ uses the fallback route (530 ms)
              ✕ revalidates the overview page (74 ms)
            ○ skipped keeps query strings
          ✓ top level test

          ● middleware rewrite › static › revalidates the overview page

            expect(received).toBe(expected) // Object.is equality

        Tests:       1 failed, 1 skipped, 2 passed, 4 total
        """
    )
    assert statuses(run) == {
        "test/e2e/rewrite.test.ts > middleware rewrite > static > uses the fallback route": (
            TestStatus.PASSED
        ),
        "test/e2e/rewrite.test.ts > middleware rewrite > static > revalidates the overview page": (
            TestStatus.FAILED
        ),
        "test/e2e/rewrite.test.ts > middleware rewrite > keeps query strings": TestStatus.SKIPPED,
        "test/e2e/rewrite.test.ts > top level test": TestStatus.PASSED,
    }
    failure = run.failures[
        TestKey(
            "test/e2e/rewrite.test.ts",
            "middleware rewrite > static > revalidates the overview page",
        )
    ]
    assert failure.message == "expect(received).toBe(expected) // Object.is equality"


def test_jest_is_not_claimed_by_vitest_and_vice_versa() -> None:
    assert drive(b"FAIL src/a.test.js\n").runners == ["jest"]
    assert drive(b" FAIL  src/a.test.js (1.2 s)\n").runners == ["jest"]
    assert drive(b" FAIL  src/a.test.ts > suite > test\n").runners == ["vitest"]
    assert drive(b" FAIL  src/a.test.ts [ src/a.test.ts ]\n").runners == ["vitest"]
    assert drive(b"FAIL\tgithub.com/acme/app\t0.012s\n").runners == ["go"]


# --- pytest -----------------------------------------------------------------------------------


def test_pytest_xdist_teardown_error_after_a_pass() -> None:
    run = run_text(
        """
        [gw0] [ 50%] PASSED tests/test_a.py::TestA::test_x[param-1]
        [gw0] [ 50%] ERROR tests/test_a.py::TestA::test_x[param-1]
        [gw1] [100%] ERROR tests/test_b.py::test_y
        """
    )
    x = run.results[TestKey("tests/test_a.py", "TestA > test_x[param-1]")]
    y = run.results[TestKey("tests/test_b.py", "test_y")]
    assert (x.status, x.teardown_error) == (TestStatus.PASSED, True)
    assert (y.status, y.teardown_error) == (TestStatus.ERROR, False)


def test_pytest_collection_error_and_its_final_line() -> None:
    run = run_text(
        """
        ============================= test session starts ==============================
        collected 3 items / 1 error

        ==================================== ERRORS ====================================
        ____________________ ERROR collecting tests/test_legacy.py _____________________
        ImportError while importing test module '/app/tests/test_legacy.py'.
        E   ModuleNotFoundError: No module named 'app.legacy'
        =========================== short test summary info ============================
        ERROR tests/test_legacy.py - ModuleNotFoundError: No module named 'app.legacy'
        !!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
        =============================== 1 error in 0.12s ===============================
        """
    )
    ((key, failure),) = run.failures.items()
    assert (key, failure.kind) == (TestKey("tests/test_legacy.py", ""), BlockKind.SUITE)
    assert failure.message == "ModuleNotFoundError: No module named 'app.legacy'"
    summary = run.line_of("ERROR tests/test_legacy.py - ")
    assert run.contexts[summary] == LineContext(key, BlockKind.SUITE, Z.ERROR)
    totals = run.totals
    assert totals is not None and totals.errors == 1 and run.finished


def test_pytest_no_tests_ran() -> None:
    run = run_text(
        """
        ============================= test session starts ==============================
        collected 0 items

        ============================ no tests ran in 0.01s =============================
        """
    )
    totals = run.totals
    assert run.finished and totals is not None
    assert (totals.passed, totals.failed, totals.skipped, totals.errors) == (0, 0, 0, 0)


def test_pytest_progress_wrapped_over_lines_keeps_its_file() -> None:
    dots = "." * 70
    run = run_text(
        f"""
        ============================= test session starts ==============================
        tests/test_big.py {dots[:55]} [ 40%]
        {dots[:60]}F [ 80%]
        {dots[:20]}                                              [100%]
        =================================== FAILURES ===================================
        _________________________________ test_last ___________________________________
        E       assert 1 == 2
        =============================== 1 failed, 135 passed in 0.52s ==================
        """
    )
    assert run.failures[TestKey("tests/test_big.py", "test_last")].message == "assert 1 == 2"


# --- go, TAP, JUnit, mocha --------------------------------------------------------------------


def test_go_subtests_are_joined_and_cached_packages_end_runs() -> None:
    run = run_text(
        """
        === RUN   TestA
        === RUN   TestA/with_space_in_name
        --- PASS: TestA (0.00s)
            --- PASS: TestA/with_space_in_name (0.00s)
        PASS
        ok  \tgithub.com/acme/app\t(cached)
        """
    )
    assert statuses(run) == {
        "TestA": TestStatus.PASSED,
        "TestA > with_space_in_name": TestStatus.PASSED,
    }
    assert run.finished


def test_plain_tap_with_directives_and_bail_out() -> None:
    run = run_text(
        """
        TAP version 14
        1..4
        ok 1 - input file opened
        not ok 2 - first line valid
          ---
          message: 'First line invalid'
          severity: fail
          ...
        ok 3 - read the rest # SKIP no more lines
        Bail out! Couldn't connect to database.
        """
    )
    assert statuses(run) == {
        "input file opened": TestStatus.PASSED,
        "first line valid": TestStatus.FAILED,
        "read the rest": TestStatus.SKIPPED,
    }
    assert run.failures[TestKey("", "first line valid")].message == "First line invalid"
    assert run.finished


def test_odd_yaml_values_are_ignored() -> None:
    run = run_text(
        """
        TAP version 13
        not ok 1 - broken
          ---
          duration_ms: soon
          error: |-
          ...
        1..1
        """
    )
    result = run.results[TestKey("", "broken")]
    assert (result.status, result.duration_ms, result.message) == (TestStatus.FAILED, None, "")
    assert run.finished


def test_tap14_children_before_their_parent_without_comments() -> None:
    run = run_text(
        """
        TAP version 14
            ok 1 - child one
            not ok 2 - child two
            1..2
        not ok 1 - parent
        ok 2 - sibling
        1..2
        """
    )
    assert statuses(run) == {
        "child one": TestStatus.PASSED,
        "child two": TestStatus.FAILED,
        "sibling": TestStatus.PASSED,
    }
    assert run.finished


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("<testcase name='adds' classname='math adds' time='0.1'>", TestKey("math adds", "adds")),
        ('<testcase classname="math adds" name="math adds">', TestKey("", "math adds")),
        (
            '<testcase  time="1" name="testBar"  classname="com.acme.FooTest" >',
            TestKey("com.acme.FooTest", "testBar"),
        ),
        (
            '<testcase name="renders" file="src/App.test.tsx" classname="App">',
            TestKey("src/App.test.tsx", "renders"),
        ),
    ],
)
def test_junit_keys_whatever_the_attribute_order_and_quotes(case: str, key: TestKey) -> None:
    run = run_text(
        f"""
        <testsuites>
          <testsuite name="unit" tests="1">
            {case}
              <failure><![CDATA[expected 2 to equal 3]]></failure>
            </testcase>
          </testsuite>
        </testsuites>
        """
    )
    assert run.results[key].status is TestStatus.FAILED
    assert run.failures[key].message == "expected 2 to equal 3"


def test_mocha_repeated_titles_stay_distinct_tests() -> None:
    run = run_text(
        """
          users
            ✔ works
          courses
            ✔ works (12ms)


          2 passing (20ms)
        """
    )
    assert set(statuses(run)) == {"works", "works (2)"}


def test_failure_reported_is_sent_for_every_failure_header() -> None:
    """The pipeline matches rules against an event's message, never a test's name."""
    run = run_text(
        """
         RUN  v2.1.8 /app

        ⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

         FAIL  src/a.test.ts > rejects a foreign key violation
        AssertionError: expected 1 to be 2
        """
    )
    header = run.line_of(" FAIL  src/a.test.ts")
    assert any(isinstance(e, FailureReported) and e.line == header for e in run.events)
