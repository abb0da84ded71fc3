"""Exit codes of `summary`, and stdout carrying only the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from headless_harness import SCENARIOS, Cli


@pytest.mark.parametrize(
    ("log", "args", "code"),
    [
        ("seed-run.log", [], 1),
        ("seed-fixed.log", [], 0),
        ("auth-setup-fails.log", [], 1),
        ("seed-run.log", ["--fail-on", "never"], 0),
        ("seed-fixed.log", ["--fail-on", "any"], 1),
        ("seed-fixed.log", ["--fail-on", "blocking"], 0),
        ("seed-run.log", ["--fail-on", "any"], 1),
    ],
)
def test_the_exit_code_follows_the_diagnosis(
    cli: Cli, log: str, args: list[str], code: int
) -> None:
    run = cli.summary(log, *args)
    assert run.code == code
    assert run.err == "", "diagnostics only when something went wrong"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_stdout_carries_only_the_report(cli: Cli, fmt: str) -> None:
    run = cli.summary("jest-prisma.log", "--format", fmt)
    assert run.err == ""
    assert run.out.strip()


def test_a_missing_file_is_an_input_error(cli: Cli, tmp_path: Path) -> None:
    run = cli.summary(tmp_path / "missing.log")
    assert run.code == 2
    assert run.err.startswith("testtriage: ") and run.err.count("\n") == 1
    assert "Traceback" not in run.err + run.out


def test_an_unreadable_only_source_is_not_called_clean(cli: Cli, tmp_path: Path) -> None:
    run = cli.summary(tmp_path / "missing.log")
    assert "clean" not in run.out


@pytest.mark.parametrize(
    "rules",
    [
        "not toml [[[",
        '[[rule]]\nid = "no-category"\n',
        '[[rule]]\nid = "bad-regex"\ncategory = "parse"\nseverity = "error"\ntitle = "x"\n'
        'patterns = ["(unclosed"]\nwhy = "x"\nfix = "x"\n',
    ],
)
def test_a_bad_rules_file_is_one_line_on_stderr(cli: Cli, tmp_path: Path, rules: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(rules, encoding="utf-8")
    run = cli.summary(SCENARIOS / "seed-fixed.log", "--rules", str(path), cwd=tmp_path)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("testtriage: ") and run.err.count("\n") == 1
    assert "Traceback" not in run.err


def test_a_follow_option_without_follow_is_a_usage_error(cli: Cli) -> None:
    run = cli.summary("seed-run.log", "--idle-timeout", "1")
    assert run.code == 2 and run.out == ""


def test_the_step_summary_is_appended_when_asked_for(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = cli.summary("seed-run.log", "--format", "github")
    markdown = cli.summary("seed-run.log", "--format", "markdown").out
    assert run.out.startswith("::error ")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown
