"""Starting the TUI: bad input ends in one line and exit 2; standard input is moved aside."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from testtriage.cli import build_parser
from testtriage.tui import launch
from testtriage.tui.launch import StdinError, StdinSpool, run_command_tui, run_watch


def watch(*argv: str) -> int:
    return run_watch(build_parser().parse_args(["watch", *argv]))


def test_a_pattern_that_matches_nothing_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert watch(str(tmp_path / "*.log")) == 2
    err = capsys.readouterr().err
    assert err.startswith("testtriage: no file matches") and err.count("\n") == 1


def test_a_broken_rules_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("this is [not toml")
    assert watch("--rules", str(rules), str(tmp_path / "test.log")) == 2
    err = capsys.readouterr().err
    assert err.startswith("testtriage: ") and "Traceback" not in err


def test_an_unknown_claim_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert watch("--claim", "the moon is made of cheese", str(tmp_path / "a.log")) == 2
    assert "cannot tell which category" in capsys.readouterr().err


def test_run_without_a_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command_tui(build_parser().parse_args(["run", "--"])) == 2
    assert "no command given" in capsys.readouterr().err


def test_stdin_that_is_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch.os, "isatty", lambda fd: True)
    with pytest.raises(StdinError, match="nothing is piped"):
        StdinSpool.start()


def test_without_a_terminal_for_the_keys_the_summary_is_suggested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(launch.os, "isatty", lambda fd: False)

    def no_tty(path: str, flags: int) -> int:
        raise OSError(6, "No such device or address")

    monkeypatch.setattr(launch.os, "open", no_tty)
    with pytest.raises(StdinError, match="testtriage summary -"):
        StdinSpool.start()


def test_the_pipe_is_copied_into_the_spool_file_until_it_closes(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    spool = tmp_path / "spool.log"
    handle = os.open(spool, os.O_WRONLY | os.O_CREAT)
    stop, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=launch._spool, args=(read_end, handle, stop, done))
    thread.start()
    os.write(write_end, b"first line\n")
    os.write(write_end, b"second line\n")
    os.close(write_end)
    assert done.wait(5.0)
    thread.join(1.0)
    os.close(read_end)
    assert spool.read_bytes() == b"first line\nsecond line\n"


def test_the_spool_stops_when_asked_even_if_the_pipe_stays_open(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    handle = os.open(tmp_path / "spool.log", os.O_WRONLY | os.O_CREAT)
    stop, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=launch._spool, args=(read_end, handle, stop, done))
    thread.start()
    stop.set()
    assert done.wait(2.0)
    thread.join(1.0)
    os.close(read_end)
    os.close(write_end)
