"""`--format github`: escaping, where annotations point, and GitHub's limits per step."""

from __future__ import annotations

import re
from pathlib import Path

from headless_harness import Cli

from testtriage.render.github import command, escape_data, escape_property

SEPARATOR = "⎯" * 24
NAMES = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    "hotel", "india", "juliet", "kilo", "lima", "mike",
]  # fmt: skip


def test_messages_and_properties_are_escaped() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert escape_data("one\u2028two") == "one two"
    line = command("error", "x\n::set-output name=y::z", [("file", "a,b.log"), ("line", 3)])
    assert line == "::error file=a%2Cb.log,line=3::x%0A::set-output name=y::z"
    assert "\n" not in line


def test_an_error_points_at_the_failing_tests_line_when_the_evidence_names_it(cli: Cli) -> None:
    out = cli.summary("seed-run.log", "--format", "github").out
    parse_error = next(line for line in out.splitlines() if "title=F3 parse" in line)
    assert parse_error.startswith("::error file=tests/contract/analysis.test.ts,line=251,")


def test_noise_points_at_the_log(cli: Cli) -> None:
    out = cli.summary("seed-run.log", "--format", "github").out
    fk = next(line for line in out.splitlines() if "fk_timing" in line)
    assert fk.startswith("::warning file=seed-run.log,line=47,")


def crowded_log() -> str:
    """13 tests failing on 13 distinct foreign keys, and 13 more logged by passing code."""
    lines = ["", " RUN  v3.2.4 /home/dev/app", ""]
    for name in NAMES:
        err = (
            f'insert or update on table \\"{name}\\" violates foreign key constraint '
            f'\\"{name}_log_fkey\\"'
        )
        lines.append(f'{{"level":50,"time":1762101214062,"err":"{err}","msg":"write failed"}}')
    lines.append(f" ❯ tests/crowded.test.ts ({len(NAMES)} tests | {len(NAMES)} failed) 40ms")
    lines += [f"   × crowded > {name} 5ms" for name in NAMES]
    lines += ["", f"⎯⎯⎯⎯⎯⎯⎯ Failed Tests {len(NAMES)} ⎯⎯⎯⎯⎯⎯⎯", ""]
    for number, name in enumerate(NAMES, 1):
        lines += [
            f" FAIL  tests/crowded.test.ts > crowded > {name}",
            f'error: insert or update on table "{name}" violates foreign key constraint '
            f'"{name}_test_fkey"',
            f" ❯ tests/crowded.test.ts:{number * 5}:3",
            "",
            f"{SEPARATOR}[{number}/{len(NAMES)}]⎯",
            "",
        ]
    lines += [
        " Test Files  1 failed (1)",
        f"      Tests  {len(NAMES)} failed ({len(NAMES)})",
        "   Duration  1.00s",
        "",
    ]
    return "\n".join(lines)


def test_at_most_ten_errors_and_ten_warnings_then_a_notice(cli: Cli, tmp_path: Path) -> None:
    log = tmp_path / "crowded.log"
    log.write_text(crowded_log(), encoding="utf-8")
    report = cli.summary(log, "--format", "json").json()
    assert len(report["verdict"]["blocking"]) == len(NAMES)
    assert len(report["verdict"]["noise"]) == len(NAMES)

    lines = cli.summary(log, "--format", "github").out.splitlines()
    kinds = [re.match(r"^::(\w+)", line).group(1) for line in lines]  # type: ignore[union-attr]
    assert kinds.count("error") == 10
    assert kinds.count("warning") == 10
    assert kinds[-1] == "notice" and kinds.count("notice") == 1
    assert "3 more errors and 3 more warnings are summarized" in lines[-1]
