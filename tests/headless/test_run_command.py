"""`testtriage run --headless -- COMMAND`: a real command, its log kept, its failure diagnosed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from testtriage.cli import main

ENUM_ERROR = (
    'psycopg.errors.InvalidTextRepresentation: invalid input value for enum job_status: "done"'
)
OUTPUT = "\n".join(
    [
        "============================= test session starts ==============================",
        "collected 3 items",
        "",
        "tests/test_api.py .F.                                                    [100%]",
        "",
        "=================================== FAILURES ===================================",
        "_________________________________ test_create __________________________________",
        f"E       {ENUM_ERROR}",
        "",
        "tests/test_api.py:12: InvalidTextRepresentation",
        "=========================== short test summary info ============================",
        f"FAILED tests/test_api.py::test_create - {ENUM_ERROR}",
        "========================= 1 failed, 2 passed in 0.21s ==========================",
        "",
    ]
)
"""What the command prints, as pytest would."""


def test_a_failing_command_is_run_in_a_terminal_logged_and_diagnosed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "output.txt"
    output.write_text(OUTPUT)
    script = tmp_path / "fake_pytest.py"
    script.write_text(f"import sys\nprint(open({str(output)!r}).read(), end='')\nsys.exit(1)\n")
    log = tmp_path / "run.log"
    code = main(["run", "--headless", "--log", str(log), "--", sys.executable, str(script)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "1 test fails: invalid enum" in " ".join(out.split())
    assert "exited with status 1" in err
    assert f"output saved to {log}" in err
    assert "1 failed, 2 passed" in log.read_text()


def test_a_command_that_fails_without_saying_why_still_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.log"
    code = main(["run", "--headless", "--log", str(log), "--", sys.executable, "-c", "exit(3)"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "exited with status 3" in err


def test_a_missing_command_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--headless", "--log", str(tmp_path / "x.log"), "--", "no-such-cmd-xyz"])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
