"""The small pieces the report formats share: paths, sentences, evidence excerpts."""

from __future__ import annotations

from testtriage.core.findings import UNKNOWN_RULE, Location, Occurrence
from testtriage.core.records import ErrorInfo, LogFields
from testtriage.render.common import excerpt, short_path, short_why


def occurrence(text: str, matched: str, log: LogFields | None = None) -> Occurrence:
    return Occurrence(
        rule=UNKNOWN_RULE,
        fields={},
        fingerprint="unknown:0",
        location=Location("run.log", 7),
        text=text,
        matched=matched,
        log=log,
    )


def test_a_long_path_keeps_its_end() -> None:
    path = "packages/course-gen-platform/tests/contract/deeply/nested/analysis.test.ts"
    short = short_path(path, limit=40)
    assert short.startswith("…/") and short.endswith("nested/analysis.test.ts")
    assert len(short) <= 40
    assert short_path("tests/a.test.ts") == "tests/a.test.ts"


def test_a_why_is_cut_to_one_short_sentence() -> None:
    why = (
        "PostgreSQL (SQLSTATE 23503, or 23001 for RESTRICT) refused a write because a foreign "
        "key would point at a row that does not exist: a child row was written for a missing "
        "parent. Second sentence."
    )
    assert short_why(why) == (
        "PostgreSQL refused a write because a foreign key would point at a row that does not exist."
    )
    assert short_why("Short one. And more.") == "Short one."


def test_a_long_line_is_shown_around_its_match() -> None:
    text = "x" * 500 + " Unexpected token 'H' " + "y" * 500
    shown = excerpt(occurrence(text, "Unexpected token 'H'"), redact=True)
    assert len(shown.text) <= 222
    assert shown.text.startswith("…") and shown.text.endswith("…")
    assert shown.text[shown.start : shown.end] == "Unexpected token 'H'"


def test_a_json_log_is_shown_as_level_message_and_error() -> None:
    log = LogFields(
        level=50,
        level_name="50",
        time=None,
        message="Failed to parse model output",
        error=ErrorInfo(type="SyntaxError", message="Unexpected token 'H'"),
    )
    raw = '{"level":50,"msg":"Failed to parse model output","err":{"type":"SyntaxError"}}'
    shown = excerpt(occurrence(raw, "Unexpected token 'H'", log), redact=True)
    assert shown.text == (
        "[error] Failed to parse model output — SyntaxError: Unexpected token 'H'"
    )
    assert shown.text[shown.start : shown.end] == "Unexpected token 'H'"
    verbose = excerpt(occurrence(raw, "Unexpected token 'H'", log), redact=True, verbose=True)
    assert verbose.text == raw
