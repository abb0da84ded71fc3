"""CommandRun: a command in a pseudo-terminal, its output in a log file, its exit status kept."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from testtriage.core.ingest import CommandError, CommandRun, FileFollower, SourceSpec

if TYPE_CHECKING:
    from conftest import Helpers


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_output_goes_to_the_log_and_the_exit_code_is_kept(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    run = CommandRun(python("print('ok'); import sys; sys.exit(3)"), log)
    assert run.wait(timeout=10) == 3
    assert run.done.is_set() and run.exit_code == 3
    assert log.read_bytes() == b"ok\n"


def test_the_command_sees_a_terminal_of_the_given_size(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    code = "import os, sys; print(sys.stdout.isatty(), os.get_terminal_size())"
    run = CommandRun(python(code), log, columns=100, rows=30)
    assert run.wait(timeout=10) == 0
    assert log.read_text() == "True os.terminal_size(columns=100, lines=30)\n"


def test_output_is_appended_to_an_existing_log(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(b"earlier\n")
    assert CommandRun(python("print('later')"), log).wait(timeout=10) == 0
    assert log.read_bytes() == b"earlier\nlater\n"


def test_a_missing_command_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        CommandRun(["no-such-command-for-testtriage", "--flag"], tmp_path / "run.log")
    assert str(info.value) == "command not found: no-such-command-for-testtriage"


def test_a_missing_working_directory_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(CommandError, match=r"^cannot run .*: no such directory: .*nowhere$"):
        CommandRun(python("pass"), tmp_path / "run.log", cwd=missing)


def test_an_unwritable_log_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^cannot write the log .*: no such file or directory$"):
        CommandRun(python("pass"), tmp_path / "no" / "run.log")


def test_terminate_stops_the_command_and_reports_the_signal(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "run.log"
    run = CommandRun(python("import time; print('started', flush=True); time.sleep(60)"), log)
    helpers.wait_for(lambda: log.read_bytes() == b"started\n")
    assert run.exit_code is None
    run.terminate(grace=5)
    assert run.wait(timeout=10) == 128 + signal.SIGTERM


def test_a_command_ignoring_sigterm_is_killed_after_the_grace_period(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "run.log"
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        " print('stubborn', flush=True); time.sleep(60)"
    )
    run = CommandRun(python(code), log)
    helpers.wait_for(lambda: log.read_bytes() == b"stubborn\n")
    run.terminate(grace=0.2)
    assert run.wait(timeout=10) == 128 + signal.SIGKILL


def test_the_log_can_be_followed_while_the_command_runs(
    tmp_path: Path, helpers: type[Helpers]
) -> None:
    log = tmp_path / "run.log"
    code = "import sys\nfor n in range(300): print(f'test {n} passed')\nsys.exit(1)"
    follower = FileFollower(SourceSpec(str(log)))
    run = CommandRun(python(code), log)
    lines: list[bytes] = []

    def all_read() -> bool:
        lines.extend(helpers.texts(follower.poll()))
        return len(lines) == 300

    helpers.wait_for(all_read)
    assert run.wait(timeout=10) == 1
    assert lines == [b"test %d passed" % n for n in range(300)]
