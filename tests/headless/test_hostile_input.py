"""Log text is data in every format: no terminal escapes, no markup, no injected workflow
commands, links or HTML, and secrets redacted (kept with --no-redact)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from headless_harness import Cli
from markdown_it import MarkdownIt

from testtriage.render.common import fence_for, guard_commands, md_code, md_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJlLXZhbHVl"
BEARER = "dGhpcy1pcy1hLWJlYXJlci10b2tlbi12YWx1ZQ"
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRETS = {
    "jwt": JWT,
    "bearer": BEARER,
    "dsn password": "s3cr3t-pass",
    "password": "hunter2",
    "aws key": AWS_KEY,
    "github token": GITHUB_TOKEN,
}
NEAR_MISSES = [
    "6f1c0e52-8d3b-4f7a-9b21-3c5e7d9a0f14",
    "3f786850e387550fdab836ed7e6dc881de23001b",
    "dGVzdCBwYXlsb2FkIGZvciB0aGUgcGFyc2Vy",
]
SEPARATOR = "⎯" * 24

FAILURES = [
    (
        "markup",
        "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON "
        "[bold red]x[/] [link=https://evil]click[/link]",
    ),
    (
        "terminal",
        "Error: connect ECONNREFUSED 127.0.0.1:5432 \x1b]52;c;ZXZpbA==\x07 "
        "\x1b]8;;https://evil\x07link\x1b]8;;\x07 \x1b[2J\x1b[H \x1b]0;pwned\x07 \x1b[?2004h",
    ),
    ("commands", "::error::Error: connect ECONNREFUSED 127.0.0.1:6379\n::set-output name=x::pwned"),
    (
        "markdown",
        "Error: </details><img src=x onerror=alert(1)> [click](javascript:alert(1)) "
        "| cell | ``` *bold* _it_\n```",
    ),
    (
        "secrets",
        'error: password authentication failed for user "app" at '
        f"postgres://app:s3cr3t-pass@db.internal/app password=hunter2 jwt {JWT}",
    ),
    ("keys", f"Error: AccessDenied for {AWS_KEY} with {GITHUB_TOKEN}"),
    ("near misses", "Error: job {} at {} sent {}".format(*NEAR_MISSES)),
]


def hostile_log() -> str:
    log_line = (
        '{"level":50,"time":1762101214062,"msg":"request failed [bold red]x[/] '
        '\\u001b]52;c;ZXZpbA==\\u0007 \\u001b[2J","err":{"type":"AuthApiError",'
        f'"message":"Invalid login credentials, Authorization: Bearer {BEARER}"}}}}'
    )
    lines = ["", " RUN  v3.2.4 /home/dev/app", "", log_line]
    lines.append(f" ❯ tests/evil.test.ts ({len(FAILURES)} tests | {len(FAILURES)} failed) 40ms")
    lines += [f"   × evil > {name} 5ms" for name, _ in FAILURES]
    lines += ["", f"⎯⎯⎯⎯⎯⎯⎯ Failed Tests {len(FAILURES)} ⎯⎯⎯⎯⎯⎯⎯", ""]
    for number, (name, error) in enumerate(FAILURES, 1):
        lines += [f" FAIL  tests/evil.test.ts > evil > {name}", *error.split("\n")]
        lines += [
            f" ❯ tests/evil.test.ts:{number * 6}:1",
            "",
            f"{SEPARATOR}[{number}/{len(FAILURES)}]⎯",
            "",
        ]
    lines += [
        " Test Files  1 failed (1)",
        f"      Tests  {len(FAILURES)} failed ({len(FAILURES)})",
        "   Start at  10:00:00",
        "   Duration  1.00s",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def evil_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "evil.log"
    path.write_bytes(hostile_log().encode())
    return path


FORMATS = ["text", "json", "markdown", "github"]


def outputs(cli: Cli, log: Path, *extra: str) -> dict[str, str]:
    result = {}
    for fmt in FORMATS:
        for verbose in ((), ("--verbose",)):
            run = cli.summary(log, "--format", fmt, *verbose, *extra)
            assert run.code == 1, run.err
            result[f"{fmt}{' verbose' if verbose else ''}"] = run.out
    return result


def test_the_log_becomes_evidence_and_blocking_findings(cli: Cli, evil_log: Path) -> None:
    report = cli.summary(evil_log, "--format", "json").json()
    assert report["tests"]["failed"] == len(FAILURES)
    assert all(failure["findings"] for failure in report["tests"]["failures"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_terminal_control_reaches_the_output(cli: Cli, evil_log: Path, fmt: str) -> None:
    for verbose in ((), ("--verbose",)):
        out = cli.summary(evil_log, "--format", fmt, *verbose).out
        assert "\x1b" not in out and "\x07" not in out
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", out)


def test_rich_markup_is_printed_literally(cli: Cli, evil_log: Path) -> None:
    text = cli.summary(evil_log).out
    assert "[bold red]x[/]" in text
    assert "[link=https://evil]click[/link]" in text


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_line_can_be_read_as_a_workflow_command(cli: Cli, evil_log: Path, fmt: str) -> None:
    for verbose in ((), ("--verbose",)):
        out = cli.summary(evil_log, "--format", fmt, *verbose).out
        assert "::error::" in out or fmt == "markdown", "the hostile line is in the report"
        for line in out.splitlines():
            assert not line.lstrip().startswith("::"), line


_COMMAND = re.compile(r"^::(?P<kind>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def test_github_output_is_only_our_commands_with_escaped_data(cli: Cli, evil_log: Path) -> None:
    out = cli.summary(evil_log, "--format", "github").out
    assert "\r" not in out
    kinds = []
    for line in out.splitlines():
        command = _COMMAND.match(line)
        assert command is not None, f"not one of our commands: {line!r}"
        kinds.append(command["kind"])
        for prop in (command["props"] or "").split(","):
            name, _, value = prop.partition("=")
            assert name in ("file", "line", "title"), prop
            assert "," not in value and ":" not in value
    assert kinds.count("error") == len(FAILURES)
    assert kinds[-1] == "notice"
    assert "set-output name=x" not in out.replace("::set-output", "")


def _markdown_problems(markdown: str) -> list[str]:
    parser = MarkdownIt("commonmark").enable("table")
    problems = []
    columns: list[int] = []
    for token in parser.parse(markdown):
        if token.type in ("html_block", "html_inline"):
            problems.append(f"raw HTML: {token.content!r}")
        if token.type == "fence" and token.info != "text":
            problems.append(f"a fence opened by log text: {token.info!r}")
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("html_inline", "link_open", "image"):
                    problems.append(f"{child.type} in {token.content!r}")
        if token.type == "tr_open":
            columns.append(0)
        if token.type in ("th_open", "td_open"):
            columns[-1] += 1
    if len(set(columns)) > 1:
        problems.append(f"table rows with different cell counts: {columns}")
    return problems


def test_markdown_cannot_be_injected(cli: Cli, evil_log: Path) -> None:
    for verbose in ((), ("--verbose",)):
        markdown = cli.summary(evil_log, "--format", "markdown", *verbose).out
        assert not _markdown_problems(markdown)
        fences = [t for t in MarkdownIt().parse(markdown) if t.type == "fence"]
        assert any("```" in t.content for t in fences), "backticks stay inside the evidence"


def test_the_step_summary_cannot_be_injected_either(
    cli: Cli, evil_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    cli.summary(evil_log, "--format", "github")
    markdown = summary.read_text(encoding="utf-8")
    assert "## Failing Tests" in markdown
    assert not _markdown_problems(markdown)


def test_secrets_are_redacted_in_every_format(cli: Cli, evil_log: Path) -> None:
    for name, out in outputs(cli, evil_log).items():
        assert "REDACTED" in out, name
        leaked = [kind for kind, secret in SECRETS.items() if secret in out]
        assert not leaked, f"{name} shows {leaked}"


def test_no_redact_keeps_them(cli: Cli, evil_log: Path) -> None:
    for name, out in outputs(cli, evil_log, "--no-redact").items():
        kept = [kind for kind, secret in SECRETS.items() if secret in out]
        assert kept, f"{name} shows no secret with --no-redact"
        if name.startswith("json"):
            assert sorted(kept) == sorted(SECRETS)


def test_near_misses_stay_intact(cli: Cli, evil_log: Path) -> None:
    for name, out in outputs(cli, evil_log).items():
        for value in NEAR_MISSES:
            assert value in out, f"{name} lost {value}"


def test_the_markdown_helpers_make_log_text_inert() -> None:
    assert md_text("[click](javascript:alert(1)) <img> a|b *x* _y_ `z` &amp;") == (
        "\\[click\\](javascript:alert(1)) \\<img> a\\|b \\*x\\* \\_y\\_ \\`z\\` \\&amp;"
    )
    assert md_text("# not a heading").startswith("\\#")
    assert md_text("line one\nline two") == "line one line two"
    assert md_code("a `b` c") == "``a `b` c``"
    assert md_code("`edge`") == "`` `edge` ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert fence_for(["plain", "has ```` four"]) == "`````"
    assert guard_commands("ok\n  ::error::x\n") == "ok\n  \\::error::x\n"
