"""Log text is hostile: every report format shows terminal escapes and Rich markup inert.

The payloads go where log text reaches a report: an unknown error line, a failing test's
name and message, a JSON log's message and error. No report (text, json, markdown, github,
the `--save` export, the GitHub step summary) may carry ESC, BEL, C1 controls or bidi
overrides, and markup must print as the characters it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from _fault_support import run_cli

Capture = pytest.CaptureFixture[bytes]

PAYLOADS = {
    "csi-clear": "\x1b[2J",
    "csi-colour": "\x1b[31mred\x1b[0m",
    "osc8-link": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "osc52-clipboard": "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07",
    "title": "\x1b]0;pwned\x07",
    "bracketed-paste": "\x1b[?2004h",
    "csi-8bit": "\x9b2J",
    "dcs": "\x1bP+q544e\x1b\\",
    "bel": "\x07",
    "bidi": "\u202eevil\u202c\u2066x\u2069",
}
MARKUP = ["[bold]bold[/bold]", "[link=https://evil.example]click[/link]", "[/]", "[red on white]"]
EVIL = " ".join(PAYLOADS.values())
FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_log(path: Path) -> Path:
    """A vitest run with one failing test and a JSON error log, hostile text everywhere."""
    markup = " ".join(MARKUP)
    json_line = orjson.dumps(
        {
            "level": 50,
            "msg": f"ERROR json {EVIL} {markup}",
            "err": {"type": "Error", "message": f"boom {EVIL}\n::error::injected"},
        }
    ).decode()
    lines = [
        " RUN  v3.2.4 /repo",
        "",
        f" ✓ src/a.test.ts > safe > passes {EVIL} 1ms",
        f" × src/a.test.ts > hostile > fails {EVIL} {markup} 4ms",
        f"   → expected {EVIL} {markup} to be 1",
        f"ERROR: unknown {EVIL} {markup}",
        json_line,
        "",
        "⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯",
        "",
        f" FAIL  src/a.test.ts > hostile > fails {EVIL} {markup}",
        f"AssertionError: expected {EVIL} {markup} to be 1",
        " ❯ src/a.test.ts:3:5",
        "",
        "⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯",
        "",
        " Test Files  1 failed (1)",
        "      Tests  1 failed | 1 passed (2)",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_inert(text: str, where: str) -> None:
    found = FORBIDDEN.search(text)
    if found is not None:
        around = text[max(0, found.start() - 60) : found.start() + 20]
        pytest.fail(f"{where}: {found.group()!r} at {found.start()}: {around!r}")


def json_strings(value: object) -> list[str]:
    """Every string inside a decoded JSON document (keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *json_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


def squeeze(text: str) -> str:
    """Text without whitespace: reports wrap long lines wherever they like."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_every_report_format_shows_escapes_inert(
    tmp_path: Path, capsysbinary: Capture, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """CSI, OSC 8 links, OSC 52 clipboard writes, title changes, bracketed paste, 8-bit CSI,
    DCS, BEL and bidi overrides from the log: none survives into stdout, the saved JSON
    export or the GitHub step summary, even verbose (all evidence shown)."""
    step_summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    log = hostile_log(tmp_path / "run.log")
    saved = tmp_path / "saved.json"
    result = run_cli(capsysbinary, "summary", "--format", fmt, "-v", "--save", str(saved), str(log))

    assert result.code == 1, result.err
    assert result.err == ""
    out = result.out.decode("utf-8")
    assert_inert(out, f"{fmt} stdout")
    assert "fails" in out, "the hostile test is still reported"
    export = saved.read_bytes()
    assert_inert(export.decode(), "saved JSON (raw)")
    for value in json_strings(json.loads(export)):
        assert_inert(value, "saved JSON (decoded)")
    if fmt == "json":
        for value in json_strings(json.loads(result.out)):
            assert_inert(value, "json stdout (decoded)")
    if fmt == "github":
        assert_inert(step_summary.read_text(encoding="utf-8"), "step summary")
        assert all(line.startswith("::") for line in out.splitlines()), (
            "a log line broke out of its workflow command"
        )


def test_rich_markup_in_logs_prints_literally_in_the_text_report(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """`[bold]`, `[link=...]`, `[/]` and style tags from the log are printed as written: not
    applied, not swallowed (the text report is built from Text objects, never markup)."""
    log = hostile_log(tmp_path / "run.log")
    result = run_cli(capsysbinary, "summary", "--format", "text", "-v", str(log))

    printed = squeeze(result.out.decode("utf-8"))
    for markup in MARKUP:
        assert squeeze(markup) in printed, f"{markup} was not printed literally"


def test_escape_sequences_leave_no_partial_residue_that_a_terminal_would_resume(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """An escape split by the neutralizer must not leave a dangling introducer: after the
    report, no `[2J`-style CSI body follows a removed ESC in a way a terminal could act on
    (checked by the absence of ESC and 8-bit CSI, plus the visible words still present)."""
    log = tmp_path / "run.log"
    log.write_bytes(
        b"ERROR: split \x1b\n"  # a lone ESC at the end of a line
        + b"[2J continues on the next line\n"
        + b"ERROR: raw 8-bit \x9b2J byte (invalid UTF-8)\n"
        + "ERROR: encoded 8-bit \u009b2J char\n".encode()
    )
    result = run_cli(capsysbinary, "summary", "--format", "text", "-v", str(log))
    out = result.out.decode("utf-8")
    assert_inert(out, "text stdout")
    assert "split" in out and "raw 8-bit" in out and "encoded 8-bit" in out


def test_a_log_file_named_with_escapes_is_shown_inert(
    tmp_path: Path, capsysbinary: Capture
) -> None:
    """File names are log-controlled too when a glob picks them up."""
    directory = tmp_path / "artifacts"
    directory.mkdir()
    (directory / "run\x1b]0;pwned\x07\x1b[2J.log").write_text("ERROR: boom\n")
    for fmt in ("text", "json"):
        result = run_cli(capsysbinary, "summary", "--format", fmt, "-v", str(directory / "*.log"))
        assert_inert(result.out.decode("utf-8"), f"{fmt} stdout")
        if fmt == "json":
            for value in json_strings(json.loads(result.out)):
                assert_inert(value, "json stdout (decoded)")


@pytest.mark.parametrize(
    "opener",
    [b"\x1b]0;title never ends", b"\x1bP unterminated dcs", b"\x1b_ apc"],
    ids=["osc", "dcs", "apc"],
)
def test_an_unterminated_escape_sequence_does_not_hide_the_lines_after_it(
    tmp_path: Path, capsysbinary: Capture, opener: bytes
) -> None:
    """A sequence cut off by a crash or a truncated write ends with its line: the lines after
    it are counted and their errors reported, on their own line numbers."""
    log = tmp_path / "run.log"
    log.write_bytes(
        b"starting " + opener + b"\n"
        + b"line two\n"
        + b"ERROR: after the escape\n"
        + b"\x1b[31mERROR: in colour\x1b[0m\n"
    )  # fmt: skip
    result = run_cli(capsysbinary, "summary", "--format", "json", str(log))
    report = json.loads(result.out)
    assert report["sources"][0]["lines"] == 4
    found = sorted(e["line"] for f in report["findings"] for e in f["evidence"])
    assert found == [3, 4]
