"""The text, Markdown and GitHub reports of the scenarios, compared with golden files."""

from __future__ import annotations

import io

import pytest
from headless_harness import Cli, check_golden, scenario

from testtriage.core.ingest import expand_sources, read_sources
from testtriage.core.session import Session, analyze, build_engine
from testtriage.headless.summary import conclude
from testtriage.render.text import print_text_report, report_console

SCENARIOS = ["seed-run.log", "pytest-structlog.log", "jest-prisma.log"]
FORMATS = {"text": "txt", "markdown": "md", "github": "github"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("log", SCENARIOS)
def test_reports_match_their_golden_files(cli: Cli, log: str, fmt: str) -> None:
    run = cli.summary(log, "--format", fmt)
    assert run.code == 1
    assert run.err == ""
    check_golden(f"{log.removesuffix('.log')}.{FORMATS[fmt]}", run.out)


@pytest.mark.parametrize(
    ("name", "log", "args"),
    [
        ("seed-verbose.txt", "seed-run.log", ["--verbose"]),
        ("seed-claim-auth.md", "seed-run.log", ["--format", "markdown", "--claim", "auth"]),
        ("auth-setup-fails.txt", "auth-setup-fails.log", ["--claim", "auth"]),
        ("auth-setup-fails.md", "auth-setup-fails.log", ["--format", "markdown"]),
        ("seed-no-auth-noise-claim.txt", "seed-no-auth-noise.log", ["--claim", "auth"]),
    ],
)
def test_variants_match_their_golden_files(cli: Cli, name: str, log: str, args: list[str]) -> None:
    run = cli.summary(log, *args)
    check_golden(name, run.out)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_baseline_comparison_matches_its_golden_file(
    cli: Cli, fmt: str, tmp_path: pytest.TempPathFactory
) -> None:
    saved = tmp_path / "seed.json"  # type: ignore[operator]
    cli.summary("seed-run.log", "--format", "json", "--save", str(saved))
    run = cli.summary("seed-fixed.log", "--format", fmt, "--baseline", str(saved))
    assert run.code == 0
    check_golden(f"seed-fixed-vs-seed.{FORMATS[fmt]}", run.out)


@pytest.mark.parametrize("log", [*SCENARIOS, "auth-setup-fails.log", "seed-fixed.log"])
@pytest.mark.parametrize("verbose", [False, True])
def test_the_text_report_fits_80_columns_without_trailing_spaces(log: str, verbose: bool) -> None:
    text = _text_report(log, width=80, verbose=verbose)
    for number, line in enumerate(text.splitlines(), 1):
        assert len(line) <= 80, f"line {number} is {len(line)} columns: {line!r}"
        assert line == line.rstrip(), f"line {number} ends in spaces: {line!r}"


def test_wrapped_lines_hang_under_their_text() -> None:
    lines = _text_report("seed-run.log", width=80).splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("Verdict "))
    text_column = len("Verdict   ")
    assert lines[verdict + 1].startswith(" " * text_column)
    assert not lines[verdict + 1][text_column].isspace()


def test_a_narrow_terminal_still_gets_a_readable_report() -> None:
    text = _text_report("seed-run.log", width=50)
    assert all(len(line) <= 50 for line in text.splitlines())
    assert "BLOCKING" in text


def test_colour_only_when_asked_and_only_as_styles() -> None:
    import re

    plain = _text_report("seed-run.log", width=80)
    coloured = _text_report("seed-run.log", width=80, color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_no_color_turns_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    assert report_console(Terminal()).no_color
    monkeypatch.delenv("NO_COLOR")
    console = report_console(Terminal(), width=80)
    assert console.is_terminal and not console.no_color


def _text_report(log: str, *, width: int, verbose: bool = False, color: bool = False) -> str:
    path = scenario(log)
    specs = expand_sources([str(path)], follow=False)
    session = Session(build_engine(), specs)
    state = analyze(session, read_sources(specs))
    diagnosis, verdict = conclude(state, None, None)
    out = io.StringIO()
    console = report_console(out, width=width, color=color)
    print_text_report(console, diagnosis, verdict, verbose=verbose)
    return out.getvalue()
